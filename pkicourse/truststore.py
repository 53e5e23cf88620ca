"""The browsers' trust store: Mozilla's root certificates, as the certifi package ships them.

Lesson 05-certificate-authorities. A browser trusts a certificate because it chains to a root
in its own trust store (Mozilla NSS for Firefox, the Chrome Root Store, Apple's, Microsoft's).
Python's ``ssl.create_default_context()`` loads the operating system's store (OpenSSL's
default paths: on Linux the distribution's bundle, itself made from Mozilla's list; on Windows
the system store); ``requests`` and ``httpx`` use ``certifi``, which is Mozilla's list packaged
for Python. :func:`mozilla_roots` loads certifi's list,
:func:`summary` counts who runs the roots, their key types and their ages (draw it with
``pictures.draw_root_store``), :func:`find_root` looks one up, and :func:`with_extra_root`
makes an in-memory list with an organisation's own root added for its internal sites.

Nothing here changes a trust store on disk. Never add a course root to a real trust store.
"""

from __future__ import annotations

import functools
import html
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from pkicourse.errors import ArgumentError, CAError, InvalidChoiceError

__all__ = [
    "StoreSummary",
    "find_root",
    "mozilla_roots",
    "summary",
    "with_extra_root",
]

_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@functools.cache
def _certifi_roots() -> tuple[x509.Certificate, ...]:
    data = Path(certifi.where()).read_bytes()
    # A few old roots have serial number 0, which RFC 5280 forbids; cryptography still loads
    # them but warns. The warning is about those roots, not about the learner's code: hide it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return tuple(x509.load_pem_x509_certificates(data))


def mozilla_roots() -> list[x509.Certificate]:
    """Mozilla's trusted root certificates, from ``certifi.where()`` (lesson 05).

    ``certifi`` is Mozilla's list, packaged for Python; requests and httpx use it. A new list
    each call (the certificates themselves are shared), loaded once.
    """
    return list(_certifi_roots())


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _operator(cert: x509.Certificate) -> str:
    """Who runs the root: the subject's organisation (O), else its common name."""
    subject = cert.subject
    return (
        _attribute(subject, NameOID.ORGANIZATION_NAME)
        or _attribute(subject, NameOID.COMMON_NAME)
        or _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
        or "(no name)"
    )


def _key_type(cert: x509.Certificate) -> str:
    """ "RSA 4096", "EC P-384", "Ed25519"..."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {_CURVES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(key).__name__


def _non_positive_serial(cert: x509.Certificate) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return cert.serial_number <= 0


def _common_name(cert: x509.Certificate) -> str:
    subject = cert.subject
    return (
        _attribute(subject, NameOID.COMMON_NAME)
        or _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
        or subject.rfc4514_string()
    )


@dataclass(frozen=True)
class StoreSummary:
    """Counts that describe a trust store (lesson 05); ``pictures.draw_root_store`` draws it.

    ``operators``: (organisation, number of roots), most roots first, the rest summed as
    "others"; ``key_types``: {"RSA 4096": n, "EC P-384": n, ...}; ``issued_years`` and
    ``expiry_years``: {year: number of roots whose not_valid_before / not_valid_after falls
    in it}; ``zero_serials``: roots whose serial number is 0 or negative (RFC 5280 forbids it).
    """

    count: int
    operators: list[tuple[str, int]]
    key_types: dict[str, int]
    issued_years: dict[int, int]
    expiry_years: dict[int, int]
    zero_serials: list[str]
    source: str

    def _rows(self) -> list[tuple[str, str]]:
        top = ", ".join(f"{name} {n}" for name, n in self.operators)
        keys = ", ".join(f"{kind} {n}" for kind, n in self.key_types.items())
        issued, expiry = list(self.issued_years), list(self.expiry_years)
        return [
            ("Roots", f"{self.count} ({self.source})"),
            ("Operators (O)", top),
            ("Key types", keys),
            ("Issued", f"{issued[0]}–{issued[-1]}" if issued else "—"),
            ("Expire", f"{expiry[0]}–{expiry[-1]}" if expiry else "—"),
            ("Serial number 0 or negative", ", ".join(self.zero_serials) or "none"),
        ]

    def __str__(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self._rows())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self._rows()
        )
        return f"<table>{rows}</table>"


def _certificates(value: object, what: str) -> list[x509.Certificate]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ArgumentError(f"{what} must be a list of x509.Certificate, e.g. mozilla_roots().")
    items = list(value)
    for item in items:
        if not isinstance(item, x509.Certificate):
            raise ArgumentError(
                f"each of {what} must be an x509.Certificate, got {type(item).__name__}."
            )
    return items


def _source(roots: Sequence[x509.Certificate] | None) -> str:
    if roots is not None:
        return "the roots given"
    try:
        return f"certifi {metadata.version('certifi')}"
    except metadata.PackageNotFoundError:
        return f"certifi {certifi.__version__}"


def _top(counts: Mapping[str, int], top: int) -> list[tuple[str, int]]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
    shown, rest = ranked[:top], ranked[top:]
    if rest:
        shown.append((f"{len(rest)} others", sum(n for _, n in rest)))
    return shown


def summary(roots: Sequence[x509.Certificate] | None = None, *, top: int = 10) -> StoreSummary:
    """How many roots, who runs them, their key types and ages (lesson 05).

    ``roots`` defaults to :func:`mozilla_roots`; ``top``: how many operators to name (the
    rest are summed as "N others").
    """
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise ArgumentError(f"top must be a whole number of at least 1, got {top!r}.")
    certs = mozilla_roots() if roots is None else _certificates(roots, "roots")
    operators = Counter(_operator(cert) for cert in certs)
    key_types = Counter(_key_type(cert) for cert in certs)
    issued = Counter(cert.not_valid_before_utc.year for cert in certs)
    expiry = Counter(cert.not_valid_after_utc.year for cert in certs)
    return StoreSummary(
        count=len(certs),
        operators=_top(operators, top),
        key_types=dict(key_types.most_common()),
        issued_years=dict(sorted(issued.items())),
        expiry_years=dict(sorted(expiry.items())),
        zero_serials=sorted(_common_name(c) for c in certs if _non_positive_serial(c)),
        source=_source(roots),
    )


def _same_root(a: x509.Certificate, b: x509.Certificate) -> bool:
    """The same certificate, or the same name with the same public key (a re-issued root)."""
    return a == b or (a.subject == b.subject and a.public_key() == b.public_key())


def _matches(cert: x509.Certificate, text: str) -> tuple[bool, bool]:
    """(the common name is exactly ``text``, ``text`` appears in the subject), ignoring case."""
    wanted = text.casefold()
    exact = _common_name(cert).casefold() == wanted
    return exact, wanted in cert.subject.rfc4514_string().casefold()


def find_root(
    name_or_cert: str | x509.Name | x509.Certificate,
    roots: Sequence[x509.Certificate] | None = None,
) -> x509.Certificate | None:
    """The root in ``roots`` (default :func:`mozilla_roots`) for a name or a certificate.

    Lesson 05. A string matches a root's common name exactly (ignoring case) or, failing that,
    a part of its subject: ``find_root("ISRG Root X1")``. ``None`` when no root matches (the
    root is not trusted, or has left the store); InvalidChoiceError when a part of a name
    matches several roots (the message lists them).
    """
    certs = mozilla_roots() if roots is None else _certificates(roots, "roots")
    if isinstance(name_or_cert, x509.Certificate):
        return next((c for c in certs if _same_root(c, name_or_cert)), None)
    if isinstance(name_or_cert, x509.Name):
        return next((c for c in certs if c.subject == name_or_cert), None)
    if not isinstance(name_or_cert, str) or not name_or_cert.strip():
        raise ArgumentError("find_root needs a root's name (e.g. 'ISRG Root X1') or certificate.")
    matches = [(cert, *_matches(cert, name_or_cert.strip())) for cert in certs]
    exact = [cert for cert, is_exact, _ in matches if is_exact]
    partial = [cert for cert, _, inside in matches if inside]
    found = exact or partial
    if len(found) > 1 and not exact:
        names = ", ".join(sorted(_common_name(c) for c in found)[:12])
        raise InvalidChoiceError(
            f"{len(found)} roots match {name_or_cert!r}: {names}. Give the full common name."
        )
    return found[0] if found else None


def with_extra_root(
    root: x509.Certificate, roots: Sequence[x509.Certificate] | None = None
) -> list[x509.Certificate]:
    """A new list: ``roots`` (default :func:`mozilla_roots`) plus an organisation's own root.

    Lesson 05: an internal CA for internal sites, trusted only by the organisation's own
    clients (and best name-constrained to its own domains). The list lives in memory; no
    trust store on disk changes. Never add a course root to a real trust store. Refuses a
    certificate that is not a CA (CAError).
    """
    if not isinstance(root, x509.Certificate):
        raise ArgumentError(f"root must be an x509.Certificate, got {type(root).__name__}.")
    try:
        is_ca = root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (x509.ExtensionNotFound, ValueError):
        is_ca = False
    if not is_ca:
        raise CAError(
            f"{_common_name(root)} is not a CA certificate (basicConstraints CA:TRUE is "
            "missing): a trust store holds CA roots. Pass your CA's certificate."
        )
    certs = mozilla_roots() if roots is None else _certificates(roots, "roots")
    if any(_same_root(c, root) for c in certs):
        return certs
    return [*certs, root]
