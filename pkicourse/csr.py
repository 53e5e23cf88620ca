"""Certificate signing requests (CSRs): make one, check its signature, read one (lesson 04-csr).

A CSR (PKCS#10, RFC 2986) is what a server sends a certificate authority to ask for a
certificate. The real-world flow, as lesson 04 plays it:

1. The server makes a key pair and keeps the private key (lesson 01).
2. It writes a CSR: its public key, the names it wants (subjectAltName, SAN), and a signature
   over both made with its private key (``make_csr``; ``openssl req -new`` does the same).
3. The CA checks that signature (``verify_csr``). It proves the requester holds the private key
   (proof of possession); it does NOT prove the requester controls the names. That is domain
   validation (CA/B Forum Baseline Requirements §3.2.2.4; ACME http-01, lesson 05).
4. The CA decides what goes into the certificate: a CSR's subject and SAN are only requests.

``load_csr(path)`` reads a file, ``csr_from_bytes(data)`` bytes you already hold, PEM or DER.
No error message shows the bytes given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from pkicourse import certificates, keys
from pkicourse.certificates import CertificateRow, _bytes_of, _der_kind, _Description
from pkicourse.data import _looks_like_pem
from pkicourse.errors import (
    ArgumentError,
    CSRSignatureError,
    DataFileNotFoundError,
    NotACSRError,
    NotAPathError,
)

__all__ = [
    "CSRDescription",
    "CSRRow",
    "csr_from_bytes",
    "csr_names",
    "csr_pem",
    "describe_csr",
    "general_name",
    "load_csr",
    "make_csr",
    "signature_hash",
    "verify_csr",
]

_MAX_FILE_BYTES = 1 << 20  # 1 MiB: a CSR is a few hundred bytes, an RSA-4096 one about 1.7 kB
_MAX_COMMON_NAME = 64  # ub-common-name, RFC 5280 appendix A
_MAX_ORGANIZATION = 64  # ub-organization-name, RFC 5280 appendix A
# The word after "-----BEGIN " says what a PEM block holds: named in an error, never shown.
_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----")
_PEM_KINDS = {
    b"CERTIFICATE REQUEST": "a CSR",
    b"NEW CERTIFICATE REQUEST": "a CSR",
    b"CERTIFICATE": "a certificate",
    b"X509 CERTIFICATE": "a certificate",
    b"TRUSTED CERTIFICATE": "a certificate",
    b"X509 CRL": "a certificate revocation list (CRL)",
    b"PRIVATE KEY": "a private key",
    b"ENCRYPTED PRIVATE KEY": "an encrypted private key",
    b"RSA PRIVATE KEY": "a private key",
    b"EC PRIVATE KEY": "a private key",
    b"OPENSSH PRIVATE KEY": "an OpenSSH private key",
    b"PUBLIC KEY": "a public key",
    b"RSA PUBLIC KEY": "a public key",
}


# --- names and hashes --------------------------------------------------------------------------


def signature_hash(
    private_key: keys.PrivateKey,
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    """The hash a course key signs certificates, CSRs and CRLs with (lessons 03, 04 and 05).

    SHA-256 for RSA and P-256; SHA-384 for P-384; SHA-512 for P-521 (CA/B Forum BR §7.1.3.2
    pairs each curve with its hash); ``None`` for Ed25519, which hashes inside the algorithm
    (RFC 8410). The same rule as ``make_self_signed`` (one function in pkicourse.certificates).
    """
    return certificates._signature_hash(private_key)


def general_name(name: str) -> x509.GeneralName:
    """A SAN entry for ``name``: ``IPAddress`` for ``"127.0.0.1"``, else ``DNSName`` (lesson 04).

    Host names are lower-cased and must be ASCII (a name with other letters goes in as its IDNA
    A-label, ``xn--...``), at most 253 characters. A wildcard is allowed only as the whole
    leftmost label (``*.x.example``). The same rule as ``make_self_signed`` (lesson 03).
    """
    return certificates._general_name(name)


def _subject(common_name: str, organization: str | None) -> x509.Name:
    attributes = []
    if organization is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _checked_names(dns_names: object) -> list[x509.GeneralName]:
    """The SAN entries (one rule with make_self_signed); the first must fit in a CN."""
    names = certificates._san_names(dns_names, "make_csr")
    if not names:
        raise ArgumentError("A CSR needs at least one name: dns_names is empty.")
    first = str(names[0].value)
    if len(first) > _MAX_COMMON_NAME:
        raise ArgumentError(
            f"The first name becomes the CN, which RFC 5280 limits to {_MAX_COMMON_NAME} "
            f"characters (ub-common-name); this one has {len(first)}. Put a shorter name first: "
            "every name still goes in the SAN, which has no such limit."
        )
    return names


def _checked_organization(organization: object) -> str | None:
    """O = ``organization``: None, or text of 1 to 64 characters (ub-organization-name)."""
    if organization is None:
        return None
    if not isinstance(organization, str) or not organization.strip():
        what = type(organization).__name__ if not isinstance(organization, str) else "empty text"
        raise ArgumentError(f"organization must be None or a name such as 'The Bank', not {what}.")
    if _looks_like_pem(organization) or len(organization) > _MAX_ORGANIZATION:
        raise ArgumentError(
            f"organization must be a name of at most {_MAX_ORGANIZATION} characters (RFC 5280 "
            "ub-organization-name) on one line, such as 'The Bank'; this one is not (it looks "
            "like PEM text or is too long), so it is not shown."
        )
    return organization


# --- making and checking a CSR -----------------------------------------------------------------


def make_csr(
    private_key: keys.PrivateKey,
    dns_names: Sequence[str],
    *,
    organization: str | None = None,
) -> x509.CertificateSigningRequest:
    """A CSR for ``dns_names``, signed with ``private_key`` (lesson 04-csr).

    Subject: CN = the first name (and O = ``organization`` if given); SAN = every name (an IP
    address such as 127.0.0.1 goes in as an IP address entry). The signature uses the key's hash
    (:func:`signature_hash`). Same as ``openssl req -new -key server.key -subj /CN=bank.example
    -addext subjectAltName=DNS:bank.example,DNS:www.bank.example``.
    """
    names = _checked_names(dns_names)
    organization = _checked_organization(organization)
    hash_algorithm = signature_hash(private_key)
    builder = (
        x509.CertificateSigningRequestBuilder()
        # The subject is a request: a CA that validates domains only (DV) keeps just the names.
        .subject_name(_subject(str(names[0].value), organization))
        # subjectAltName (RFC 5280 §4.2.1.6): the names the certificate should be valid for;
        # browsers match only these (CA/B Forum BR §7.1.2.7.12 makes SAN mandatory).
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
    )
    # The signature covers the subject, the public key and the requested extensions: it proves
    # the requester holds the private key (proof of possession), nothing more.
    return builder.sign(private_key, hash_algorithm)


def verify_csr(csr: x509.CertificateSigningRequest) -> None:
    """Check the CSR's self-signature; raise ``CSRSignatureError`` if it fails (lesson 04-csr).

    A CA does this first: a CSR changed after signing (a name swapped, another public key)
    fails here. Passing proves possession of the private key, not control of the names.
    """
    _require_csr(csr, "verify_csr")
    try:
        valid = csr.is_signature_valid
    except (UnsupportedAlgorithm, ValueError) as error:
        raise CSRSignatureError(
            "The CSR's signature cannot be checked: its algorithm or key is not supported "
            f"({type(error).__name__}). Make the CSR again with an RSA, EC or Ed25519 key."
        ) from None
    if not valid:
        raise CSRSignatureError(
            "The CSR's signature does not verify with the public key inside it: the CSR was "
            "changed after it was signed (or the signature was forged). Do not issue a "
            "certificate for it; ask the requester for a new CSR."
        )


def csr_names(csr: x509.CertificateSigningRequest) -> list[str]:
    """The names a CSR asks for: its SAN's DNS names and IP addresses, else its CN (lesson 04).

    "Else" means: no SAN, or a SAN with no DNS name and no IP address (only an e-mail, say).
    A CA treats these as requests and validates each before issuing.
    """
    _require_csr(csr, "csr_names")
    names = _san_host_names(csr)
    if names:
        return names
    return [str(a.value) for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def _san_host_names(csr: x509.CertificateSigningRequest) -> list[str]:
    """The DNS names, then the IP addresses, of the CSR's SAN (none without a SAN)."""
    san = _requested_san(csr)
    if san is None:
        return []
    names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    return names + [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


def _requested_san(csr: x509.CertificateSigningRequest) -> x509.SubjectAlternativeName | None:
    try:
        return csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as error:
        raise NotACSRError(
            f"The CSR's requested extensions cannot be read: {_csr_defect(error)}. Ask the "
            "requester for a new CSR."
        ) from None


def csr_pem(csr: x509.CertificateSigningRequest) -> bytes:
    """The CSR as PEM (``-----BEGIN CERTIFICATE REQUEST-----``), as sent to a CA (lesson 04)."""
    _require_csr(csr, "csr_pem")
    return csr.public_bytes(serialization.Encoding.PEM)


def _require_csr(csr: object, function_name: str) -> None:
    if not isinstance(csr, x509.CertificateSigningRequest):
        raise ArgumentError(
            f"{function_name} needs an x509.CertificateSigningRequest, not "
            f"{type(csr).__name__}: read one with load_csr(path) or csr_from_bytes(data)."
        )


# --- reading a CSR -----------------------------------------------------------------------------


def csr_from_bytes(data: bytes) -> x509.CertificateSigningRequest:
    """The CSR in ``data``, PEM or DER (lesson 04-csr); ``NotACSRError`` otherwise.

    The message says what the data holds instead when it can tell (a certificate, a key...).
    """
    return _parse_csr(_bytes_of(data, "csr_from_bytes", "load_csr"), "The data")


def load_csr(path: str | os.PathLike[str]) -> x509.CertificateSigningRequest:
    """Read a CSR file, PEM or DER (lesson 04-csr); ``NotACSRError`` if it holds something else."""
    file = _readable_path(path, "load_csr")
    return _parse_csr(file.read_bytes(), f"The file {file.name}")


def _readable_path(path: object, function_name: str) -> Path:
    """A file to read, checked: a path, there, a file, and small enough to be a CSR or CRL."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise NotAPathError(
            f"{function_name} needs a file name (str or Path), not {type(path).__name__}: "
            "for bytes you already hold use the *_from_bytes function."
        )
    if isinstance(path, str) and ("\n" in path or "-----BEGIN" in path):
        raise NotAPathError(
            f"{function_name} needs a file name, but this looks like PEM text: use "
            "the *_from_bytes function with text.encode()."
        )
    file = Path(path)
    if not file.is_file():
        what = "is a folder, not a file" if file.is_dir() else "does not exist"
        raise DataFileNotFoundError(f"{file} {what}: check the name and the folder.")
    if file.stat().st_size > _MAX_FILE_BYTES:
        raise NotACSRError(f"{file.name} is far too large to be a CSR or a CRL (over 1 MiB).")
    return file


def _parse_csr(data: bytes, where: str) -> x509.CertificateSigningRequest:
    csr = _load_csr(data, where)
    # cryptography parses some parts only when asked: ask now, so a defect is named here.
    for part, read in (
        ("subject", lambda: csr.subject.rfc4514_string()),
        ("public key", csr.public_key),
        ("requested extensions", lambda: csr.extensions),
        ("signature algorithm", lambda: csr.signature_algorithm_oid),
    ):
        try:
            read()
        except Exception as error:  # any lazily raised parse failure, named in words
            raise NotACSRError(
                f"{where} holds a CSR whose {part} cannot be read: {_csr_defect(error)}. Ask "
                "the requester for a new CSR."
            ) from None
    return csr


def _csr_defect(error: Exception) -> str:
    """What cryptography found wrong in a CSR, in words (never the bytes)."""
    if isinstance(error, x509.DuplicateExtension):
        return (
            f"its requested extensions list the same extension ({error.oid.dotted_string}) "
            "twice, which RFC 5280 §4.2 forbids"
        )
    if isinstance(error, x509.UnsupportedGeneralNameType):
        return "a requested name is of a type cryptography does not read (x400Address or similar)"
    if isinstance(error, UnsupportedAlgorithm):
        return "its key type or algorithm is not supported by cryptography"
    return f"it is damaged or malformed ASN.1 ({type(error).__name__})"


def _load_csr(data: bytes, where: str) -> x509.CertificateSigningRequest:
    if b"-----BEGIN" in data:
        labels = _PEM_LABEL.findall(data)
        if not any(_PEM_KINDS.get(label) == "a CSR" for label in labels):
            raise NotACSRError(f"{where} holds no CSR: {_pem_kinds(labels)}.")
        try:
            return x509.load_pem_x509_csr(data)
        except x509.InvalidVersion as error:
            raise NotACSRError(_version_message(where, error)) from None
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise NotACSRError(
                f"{where} has a CERTIFICATE REQUEST block that cannot be parsed (damaged "
                "base64 or ASN.1): ask for the CSR again."
            ) from None
    try:
        return x509.load_der_x509_csr(data)
    except x509.InvalidVersion as error:
        raise NotACSRError(_version_message(where, error)) from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise NotACSRError(
            f"{where} holds no CSR: it is neither PEM with '-----BEGIN CERTIFICATE REQUEST-----'"
            f" nor a DER-encoded CSR{_der_hint(data)}."
        ) from None


def _version_message(where: str, error: x509.InvalidVersion) -> str:
    return (
        f"{where} holds a CSR whose version field is {error.parsed_version}, but a PKCS#10 CSR "
        "has only version 0 (v1, RFC 2986 §4.1): it was made by faulty software. Ask the "
        "requester for a new CSR."
    )


def _pem_kinds(labels: list[bytes]) -> str:
    kinds = sorted({_PEM_KINDS.get(label, "an unknown PEM block") for label in labels})
    return "it holds " + " and ".join(kinds) if kinds else "its PEM text has no BEGIN line"


def _der_hint(data: bytes) -> str:
    """What DER data is instead, when one of cryptography's loaders recognises it."""
    kind = _der_kind(data)  # the same test file_kind uses (lesson 03)
    if kind == "unknown":
        return ""
    article = "an" if kind[0] in "aeiou" else "a"
    return f" (it is {article} {kind})"


# --- describing a CSR --------------------------------------------------------------------------


#: One row of a description: the field, its value, and what it means (the row type of
#: :func:`pkicourse.certificates.describe`, so both tables read alike).
CSRRow = CertificateRow


@dataclass(frozen=True)
class CSRDescription(_Description):
    """What a CSR asks for, row by row (lesson 04-csr). ``str()`` is a text table."""

    _what: ClassVar[str] = "CSR's description"
    _aliases: ClassVar[Mapping[str, str]] = {
        "san": "requested names (san)",
        "names": "requested names (san)",
    }


def describe_csr(csr: x509.CertificateSigningRequest) -> CSRDescription:
    """A CSR's fields as rows (field, value, what it means), like ``openssl req -text`` (04)."""
    _require_csr(csr, "describe_csr")
    try:
        valid = "valid" if csr.is_signature_valid else "INVALID: changed after signing"
    except (UnsupportedAlgorithm, ValueError):
        valid = "cannot be checked (unsupported algorithm)"
    algorithm = csr.signature_algorithm_oid
    rows = [
        CSRRow("subject", csr.subject.rfc4514_string() or "(empty)", "who asks (a request)"),
        CSRRow(
            "public key",
            _key_words(csr.public_key()),
            "the key the certificate will carry; the requester keeps the private half",
        ),
        CSRRow("requested names (SAN)", _names_words(csr), "names to be validated"),
        CSRRow(
            "signature algorithm",
            getattr(algorithm, "_name", algorithm.dotted_string),
            "how the requester signed the CSR",
        ),
        CSRRow("signature", valid, "proves possession of the private key, not the domain"),
    ]
    return CSRDescription(tuple(rows))


def _key_words(key: object) -> str:
    """The CSR's key in words: lesson 01's words for course key types, else what it is."""
    if isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
        return keys.describe_key(key)
    return certificates._key_words(key)  # DSA, Ed448...: shown, with the BR's verdict


def _names_words(csr: x509.CertificateSigningRequest) -> str:
    """The SAN's DNS and IP names; or, when there are none, says so and gives the CN."""
    names = _san_host_names(csr)
    if names:
        return ", ".join(names)
    where = "no SAN" if _requested_san(csr) is None else "no DNS or IP names in the SAN"
    common_names = csr_names(csr)
    return f"({where}; CN: {', '.join(common_names)})" if common_names else f"({where}; no CN)"
