"""The note's admin and SSH: key pairs, a real SSH server, trust on first use (lesson 08).

Lesson 08-putting-it-together uses everything here ("Admin uses an asymmetric pair of keys to
secure ssh access to the server"):

1. :func:`make_ssh_keypair` makes the admin's key pair with ``cryptography``
   (``PrivateFormat.OpenSSH`` / ``PublicFormat.OpenSSH``): the private key as OpenSSH writes it
   (``-----BEGIN OPENSSH PRIVATE KEY-----``), the public half as one line, and its ``SHA256:``
   fingerprint exactly as ``ssh-keygen -l`` prints it (:func:`fingerprint`: SHA-256 of the
   key's SSH wire format, base64 without ``=`` padding). :func:`authorized_keys_line` is the
   line that goes into the server's ``~/.ssh/authorized_keys``; :func:`save_keypair` writes the
   ``ssh-keygen`` layout (``id_ed25519`` mode 0600, ``id_ed25519.pub``).
2. :func:`ssh_server` runs a real SSH server (``asyncssh.listen``) on 127.0.0.1, on a port the
   operating system picks, in a background thread with its own event loop. It allows public-key
   authentication only, and only for the listed keys; it answers ``whoami`` and ``hostname``
   and echoes anything else. Leaving the ``with`` block stops it and joins its thread.
3. :func:`ssh_login` logs in (``asyncssh.connect`` in a thread with its own event loop, so it
   also works inside Jupyter's running loop). Its :class:`KnownHosts` models OpenSSH's
   ``known_hosts``: an unknown host gets OpenSSH's first-connection prompt (trust on first use),
   a known host that shows another key is refused as ``REMOTE HOST IDENTIFICATION HAS
   CHANGED``, and a key the server does not list is refused with ``Permission denied
   (publickey)``.
4. SSH certificates, the bridge to the CA model of TLS: :func:`sign_host_key` makes an OpenSSH
   host certificate (``SSHKey.generate_host_certificate``); a ``@cert-authority`` line in
   known_hosts (:meth:`KnownHosts.trust_ca`) then trusts every host the CA signed, with no
   prompt. The other way round, :func:`sign_user_key` makes a user certificate, and a server
   whose authorized_keys holds ``cert-authority <CA key>`` lets in every user the CA signed
   (``ssh_login(..., certificate=...)``). As in OpenSSH, a host certificate that is not
   accepted (unknown CA, another name, expired) leaves its plain key, checked as any other.

Simplified against OpenSSH, said plainly: the server runs no shell (three canned answers);
the known_hosts here lives in memory (``lines()`` is its file; ``ssh_login`` checks it as
``StrictHostKeyChecking=ask`` with the answer "no", or ``accept-new`` with
``trust_on_first_use=True``); no hashed host names (``HashKnownHosts``, Debian's default);
no ``@revoked`` lines. A known host showing a key of another type is refused as changed, as
OpenSSH 9.2 does (measured).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import threading
import time
import warnings
from collections.abc import Coroutine, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import asyncssh
from asyncssh.public_key import get_default_certificate_algs, get_default_public_key_algs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning

from pkicourse.errors import ArgumentError, CourseError, ServerError, UnknownKeyTypeError
from pkicourse.keys import _write_atomically
from pkicourse.tls import _shown

__all__ = [
    "KnownHosts",
    "Login",
    "SSHError",
    "SSHKeyPair",
    "SSHLogin",
    "SSHServer",
    "authorized_keys_line",
    "fingerprint",
    "make_ssh_keypair",
    "save_keypair",
    "sign_host_key",
    "sign_user_key",
    "ssh_keygen_l",
    "ssh_login",
    "ssh_server",
]

HOST = "127.0.0.1"  # the course's SSH server listens here only
SERVER_NAME = "bank.example"  # what the server's ``hostname`` command answers
_TIMEOUT = 2.0  # seconds a login may take; a local one takes milliseconds
_BACKDATE = 300  # seconds a certificate is valid before it is made (clocks differ a little)
_T = TypeVar("_T")


class SSHError(CourseError, ValueError):
    """An SSH public-key line, key or certificate the course cannot use (lesson 08)."""


# --- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SSHKeyPair:
    """An SSH key pair as ``ssh-keygen`` makes it (lesson 08).

    ``private_openssh``: the private key, PEM ``OPENSSH PRIVATE KEY`` (never shown by ``repr``);
    ``public_line``: ``"ssh-ed25519 AAAA... comment"``; ``fingerprint``: ``"SHA256:..."``.
    """

    private_openssh: bytes = field(repr=False)
    public_line: str
    fingerprint: str
    kind: str


def make_ssh_keypair(
    kind: Literal["ed25519", "rsa", "ecdsa"] = "ed25519", *, comment: str = "admin@laptop"
) -> SSHKeyPair:
    """Make a key pair like ``ssh-keygen -t KIND``: Ed25519, RSA-3072 or ECDSA P-256.

    3072 bits and P-256 are ``ssh-keygen``'s defaults. No passphrase: the course's throwaway
    keys only (a real admin key gets one: ``ssh-keygen`` asks for it).
    """
    if not isinstance(comment, str) or any(c.isspace() and c != " " for c in comment):
        raise ArgumentError("comment must be text on one line, such as 'admin@laptop'.")
    private_key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if kind == "ed25519":
        private_key = ed25519.Ed25519PrivateKey.generate()
    elif kind == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    elif kind == "ecdsa":
        private_key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise UnknownKeyTypeError(
            f"SSH key kind {_shown(kind)}: choose 'ed25519', 'rsa' or 'ecdsa'."
        )
    private_openssh = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = private_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    public_line = f"{public.decode()} {comment}".rstrip()
    return SSHKeyPair(private_openssh, public_line, fingerprint(public_line), kind)


_NOT_A_LINE = (
    "This is not an OpenSSH public-key line: expected 'TYPE BASE64 [comment]', as in "
    "id_ed25519.pub (SSHKeyPair.public_line)."
)
_KEY_TYPE = re.compile(r"(ssh-|ecdsa-sha2-|sk-)[a-z0-9@.-]{1,60}")


def _other_format(text: str) -> str:
    """Words for a known format that is not a public-key line; "" when none is recognised.
    They name the format, never repeat the text (it may be a private key)."""
    fields = text.split()
    if "PRIVATE KEY-----" in text:
        return (
            "This is a private key, not an OpenSSH public-key line: keep it secret. Give the "
            "public half, the .pub file's line (SSHKeyPair.public_line)."
        )
    if text.startswith("---- BEGIN SSH2 PUBLIC KEY"):
        return (
            "This is an SSH2 public key (RFC 4716, as PuTTY or ssh-keygen -e write it), not "
            "OpenSSH's one line: convert it with ssh-keygen -i -f FILE."
        )
    if text.startswith("-----BEGIN"):
        return (
            "This is a PEM key, not an OpenSSH public-key line: convert a PEM public key "
            "with ssh-keygen -i -m PKCS8 -f FILE."
        )
    if len(text.splitlines()) > 1:
        return f"Give one public-key line, not {len(text.splitlines())} lines: one key at a time."
    if fields[0].startswith("|1|"):
        return (
            "This is a hashed known_hosts line (|1|..., HashKnownHosts): the course's "
            "KnownHosts does not support hashed host names. Give the key part, or the host "
            "name in clear."
        )
    if fields[0].startswith("@"):
        return (
            f"This known_hosts line starts with the marker {fields[0][:20]!r}: @revoked lines "
            "are not supported by the course's KnownHosts; @cert-authority lines are made with "
            "KnownHosts.trust_ca(ca_public_line)."
        )
    at = next((i for i, f in enumerate(fields[1:], 1) if _KEY_TYPE.fullmatch(f)), 0)
    if at and len(fields) > at + 1 and not _KEY_TYPE.fullmatch(fields[0]):
        if "=" in fields[0] or fields[0].startswith(("no-", "restrict", "cert-authority")):
            return (
                "This authorized_keys line starts with options: give the key part only ('TYPE "
                "BASE64 comment'); authorized_keys_line(key, options=[...]) adds options."
            )
        return (
            "This is a known_hosts line (a host, then the key): give the key part only "
            "('TYPE BASE64'), or KnownHosts.add(host, key_line)."
        )
    return ""


def _key_blob(public_line: str) -> tuple[str, bytes]:
    """The key type and wire-format bytes of a public-key line (``type base64 [comment]``);
    the key inside is checked whole (``asyncssh.import_public_key`` / ``import_certificate``)."""
    if not isinstance(public_line, str):
        raise SSHError(
            f"Give the public key as one line of text ('ssh-ed25519 AAAA... comment'), not "
            f"{type(public_line).__name__}."
        )
    text = public_line.strip()
    if not text:
        raise SSHError(_NOT_A_LINE)
    other = _other_format(text)
    if other:
        raise SSHError(other)
    fields = text.split()
    try:
        blob = base64.b64decode(fields[1], validate=True)
        named = blob[4 : 4 + int.from_bytes(blob[:4], "big")].decode("ascii")
    except (IndexError, ValueError):
        raise SSHError(_NOT_A_LINE) from None
    if not _KEY_TYPE.fullmatch(named):
        raise SSHError("The key inside this line is damaged or cut short: copy the whole line "
                       "again from the .pub file.")  # fmt: skip
    if named != fields[0]:
        raise SSHError(
            f"The line says {_shown(fields[0])} but its key is {_shown(named)}: it was altered."
        )
    _check_whole(named, fields[1])
    return fields[0], blob


def _check_whole(key_type: str, b64: str) -> None:
    """The key itself, read by asyncssh: a cut or altered key is refused here."""
    importer = (
        asyncssh.import_certificate
        if key_type.endswith("-cert-v01@openssh.com")
        else asyncssh.import_public_key
    )
    try:
        importer(f"{key_type} {b64}")
    except (ValueError, TypeError, asyncssh.KeyImportError):
        raise SSHError(
            f"The {key_type} key inside this line is damaged or cut short: copy the whole line "
            "again from the .pub file."
        ) from None


def fingerprint(public_line: str) -> str:
    """OpenSSH's fingerprint of a public-key line: ``SHA256:`` + base64 without ``=`` padding.

    The SHA-256 of the key's wire format (the base64 field decoded), as ``ssh-keygen -l`` and
    the first-login prompt print it. Not the SPKI hash, not a certificate's fingerprint.
    """
    key_type, blob = _key_blob(public_line)
    if key_type.endswith("-cert-v01@openssh.com"):  # ssh-keygen -l: the certified key's own
        blob = asyncssh.import_certificate(" ".join(public_line.split()[:2])).key.public_data
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


_TYPE_NAMES = {
    "ssh-ed25519": "ED25519",
    "ssh-rsa": "RSA",
    "ssh-dss": "DSA",
    "sk-ssh-ed25519@openssh.com": "ED25519-SK",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK",
}
_CERT = "-cert-v01@openssh.com"


def _type_name(key_type: str) -> str:
    """The type name OpenSSH prints: ``ED25519``, ``RSA``, ``ECDSA``, ``ED25519-CERT``..."""
    plain = key_type.removesuffix(_CERT)
    name = "ECDSA" if plain.startswith("ecdsa-") else _TYPE_NAMES.get(plain, plain)
    return name + "-CERT" if key_type.endswith(_CERT) else name


def ssh_keygen_l(public_line: str) -> str:
    """What ``ssh-keygen -l -f key.pub`` prints: bits, fingerprint, comment, (TYPE)."""
    key_type, _ = _key_blob(public_line)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)  # DSA keys
            public = serialization.load_ssh_public_key(" ".join(public_line.split()[:2]).encode())
    except (ValueError, UnsupportedAlgorithm):
        raise SSHError(
            f"The {key_type} key inside this line cannot be read (damaged, or a kind "
            "cryptography does not know): copy the whole line again from the .pub file."
        ) from None
    sized = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | dsa.DSAPublicKey
    bits = public.key_size if isinstance(public, sized) else 256
    comment = " ".join(public_line.split()[2:]) or "no comment"
    return f"{bits} {fingerprint(public_line)} {comment} ({_type_name(key_type)})"


def authorized_keys_line(public_line: str, *, options: Iterable[str] = ()) -> str:
    """The line for ``~/.ssh/authorized_keys``: ``[options ]type base64 comment``.

    ``options`` (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), e.g. ``'from="127.0.0.1"'``,
    ``"no-port-forwarding"``, are joined with commas in front of the key.
    """
    _key_blob(public_line)
    if isinstance(options, str):
        options = [options]  # one option, not its letters
    if not isinstance(options, Iterable):
        raise ArgumentError(
            f"options must be a list of authorized_keys options such as ['no-pty'], not "
            f"{type(options).__name__}."
        )
    chosen = list(options)
    for option in chosen:
        unquoted = re.sub(r'"[^"\n]*"', "", option) if isinstance(option, str) else " "
        if not unquoted or any(c.isspace() or c == "," for c in unquoted):
            raise ArgumentError(
                f"{_shown(option)} is not one authorized_keys option such as 'no-pty' or "
                f"'from=\"127.0.0.1\"' (spaces and commas only inside quotes)."
            )
    return (",".join(chosen) + " " if chosen else "") + public_line.strip()


def save_keypair(pair: SSHKeyPair, folder: str | os.PathLike[str], name: str) -> tuple[Path, Path]:
    """Write ``folder/name`` (private, mode 0600) and ``folder/name.pub`` (0644), as ssh-keygen.

    OpenSSH refuses a private key file that others can read. An existing file is never
    replaced (``KeyFileExistsError``). Returns the two paths.
    """
    _check_pair(pair, "pair")
    if not isinstance(name, str) or not name or "/" in name or "\x00" in name:
        raise ArgumentError(f"name must be a file name such as 'id_ed25519', not {_shown(name)}.")
    if not isinstance(folder, (str, os.PathLike)) or "\x00" in os.fspath(folder):
        raise ArgumentError(f"folder must be a folder's name (str or Path), not {_shown(folder)}.")
    private_path = Path(folder) / name
    public_path = Path(folder) / f"{name}.pub"
    _write_atomically(private_path, pair.private_openssh, 0o600, False)
    _write_atomically(public_path, (pair.public_line + "\n").encode(), 0o644, False)
    return private_path, public_path


# --- SSH certificates -------------------------------------------------------------------------


def _check_pair(pair: object, what: str) -> SSHKeyPair:
    if not isinstance(pair, SSHKeyPair):
        raise ArgumentError(
            f"{what} must be an SSHKeyPair from make_ssh_keypair(), not {type(pair).__name__}."
        )
    return pair


def _private_key(pair: SSHKeyPair, what: str) -> asyncssh.SSHKey:
    """``pair``'s private key, read by asyncssh; a course error (no key bytes) otherwise."""
    try:
        return asyncssh.import_private_key(pair.private_openssh)
    except (ValueError, TypeError, asyncssh.KeyImportError) as error:
        if "assphrase" in str(error):
            raise SSHError(
                f"{what}'s private key is encrypted with a passphrase; the course's SSH helpers "
                "take keys without one (make_ssh_keypair(), or ssh-keygen -N '')."
            ) from None
        raise SSHError(
            f"{what}'s private_openssh is not an OpenSSH private key (-----BEGIN OPENSSH "
            "PRIVATE KEY-----): use the SSHKeyPair make_ssh_keypair() returned."
        ) from None


def _public_key(pair: SSHKeyPair, what: str) -> asyncssh.SSHKey:
    _key_blob(pair.public_line)
    return asyncssh.import_public_key(" ".join(pair.public_line.split()[:2]))


_MAX_DAYS = 36500  # a hundred years: beyond that a certificate's end is "forever" anyway


def _principals_and_days(principals: Iterable[str], days: int, what: str) -> list[str]:
    if not isinstance(principals, (str, Iterable)):
        raise ArgumentError(f"principals: give the {what} as a list, such as ['bank.example'].")
    names = [principals] if isinstance(principals, str) else list(principals)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ArgumentError(
            f"principals: give the {what}, such as ['bank.example'], not {_shown(names)}."
        )
    if type(days) is not int or not 1 <= days <= _MAX_DAYS:
        raise ArgumentError(
            f"days must be a whole number of days from 1 to {_MAX_DAYS}, not {_shown(days)}."
        )
    return names


def sign_host_key(
    ca: SSHKeyPair, host: SSHKeyPair, principals: Iterable[str], *, days: int = 30
) -> str:
    """An OpenSSH host certificate for ``host``'s key, signed by ``ca`` (``ssh-keygen -s -h``).

    ``principals``: the host names it is valid for (e.g. ``["bank.example"]``). Valid from 5
    minutes ago for ``days`` days. Returns the certificate line (the ``-cert.pub`` file).
    """
    _check_pair(ca, "ca"), _check_pair(host, "host")
    names = _principals_and_days(principals, days, "host names")
    now = int(time.time())
    certificate = _private_key(ca, "ca").generate_host_certificate(
        _public_key(host, "host"),
        key_id=f"{names[0]} host key",
        principals=names,
        valid_after=now - _BACKDATE,
        valid_before=now + days * 86400,
        comment=f"{names[0]} host certificate",
    )
    return certificate.export_certificate("openssh").decode().strip()


def sign_user_key(
    ca: SSHKeyPair, user: SSHKeyPair, principals: Iterable[str], *, days: int = 1
) -> str:
    """An OpenSSH user certificate for ``user``'s key, signed by ``ca`` (``ssh-keygen -s``).

    ``principals``: the user names it lets in (e.g. ``["admin"]``); a server trusts it through
    an authorized_keys line ``cert-authority <CA public key>``. Short-lived (default 1 day):
    that is what replaces revoking. Returns the certificate line (``id_ed25519-cert.pub``).
    """
    _check_pair(ca, "ca"), _check_pair(user, "user")
    names = _principals_and_days(principals, days, "user names")
    now = int(time.time())
    certificate = _private_key(ca, "ca").generate_user_certificate(
        _public_key(user, "user"),
        key_id=f"{names[0]} user key",
        principals=names,
        valid_after=now - _BACKDATE,
        valid_before=now + days * 86400,
        comment=f"{names[0]} user certificate",
    )
    return certificate.export_certificate("openssh").decode().strip()


# --- running asyncssh in a thread of its own -------------------------------------------------


def _run_in_thread(coroutine: Coroutine[Any, Any, _T], timeout: float) -> _T:
    """Run ``coroutine`` with ``asyncio.run`` in a new thread, wait for it, join the thread.

    Jupyter's kernel already runs an event loop in the main thread, where ``asyncio.run``
    is refused; a thread has none. ``timeout`` bounds the wait (the coroutine has its own).
    """
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(coroutine))
        except BaseException as error:  # handed to the caller's thread below
            failure.append(error)

    worker = threading.Thread(target=run, name="pkicourse-ssh-client", daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if worker.is_alive():
        raise ServerError(f"The SSH client did not finish within {timeout + 1.0:.0f} s.")
    if failure:
        raise failure[0]
    return outcome[0]


# --- the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """One public-key login attempt the server saw: who, with which key, let in or not.

    ``via="certificate"``: a user certificate let the user in; ``key_fingerprint`` is then the
    CA key of the ``cert-authority`` line that matched. (A refused certificate is not noted.)
    """

    username: str
    key_fingerprint: str
    accepted: bool
    via: str = "key"


@dataclass(frozen=True)
class SSHServer:
    """A running :func:`ssh_server` (lesson 08). ``logins`` and ``commands`` fill up live."""

    host: str
    port: int
    host_key_fingerprint: str
    host_public_line: str
    host_certificate: str | None
    logins: list[Login]
    commands: list[str]

    def known_hosts_line(self, name: str | None = None) -> str:
        """This server's line for a known_hosts file: ``[127.0.0.1]:PORT ssh-ed25519 AAAA...``."""
        host = name if name is not None else f"[{self.host}]:{self.port}"
        return f"{host} {' '.join(self.host_public_line.split()[:2])}"


class _AuthorizedKeys(asyncssh.SSHAuthorizedKeys):
    """asyncssh's authorized_keys (options such as from= apply), noting the key it lets in."""

    def __init__(self, text: str, accepted: list[tuple[str, bool]]) -> None:
        super().__init__(text)
        self.accepted = accepted

    def validate(
        self,
        key: asyncssh.SSHKey,
        client_host: str,
        client_addr: str,
        cert_principals: Sequence[str] | None = None,
        ca: bool = False,
    ) -> Mapping[str, object] | None:
        options = super().validate(key, client_host, client_addr, cert_principals, ca)
        if options is not None:  # ca=True: key is the CA's, which signed the user's certificate
            self.accepted.append((str(key.get_fingerprint("sha256")), ca))
        return options


class _Server(asyncssh.SSHServer):
    """One connection to the course server: public keys only, each attempt noted."""

    def __init__(self, owner: _ServerThread) -> None:
        self.owner = owner
        self.connection: asyncssh.SSHServerConnection | None = None
        self.username = ""
        self.accepted: list[tuple[str, bool]] = []

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.connection = conn
        self.owner.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.connection is not None:
            self.owner.connections.discard(self.connection)

    def begin_auth(self, username: str) -> bool:
        self.username = username
        if username == self.owner.username and self.connection is not None:
            self.connection.set_authorized_keys(
                _AuthorizedKeys(self.owner.authorized_text, self.accepted)
            )
        return True  # authentication is always required

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Called for a key not in authorized_keys (or another user): refused, and noted."""
        fp = str(key.get_fingerprint("sha256"))
        self.owner.logins.append(Login(username, fp, False))
        return False

    def auth_completed(self) -> None:
        fp, ca = self.accepted[-1] if self.accepted else ("?", False)
        self.owner.logins.append(Login(self.username, fp, True, "certificate" if ca else "key"))


class _ServerThread:
    """The thread and event loop of one :func:`ssh_server`."""

    def __init__(self, authorized_text: str, username: str, host_key: SSHKeyPair,
                 certificates: list[asyncssh.SSHCertificate]) -> None:  # fmt: skip
        self.authorized_text = authorized_text
        self.username = username
        self.host_key = asyncssh.import_private_key(host_key.private_openssh)
        self.certificates = certificates
        self.logins: list[Login] = []
        self.commands: list[str] = []
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="pkicourse-ssh-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start()
            self.error = error
        finally:
            self.ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        acceptor = await asyncssh.listen(
            HOST, 0, server_factory=lambda: _Server(self), server_host_keys=[self.host_key],
            server_host_certs=self.certificates, process_factory=self._answer,
            password_auth=False, kbdint_auth=False, gss_host=None, login_timeout=_TIMEOUT,
        )  # fmt: skip
        self.port = acceptor.get_port()
        self.ready.set()
        try:
            await self.stopping.wait()
        finally:
            acceptor.close()
            await acceptor.wait_closed()
            for connection in list(self.connections):
                connection.close()
                await connection.wait_closed()

    def _answer(self, process: asyncssh.SSHServerProcess[str]) -> None:
        """``whoami`` → the user name, ``hostname`` → bank.example, anything else is echoed."""
        command = process.command
        self.commands.append(command or "")
        if command is None:
            answer = f"Welcome to {SERVER_NAME}. This course server runs no shell."
        elif command.strip() == "whoami":
            answer = self.username
        elif command.strip() == "hostname":
            answer = SERVER_NAME
        else:
            answer = command
        process.stdout.write(answer + "\n")
        process.exit(0)

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(5.0) or self.error is not None or not self.port:
            self.stop()
            raise ServerError(f"The SSH server could not start on {HOST}: {self.error}.")

    def stop(self) -> None:
        if self.loop is not None and self.stopping is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self.stopping.set)
            except RuntimeError:
                pass  # the loop has ended already
        self.thread.join(5.0)


@contextmanager
def ssh_server(
    authorized_keys: Iterable[str],
    *,
    host_key: SSHKeyPair | None = None,
    host_certificate: str | None = None,
    username: str = "admin",
) -> Iterator[SSHServer]:
    """Run an SSH server (asyncssh) on 127.0.0.1 until the ``with`` block ends (lesson 08).

    ``authorized_keys``: lines of the user's ``~/.ssh/authorized_keys``
    (:func:`authorized_keys_line`, or public-key lines). Only public-key authentication, only
    for ``username`` and only with those keys: no passwords. ``host_key``: the server's own key
    pair (a new Ed25519 one if None); ``host_certificate``: its :func:`sign_host_key` line.
    The port is chosen by the operating system. Leaving the block, even through an exception,
    closes every connection, stops the event loop and joins the thread.
    """
    if not isinstance(authorized_keys, (str, Iterable)):
        raise ArgumentError(
            "authorized_keys must be a list of lines such as [authorized_keys_line(admin."
            f"public_line)], not {type(authorized_keys).__name__}."
        )
    lines = [authorized_keys] if isinstance(authorized_keys, str) else list(authorized_keys)
    if not all(isinstance(line, str) for line in lines):
        raise ArgumentError("authorized_keys must hold lines of text (public-key lines).")
    if not isinstance(username, str) or not username:
        raise ArgumentError(
            f"username must be a user name such as 'admin', not {_shown(username)}."
        )
    text = "\n".join(lines)
    try:
        asyncssh.import_authorized_keys(text)
    except (ValueError, TypeError) as error:
        raise SSHError(
            "authorized_keys holds no usable key line: give lines such as "
            "authorized_keys_line(admin.public_line)."
        ) from error
    host_key = host_key if host_key is not None else make_ssh_keypair(comment="root@bank.example")
    _private_key(_check_pair(host_key, "host_key"), "host_key")
    certificates = []
    if host_certificate is not None:
        certificates.append(_import_certificate(host_certificate, host_key, "host_certificate"))
    runner = _ServerThread(text, username, host_key, certificates)
    runner.start()
    try:
        yield SSHServer(
            HOST, runner.port, host_key.fingerprint, host_key.public_line, host_certificate,
            runner.logins, runner.commands,
        )  # fmt: skip
    finally:
        runner.stop()


def _import_certificate(certificate: str, key: SSHKeyPair, what: str) -> asyncssh.SSHCertificate:
    """The certificate object (a ``str`` given to asyncssh would be read as a file name),
    checked to certify ``key``: nobody can use a certificate made for another key."""
    if not isinstance(certificate, str):
        raise ArgumentError(
            f"{what} must be the certificate line sign_host_key / sign_user_key returned, not "
            f"{type(certificate).__name__}."
        )
    try:
        cert = asyncssh.import_certificate(certificate)
    except (ValueError, TypeError, asyncssh.KeyImportError) as error:
        raise SSHError(f"{what} is not an OpenSSH certificate line.") from error
    if cert.key.public_data != asyncssh.import_public_key(key.public_line).public_data:
        raise SSHError(f"{what} certifies another key than {key.public_line.split()[-1]!r}.")
    return cert


# --- the client: known_hosts and logging in ---------------------------------------------------


def _plain_key_blob(public_line: str, instead: str) -> tuple[str, bytes]:
    """A plain key for known_hosts: OpenSSH puts no certificate there."""
    key_type, blob = _key_blob(public_line)
    if key_type.endswith(_CERT):
        raise SSHError(
            f"This is an SSH certificate; known_hosts holds plain keys only: give {instead}. "
            "The server shows its certificate itself (ssh_server(host_certificate=...))."
        )
    return key_type, blob


def _check_host(host: object, what: str) -> None:
    """One known_hosts host field: a name, ``[127.0.0.1]:PORT``, or comma-separated patterns."""
    if not isinstance(host, str) or not host:
        raise ArgumentError(
            f"{what} must be a host such as '[127.0.0.1]:2222', not {_shown(host)}."
        )
    if host.startswith("|1|"):
        raise SSHError(
            "Hashed host names (|1|..., OpenSSH's HashKnownHosts) are not supported by the "
            "course's KnownHosts: give the host in clear, such as '[127.0.0.1]:2222'."
        )
    if host.startswith("@"):
        raise SSHError(
            f"{host[:20]!r}: markers are not supported here. @revoked is not supported by the "
            "course's KnownHosts; for @cert-authority use KnownHosts.trust_ca(ca_public_line)."
        )
    if any(c.isspace() for c in host):
        raise ArgumentError(
            f"{what} must be one host field without spaces (several names: separate them "
            f"with commas), not {_shown(host)}."
        )


class KnownHosts:
    """OpenSSH's ``known_hosts``, in memory (lesson 08): the host keys this client trusts.

    ``trust_on_first_use=False`` (OpenSSH's ``StrictHostKeyChecking=ask``): an unknown host
    is not logged in to; :func:`ssh_login` returns OpenSSH's prompt, and :meth:`accept` is
    answering "yes". ``True`` (``accept-new``): an unknown host's key is added silently.
    A known host showing another key is refused either way. :meth:`trust_ca` adds a
    ``@cert-authority`` line. :meth:`lines` is the file's text.
    """

    def __init__(self, *, trust_on_first_use: bool = False) -> None:
        if type(trust_on_first_use) is not bool:
            raise ArgumentError(
                f"trust_on_first_use must be True or False, not {_shown(trust_on_first_use)}."
            )
        self.trust_on_first_use = trust_on_first_use
        self._lines: list[str] = []

    def add(self, host: str, public_line: str) -> None:
        """Trust ``public_line`` (``ssh-ed25519 AAAA...``) for ``host`` (``[127.0.0.1]:PORT``)."""
        _check_host(host, "host")
        key_type, blob = _plain_key_blob(public_line, "host.public_line, the host's own key")
        self._lines.append(f"{host} {key_type} {base64.b64encode(blob).decode()}")

    def accept(self, login: SSHLogin) -> None:
        """Answer "yes" to a login's first-connection prompt: remember the key it showed."""
        if not isinstance(login, SSHLogin):
            raise ArgumentError(
                f"accept needs the SSHLogin ssh_login returned, not {type(login).__name__}."
            )
        if login.prompt is None or login.host_public_line is None:
            raise ArgumentError("This login showed no first-connection prompt to accept.")
        self.add(login.host, login.host_public_line)

    def trust_ca(self, ca_public_line: str, hosts: str = "*") -> None:
        """``@cert-authority HOSTS KEY``: trust host certificates this CA signs for ``hosts``."""
        _check_host(hosts, "hosts")
        key_type, blob = _plain_key_blob(ca_public_line, "ca.public_line, the CA's own key")
        self._lines.append(f"@cert-authority {hosts} {key_type} {base64.b64encode(blob).decode()}")

    def forget(self, host: str) -> None:
        """Remove ``host``'s plain key lines, as ``ssh-keygen -R host`` does."""
        _check_host(host, "host")
        self._lines = [line for line in self._lines if line.split()[0] != host]

    def lines(self) -> list[str]:
        """The lines of the known_hosts file, in order."""
        return list(self._lines)

    def __str__(self) -> str:
        return "\n".join(self._lines) + ("\n" if self._lines else "")

    def _known_keys(self, host: str, port: int) -> list[asyncssh.SSHKey]:
        """The plain host keys these lines trust for ``host`` (asyncssh's matching rules)."""
        if not self._lines:
            return []
        return list(asyncssh.import_known_hosts(str(self)).match(host, HOST, port)[0])

    def _offending_line(self, host: str) -> tuple[int, str]:
        """The first plain line for ``host``: its number (from 1) and key type; (0, "") if none."""
        for number, line in enumerate(self._lines, start=1):
            fields = line.split()
            if fields[0] != "@cert-authority" and host in fields[0].split(","):
                return number, fields[1]
        return 0, ""

    def _host_key_algorithms(self, host: str, port: int, plain_only: bool) -> list[str]:
        """What the client asks the server for: host certificates first when a CA is trusted
        (OpenSSH's order), then the types known for this host, then every other plain type."""
        plain = [a.decode() for a in get_default_public_key_algs()]
        known = [a.decode() for k in self._known_keys(host, port) for a in k.sig_algorithms]
        ordered = list(dict.fromkeys([a for a in known if a in plain] + plain))
        if plain_only or not any(line.startswith("@cert-authority") for line in self._lines):
            return ordered
        return [a.decode() for a in get_default_certificate_algs()] + ordered

    def _for_asyncssh(self) -> asyncssh.SSHKnownHosts | tuple[list[Any], list[Any], list[Any]]:
        # an empty value would make asyncssh read ~/.ssh/known_hosts: three empty lists do not
        return asyncssh.import_known_hosts(str(self)) if self._lines else ([], [], [])


@dataclass(frozen=True)
class SSHLogin:
    """What :func:`ssh_login` found (lesson 08): true when the command ran.

    ``prompt``: OpenSSH's first-connection question, when the host is unknown (then
    :meth:`KnownHosts.accept`); ``error``: why the login failed, in OpenSSH's words.
    ``trusted_by``: how the host key was trusted: ``"known_hosts"`` (a line for this host),
    ``"first use"`` (added now, ``trust_on_first_use=True``) or ``"@cert-authority"`` (a host
    certificate from a CA known_hosts trusts); None when it was not.
    """

    ok: bool
    output: str
    host_key_fingerprint: str | None
    prompt: str | None
    error: str | None
    host: str
    host_public_line: str | None = None
    trusted_by: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"logged in to {self.host} ({self.trusted_by}): {self.output.strip()}"
        return self.prompt if self.prompt is not None else f"refused: {self.error}"


class _HostKeyCheck(asyncssh.SSHClient):
    """The client side's host-key decision for a key known_hosts does not already trust."""

    def __init__(self, known_hosts: KnownHosts, host: str, port: int) -> None:
        self.known_hosts = known_hosts
        self.host = host
        self.port = port
        self.offered: asyncssh.SSHKey | None = None
        self.added = False

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        self.offered = key
        known = self.known_hosts._known_keys(self.host, self.port)
        if self.known_hosts.trust_on_first_use and not known:
            self.known_hosts.add(self.host, key.export_public_key().decode())
            self.added = True
            return True
        return False  # unknown: OpenSSH would ask; known with another key: refused


def _prompt(host: str, key_line: str, port: int, alias: bool) -> str:
    """OpenSSH's first-connection question (sshconnect.c, OpenSSH 9)."""
    key_type, _ = _key_blob(key_line)
    address = HOST if port == 22 else f"[{HOST}]:{port}"
    shown = host if alias else address
    return (
        f"The authenticity of host '{shown} ({address})' can't be established.\n"
        f"{_type_name(key_type)} key fingerprint is {fingerprint(key_line)}.\n"
        f"This key is not known by any other names.\n"
        f"Are you sure you want to continue connecting (yes/no/[fingerprint])? "
    )


def _changed(host: str, key_line: str, line_number: int, known_type: str) -> str:
    """OpenSSH's refusal when a known host shows another key (sshconnect.c, OpenSSH 9)."""
    key_type = _type_name(_key_blob(key_line)[0])
    return (
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n"
        "It is also possible that a host key has just been changed.\n"
        f"The fingerprint for the {key_type} key sent by the remote host is\n"
        f"{fingerprint(key_line)}.\n"
        "Please contact your system administrator.\n"
        "Add correct host key in known_hosts to get rid of this message.\n"
        f"Offending {_type_name(known_type)} key in known_hosts:{line_number}\n"
        "  remove with:\n"
        f'  ssh-keygen -f "known_hosts" -R "{host}"\n'
        f"Host key for {host} has changed and you have requested strict checking.\n"
        "Host key verification failed."
    )


def ssh_login(
    port: int,
    key: SSHKeyPair,
    *,
    known_hosts: KnownHosts,
    command: str = "whoami",
    username: str = "admin",
    host_name: str | None = None,
    certificate: str | None = None,
    timeout: float = _TIMEOUT,
) -> SSHLogin:
    """Log in to 127.0.0.1:``port`` with ``key`` and run ``command``, as ``ssh`` would.

    The host is looked up in ``known_hosts`` as ``[127.0.0.1]:PORT``, or as ``host_name`` when
    given (OpenSSH's ``HostKeyAlias``: a server known by its name, whatever its port; a host
    certificate is checked against this name). ``certificate``: a :func:`sign_user_key` line
    for ``key``, shown instead of the bare key (OpenSSH's ``CertificateFile``). Returns an
    :class:`SSHLogin`; raises ``ServerError`` when nothing answers within ``timeout`` seconds.
    """
    if type(port) is not int or not 0 < port < 65536:
        raise ArgumentError(
            f"port must be the server's port number (server.port), not {_shown(port)}."
        )
    if not isinstance(key, SSHKeyPair):
        raise ArgumentError("key must be an SSHKeyPair from make_ssh_keypair().")
    if not isinstance(known_hosts, KnownHosts):
        raise ArgumentError("known_hosts must be a KnownHosts(): the host keys you trust.")
    if type(timeout) not in (int, float) or not 0 < timeout <= 30:
        raise ArgumentError(
            f"timeout must be a number of seconds (0 to 30), not {_shown(timeout)}."
        )
    for what, value in (("command", command), ("username", username)):
        if (
            not isinstance(value, str)
            or not value
            or (what == "username" and any(not c.isprintable() or c.isspace() for c in value))
        ):
            example = "'whoami'" if what == "command" else "'admin' (no spaces)"
            raise ArgumentError(f"{what} must be text such as {example}, not {_shown(value)}.")
    if host_name is not None:
        _check_host(host_name, "host_name")
    if certificate is not None and not isinstance(certificate, str):
        raise ArgumentError(
            f"certificate must be the sign_user_key(...) line, not {type(certificate).__name__}."
        )
    host = host_name if host_name is not None else f"[{HOST}]:{port}"
    check = _HostKeyCheck(known_hosts, host, port)
    private = _private_key(key, "key")
    client_key: object = private
    if certificate is not None:
        client_key = (private, _import_certificate(certificate, key, "certificate"))
    login = _login(check, port, client_key, command, username, host_name, timeout)
    return _run_in_thread(login, timeout)


async def _login(check: _HostKeyCheck, port: int, key: object, command: str, username: str,
                 host_name: str | None, timeout: float) -> SSHLogin:  # fmt: skip
    """Connect, check the host key, authenticate with ``key``, run ``command``."""
    options: dict[str, Any] = {
        "username": username, "client_keys": [key],
        "known_hosts": check.known_hosts._for_asyncssh(), "host_key_alias": host_name,
        "config": None, "agent_path": None, "password": None, "preferred_auth": "publickey",
        "connect_timeout": timeout, "login_timeout": timeout, "gss_host": None,
        "client_factory": lambda: check,
    }  # fmt: skip
    certificate_problem = ""
    for plain_keys_only in (False, True):  # OpenSSH: "No matching CA found. Retry with plain key"
        options["server_host_key_algs"] = check.known_hosts._host_key_algorithms(
            check.host, port, plain_keys_only
        )
        try:
            async with asyncssh.connect(HOST, port, **options) as connection:
                result = await connection.run(command, check=False, timeout=timeout)
                server_key = connection.get_server_host_key()
            break
        except asyncssh.HostKeyNotVerifiable as refusal:
            if check.offered is None and not plain_keys_only:
                certificate_problem = _certificate_problem(str(refusal))
                continue  # the host certificate was not accepted: try the plain key
            return _host_key_refused(check, certificate_problem)
        except asyncssh.PermissionDenied:
            denied = f"{username}@{HOST}: Permission denied (publickey)."
            return SSHLogin(False, "", None, None, denied, check.host)
        except (OSError, asyncio.TimeoutError, asyncssh.Error) as problem:
            raise ServerError(
                f"No SSH login to {HOST}:{port} ({type(problem).__name__}: {problem}). Is an "
                "SSH server listening there (not a web or TLS server), and is its with block "
                "still open? Use server.port."
            ) from None
    output = result.stdout if isinstance(result.stdout, str) else ""
    fp = None if server_key is None else str(server_key.get_fingerprint("sha256"))
    return SSHLogin(result.exit_status == 0, output, fp, None, None, check.host,
                    trusted_by=_trusted_by(check, server_key))  # fmt: skip


def _trusted_by(check: _HostKeyCheck, server_key: asyncssh.SSHKey | None) -> str:
    """How the host key of a successful login was trusted."""
    if check.added:
        return "first use"
    known = check.known_hosts._known_keys(check.host, check.port)
    if server_key is not None and any(k.public_data == server_key.public_data for k in known):
        return "known_hosts"
    return "@cert-authority"


_CERTIFICATE_PROBLEMS = {  # asyncssh's reason -> OpenSSH's words (sshkey_cert_check_authority)
    "principal mismatch": "Certificate invalid: name is not a listed principal",
    "expired": "Certificate invalid: expired",
    "not yet valid": "Certificate invalid: not yet valid",
}


def _certificate_problem(reason: str) -> str:
    """OpenSSH's line for a host certificate it could not accept; "" for an unknown CA."""
    words = [w for problem, w in _CERTIFICATE_PROBLEMS.items() if problem in reason]
    return words[0] + "\n" if words else ""


def _host_key_refused(check: _HostKeyCheck, certificate_problem: str) -> SSHLogin:
    """The prompt (unknown host) or REMOTE HOST IDENTIFICATION HAS CHANGED.

    Like OpenSSH, a host certificate that is not accepted (unknown CA, wrong name, expired)
    leaves the plain key inside it, checked as any other: ``certificate_problem`` says why.
    """
    if check.offered is None:  # pragma: no cover - the plain key is always offered last
        return SSHLogin(False, "", None, None, "Host key verification failed.", check.host)
    line = check.offered.export_public_key().decode().strip()
    fp = fingerprint(line)
    offending, known_type = check.known_hosts._offending_line(check.host)
    if offending:  # another key, even of another type: OpenSSH 9.2 refuses it (measured)
        error = certificate_problem + _changed(check.host, line, offending, known_type)
        return SSHLogin(False, "", fp, None, error, check.host, line)
    prompt = _prompt(check.host, line, check.port, check.host != f"[{HOST}]:{check.port}")
    error = certificate_problem + "Host key verification failed."
    return SSHLogin(False, "", fp, prompt, error, check.host, line)
