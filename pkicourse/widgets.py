"""Widgets for playing with real keys and certificates.

- :func:`key_explorer` (lessons 01-asymmetric-keys and 02-session-keys): choose a key type,
  press Generate, and see its type, size, fingerprint, public PEM, file sizes and how long it
  took. RSA-4096 can take seconds, so the key is made in a background thread while a
  progress line counts the time.
- :func:`who_can_open` (lesson 01-asymmetric-keys): every user has a real RSA-2048 key pair;
  lock a message for one user and watch who can open it.

- :func:`certificate_inspector` (lesson 03-certificates): pick a certificate (by default, every
  certificate in the course's data/ folder) and see each of its fields, with what it means.

Each widget has a method that does what its button does (``generate()``, ``try_open()``), so
you can also drive it from code.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pkicourse.asymmetric import decrypt, encrypt
from pkicourse.certificates import (
    CertificateDescription,
    describe,
    file_kind,
    load_certificates,
)
from pkicourse.data import data_files, data_path
from pkicourse.errors import (
    CourseError,
    DecryptionError,
    InvalidChoiceError,
    MessageTooLongError,
    UnknownKeyTypeError,
)
from pkicourse.keys import (
    KEY_TYPES,
    PrivateKey,
    describe_key,
    fingerprint,
    generate_private_key,
    openssl_generate_command,
    private_key_pem,
    public_key_pem,
)

__all__ = [
    "CertificateInspector",
    "KeyExplorer",
    "WhoCanOpen",
    "certificate_inspector",
    "key_explorer",
    "who_can_open",
]

_SPINNER = "◐◓◑◒"
_GREEN = "#007A55"
_RED = "#B34700"


# --- the key explorer ----------------------------------------------------------------------


class KeyExplorer(widgets.VBox):  # type: ignore[misc]
    """Choose a key type, press Generate, see the new key (lessons 01 and 02).

    The pieces are attributes: ``key_type`` (Dropdown), ``generate_button``, ``progress``
    (a Label showing the elapsed seconds), ``result`` (HTML) and ``key`` (the last key made).
    """

    def __init__(self, key_type: str = "ed25519", *, update_seconds: float = 0.1) -> None:
        if key_type not in KEY_TYPES:
            names = ", ".join(KEY_TYPES)
            raise UnknownKeyTypeError(f"{key_type!r} is not a course key type: use one of {names}.")
        self.update_seconds = update_seconds
        self.key: PrivateKey | None = None
        self.key_type = widgets.Dropdown(options=KEY_TYPES, value=key_type, description="Key type:")
        self.generate_button = widgets.Button(description="Generate", button_style="primary")
        self.progress = widgets.Label(value="Choose a key type and press Generate.")
        self.result = widgets.HTML(value="")
        self.generate_button.on_click(lambda _button: self.generate())
        controls = widgets.HBox([self.key_type, self.generate_button])
        super().__init__(children=[controls, self.progress, self.result])

    def generate(self) -> PrivateKey:
        """What the Generate button does: make a key of the chosen type, show it, return it."""
        key_type = self.key_type.value
        self.generate_button.disabled = True
        try:
            key, seconds = self._make_key_showing_progress(key_type)
        finally:
            self.generate_button.disabled = False
        self.key = key
        self.progress.value = f"✔ made a {key_type} key in {seconds:.2f} s"
        self.result.value = _key_report_html(key, key_type, seconds)
        return key

    def _make_key_showing_progress(self, key_type: str) -> tuple[PrivateKey, float]:
        """Make the key in a background thread; meanwhile count the seconds in ``progress``."""
        made: list[PrivateKey] = []
        failed: list[Exception] = []

        def work() -> None:
            try:
                made.append(generate_private_key(key_type))
            except Exception as err:  # handed to the main thread, raised there
                failed.append(err)

        worker = threading.Thread(target=work)
        started = time.perf_counter()
        worker.start()
        tick = 0
        while worker.is_alive():
            elapsed = time.perf_counter() - started
            self.progress.value = f"{_SPINNER[tick % 4]} making a {key_type} key… {elapsed:.1f} s"
            tick += 1
            worker.join(timeout=self.update_seconds)
        seconds = time.perf_counter() - started
        if failed:
            raise failed[0]
        return made[0], seconds


def key_explorer(key_type: str = "ed25519") -> KeyExplorer:
    """A widget to make keys of every type and compare them (lessons 01 and 02)."""
    return KeyExplorer(key_type)


def _key_size_bits(key: PrivateKey) -> int:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.key_size  # the size of the modulus n
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.curve.key_size
    return 256  # Ed25519: a 255-bit curve, keys are 32 bytes


def _key_report_html(key: PrivateKey, key_type: str, seconds: float) -> str:
    """A table about the key, then its public PEM."""
    private_pem, public_pem = private_key_pem(key), public_key_pem(key)
    rows = [
        ("Type", describe_key(key)),
        ("Size", f"{_key_size_bits(key)} bits"),
        ("Fingerprint (SHA-256)", fingerprint(key)),
        ("Private key file", f"{len(private_pem):,} bytes of PEM: keep it secret (server.key)"),
        ("Public key file", f"{len(public_pem):,} bytes of PEM: share it (server.pem)"),
        ("Time to make", f"{seconds:.3f} s"),
        ("Same with openssl", openssl_generate_command(key_type, "server.key")),
    ]
    cells = "".join(
        f"<tr><th style='text-align:left; padding-right:1em'>{name}</th>"
        f"<td style='word-break:break-all'><code>{html.escape(value)}</code></td></tr>"
        for name, value in rows
    )
    return f"<table>{cells}</table><pre>{html.escape(public_pem.decode())}</pre>"


# --- who can open it? ----------------------------------------------------------------------


class WhoCanOpen(widgets.VBox):  # type: ignore[misc]
    """Lock a message for one user, let another try to open it (lesson 01-asymmetric-keys).

    Every user gets a real RSA-2048 key pair when the widget is made: ``private_keys["bob"]``
    (its public half is ``private_keys["bob"].public_key()``).
    """

    def __init__(self, users: Sequence[str] = ("alice", "bob", "carol")) -> None:
        users = list(users)
        if not users or len(set(users)) != len(users):
            raise InvalidChoiceError(
                f"who_can_open needs one or more different user names, got {users!r}: "
                'try who_can_open(("alice", "bob", "carol")).'
            )
        self.private_keys = {name: generate_private_key("rsa-2048") for name in users}
        self.message = widgets.Text(value="hello", description="Message:")
        default = users[min(1, len(users) - 1)]
        self.recipient = widgets.Dropdown(options=users, value=default, description="Lock for:")
        self.opener = widgets.Dropdown(options=users, value=default, description="Who opens:")
        self.lock_button = widgets.Button(description="Lock, then try to open", icon="lock")
        self.result = widgets.HTML(value="")
        self.lock_button.on_click(
            lambda _button: self.try_open(self.recipient.value, self.opener.value)
        )
        fingerprints = "<br>".join(
            f"{html.escape(name)}'s public key: <code>{fingerprint(key)[:23]}…</code>"
            for name, key in self.private_keys.items()
        )
        choices = widgets.HBox([self.recipient, self.opener])
        children = [widgets.HTML(fingerprints), self.message, choices, self.lock_button]
        super().__init__(children=[*children, self.result])

    def try_open(self, recipient: str, opener: str) -> str:
        """What the button does: lock with ``recipient``'s public key, open with ``opener``'s
        private key. Returns the outcome, "✔ ..." or "✘ ...", and shows it."""
        for name in (recipient, opener):
            if name not in self.private_keys:
                users = ", ".join(self.private_keys)
                raise InvalidChoiceError(
                    f"{name!r} is not one of the users: choose one of {users}."
                )
        self.recipient.value, self.opener.value = recipient, opener
        public_key = self.private_keys[recipient].public_key()
        try:
            ciphertext = encrypt(public_key, self.message.value.encode())
        except MessageTooLongError as err:
            return self._show(f"✘ MessageTooLongError: {err}", b"")
        try:
            opened = decrypt(self.private_keys[opener], ciphertext)
        except DecryptionError:
            outcome = f"✘ {opener} cannot open a message locked for {recipient} (DecryptionError)"
            return self._show(outcome, ciphertext)
        return self._show(f"✔ {opener} opened it: {opened.decode()!r}", ciphertext)

    def _show(self, outcome: str, ciphertext: bytes) -> str:
        """Put the ciphertext's first bytes and the outcome in ``result``; return the outcome."""
        colour = _GREEN if outcome.startswith("✔") else _RED
        lines = [f"<span style='color:{colour}'><b>{html.escape(outcome)}</b></span>"]
        if ciphertext:
            first_bytes = ciphertext[:16].hex(" ")
            lines.insert(0, f"ciphertext ({len(ciphertext)} bytes): <code>{first_bytes} …</code>")
        self.result.value = "<br>".join(lines)
        return outcome


def who_can_open(users: Sequence[str] = ("alice", "bob", "carol")) -> WhoCanOpen:
    """A widget where each user has a real key pair: who can open a locked message? (lesson 01)"""
    return WhoCanOpen(users)


# --- the certificate inspector -------------------------------------------------------------


class CertificateInspector(widgets.VBox):  # type: ignore[misc]
    """Pick a certificate, see its fields, each explained (lesson 03-certificates).

    The pieces are attributes: ``picker`` (a Dropdown of names), ``table`` (HTML),
    ``certificates`` (name → x509.Certificate) and ``problems`` (name → why a file of data/
    could not be loaded: it is listed too, and picking it shows why). ``show(name)`` does what
    picking does.
    """

    def __init__(self, certificates: Mapping[str, x509.Certificate] | None = None) -> None:
        if certificates is None:
            self.certificates, self.problems = _data_certificates()
        else:
            self.certificates, self.problems = _checked_certificates(certificates), {}
        names = sorted([*self.certificates, *self.problems])
        self.picker = widgets.Dropdown(
            options=names,
            value=names[0],
            description="Certificate:",
            layout=widgets.Layout(width="max-content"),
        )
        self.table = widgets.HTML(value="")
        self.description: CertificateDescription | None = None
        self.picker.observe(self._picked, names="value")
        super().__init__(children=[self.picker, self.table])
        self.show(names[0])

    def show(self, name: str) -> CertificateDescription | None:
        """What picking ``name`` does: show its description (returned), or why it cannot be
        read (then ``None``)."""
        if name not in self.certificates and name not in self.problems:
            raise InvalidChoiceError(
                f"{name!r:.80} is not one of the certificates offered: pick one of "
                f"{', '.join(list(self.picker.options)[:5])}…"
            )
        if self.picker.value != name:
            self.picker.value = name  # calls back into show() through _picked
            return self.description
        if name in self.problems:
            self.description = None
            problem = html.escape(self.problems[name])
            self.table.value = f"<span style='color:{_RED}'><b>✘ {problem}</b></span>"
            return None
        self.description = describe(self.certificates[name])
        self.table.value = self.description._repr_html_()
        return self.description

    def _picked(self, change: dict[str, Any]) -> None:
        self.show(change["new"])


def certificate_inspector(
    certificates: Mapping[str, x509.Certificate] | None = None,
) -> CertificateInspector:
    """A dropdown of certificates and a table of the chosen one's fields (lesson 03).

    By default, every certificate in the course's data/ folder (a chain file gives one entry
    per certificate: ``"real/chains/cryptography.io-2018.pem (1 of 2)"``). Or give your own:
    ``certificate_inspector({"my server": cert})``.
    """
    return CertificateInspector(certificates)


def _checked_certificates(
    certificates: Mapping[str, x509.Certificate],
) -> dict[str, x509.Certificate]:
    if not isinstance(certificates, Mapping) or not certificates:
        raise InvalidChoiceError(
            "certificate_inspector takes a non-empty dict of name → x509.Certificate, such as "
            "{'my server': cert}; or nothing, for the certificates in data/."
        )
    for name, cert in certificates.items():
        if not isinstance(name, str) or not isinstance(cert, x509.Certificate):
            raise InvalidChoiceError(
                f"certificate_inspector needs names (str) mapped to x509.Certificate objects; "
                f"got {type(name).__name__} → {type(cert).__name__}."
            )
    return dict(certificates)


def _data_certificates() -> tuple[dict[str, x509.Certificate], dict[str, str]]:
    """Every certificate in data/, by name; and the certificate files that cannot be loaded."""
    found: dict[str, x509.Certificate] = {}
    problems: dict[str, str] = {}
    for name in data_files():
        path = data_path(name)
        if file_kind(path) not in ("certificate", "certificates"):
            continue
        try:
            certs = load_certificates(path)
        except CourseError as err:
            problems[name] = f"{type(err).__name__}: {err}"
            continue
        for number, cert in enumerate(certs, start=1):
            found[name if len(certs) == 1 else f"{name} ({number} of {len(certs)})"] = cert
    return found, problems
