"""Certificates: make one, load PEM and DER, tell a certificate file from a key, read its fields.

Lesson 03-certificates teaches everything here (lessons 04 and 05 use it). The lesson first does
each step by hand with pyca/cryptography; these helpers are the same calls, written out.

1. Anyone can make a certificate for any name: ``make_self_signed`` is the
   ``x509.CertificateBuilder`` code, field by field. What matters is who signed it, and whether
   the client trusts that signer (lesson 05).
2. Certificates travel as PEM (text, one or many ``-----BEGIN CERTIFICATE-----`` blocks) or DER
   (the binary form): ``load_certificates``, ``load_certificate``, ``certificates_from_bytes``.
3. What a file holds is decided by its content, never its name: ``file_kind``.
4. ``describe`` shows every field a browser shows (RFC 5280's names), with what it means; both
   fingerprints are there: the certificate's (``certificate_fingerprint``, what a browser
   shows) and its public key's (``spki_fingerprint``, what key pinning uses).

Real certificates can be old, odd or broken (data/real/): what ``cryptography`` can parse is
shown, and a field it cannot read shows its defect in its row; a certificate it cannot parse at
all raises ``CertificateParseError`` naming the defect. No message ever shows the bytes given.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar, NamedTuple

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, SignatureAlgorithmOID

from pkicourse import keys
from pkicourse.data import _looks_encoded, _looks_like_pem, _quoted
from pkicourse.errors import (
    ArgumentError,
    CertificateParseError,
    DataFileNotFoundError,
    InvalidChoiceError,
    NotACertificateError,
    NotAPathError,
    NotBytesError,
    WrongKeyTypeError,
)

__all__ = [
    "KINDS",
    "CertificateDescription",
    "CertificateRow",
    "cert_pem",
    "certificate_fingerprint",
    "certificates_from_bytes",
    "describe",
    "file_kind",
    "load_certificate",
    "load_certificates",
    "make_self_signed",
    "save_certificate",
    "spki_fingerprint",
]

KINDS = (
    "certificate",
    "certificates",
    "private key",
    "encrypted private key",
    "public key",
    "CSR",
    "CRL",
    "OpenSSH public key",
    "OpenSSH private key",
    "unknown",
)

# Larger than any certificate bundle a lesson reads (certifi's ~150 roots are ~300 kB).
_MAX_FILE_BYTES = 16 * 1024 * 1024
_MAX_COMMON_NAME = 64  # ub-common-name, RFC 5280 appendix A (the CN's limit, not the SAN's)
_MAX_HOST_NAME = 253  # RFC 1035 §2.3.4: 255 octets on the wire, 253 characters written out
# A host name as certificates carry it: ASCII labels (IDNA A-labels, "xn--..."), an optional
# leading "*." for a wildcard. RFC 1035 §2.3.4: labels of at most 63 characters.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*")


# --- making a certificate ------------------------------------------------------------------------


def make_self_signed(
    private_key: keys.PrivateKey,
    common_name: str,
    *,
    dns_names: Sequence[str] = (),
    not_before: datetime | None = None,
    days: int = 90,
    ca: bool = False,
) -> x509.Certificate:
    """A certificate signed by its own key: subject and issuer are both ``CN=common_name``.

    Lesson 03-certificates. Anyone can make one for any name: it is trusted only where someone
    adds it to a trust store. ``dns_names`` go into the subjectAltName (browsers read names
    there only; an IP address such as ``"127.0.0.1"`` goes in as an IP entry); with none, the
    certificate has no SAN. ``ca=True`` makes a root: it may sign certificates
    (basicConstraints CA:TRUE, keyUsage keyCertSign and cRLSign). Otherwise a server
    certificate: keyUsage digitalSignature (and keyEncipherment for RSA), EKU serverAuth.
    Valid from ``not_before`` (default: now, UTC) for ``days`` days.
    """
    key = _require_private_key(private_key)
    name = _checked_common_name(common_name)
    names = _san_names(dns_names, "make_self_signed")
    start, end = _validity(not_before, days)
    subject = issuer = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)  # the same name: self-signed
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())  # 159 random bits, positive (RFC 5280)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(ski, critical=False)
        # authorityKeyIdentifier: which key signed it. Self-signed, so its own key's identifier.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(key, ca), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if not ca:
        eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
        builder = builder.add_extension(eku, critical=False)
    return builder.sign(key, _signature_hash(key))


def _key_usage(key: keys.PrivateKey, ca: bool) -> x509.KeyUsage:
    """keyUsage (RFC 5280 §4.2.1.3): what the certified key may do."""
    return x509.KeyUsage(
        digital_signature=not ca,  # signs TLS handshakes (a server certificate)
        content_commitment=False,  # non-repudiation: not for TLS
        key_encipherment=not ca and isinstance(key, rsa.RSAPrivateKey),  # TLS 1.2 RSA kex
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,  # signs certificates: only a CA
        crl_sign=ca,  # signs revocation lists: only a CA
        encipher_only=False,
        decipher_only=False,
    )


def _signature_hash(
    key: keys.PrivateKey,
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    """The hash a course key signs certificates, CSRs and CRLs with (lessons 03, 04 and 05).

    SHA-256 for RSA and P-256; SHA-384 for P-384; SHA-512 for P-521 (CA/B Forum BR §7.1.3.2
    pairs each curve with its hash; other curves by size the same way); none for Ed25519, which
    hashes inside the algorithm (RFC 8410). ``csr.signature_hash`` is this function.
    """
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 384:
        return hashes.SHA512()
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        return hashes.SHA256()
    raise ArgumentError(
        f"Expected a private key (RSA, EC or Ed25519), not {type(key).__name__}: "
        "make one with pkicourse.keys.generate_private_key."
    )


def _require_private_key(key: object) -> keys.PrivateKey:
    private_classes = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
    if isinstance(key, private_classes):
        return key
    public_classes = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)
    if isinstance(key, public_classes):
        raise WrongKeyTypeError(
            "make_self_signed needs the PRIVATE key: a certificate is signed with it (the "
            "public key alone cannot sign). Pass the key from generate_private_key()."
        )
    raise WrongKeyTypeError(
        f"make_self_signed needs a private key (RSA, EC or Ed25519), not {type(key).__name__}: "
        f"make one with pkicourse.keys.generate_private_key('ec-p256')."
    )


def _checked_common_name(common_name: object) -> str:
    """A CN for make_self_signed: text, 1 to 64 characters (RFC 5280); never shown in errors."""
    if not isinstance(common_name, str) or not common_name.strip():
        raise ArgumentError(
            f"common_name must be a non-empty text such as 'bank.example', not "
            f"{type(common_name).__name__ if not isinstance(common_name, str) else 'empty text'}."
        )
    if _looks_like_pem(common_name) or (len(common_name) >= 40 and _looks_encoded(common_name)):
        raise ArgumentError(
            "common_name looks like PEM or base64 text (perhaps a key), not a name, so it is not "
            "shown: give a name such as 'bank.example' or 'pkicourse Root CA'."
        )
    if len(common_name) > _MAX_COMMON_NAME:
        raise ArgumentError(
            f"common_name is {len(common_name)} characters; RFC 5280 allows at most 64 "
            f"(ub-common-name). Put long names in dns_names (the SAN), which has no such limit."
        )
    return common_name


def _san_names(dns_names: object, function_name: str) -> list[x509.GeneralName]:
    """The SAN entries for ``dns_names``, checked by one rule (``_general_name``), no repeats.

    make_self_signed and csr.make_csr (lessons 03 and 04) both use it.
    """
    if isinstance(dns_names, (str, bytes)):
        raise ArgumentError(
            f"{function_name}: dns_names must be a list of names, such as ['bank.example'], not "
            "a single text (which would be read letter by letter; one name goes in a list too)."
        )
    if not isinstance(dns_names, Iterable):
        raise ArgumentError(
            f"{function_name}: dns_names must be a list of names such as ['bank.example'], not "
            f"{type(dns_names).__name__}."
        )
    entries: list[x509.GeneralName] = []
    for name in dns_names:
        entry = _general_name(name)
        if entry not in entries:  # "A.example" and "a.example" are one name
            entries.append(entry)
    return entries


def _general_name(name: object) -> x509.GeneralName:
    """A SAN entry: ``IPAddress`` for an IP address (compared as numbers), else ``DNSName``.

    Lessons 03 and 04 (``csr.general_name`` is this). Host names are lower-cased, a trailing dot
    is dropped, and they must be ASCII (other letters go in as the IDNA A-label, ``xn--...``),
    at most 253 characters, labels of letters, digits and inner '-'; a wildcard only as the whole
    leftmost label (``*.x.example``). Errors never show text that could be a key.
    """
    if not isinstance(name, str):
        raise ArgumentError(
            f"A name must be a str such as 'bank.example', not {type(name).__name__}."
        )
    if _looks_like_pem(name):
        raise ArgumentError(
            "A name given looks like PEM text (a key or a certificate), not a host name, so it "
            "is not shown: give host names such as 'bank.example', or an IP such as 127.0.0.1."
        )
    text = name.strip()
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        pass
    host = text.rstrip(".").lower()
    if host.isascii() and _HOSTNAME.fullmatch(host) and not host.rsplit(".", 1)[-1].isdigit():
        if len(host) <= _MAX_HOST_NAME:
            return x509.DNSName(host)
        raise ArgumentError(
            f"A host name is {len(host)} characters; DNS allows at most {_MAX_HOST_NAME} "
            "(RFC 1035 §2.3.4). Check the name."
        )
    raise ArgumentError(
        f"A name given ({_quoted(name)}) is not a host name a certificate can carry: use "
        "letters a-z, digits "
        "and '-' in dot-separated labels of at most 63 characters (non-ASCII names as their "
        "'xn--' IDNA form), a '*.' only at the start, or an IP address such as 127.0.0.1."
    )


def _validity(not_before: object, days: object) -> tuple[datetime, datetime]:
    if type(days) is not int or days < 1:
        raise ArgumentError(f"days must be a whole number of days, 1 or more; got {days!r:.40}.")
    if not_before is None:
        not_before = datetime.now(timezone.utc).replace(microsecond=0)
    if not isinstance(not_before, datetime):
        raise ArgumentError(
            f"not_before must be a datetime, not {type(not_before).__name__}: for example "
            f"datetime(2026, 3, 1, tzinfo=timezone.utc)."
        )
    if not_before.tzinfo is None:
        raise ArgumentError(
            "not_before has no time zone, so it is ambiguous: add tzinfo=timezone.utc, e.g. "
            "datetime(2026, 3, 1, tzinfo=timezone.utc)."
        )
    return not_before, not_before + timedelta(days=days)


# --- PEM, DER and files --------------------------------------------------------------------------


def cert_pem(cert: x509.Certificate) -> str:
    """The certificate as PEM text (``-----BEGIN CERTIFICATE-----``). Lesson 03-certificates."""
    _require_certificate(cert, "cert_pem")
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def save_certificate(
    cert_or_certs: x509.Certificate | Sequence[x509.Certificate],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
) -> Path:
    """Write one certificate, or a chain (leaf first), as PEM; mode 0644 (anyone may read it).

    Lesson 03-certificates. A certificate is public: it holds no secret. Saved atomically like
    ``keys.save_private_key`` (a new temporary file renamed into place; a symbolic link at
    ``path`` is refused); an existing file is replaced only with ``overwrite=True``.
    """
    certs = [cert_or_certs] if isinstance(cert_or_certs, x509.Certificate) else cert_or_certs
    if isinstance(certs, (str, bytes)) or not isinstance(certs, Sequence) or not certs:
        raise ArgumentError(
            "save_certificate needs an x509.Certificate or a non-empty list of them, not "
            f"{type(cert_or_certs).__name__}."
        )
    for cert in certs:
        _require_certificate(cert, "save_certificate")
    target = keys._target_path(path, "save_certificate", overwrite)
    data = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    keys._write_atomically(target, data, 0o644, overwrite)
    return target


def load_certificates(path: str | os.PathLike[str]) -> list[x509.Certificate]:
    """Every certificate in a file: a PEM bundle of one or many (leaf first), or DER.

    Lesson 03-certificates. For bytes you already hold, use ``certificates_from_bytes``.
    Raises NotACertificateError (saying what the file holds instead: a key, a CSR, a CRL...),
    CertificateParseError (naming the defect), DataFileNotFoundError.
    """
    data, where = _read_file(path, "load_certificates")
    return _certificates(data, where)


def load_certificate(path: str | os.PathLike[str]) -> x509.Certificate:
    """The one certificate in a file (PEM or DER). Lesson 03-certificates.

    A file with several (a chain) raises ArgumentError saying how many: use
    ``load_certificates`` for those.
    """
    data, where = _read_file(path, "load_certificate")
    certs = _certificates(data, where)
    if len(certs) != 1:
        raise ArgumentError(
            f"{where} holds {len(certs)} certificates (a chain or a bundle), and "
            f"load_certificate returns exactly one: use load_certificates(path), whose first "
            f"certificate is the leaf."
        )
    return certs[0]


def certificates_from_bytes(data: bytes) -> list[x509.Certificate]:
    """Every certificate in ``data``: PEM (one or many blocks) or DER. Lesson 03-certificates."""
    return _certificates(
        _bytes_of(data, "certificates_from_bytes", "load_certificates"), "The data"
    )


def _bytes_of(data: object, function_name: str, file_loader: str) -> bytes:
    """``data`` as bytes for a ``*_from_bytes`` loader (here, csr and ca), or a course error."""
    if isinstance(data, str):
        raise NotBytesError(
            f"{function_name} needs bytes, not str: use text.encode() for PEM text, or "
            f"{file_loader}(path) for a file."
        )
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise NotBytesError(f"{function_name} needs bytes, not {type(data).__name__}.")
    return bytes(data)


def _require_certificate(cert: object, function_name: str) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    hint = ""
    if isinstance(cert, list):
        hint = " (this is a list: take one, e.g. certs[0])"
    elif isinstance(cert, (bytes, str)):
        hint = " (for PEM or DER you hold, use certificates_from_bytes first)"
    raise ArgumentError(
        f"{function_name} needs an x509.Certificate, not {type(cert).__name__}{hint}."
    )


def _read_file(path: object, function_name: str) -> tuple[bytes, str]:
    """The bytes of a file to load, and how messages name it (never its content)."""
    if isinstance(path, (bytes, bytearray, memoryview)):
        raise NotAPathError(
            f"{function_name} takes a file name (str or Path), not bytes: for PEM or DER you "
            f"already hold, use certificates_from_bytes(data)."
        )
    file_path = keys._key_file_path(path, function_name, None)
    where = f"The file {file_path.name!r}"
    try:
        info = os.stat(file_path)
    except (FileNotFoundError, NotADirectoryError):
        raise DataFileNotFoundError(
            f"There is no file {str(file_path)!r} (relative names start in "
            f"{str(Path.cwd())!r}). Check the name; for the course's files use "
            f"pkicourse.data.data_path(name)."
        ) from None
    except OSError as err:
        raise DataFileNotFoundError(f"{where} cannot be read ({err.strerror}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataFileNotFoundError(f"{where} is a folder: give a file in it.")
    if info.st_size > _MAX_FILE_BYTES:
        raise NotACertificateError(
            f"{where} is {info.st_size:,} bytes, far larger than any certificate bundle: "
            f"it was not read. Check that you picked the right file."
        )
    try:
        return file_path.read_bytes(), where
    except OSError as err:
        raise DataFileNotFoundError(f"{where} cannot be read ({err.strerror}).") from None


_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_CERTIFICATE_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE")


def _certificates(data: bytes, where: str) -> list[x509.Certificate]:
    """Parse PEM (each CERTIFICATE block) or DER; course errors otherwise."""
    if b"-----BEGIN" in data:
        blocks = [m for m in _PEM_BLOCK.finditer(data) if m.group(1) in _CERTIFICATE_LABELS]
        if not blocks:
            raise _not_a_certificate(data, where)
        certs = []
        for number, block in enumerate(blocks, start=1):
            which = f"{where}, certificate {number} of {len(blocks)}," if len(blocks) > 1 else where
            certs.append(_parse(x509.load_pem_x509_certificate, block.group(0), which, "PEM"))
        return certs
    kind = _der_kind(data)
    if kind != "certificate":
        raise _not_a_certificate(data, where)
    return [_parse(x509.load_der_x509_certificate, data, where, "DER")]


def _parse(
    loader: Callable[[bytes], x509.Certificate], data: bytes, where: str, encoding: str
) -> x509.Certificate:
    """``loader(data)``, quietly: a defect becomes CertificateParseError naming it."""
    try:
        with warnings.catch_warnings():
            # A negative serial loads with a warning today; describe() shows it in its row.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return loader(data)
    except x509.InvalidVersion as err:
        defect = _version_defect(err.parsed_version)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        defect = _defect(err, encoding)
    raise CertificateParseError(
        f"{where} holds a certificate that cannot be parsed: {defect}. It is damaged or was "
        f"made by faulty software; `openssl x509 -noout -text -in FILE` may show more."
    )


def _version_defect(field: int) -> str:
    """Why a version field stops cryptography (RFC 5280 §4.1.2.1: v1(0), v2(1), v3(2))."""
    if field == 1:
        return (
            "it is an X.509 v2 certificate (version field 1), which cryptography does not read "
            "(v2 only added unique IDs and is almost never used)"
        )
    return f"its version field holds {field}; only 0 (v1), 1 (v2) and 2 (v3) exist"


# Where cryptography's parser stopped (the names of the ASN.1 fields, never the bytes) → words.
_DEFECTS = (
    ("Validity", "its validity dates are not valid ASN.1 times"),
    ("serial", "its serial number is not a valid (positive) integer"),
    ("Version", "its version field is not valid"),
    ("issuer", "its issuer name is not valid"),
    ("subject", "its subject name is not valid"),
    ("spki", "its public key (SubjectPublicKeyInfo) is not valid"),
    ("raw_extensions", "its extensions are not valid DER"),
    ("Extension", "its extensions are not valid DER"),
    ("signature_alg", "its signature algorithm field is not valid"),
    ("signature", "its signature is not valid DER"),
)


def _defect(err: Exception, encoding: str) -> str:
    """The defect cryptography found, in words; from where its parser stopped, if it says."""
    text = str(err)
    if "negative" in text.lower() and "serial" in text.lower():
        return "its serial number is negative (RFC 5280 §4.1.2.2 requires a positive one)"
    locations = re.findall(r'"([A-Za-z_:]{1,60})"', text)
    for key, words in _DEFECTS:
        if any(key.lower() in location.lower() for location in locations):
            return words
    if "Unable to load PEM" in text or "base64" in text.lower():
        return "its PEM block is damaged (the base64 between the BEGIN and END lines)"
    return f"its {encoding} encoding is not a valid X.509 certificate"


def _not_a_certificate(data: bytes, where: str) -> NotACertificateError:
    """The error for data without a certificate, saying what it holds instead."""
    kind = file_kind(data)
    instead = {
        "private key": "a private key (keep it secret! It is not a certificate)",
        "encrypted private key": "an encrypted private key",
        "public key": "a bare public key (a certificate also carries a name and a signature)",
        "CSR": "a certificate signing request (CSR): a CA turns it into a certificate",
        "CRL": "a certificate revocation list (CRL)",
        "OpenSSH public key": "an OpenSSH public key",
        "OpenSSH private key": "an OpenSSH private key (keep it secret!)",
    }.get(kind)
    if instead:
        return NotACertificateError(f"{where} holds no certificate: it holds {instead}.")
    if b"-----BEGIN TRUSTED CERTIFICATE-----" in data:
        return NotACertificateError(
            f"{where} holds an OpenSSL 'TRUSTED CERTIFICATE' (a certificate with trust settings "
            f"appended), which cryptography does not read: convert it with "
            f"`openssl x509 -in FILE -out plain.pem`."
        )
    if _LOWER_CASE_LABEL.search(data):
        return NotACertificateError(
            f"{where} holds no certificate: its PEM labels are not in upper case. PEM labels "
            f"are upper case (RFC 7468), and openssl refuses others too: write "
            f"'-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'."
        )
    if b"-----BEGIN" in data:
        return NotACertificateError(
            f"{where} holds no certificate: its PEM has no complete '-----BEGIN CERTIFICATE-----'"
            f" ... '-----END CERTIFICATE-----' block."
        )
    damage = _der_damage(data)
    if damage:
        return NotACertificateError(
            f"{where} holds no certificate: it is {damage}. Copy or download the file again."
        )
    return NotACertificateError(
        f"{where} holds no certificate: it is neither PEM (text with a '-----BEGIN "
        f"CERTIFICATE-----' line) nor DER (the binary form of a certificate)."
    )


_LOWER_CASE_LABEL = re.compile(rb"-----BEGIN (?=[A-Za-z0-9 ]*[a-z])[A-Za-z0-9 ]{1,40}-----")


def _der_damage(data: bytes) -> str:
    """Words for DER that starts like a certificate but is cut short or has bytes after it."""
    if len(data) < 4 or data[0] != 0x30:
        return ""
    size, header = data[1], 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            return ""
        size, header = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    end = header + size
    if end < len(data) and _looks_like_certificate(data[:end]):
        return f"a DER certificate followed by {len(data) - end} extra byte(s)"
    if (
        end > len(data)
        and data[header : header + 1] == b"\x30"
        and b"\xa0\x03\x02\x01" in (data[header : header + 12])
    ):  # tbsCertificate, then its [0] version: the start of a certificate
        return f"a DER certificate cut short ({len(data)} of its {end} bytes)"
    return ""


# --- what a file holds, by content ---------------------------------------------------------------


_PEM_KINDS = {
    b"CERTIFICATE": "certificate",
    b"X509 CERTIFICATE": "certificate",
    b"TRUSTED CERTIFICATE": "certificate",
    b"PRIVATE KEY": "private key",
    b"RSA PRIVATE KEY": "private key",
    b"EC PRIVATE KEY": "private key",
    b"DSA PRIVATE KEY": "private key",
    b"ENCRYPTED PRIVATE KEY": "encrypted private key",
    b"OPENSSH PRIVATE KEY": "OpenSSH private key",
    b"PUBLIC KEY": "public key",
    b"RSA PUBLIC KEY": "public key",
    b"CERTIFICATE REQUEST": "CSR",
    b"NEW CERTIFICATE REQUEST": "CSR",
    b"X509 CRL": "CRL",
}
# When a PEM file holds several kinds (a server's certificate and key in one file), the first
# here wins: a file with a private key in it must be kept secret, whatever else it holds.
_PRIORITY = (
    "OpenSSH private key",
    "encrypted private key",
    "private key",
    "certificate",
    "CSR",
    "CRL",
    "public key",
)
_OPENSSH_PUBLIC = re.compile(
    rb"\A\s*(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)"
    rb"(-cert-v01@openssh\.com)? [A-Za-z0-9+/]+={0,2}( |\r?\n|\Z)"
)


def file_kind(data_or_path: bytes | str | os.PathLike[str]) -> str:
    """What a file (or bytes) holds, judged by its content only: one of ``KINDS``.

    Lesson 03-certificates (and 05's "which files are private keys?"). PEM is read by its
    ``-----BEGIN ...-----`` labels (a PKCS#1 key with ``Proc-Type: 4,ENCRYPTED`` counts as an
    encrypted private key); DER by which of cryptography's loaders accepts it; OpenSSH keys by
    their own formats. A PEM file with several kinds says the most sensitive: a file with a
    private key in it is a "private key" file. "certificates" means more than one certificate.
    """
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        data = bytes(data_or_path)
    elif isinstance(data_or_path, str) and ("-----BEGIN" in data_or_path or "\n" in data_or_path):
        data = data_or_path.encode("utf-8", "replace")  # text itself, not a file name
    elif isinstance(data_or_path, (str, os.PathLike)):
        data, _where = _read_file(data_or_path, "file_kind")
    else:
        raise ArgumentError(
            "file_kind takes a file name (str or Path) or bytes, not "
            f"{type(data_or_path).__name__}."
        )
    if b"-----BEGIN" in data:
        return _pem_kind(data)
    if _OPENSSH_PUBLIC.match(data):
        return "OpenSSH public key"
    return _der_kind(data)


def _pem_kind(data: bytes) -> str:
    kinds = []
    for block in _PEM_BLOCK.finditer(data):
        kind = _PEM_KINDS.get(block.group(1), "unknown")
        if kind == "private key" and b"ENCRYPTED" in block.group(2)[:200]:
            kind = "encrypted private key"  # PKCS#1 with Proc-Type: 4,ENCRYPTED
        kinds.append(kind)
    for kind in _PRIORITY:
        if kind in kinds:
            return "certificates" if kind == "certificate" and kinds.count(kind) > 1 else kind
    return "unknown"


def _der_kind(data: bytes) -> str:
    """What DER bytes are, by which of cryptography's loaders accepts them."""
    if not data.startswith(b"\x30"):  # every one of these is an ASN.1 SEQUENCE
        return "unknown"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        tries: tuple[tuple[str, Callable[[bytes], object]], ...] = (
            ("certificate", x509.load_der_x509_certificate),
            ("CSR", x509.load_der_x509_csr),
            ("CRL", x509.load_der_x509_crl),
            ("public key", serialization.load_der_public_key),
        )
        for kind, loader in tries:
            try:
                loader(data)
            except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion):
                continue
            return kind
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:  # cryptography asks for a password: the key is encrypted
        return "encrypted private key"
    except (ValueError, UnsupportedAlgorithm):
        return "certificate" if _looks_like_certificate(data) else "unknown"
    return "private key"


def _der_elements(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The (tag, content) of each DER element in ``data``, one after another (short reader)."""
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("truncated")
        tag, length, at = data[at], data[at + 1], at + 2
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4 or at + count > len(data):
                raise ValueError("bad length")
            length, at = int.from_bytes(data[at : at + count], "big"), at + count
        if at + length > len(data):
            raise ValueError("truncated")
        yield tag, data[at : at + length]
        at += length


def _looks_like_certificate(data: bytes) -> bool:
    """A SEQUENCE of (tbsCertificate, algorithm, signature) whose tbs starts with [0] version.

    Only certificates start their signed part with the explicit version tag [0]; a broken
    certificate (a bad date, say) still has that shape, though no loader accepts it.
    """
    try:
        outer = list(_der_elements(data))
        if len(outer) != 1 or outer[0][0] != 0x30:
            return False
        parts = list(_der_elements(outer[0][1]))
        if [tag for tag, _ in parts] != [0x30, 0x30, 0x03]:
            return False
        first_tag = next(_der_elements(parts[0][1]))[0]
    except (ValueError, StopIteration):
        return False
    return first_tag == 0xA0


def _spki_der(cert: x509.Certificate) -> bytes:
    """The certificate's SubjectPublicKeyInfo, exactly as it is inside (pinning hashes this)."""
    (_tag, tbs), *_rest = _der_elements(cert.tbs_certificate_bytes)
    fields = list(_der_elements(tbs))
    index = 6 if fields[0][0] == 0xA0 else 5  # [version] serial sigalg issuer validity subject
    tag, content = fields[index]
    length = len(content)
    header = bytes([tag]) + (
        bytes([length])
        if length < 0x80
        else bytes([0x80 | ((length.bit_length() + 7) // 8)])
        + length.to_bytes((length.bit_length() + 7) // 8, "big")
    )
    return header + content


# --- fingerprints --------------------------------------------------------------------------------


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the whole certificate (DER), ``"AB:CD:..."``: what a browser shows.

    Lesson 03-certificates. The same as ``openssl x509 -noout -fingerprint -sha256``, in upper
    case as openssl prints it (``spki_fingerprint`` is lower case like lesson 01's
    ``keys.fingerprint``; hex is the same number in either case: compare with ``.lower()``).
    Any change to the certificate (a new one for the same key, too) changes it.
    """
    _require_certificate(cert, "certificate_fingerprint")
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def spki_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's public key (SubjectPublicKeyInfo, DER), ``"ab:cd:..."``.

    Lesson 03-certificates. What key pinning uses, and the same as lesson 01's
    ``keys.fingerprint(cert.public_key())``, lower case like it (``certificate_fingerprint`` is
    upper case, as openssl prints it): a renewed certificate for the same key keeps it.
    ``openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl sha256``.
    """
    _require_certificate(cert, "spki_fingerprint")
    return hashlib.sha256(_spki_der(cert)).digest().hex(":")


# --- describing a certificate --------------------------------------------------------------------


class CertificateRow(NamedTuple):
    """One row of ``describe``: the field (RFC 5280's name), its value, what it means."""

    field: str
    value: str
    meaning: str


_ALIASES = {  # other names a learner may use (cryptography's, abbreviations), lower case
    "san": "subject alternative name",
    "subject alt name": "subject alternative name",
    "serial": "serial number",
    "not valid before utc": "not valid before",
    "not valid after utc": "not valid after",
    "ski": "subject key identifier",
    "aki": "authority key identifier",
    "eku": "extended key usage",
    "fingerprint": "fingerprint (sha-256)",
    "spki fingerprint": "spki fingerprint (sha-256)",
    "sct": "scts",
}


@dataclass(frozen=True)
class _Description:
    """Rows (field, value, what it means): a certificate's here, a CSR's in ``csr``.

    ``description["subject"]`` gives a value; ``str()`` is a text table; in a notebook it shows
    as an HTML table.
    """

    rows: tuple[CertificateRow, ...]
    _what: ClassVar[str] = "description"
    _aliases: ClassVar[Mapping[str, str]] = {}

    @property
    def fields(self) -> list[str]:
        """The field names, in order."""
        return [row.field for row in self.rows]

    def __getitem__(self, field: str) -> str:
        wanted = str(field).replace("_", " ").strip().lower()
        wanted = self._aliases.get(wanted, wanted)
        for row in self.rows:
            if row.field.lower() == wanted:
                return row.value
        raise InvalidChoiceError(
            f"This {self._what} has no field {field!r:.60}: it has {', '.join(self.fields)}."
        )

    def __contains__(self, field: object) -> bool:
        try:
            self[str(field)]
        except InvalidChoiceError:
            return False
        return True

    def __str__(self) -> str:
        width = max(len(row.field) for row in self.rows)
        return "\n".join(f"{row.field:<{width}}  {row.value}" for row in self.rows)

    def _repr_html_(self) -> str:
        e = html.escape
        cells = "".join(
            f"<tr><th style='text-align:left; vertical-align:top'>{e(r.field)}</th>"
            f"<td style='text-align:left; word-break:break-all'><code>{e(r.value)}</code></td>"
            f"<td style='text-align:left'>{e(r.meaning)}</td></tr>"
            for r in self.rows
        )
        head = "<tr><th>field</th><th>value</th><th>what it means</th></tr>"
        return f"<table class='pkicourse-description'>{head}{cells}</table>"


@dataclass(frozen=True)
class CertificateDescription(_Description):
    """A certificate's fields as rows (field, value, what it means). Lesson 03-certificates.

    ``description["subject"]`` gives a value (``"san"``, ``"not_valid_after"``... work too);
    ``str()`` is a text table; in a notebook it shows as an HTML table.
    """

    _what: ClassVar[str] = "certificate's description"
    _aliases: ClassVar[Mapping[str, str]] = _ALIASES


def describe(cert: x509.Certificate) -> CertificateDescription:
    """Every field a browser's certificate viewer shows, each with what it means.

    Lesson 03-certificates. A field that cannot be read (a broken name, a malformed extension)
    shows its defect in its row instead of raising; ``cryptography``'s warnings about old
    certificates (a negative serial) become words in the row, not noise.
    """
    _require_certificate(cert, "describe")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        rows = [row for make in _ROW_MAKERS for row in _rows_or_defect(make, cert)]
    return CertificateDescription(tuple(rows))


def _rows_or_defect(
    make: Callable[[x509.Certificate], list[CertificateRow]], cert: x509.Certificate
) -> list[CertificateRow]:
    """``make(cert)``; if cryptography cannot read that part, one row naming the defect."""
    try:
        return make(cert)
    except Exception as err:  # any parse failure of this one field: shown, not raised
        field, meaning = _FIELD_OF[make]
        return [CertificateRow(field, f"⚠ cannot be read: {_field_defect(err)}", meaning)]


def _field_defect(err: Exception) -> str:
    """What is wrong with one field, in words (never the bytes)."""
    if isinstance(err, x509.DuplicateExtension):
        return f"the extension {_extension_name(err.oid)} appears twice (RFC 5280 §4.2 forbids it)"
    if isinstance(err, UnsupportedAlgorithm):
        return "cryptography does not support this algorithm or key type"
    text = str(err)
    if "path_length must be None" in text:
        return "basicConstraints gives a path length although CA is FALSE (RFC 5280 §4.2.1.9)"
    locations = re.findall(r'"([A-Za-z_:]{1,60})"', text)
    for key, words in _FIELD_DEFECTS:
        if any(location.lower().startswith(key) for location in locations[:1]):
            return words
    if locations:
        return f"not valid DER (in {' > '.join(locations[:4])})"
    return f"not valid ({type(err).__name__})"


# Where cryptography's parser stopped inside one field (its first location) → words.
_FIELD_DEFECTS = (
    ("subject_alternative_name", "the subjectAltName is not valid DER (a name of the wrong type)"),
    ("subject", "a name in the subject is not valid (e.g. a UTF8String that is not UTF-8)"),
    ("issuer", "a name in the issuer is not valid (e.g. a UTF8String that is not UTF-8)"),
)


def _version_rows(cert: x509.Certificate) -> list[CertificateRow]:
    version = cert.version
    note = {
        x509.Version.v1: "v1: the 1988 format, without extensions (old or home-made)",
        x509.Version.v3: "v3: has extensions (RFC 5280); every TLS certificate today",
    }.get(version, version.name)
    return [CertificateRow("version", note, "which X.509 format; v3 added extensions")]


def _name_rows(cert: x509.Certificate) -> list[CertificateRow]:
    subject = cert.subject.rfc4514_string() or "(empty)"
    return [
        CertificateRow("subject", subject, "whom the certificate is about (CN = common name)"),
    ]


def _issuer_rows(cert: x509.Certificate) -> list[CertificateRow]:
    issuer = cert.issuer.rfc4514_string() or "(empty)"
    if cert.issuer == cert.subject:
        issuer += "  (= subject: self-issued, e.g. a root)"
    return [CertificateRow("issuer", issuer, "who signed it: the CA vouching for the subject")]


def _serial_rows(cert: x509.Certificate) -> list[CertificateRow]:
    serial = cert.serial_number
    if serial <= 0:
        value = f"{serial} ⚠ {'negative' if serial < 0 else 'zero'} serial (RFC 5280 forbids it)"
    else:
        # as openssl shows it: small serials in decimal and hex, large ones (random) in hex
        bits = serial.bit_length()
        value = (
            f"{serial} (0x{serial:x}, {bits} bits)" if bits <= 64 else f"0x{serial:x} ({bits} bits)"
        )
    meaning = "unique per CA; CAs must use ≥ 64 random bits (CA/B BR) and it must be positive"
    return [CertificateRow("serial number", value, meaning)]


def _validity_rows(cert: x509.Certificate) -> list[CertificateRow]:
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    days = (end - start).total_seconds() / 86400
    return [
        CertificateRow("not valid before", f"{start:%Y-%m-%d %H:%M:%S} UTC", "valid from"),
        CertificateRow("not valid after", f"{end:%Y-%m-%d %H:%M:%S} UTC", "valid until"),
        CertificateRow(
            "validity period",
            f"{days:.0f} days",
            "public TLS leaves (CA/B BR, ballot SC-081): at most 398 days until 2026-03-15, "
            "200 since, 100 from 2027-03-15, 47 from 2029-03-15",
        ),
    ]


def _public_key_rows(cert: x509.Certificate) -> list[CertificateRow]:
    meaning = "the subject's public key; the subject proves it holds the private half"
    return [CertificateRow("public key", _key_words(cert.public_key()), meaning)]


def _key_words(key: object) -> str:
    """A public key's type and size in words; a type the BR do not allow says so (§6.1.5)."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key.curve.key_size} bits)"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519 (256 bits)"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448 (456 bits; not allowed by the CA/B BR §6.1.5: RSA or ECDSA only)"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size} bits (not allowed by the CA/B BR §6.1.5: RSA or ECDSA only)"
    return type(key).__name__


_SIGNATURE_NAMES = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption (MD2: broken, long retired)",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption (MD5: broken, retired)",
    "1.2.840.113549.2.5": "md5 (the bare MD5 OID, as early software wrote it; MD5: broken)",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption (SHA-1: retired for certificates)",
    "1.3.14.3.2.29": "sha1WithRSA (an old OID; SHA-1: retired)",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.2.840.113549.1.1.10": "rsassaPss (RSA-PSS)",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1 (SHA-1: retired)",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.2.840.10040.4.3": "dsaWithSHA1",
    "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
}


def _signature_rows(cert: x509.Certificate) -> list[CertificateRow]:
    oid = cert.signature_algorithm_oid.dotted_string
    value = _SIGNATURE_NAMES.get(oid) or _oid_name(SignatureAlgorithmOID, oid)
    meaning = "how the issuer signed it (a hash, then the issuer's private key)"
    return [CertificateRow("signature algorithm", value, meaning)]


def _oid_name(oids: type, dotted: str) -> str:
    """A public constant's name in ``oids`` for ``dotted`` (e.g. CERTIFICATE_POLICIES), or it."""
    for name, value in vars(oids).items():
        if isinstance(value, x509.ObjectIdentifier) and value.dotted_string == dotted:
            return f"{name.lower().replace('_', ' ')} ({dotted})"
    return dotted


def _extension_name(oid: x509.ObjectIdentifier) -> str:
    return _oid_name(ExtensionOID, oid.dotted_string)


_EKU_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "2.5.29.37.0": "anyExtendedKeyUsage",
}
_KEY_USAGE_FLAGS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)

_SHOWN = {
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS,
    ExtensionOID.CRL_DISTRIBUTION_POINTS,
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
}


def _critical(extension: x509.Extension[x509.ExtensionType]) -> str:
    return " (critical)" if extension.critical else ""


def _extension_rows(cert: x509.Certificate) -> list[CertificateRow]:
    found = {extension.oid: extension for extension in cert.extensions}
    rows = []
    for oid, field, meaning, show in _EXTENSIONS:
        extension = found.get(oid)
        if extension is None:
            if oid in _ALWAYS_SHOWN:
                rows.append(CertificateRow(field, "(absent)", meaning))
            continue
        rows.append(CertificateRow(field, _extension_value(show, extension), meaning))
    others = [f"{_extension_name(o)}{_critical(e)}" for o, e in found.items() if o not in _SHOWN]
    if others:
        rows.append(
            CertificateRow(
                "other extensions",
                "; ".join(others),
                "further extensions (policies, name constraints, CT poison...)",
            )
        )
    return rows


def _extension_value(
    show: Callable[[x509.ExtensionType], str], extension: x509.Extension[x509.ExtensionType]
) -> str:
    try:
        return show(extension.value) + _critical(extension)
    except Exception as err:  # a value cryptography parsed but cannot present
        return f"⚠ cannot be read: {_field_defect(err)}"


def _show_san(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.SubjectAlternativeName)
    parts = [f"DNS:{n}" for n in value.get_values_for_type(x509.DNSName)]
    parts += [f"IP:{a}" for a in value.get_values_for_type(x509.IPAddress)]
    parts += [f"email:{m}" for m in value.get_values_for_type(x509.RFC822Name)]
    parts += [f"URI:{u}" for u in value.get_values_for_type(x509.UniformResourceIdentifier)]
    others = len(value) - len(parts)
    return ", ".join(parts + ([f"{others} other name(s)"] if others else [])) or "(empty)"


def _show_basic_constraints(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.BasicConstraints)
    if not value.ca:
        return "CA:FALSE"
    return "CA:TRUE" + (f", pathlen:{value.path_length}" if value.path_length is not None else "")


def _show_key_usage(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.KeyUsage)
    flags = [name for attribute, name in _KEY_USAGE_FLAGS if getattr(value, attribute)]
    if value.key_agreement:
        flags += ["encipherOnly"] if value.encipher_only else []
        flags += ["decipherOnly"] if value.decipher_only else []
    return ", ".join(flags) or "(none)"


def _show_eku(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.ExtendedKeyUsage)
    return ", ".join(_EKU_NAMES.get(o.dotted_string, o.dotted_string) for o in value) or "(none)"


def _show_ski(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.SubjectKeyIdentifier)
    return value.digest.hex(":").upper()


def _show_aki(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.AuthorityKeyIdentifier)
    if value.key_identifier is None:
        return "(no key identifier: issuer name and serial only)"
    return value.key_identifier.hex(":").upper()


def _show_scts(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.PrecertificateSignedCertificateTimestamps)
    logs = [f"log {sct.log_id.hex()[:16]}… at {sct.timestamp:%Y-%m-%d %H:%M} UTC" for sct in value]
    return f"{len(logs)} SCT(s): " + "; ".join(logs)


def _show_crl_points(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.CRLDistributionPoints)
    uris = [
        name.value
        for point in value
        for name in point.full_name or []
        if isinstance(name, x509.UniformResourceIdentifier)
    ]
    return ", ".join(uris) or f"{len(value)} distribution point(s) without a URI"


def _show_aia(value: x509.ExtensionType) -> str:
    assert isinstance(value, x509.AuthorityInformationAccess)
    methods = {"1.3.6.1.5.5.7.48.1": "OCSP", "1.3.6.1.5.5.7.48.2": "caIssuers"}
    parts = [
        f"{methods.get(d.access_method.dotted_string, d.access_method.dotted_string)}: "
        f"{d.access_location.value}"
        for d in value
    ]
    return ", ".join(parts)


_EXTENSIONS: tuple[tuple[x509.ObjectIdentifier, str, str, Callable[[x509.ExtensionType], str]], ...]
_EXTENSIONS = (
    (
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        "subject alternative name",
        "the names it is valid for; browsers match the host name here only (not the CN)",
        _show_san,
    ),
    (
        ExtensionOID.BASIC_CONSTRAINTS,
        "basic constraints",
        "CA:TRUE lets it sign certificates; pathlen limits the CAs below it",
        _show_basic_constraints,
    ),
    (
        ExtensionOID.KEY_USAGE,
        "key usage",
        "what the key may do: sign handshakes, sign certificates (keyCertSign)...",
        _show_key_usage,
    ),
    (
        ExtensionOID.EXTENDED_KEY_USAGE,
        "extended key usage",
        "what it is for: serverAuth = a TLS server (required on TLS leaves by CA/B BR)",
        _show_eku,
    ),
    (
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        "subject key identifier",
        "a short ID of this certificate's key (SKI)",
        _show_ski,
    ),
    (
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        "authority key identifier",
        "the ID of the key that signed it (AKI = the issuer's SKI): finds the issuer",
        _show_aki,
    ),
    (
        ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS,
        "SCTs",
        "promises from Certificate Transparency logs that it was published",
        _show_scts,
    ),
    (
        ExtensionOID.CRL_DISTRIBUTION_POINTS,
        "CRL distribution points",
        "where to fetch the issuer's list of revoked certificates (CRL)",
        _show_crl_points,
    ),
    (
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
        "authority information access",
        "where to fetch the issuer's certificate (caIssuers) and ask OCSP",
        _show_aia,
    ),
)
_ALWAYS_SHOWN = {oid for oid, *_ in _EXTENSIONS[:6]}


def _fingerprint_rows(cert: x509.Certificate) -> list[CertificateRow]:
    return [
        CertificateRow(
            "fingerprint (SHA-256)",
            certificate_fingerprint(cert),
            "SHA-256 of the whole certificate: what a browser shows; changes with any byte "
            "(upper case, as openssl prints it)",
        ),
        CertificateRow(
            "SPKI fingerprint (SHA-256)",
            spki_fingerprint(cert),
            "SHA-256 of the public key only: key pinning; kept by a renewal with the same key "
            "(lower case, as lesson 01's keys.fingerprint)",
        ),
    ]


_ROW_MAKERS: tuple[Callable[[x509.Certificate], list[CertificateRow]], ...] = (
    _version_rows,
    _name_rows,
    _issuer_rows,
    _serial_rows,
    _validity_rows,
    _public_key_rows,
    _signature_rows,
    _extension_rows,
    _fingerprint_rows,
)
_FIELD_OF: dict[Callable[[x509.Certificate], list[CertificateRow]], tuple[str, str]] = {
    _version_rows: ("version", "which X.509 format"),
    _name_rows: ("subject", "whom the certificate is about"),
    _issuer_rows: ("issuer", "who signed it"),
    _serial_rows: ("serial number", "unique per CA, positive"),
    _validity_rows: ("validity", "when it is valid"),
    _public_key_rows: ("public key", "the subject's public key"),
    _signature_rows: ("signature algorithm", "how the issuer signed it"),
    _extension_rows: ("extensions", "the v3 extensions (SAN, basicConstraints, keyUsage...)"),
    _fingerprint_rows: ("fingerprint (SHA-256)", "SHA-256 of the whole certificate"),
}
