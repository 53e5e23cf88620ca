"""Chain validation: is this certificate good for this name, now, and if not, which rule failed?

Lesson 05-certificate-authorities (and 03, 06, 07 reuse it). The decision is made by
``cryptography.x509.verification`` alone: a :class:`~cryptography.x509.verification.Store` of
trusted roots, ``PolicyBuilder().store(store).time(at).build_server_verifier(name)`` and
``verifier.verify(leaf, intermediates)``. That verifier raises one ``VerificationError`` whose
text does not tell the rules apart, so when it refuses, :func:`verify_chain` *diagnoses* which
rule failed by reading the certificates' own fields (dates, names, basicConstraints, keyUsage,
extendedKeyUsage, name constraints) and by finding each issuer by name and signature
(``verify_directly_issued_by``). It never reads the error message.

``cryptography``'s verifier does not check revocation. When a CRL is given, :func:`verify_chain`
checks it explicitly after the path is found (:func:`is_revoked`: the CRL's signature by the
issuer, its dates, the serial number).

Each :class:`Rule` says where it comes from (RFC 5280, RFC 6125, the CA/Browser Forum Baseline
Requirements or browser policy), the code ``openssl verify`` gives for the same failure (checked
on OpenSSL 3.0 with ``-purpose sslserver``, as a TLS client uses it) and Chrome's error for the
same failure where Chrome has a clear one (Chrome does not use OpenSSL's codes).

**Finding the issuer** (as OpenSSL's ``check_issued``): a certificate is a candidate issuer
when its subject is the child's issuer name, its subjectKeyIdentifier equals the keyIdentifier
of the child's authorityKeyIdentifier (when both are present; also the AKI's issuer and serial
number when given), and its key is of the kind the child's signature algorithm needs. Trusted
roots are tried first, then the certificates the server sent; among several candidates the
first one valid at the check time wins, else the one that expires last. The signature is not
used to choose: a namesake with another key is no issuer at all ("unknown-issuer", 20), while
a candidate that fits but whose key does not verify the signature is "bad-signature" (7).
A leaf whose issuer is nowhere is "incomplete-chain" (20 at depth 0), whatever else the
server sent (e.g. the root instead of its intermediate); a sent chain whose top CA's issuer
is unknown is "unknown-issuer" (20 at that depth).

**Order of the checks** when a chain breaks several rules: the first one ``openssl verify``
reports (OpenSSL 3.0's ``verify_chain``), which is also what Python's ``ssl`` reports, as it
stops at the first error:

1. building the path: "self-signed" (18), "untrusted-root" (19), "unknown-issuer" /
   "incomplete-chain" (20);
2. each certificate's extensions, from the leaf up: "not-a-ca" / "key-usage" (79),
   "path-too-long" (25), "eku" (26);
3. the host name: "wrong-name" (62, 64) — so an expired certificate with the wrong name is
   "wrong-name";
4. revocation, when a CRL is given: "crl-missing" (3), "crl-bad-signature" (8), the CRL's
   dates (11, 12), "revoked" (23) — before the certificates' own dates;
5. from the root down, each certificate's signature ("bad-signature", 7), then its dates
   ("not-yet-valid" 9, "expired" 10) — so an expired intermediate above a tampered leaf is
   "expired" at depth 1;
6. name constraints (47, 48);
7. what only cryptography's verifier enforces: keyUsage present in a CA ("key-usage") and
   authorityKeyIdentifier ("missing-aki"), no OpenSSL code.

tests/test_validation.py and tests/test_openssl_verify.py check double faults of this kind
against ``/usr/bin/openssl``.
"""

from __future__ import annotations

import datetime
import html
import ipaddress
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from pkicourse.errors import ArgumentError, CRLError

__all__ = [
    "OPENSSL_CODES",
    "RULES",
    "Rule",
    "Verdict",
    "is_revoked",
    "verify_chain",
]

_AUTHORITY = "NET::ERR_CERT_AUTHORITY_INVALID"
_DATE = "NET::ERR_CERT_DATE_INVALID"
_NAME = "NET::ERR_CERT_COMMON_NAME_INVALID"
_INVALID = "NET::ERR_CERT_INVALID"
_REVOKED = "NET::ERR_CERT_REVOKED"

#: OpenSSL 3.0's name for each verify code the course meets (``openssl verify`` prints
#: "error N at D depth lookup: ..."; compare the number, never the text).
OPENSSL_CODES: Mapping[int, str] = MappingProxyType(
    {
        3: "X509_V_ERR_UNABLE_TO_GET_CRL",
        7: "X509_V_ERR_CERT_SIGNATURE_FAILURE",
        8: "X509_V_ERR_CRL_SIGNATURE_FAILURE",
        9: "X509_V_ERR_CERT_NOT_YET_VALID",
        10: "X509_V_ERR_CERT_HAS_EXPIRED",
        11: "X509_V_ERR_CRL_NOT_YET_VALID",
        12: "X509_V_ERR_CRL_HAS_EXPIRED",
        18: "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
        19: "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
        20: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        21: "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        23: "X509_V_ERR_CERT_REVOKED",
        24: "X509_V_ERR_NO_ISSUER_PUBLIC_KEY (OpenSSL 1.1 used 24 for an invalid CA)",
        25: "X509_V_ERR_PATH_LENGTH_EXCEEDED",
        26: "X509_V_ERR_INVALID_PURPOSE",
        32: "X509_V_ERR_KEYUSAGE_NO_CERTSIGN",
        47: "X509_V_ERR_PERMITTED_VIOLATION",
        48: "X509_V_ERR_EXCLUDED_VIOLATION",
        62: "X509_V_ERR_HOSTNAME_MISMATCH",
        64: "X509_V_ERR_IP_ADDRESS_MISMATCH",
        79: "X509_V_ERR_INVALID_CA",
        85: "X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER (only with -x509_strict)",
        92: "X509_V_ERR_CA_CERT_MISSING_KEY_USAGE (only with -x509_strict)",
    }
)


@dataclass(frozen=True)
class Rule:
    """One rule a certificate chain must follow (lesson 05).

    ``plain_words``: the rule for a learner; ``source``: where it is written (RFC 5280, the
    CA/Browser Forum Baseline Requirements (BR), or a browser's own policy); ``openssl_code``:
    the code ``openssl verify -purpose sslserver`` (OpenSSL 3.0) gives for this failure, or
    ``None`` when ``openssl verify`` does not check it; ``browser_error``: Chrome's error for
    the same failure, or ``None`` when Chrome does not refuse it or has no clear counterpart.
    """

    name: str
    plain_words: str
    source: str
    openssl_code: int | None
    browser_error: str | None


def _rules(*rules: Rule) -> Mapping[str, Rule]:
    return MappingProxyType({rule.name: rule for rule in rules})


#: Every rule :func:`verify_chain` can name, keyed by rule name (lesson 05).
RULES: Mapping[str, Rule] = _rules(
    Rule(
        "expired",
        "A certificate is valid only until its not_valid_after date; this one has passed.",
        "RFC 5280 §4.1.2.5 (validity) and §6.1.3 (a)(2)",
        10,
        _DATE,
    ),
    Rule(
        "not-yet-valid",
        "A certificate is valid only from its not_valid_before date; that date has not come.",
        "RFC 5280 §4.1.2.5 (validity) and §6.1.3 (a)(2)",
        9,
        _DATE,
    ),
    Rule(
        "wrong-name",
        "The name you asked for must be one of the certificate's subjectAltName entries "
        "(a wildcard * stands for exactly one whole left-most label).",
        "RFC 6125 §6.4 (now RFC 9525 §6.3); the names are RFC 5280 §4.2.1.6 subjectAltName",
        62,
        _NAME,
    ),
    Rule(
        "cn-without-san",
        "A server certificate must list its names in subjectAltName; the subject's common "
        "name (CN) alone no longer counts.",
        "CA/B Forum BR §7.1.2.7.12 (subjectAltName required); browser policy: Chrome ignores "
        "the CN since Chrome 58, and cryptography's verifier rejects a leaf without SAN. "
        "OpenSSL and Python's ssl still fall back to the CN",
        None,
        _NAME,
    ),
    Rule(
        "self-signed",
        "The server's certificate is signed by its own key: anyone can make one for any name. "
        "Only a certificate you trust yourself (in your trust store) may be self-signed.",
        "RFC 5280 §6.1 (a path must end at a trust anchor the client chose)",
        18,
        _AUTHORITY,
    ),
    Rule(
        "untrusted-root",
        "The chain ends at a self-signed root certificate that is not in your trust store: "
        "a root is trusted because your trust store holds it, never because the server sent it.",
        "RFC 5280 §6.1 (trust anchors); browser policy: root programs (Mozilla, Chrome, Apple, "
        "Microsoft) decide which roots ship",
        19,
        _AUTHORITY,
    ),
    Rule(
        "unknown-issuer",
        "Every certificate must be signed by an issuer the client can find, ending at a root "
        "in the trust store; here the issuer is neither sent by the server nor trusted (a "
        "certificate with the issuer's name but another key is not the issuer).",
        "RFC 5280 §6.1 (certification path validation)",
        20,
        _AUTHORITY,
    ),
    Rule(
        "incomplete-chain",
        "The server must send its intermediate CA certificates with its own; without them the "
        "client cannot link the certificate to a trusted root.",
        "RFC 8446 §4.4.2 (the server sends its chain); RFC 5280 §6.1. Browser behaviour: "
        "Firefox preloads intermediates and Chrome fetches them from AIA; Python's ssl and curl "
        "do not",
        20,
        _AUTHORITY,
    ),
    Rule(
        "bad-signature",
        "Each certificate's signature must verify with its issuer's public key. Here the "
        "issuer was found (its name and key identifier fit), but its key does not verify the "
        "signature: the certificate was changed after signing (or, with no key identifiers to "
        "tell them apart, a namesake's key signed it).",
        "RFC 5280 §6.1.3 (a)(1)",
        7,
        _AUTHORITY,
    ),
    Rule(
        "not-a-ca",
        "Only a certificate with basicConstraints CA:TRUE may sign other certificates; the "
        "issuer here is not a CA certificate.",
        "RFC 5280 §4.2.1.9 (basicConstraints) and §6.1.4 (k)",
        79,
        _INVALID,
    ),
    Rule(
        "key-usage",
        "A CA certificate must have a keyUsage extension that allows keyCertSign (signing "
        "certificates); this one does not.",
        "RFC 5280 §4.2.1.3 (keyUsage: MUST in CA certificates) and §6.1.4 (n); openssl verify "
        "refuses a keyUsage without keyCertSign (79) but accepts a CA with no keyUsage unless "
        "-x509_strict",
        79,
        _INVALID,
    ),
    Rule(
        "path-too-long",
        "A CA's pathLenConstraint limits how many intermediate CAs may follow it; this chain "
        "has more.",
        "RFC 5280 §4.2.1.9 (pathLenConstraint) and §6.1.4 (l)-(m); CA/B Forum BR §7.1.2.1.4: "
        "one on a root is NOT RECOMMENDED",
        25,
        _INVALID,
    ),
    Rule(
        "name-constraint",
        "A CA's name constraints limit the names certificates below it may carry; a name in "
        "this chain is outside them.",
        "RFC 5280 §4.2.1.10 (nameConstraints) and §6.1.4 (g). Chrome reports this as "
        "ERR_CERT_INVALID: its ERR_CERT_NAME_CONSTRAINT_VIOLATION is kept for a built-in list "
        "of legacy CAs",
        47,
        _INVALID,
    ),
    Rule(
        "eku",
        "A TLS server certificate (and a CA above it that lists extendedKeyUsage) must allow "
        "serverAuth.",
        "RFC 5280 §4.2.1.12 (extendedKeyUsage); CA/B Forum BR §7.1.2.7.10 (serverAuth on TLS "
        "server certificates)",
        26,
        _INVALID,
    ),
    Rule(
        "missing-aki",
        "Every certificate but a self-signed one must say which key signed it "
        "(authorityKeyIdentifier), so a client can find its issuer.",
        "RFC 5280 §4.2.1.1 (MUST); enforced by cryptography's verifier; openssl verify only "
        "with -x509_strict (85); Chrome does not require it",
        None,
        None,
    ),
    Rule(
        "revoked",
        "The certificate's issuer has revoked it: its serial number is on the issuer's "
        "certificate revocation list (CRL).",
        "RFC 5280 §5 (CRLs) and §6.3; browser policy: Chrome uses CRLSets, Firefox CRLite",
        23,
        _REVOKED,
    ),
    Rule(
        "crl-missing",
        "Revocation was to be checked, but no CRL from this certificate's issuer was given.",
        "RFC 5280 §6.3",
        3,
        None,
    ),
    Rule(
        "crl-bad-signature",
        "A CRL counts only if its issuer's public key verifies its signature; this one does not.",
        "RFC 5280 §6.3.3 (f)-(g)",
        8,
        None,
    ),
    Rule(
        "crl-not-yet-valid",
        "A CRL is usable from its thisUpdate (last_update) time; that has not come.",
        "RFC 5280 §5.1.2.4 and §6.3.3 (a)",
        11,
        None,
    ),
    Rule(
        "crl-expired",
        "A CRL is current only until its nextUpdate time; this one is out of date.",
        "RFC 5280 §5.1.2.5 and §6.3.3 (a)",
        12,
        None,
    ),
    Rule(
        "malformed",
        "A certificate must follow X.509's syntax exactly (DER); one of these cannot be "
        "parsed, so no verifier can check it.",
        "RFC 5280 §4.1 (certificate syntax) and X.690 (DER). OpenSSL's answer depends on the "
        "defect",
        None,
        _INVALID,
    ),
    Rule(
        "other",
        "The verifier refused the chain for a reason this course does not name.",
        "RFC 5280 §6.1 or the verifier's own policy",
        None,
        _INVALID,
    ),
)

_NOT_CHECKED = (
    "Revocation was not checked: cryptography's verifier does not check it. Pass crl=... "
    "to check a CRL (lesson 05)."
)


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`verify_chain` (lesson 05): true when the chain is good.

    ``rule`` is the rule that failed (``None`` when ``ok``); ``chain`` is the path the
    verifier built (leaf first, trusted root last) when ``ok``, else the candidate path the
    diagnosis followed; ``depth`` is where the problem is (0 = the leaf, like OpenSSL's "at
    depth"); ``openssl_code`` is what ``openssl verify -purpose sslserver`` gives for this
    chain (``None``: OpenSSL accepts it, or, for "malformed" and "other", no single code).
    """

    ok: bool
    rule: Rule | None
    explanation: str
    chain: list[x509.Certificate] = field(default_factory=list)
    openssl_code: int | None = None
    browser_error: str | None = None
    depth: int | None = None
    hostname: str = ""
    at: datetime.datetime | None = None

    def __bool__(self) -> bool:
        return self.ok

    def _rows(self) -> list[tuple[str, str]]:
        if self.ok or self.rule is None:
            return [("Path", _path_words(self.chain)), ("Why", self.explanation)]
        code = "—" if self.openssl_code is None else str(self.openssl_code)
        if self.openssl_code is not None and self.openssl_code in OPENSSL_CODES:
            code += f" ({OPENSSL_CODES[self.openssl_code]})"
        elif self.rule.name in ("malformed", "other"):
            code += " (no single OpenSSL code for this)"
        else:
            code += " (openssl verify accepts this chain)"
        return [
            ("Rule", f"{self.rule.name}: {self.rule.plain_words}"),
            ("What happened", self.explanation),
            ("Source", self.rule.source),
            ("OpenSSL verify code", code),
            ("Chrome's error for the same failure", self.browser_error or "— (none clear)"),
        ]

    def _headline(self) -> str:
        when = _when(self.at) if self.at else "now"
        if self.ok:
            return f"✔ Valid for {self.hostname} at {when}"
        name = self.rule.name if self.rule else "other"
        return f"✘ Not valid for {self.hostname} at {when}: {name}"

    def __str__(self) -> str:
        lines = [self._headline()]
        lines += [f"  {label}: {value}" for label, value in self._rows()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.ok else "#D55E00"
        rows = "".join(
            f"<tr><th style='text-align:left;vertical-align:top;padding-right:1em'>"
            f"{html.escape(label)}</th><td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self._rows()
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
            f"<b style='color:{colour}'>{html.escape(self._headline())}</b>"
            f"<table>{rows}</table></div>"
        )


# --- small readers of certificate fields ----------------------------------------------------


def _cn(name: x509.Name) -> str:
    """The common name, or the whole name when it has none."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if values:
        value = values[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return name.rfc4514_string() or "(empty name)"


def _when(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _path_words(chain: Sequence[x509.Certificate]) -> str:
    if not chain:
        return "(none)"
    names = [_cn(cert.subject) for cert in chain]
    return " ← signed by ← ".join(names) + " (in the trust store)"


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    """The extension's value, or None when the certificate does not have it."""
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    value = _extension(cert, x509.BasicConstraints)
    return value if isinstance(value, x509.BasicConstraints) else None


def _san(cert: x509.Certificate) -> x509.SubjectAlternativeName | None:
    value = _extension(cert, x509.SubjectAlternativeName)
    return value if isinstance(value, x509.SubjectAlternativeName) else None


def _is_self_issued(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s name and public key verify ``cert``'s signature."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _host(hostname: str) -> x509.DNSName | x509.IPAddress:
    """The verifier's subject: an IPAddress for an IP literal, else a DNSName."""
    if not isinstance(hostname, str) or not hostname:
        raise ArgumentError(f"hostname must be a name such as 'bank.example', got {hostname!r}.")
    try:
        return x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    return x509.DNSName(hostname)


# --- malformed certificates: a field that cannot be parsed ---------------------------------

_FIELDS: tuple[tuple[str, Callable[[x509.Certificate], object]], ...] = (
    ("subject", lambda cert: cert.subject.rfc4514_string()),
    ("issuer", lambda cert: cert.issuer.rfc4514_string()),
    ("validity dates", lambda cert: (cert.not_valid_before_utc, cert.not_valid_after_utc)),
    ("public key", lambda cert: cert.public_key()),
    ("extensions", lambda cert: [extension.value for extension in cert.extensions]),
)


def _defect(cert: x509.Certificate) -> str | None:
    """The first field of ``cert`` that cannot be parsed, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a negative serial number's deprecation warning
        for name, read in _FIELDS:
            try:
                read(cert)
            except Exception:  # any parse error is the defect we are looking for
                return name
    return None


def _malformed_finding(certs: Sequence[x509.Certificate]) -> _Finding | None:
    for index, cert in enumerate(certs):
        defect = _defect(cert)
        if defect is not None:
            which = "The leaf" if index == 0 else f"Certificate number {index + 1} given"
            return _Finding(
                "malformed",
                f"{which} has {defect} that cannot be parsed: it breaks the syntax of RFC "
                "5280, so no verifier can use it.",
                index if index == 0 else None,
            )
    return None


# --- RFC 6125 name matching (diagnosis only: the verifier decides) ---------------------------


def _dns_matches(pattern: str, hostname: str) -> bool:
    """RFC 6125 §6.4: exact match, or ``*`` as the whole left-most label standing for one label."""
    pattern, hostname = pattern.lower().rstrip("."), hostname.lower().rstrip(".")
    if pattern.startswith("*."):
        rest = pattern[2:]
        label, dot, remainder = hostname.partition(".")
        return "*" not in rest and bool(rest) and bool(label) and bool(dot) and remainder == rest
    return "*" not in pattern and pattern == hostname


def _name_matches(cert: x509.Certificate, hostname: str) -> bool:
    san = _san(cert)
    if san is None:
        return False
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return any(_dns_matches(name, hostname) for name in san.get_values_for_type(x509.DNSName))
    return address in san.get_values_for_type(x509.IPAddress)


def _cn_matches(cert: x509.Certificate, hostname: str) -> bool:
    """What OpenSSL still does when there is no SAN: compare the CN as a DNS name."""
    return _dns_matches(_cn(cert.subject), hostname)


# --- building the candidate path by hand (diagnosis only) ----------------------------------


@dataclass
class _Path:
    """The path the diagnosis followed: certificates from the leaf up, and how it ended."""

    certs: list[x509.Certificate]
    end: str  # "trusted", "self-signed", "untrusted-root", "no-issuer"
    bad_signature_at: int | None = None  # depth of a certificate whose signature failed
    other_key: x509.Certificate | None = None  # has the top's issuer's name, another key


def _aki_fits(aki: object, candidate: x509.Certificate) -> bool:
    """OpenSSL's X509_check_akid: an authorityKeyIdentifier must not point at another key.

    Its keyIdentifier must equal the candidate's subjectKeyIdentifier (when both are there);
    its authorityCertIssuer / SerialNumber, when present, must be the candidate's issuer and
    serial number. No authorityKeyIdentifier: any candidate fits.
    """
    if not isinstance(aki, x509.AuthorityKeyIdentifier):
        return True
    ski = _extension(candidate, x509.SubjectKeyIdentifier)
    if aki.key_identifier is not None and isinstance(ski, x509.SubjectKeyIdentifier):
        if aki.key_identifier != ski.digest:
            return False
    serial = aki.authority_cert_serial_number
    if serial is not None and serial != candidate.serial_number:
        return False
    names = [n.value for n in aki.authority_cert_issuer or () if isinstance(n, x509.DirectoryName)]
    return not names or names[0] == candidate.issuer


def _may_be_issuer(cert: x509.Certificate, candidate: x509.Certificate) -> bool:
    """OpenSSL's check_issued (x509_likely_issued): the name, then the key identifiers.

    The signature is not looked at here: a candidate that fits but whose key does not verify
    the signature is then a bad signature (OpenSSL 7), one that does not fit is no issuer (20).
    """
    aki = _extension(cert, x509.AuthorityKeyIdentifier)
    return (
        candidate.subject == cert.issuer
        and _aki_fits(aki, candidate)
        and _algorithm_fits(cert, candidate)
    )


#: The kind of public key each family of signature algorithms needs (OpenSSL's
#: check_sig_alg_match): an RSA signature cannot come from an EC key, and so on.
_KEY_KINDS: Mapping[str, tuple[type, ...]] = MappingProxyType(
    {
        "RSA": (rsa.RSAPublicKey,),
        "RSASSA": (rsa.RSAPublicKey,),
        "ECDSA": (ec.EllipticCurvePublicKey,),
        "DSA": (dsa.DSAPublicKey,),
        "ED25519": (ed25519.Ed25519PublicKey,),
        "ED448": (ed448.Ed448PublicKey,),
    }
)


def _algorithm_fits(cert: x509.Certificate, candidate: x509.Certificate) -> bool:
    """The candidate's key is of the kind ``cert``'s signature algorithm needs."""
    names = [
        n for n, oid in vars(SignatureAlgorithmOID).items() if oid == cert.signature_algorithm_oid
    ]
    kinds = _KEY_KINDS.get(names[0].split("_")[0]) if names else None
    try:
        return kinds is None or isinstance(candidate.public_key(), kinds)
    except (ValueError, TypeError):  # a key type cryptography cannot load: let the signature say
        return True


def _preferred(
    cert: x509.Certificate,
    pool: Iterable[x509.Certificate],
    used: list[x509.Certificate],
    at: datetime.datetime,
) -> x509.Certificate | None:
    """OpenSSL's choice among fitting candidates: the first valid at ``at``, else the one that
    expires last."""
    fitting = [c for c in pool if c not in used and _may_be_issuer(cert, c)]
    valid = [c for c in fitting if c.not_valid_before_utc <= at <= c.not_valid_after_utc]
    if valid or not fitting:
        return valid[0] if valid else None
    return max(fitting, key=lambda c: c.not_valid_after_utc)


def _same_name_other_key(
    cert: x509.Certificate, pool: Iterable[x509.Certificate]
) -> x509.Certificate | None:
    return next((c for c in pool if c.subject == cert.issuer and c != cert), None)


def _build_path(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    at: datetime.datetime,
) -> _Path:
    """Follow issuers as ``openssl verify`` does: trusted roots first, then what was sent."""
    path = _Path([leaf], "no-issuer")
    current = leaf
    for _ in range(len(intermediates) + 2):
        if current in roots:
            path.end = "trusted"
            return path
        issuer = _preferred(current, roots, path.certs, at)
        if issuer is None:
            if _is_self_issued(current) and _signed_by(current, current):
                path.end = "self-signed" if current is leaf else "untrusted-root"
                return path
            issuer = _preferred(current, intermediates, path.certs, at)
        if issuer is None:
            path.other_key = _same_name_other_key(current, [*roots, *intermediates])
            return path
        if not _signed_by(current, issuer) and path.bad_signature_at is None:
            path.bad_signature_at = len(path.certs) - 1
        path.certs.append(issuer)
        current = issuer
    return path


# --- the diagnosis: which rule failed, checked in the order openssl verify checks them --------

_SAME = -1  # "the rule's own OpenSSL code"


@dataclass(frozen=True)
class _Finding:
    rule: str
    explanation: str
    depth: int | None = None
    openssl_code: int | None = _SAME


def _path_end_finding(path: _Path, sent: Sequence[x509.Certificate]) -> _Finding | None:
    """Who signed: a self-signed leaf (18), an untrusted root (19), a missing issuer (20)."""
    top = path.certs[-1]
    depth = len(path.certs) - 1
    if path.end == "self-signed":
        return _Finding(
            "self-signed",
            f"{_cn(top.subject)} is signed by its own key (issuer = subject, and its own public "
            "key verifies the signature), and it is not in your trust store.",
            0,
        )
    if path.end == "untrusted-root":
        return _Finding(
            "untrusted-root",
            f"The chain ends at {_cn(top.subject)}, a self-signed root certificate the server "
            "sent; it is not in your trust store.",
            depth,
        )
    if path.end != "no-issuer":
        return None
    if path.other_key is not None:
        return _Finding("unknown-issuer", _other_key_words(top, path.other_key, sent), depth)
    if depth == 0:
        return _Finding("incomplete-chain", _missing_words(top, sent), depth)
    return _Finding(
        "unknown-issuer",
        f"The chain the server sent ends at {_cn(top.subject)}, and no certificate it sent or "
        f"in your trust store is named {_cn(top.issuer)} (the issuer of {_cn(top.subject)}): "
        "its CA is one you do not trust.",
        depth,
    )


def _missing_words(leaf: x509.Certificate, sent: Sequence[x509.Certificate]) -> str:
    if not sent:
        what = "The server sent only its own certificate"
    else:
        names = ", ".join(_cn(cert.subject) for cert in sent)
        what = f"The server sent its certificate and {names}, but not its issuer"
    return (
        f"{what}: no certificate sent or in your trust store is {_cn(leaf.issuer)}, the CA "
        f"that signed {_cn(leaf.subject)}. The server left out that intermediate CA "
        "certificate (or its CA is one you do not trust)."
    )


def _other_key_words(
    cert: x509.Certificate, namesake: x509.Certificate, sent: Sequence[x509.Certificate]
) -> str:
    where = "the server sent" if namesake in sent else "in your trust store"
    if _aki_fits(_extension(cert, x509.AuthorityKeyIdentifier), namesake):
        why = (
            f"its public key is not of the kind {_cn(cert.subject)}'s signature algorithm "
            "needs (e.g. an EC key cannot make an RSA signature)"
        )
    else:
        why = (
            "its subjectKeyIdentifier is not the key identifier in "
            f"{_cn(cert.subject)}'s authorityKeyIdentifier"
        )
    return (
        f"{_cn(cert.subject)} names {_cn(cert.issuer)} as its issuer. A certificate {where} "
        f"has that name, but {why}: it holds another key, so it is not the issuer (a "
        "namesake, not a bad signature). The real issuer is neither sent nor trusted."
    )


def _eku_finding(cert: x509.Certificate, depth: int) -> _Finding | None:
    usage = _extension(cert, x509.ExtendedKeyUsage)
    if not isinstance(usage, x509.ExtendedKeyUsage):
        return None
    allowed = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
    if allowed & set(usage):
        return None
    listed = ", ".join(getattr(oid, "_name", oid.dotted_string) for oid in usage) or "nothing"
    return _Finding(
        "eku",
        f"{_cn(cert.subject)}'s extendedKeyUsage lists {listed}, not serverAuth: it may not "
        "be used for a TLS server.",
        depth,
    )


def _ca_finding(path: Sequence[x509.Certificate], depth: int) -> _Finding | None:
    """May ``path[depth]`` sign ``path[depth - 1]``: CA:TRUE, keyCertSign (79), pathLen (25)."""
    ca, below = path[depth], path[depth - 1]
    constraints = _basic_constraints(ca)
    if constraints is None or not constraints.ca:
        state = "say CA:FALSE" if constraints else "extension is missing"
        return _Finding(
            "not-a-ca",
            f"{_cn(ca.subject)} signed {_cn(below.subject)}, but its basicConstraints {state}: "
            "it is not a CA certificate.",
            depth,
        )
    usage = _extension(ca, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
        return _Finding(
            "key-usage",
            f"{_cn(ca.subject)} signed {_cn(below.subject)}, but its keyUsage does not include "
            "keyCertSign.",
            depth,
        )
    below_cas = sum(1 for cert in path[1:depth] if not _is_self_issued(cert))
    limit = constraints.path_length
    if limit is not None and below_cas > limit:
        return _Finding(
            "path-too-long",
            f"{_cn(ca.subject)} has pathLenConstraint {limit}: at most {limit} intermediate "
            f"CA(s) may follow it, and this chain has {below_cas}.",
            depth,
        )
    return None


def _extensions_finding(path: Sequence[x509.Certificate]) -> _Finding | None:
    """OpenSSL's check_chain_extensions: for each certificate from the leaf up."""
    for depth in range(len(path)):
        if depth > 0:
            finding = _ca_finding(path, depth)
            if finding:
                return finding
        finding = _eku_finding(path[depth], depth)
        if finding:
            return finding
    return None


def _hostname_finding(leaf: x509.Certificate, hostname: str) -> _Finding | None:
    """The name: no SAN at all (cryptography refuses; OpenSSL falls back to the CN), or no match."""
    is_ip = _is_ip(hostname)
    mismatch_code = 64 if is_ip else 62
    san = _san(leaf)
    if san is None:
        cn = _cn(leaf.subject)
        openssl = None if (not is_ip and _cn_matches(leaf, hostname)) else mismatch_code
        return _Finding(
            "cn-without-san",
            f"The certificate has no subjectAltName; its subject says CN={cn}. Browsers and "
            "cryptography's verifier look only at subjectAltName.",
            0,
            openssl,
        )
    if _name_matches(leaf, hostname):
        return None
    names = [str(name.value) for name in san]
    listed = ", ".join(names) if names else "no names"
    partial = [name for name in names if _partial_wildcard_matches(name, hostname)]
    note = (
        f" {partial[0]} is a partial wildcard: the openssl command accepts it, but Python's "
        "ssl (the code given here), browsers and cryptography refuse it, and the BR forbid it "
        "(§7.1.2.7.12)."
        if partial
        else ""
    )
    return _Finding(
        "wrong-name",
        f"You asked for {hostname}; the certificate's subjectAltName lists {listed}.{note}",
        0,
        mismatch_code,
    )


def _partial_wildcard_matches(pattern: str, hostname: str) -> bool:
    """OpenSSL's default (without NO_PARTIAL_WILDCARDS): ``w*.bank.example`` matches ``www...``."""
    first, _, rest = pattern.lower().partition(".")
    label, _, remainder = hostname.lower().rstrip(".").partition(".")
    if first == "*" or first.count("*") != 1 or "*" in rest or rest.count(".") < 1:
        return False
    head, tail = first.split("*")
    return (
        remainder == rest
        and len(label) >= len(first) - 1
        and label.startswith(head)
        and label.endswith(tail)
    )


def _is_ip(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def _dates_finding(path: _Path, at: datetime.datetime) -> _Finding | None:
    """OpenSSL's internal_verify: from the root down, each signature (7), then its dates (9, 10)."""
    for depth in reversed(range(len(path.certs))):
        cert = path.certs[depth]
        if depth == path.bad_signature_at:
            return _Finding(
                "bad-signature",
                f"{_cn(cert.subject)} names {_cn(cert.issuer)} as its issuer, but that "
                "issuer's public key does not verify its signature.",
                depth,
            )
        if at < cert.not_valid_before_utc:
            return _Finding(
                "not-yet-valid",
                f"{_cn(cert.subject)} is valid from {_when(cert.not_valid_before_utc)}; the "
                f"check time is {_when(at)}.",
                depth,
            )
        if at > cert.not_valid_after_utc:
            return _Finding(
                "expired",
                f"{_cn(cert.subject)} was valid until {_when(cert.not_valid_after_utc)}; the "
                f"check time is {_when(at)}.",
                depth,
            )
    return None


_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _dns_within(name: str, base: str) -> bool:
    """RFC 5280 §4.2.1.10: ``base`` itself and every name below it (``.base``: below only)."""
    name, base = name.lower().rstrip("."), base.lower().rstrip(".")
    if not base:
        return True
    if base.startswith("."):
        return name.endswith(base)
    return name == base or name.endswith("." + base)


def _within(name: str | _Address, subtree: x509.GeneralName) -> bool | None:
    """Whether ``name`` is inside ``subtree``; None when the subtree is of another type."""
    if isinstance(name, str) and isinstance(subtree, x509.DNSName):
        return _dns_within(name, subtree.value)
    if not isinstance(name, str) and isinstance(subtree, x509.IPAddress):
        network = subtree.value
        if isinstance(network, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            return network.version == name.version and name in network
        return name == network
    return None


def _outside(name: str | _Address, constraints: x509.NameConstraints) -> int | None:
    """47 when no permitted subtree of its type holds ``name``, 48 when an excluded one does."""
    permitted = [_within(name, tree) for tree in constraints.permitted_subtrees or ()]
    permitted = [hit for hit in permitted if hit is not None]
    if permitted and not any(permitted):
        return 47
    if any(_within(name, tree) for tree in constraints.excluded_subtrees or ()):
        return 48
    return None


def _constrained_names(cert: x509.Certificate, *, leaf: bool) -> list[str | _Address]:
    """SAN DNS names and IP addresses; a leaf without SAN DNS names shows its CN (as OpenSSL)."""
    san = _san(cert)
    names: list[str | _Address] = []
    if san is not None:
        names += san.get_values_for_type(x509.DNSName)
        names += [
            address
            for address in san.get_values_for_type(x509.IPAddress)
            if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address))
        ]
    if leaf and not (san and san.get_values_for_type(x509.DNSName)):
        cn = _cn(cert.subject)
        if "." in cn and " " not in cn:
            names.append(cn)
    return names


def _name_constraints_finding(path: Sequence[x509.Certificate]) -> _Finding | None:
    """Each certificate's names against the name constraints of every CA above it."""
    for depth in reversed(range(len(path) - 1)):
        cert = path[depth]
        if depth > 0 and _is_self_issued(cert):
            continue
        for above in reversed(range(depth + 1, len(path))):
            constraints = _extension(path[above], x509.NameConstraints)
            if not isinstance(constraints, x509.NameConstraints):
                continue
            for name in _constrained_names(cert, leaf=depth == 0):
                code = _outside(name, constraints)
                if code is not None:
                    where = "outside the permitted" if code == 47 else "inside the excluded"
                    return _Finding(
                        "name-constraint",
                        f"{_cn(cert.subject)} carries the name {name}, {where} names of "
                        f"{_cn(path[above].subject)}'s name constraints.",
                        depth,
                        code,
                    )
    return None


def _strict_finding(path: Sequence[x509.Certificate]) -> _Finding | None:
    """What cryptography's verifier requires and ``openssl verify`` (without -x509_strict) not:
    keyUsage in every CA certificate, authorityKeyIdentifier in every non-root certificate."""
    for depth, cert in enumerate(path):
        if depth > 0 and _extension(cert, x509.KeyUsage) is None:
            return _Finding(
                "key-usage",
                f"{_cn(cert.subject)} is a CA certificate without a keyUsage extension: RFC "
                "5280 §4.2.1.3 says a CA MUST include it (with keyCertSign). cryptography's "
                "verifier refuses it; openssl verify accepts it unless -x509_strict.",
                depth,
                None,
            )
        if depth < len(path) - 1 and _extension(cert, x509.AuthorityKeyIdentifier) is None:
            return _Finding(
                "missing-aki",
                f"{_cn(cert.subject)} has no authorityKeyIdentifier extension.",
                depth,
            )
    return None


# --- revocation (cryptography's verifier does not check it) --------------------------------


def _crl_aki(crl: x509.CertificateRevocationList) -> object:
    try:
        return crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if crl.issuer != issuer.subject:
        return False
    try:
        return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _revoked_words(cert: x509.Certificate, entry: x509.RevokedCertificate) -> str:
    reason = _crl_reason(entry)
    return (
        f"{_cn(cert.subject)} (serial {cert.serial_number:#x}) is on {_cn(cert.issuer)}'s CRL: "
        f"revoked on {_when(entry.revocation_date_utc)}{reason}."
    )


def _crl_reason(entry: x509.RevokedCertificate) -> str:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value
    except (x509.ExtensionNotFound, ValueError):
        return ""
    return f", reason: {reason.reason.value}"


def _revocation_finding(
    path: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime.datetime,
) -> _Finding | None:
    """Each certificate below the root against its issuer's CRL (the leaf's CRL is required)."""
    for depth, cert in enumerate(path[:-1]):
        issuer = path[depth + 1]
        named = [crl for crl in crls if crl.issuer == cert.issuer]
        mine = [crl for crl in named if _aki_fits(_crl_aki(crl), issuer)]
        if not mine:
            if depth > 0:
                continue
            other = " (the CRL in its name names another key in authorityKeyIdentifier)"
            return _Finding(
                "crl-missing",
                f"No CRL issued by {_cn(cert.issuer)} was given{other if named else ''}: "
                f"{_cn(cert.subject)} cannot be checked.",
                depth,
            )
        signed = [crl for crl in mine if _crl_signed_by(crl, issuer)]
        if not signed:
            return _Finding(
                "crl-bad-signature",
                f"The CRL naming {_cn(cert.issuer)} as its issuer does not verify with "
                f"{_cn(issuer.subject)}'s public key.",
                depth,
            )
        finding = _crl_dates_finding(signed[0], at, depth)
        if finding:
            return finding
        entry = signed[0].get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            return _Finding("revoked", _revoked_words(cert, entry), depth)
    return None


def _crl_dates_finding(
    crl: x509.CertificateRevocationList, at: datetime.datetime, depth: int
) -> _Finding | None:
    if at < crl.last_update_utc:
        return _Finding(
            "crl-not-yet-valid",
            f"The CRL was issued on {_when(crl.last_update_utc)}, after the check time "
            f"{_when(at)}.",
            depth,
        )
    next_update = crl.next_update_utc
    if next_update is not None and at > next_update:
        return _Finding(
            "crl-expired",
            f"The CRL's next update was due on {_when(next_update)}; the check time is "
            f"{_when(at)}: it is out of date.",
            depth,
        )
    return None


def is_revoked(
    cert: x509.Certificate, crl: x509.CertificateRevocationList, issuer: x509.Certificate
) -> bool:
    """True when ``crl`` lists ``cert``'s serial number (lesson 05).

    Checks first that ``issuer`` issued both the certificate and the CRL and that the CRL's
    signature verifies with ``issuer``'s public key (``crl.is_signature_valid``): a CRL
    anyone could have written proves nothing. Then looks the serial number up with
    ``crl.get_revoked_certificate_by_serial_number``. Raises CRLError otherwise.
    """
    _require(cert, x509.Certificate, "cert")
    _require(crl, x509.CertificateRevocationList, "crl")
    _require(issuer, x509.Certificate, "issuer")
    if cert.issuer != issuer.subject:
        raise CRLError(
            f"{_cn(cert.subject)} was issued by {_cn(cert.issuer)}, not by "
            f"{_cn(issuer.subject)}: pass the certificate of the CA that issued it."
        )
    if crl.issuer != issuer.subject:
        raise CRLError(
            f"This CRL was issued by {_cn(crl.issuer)}, not by {_cn(issuer.subject)}: "
            "only the issuer's own CRL can revoke its certificates. Use that CA's CRL."
        )
    if not _crl_signed_by(crl, issuer):
        raise CRLError(
            f"The CRL's signature does not verify with {_cn(issuer.subject)}'s public key: "
            "it was changed after signing or signed by another key. Do not trust it; fetch "
            "the CA's real CRL."
        )
    return crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None


# --- verify_chain ------------------------------------------------------------------------


def _require(value: object, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise ArgumentError(
            f"{what} must be an x509.{kind.__qualname__}, got {type(value).__name__}: load it "
            "first (certificates.load_certificate for a certificate, ca.load_crl for a CRL)."
        )


def _as_list(value: object, kind: type, what: str) -> list[x509.Certificate]:
    items = [value] if isinstance(value, kind) else value
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise ArgumentError(f"{what} must be a list of x509.{kind.__qualname__} objects.")
    items = list(items)
    for item in items:
        _require(item, kind, f"each of {what}")
    return items


def _check_time(at: datetime.datetime | None) -> datetime.datetime:
    if at is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if not isinstance(at, datetime.datetime) or at.tzinfo is None:
        raise ArgumentError(
            "at must be a datetime with a time zone, e.g. "
            "datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)."
        )
    return at


def _diagnose(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    hostname: str,
    at: datetime.datetime,
    crls: Sequence[x509.CertificateRevocationList] | None,
) -> tuple[_Finding, list[x509.Certificate]]:
    """Name the rule the verifier's refusal broke, checking in ``openssl verify``'s order."""
    malformed = _malformed_finding([leaf, *intermediates, *roots])
    if malformed is not None:
        return malformed, [leaf]
    path = _build_path(leaf, intermediates, roots, at)
    finding = _path_end_finding(path, intermediates)
    finding = finding or _extensions_finding(path.certs)
    finding = finding or _hostname_finding(leaf, hostname)
    if crls is not None and finding is None:
        finding = _revocation_finding(path.certs[:2], crls, at)
    finding = finding or _dates_finding(path, at)
    finding = finding or _name_constraints_finding(path.certs)
    finding = finding or _strict_finding(path.certs)
    return finding or _Finding(
        "other",
        "None of the rules above explains the refusal (cryptography's verifier follows the "
        "CA/B Forum profile more strictly than OpenSSL, e.g. critical flags).",
        None,
        None,
    ), path.certs


def _verdict(
    finding: _Finding, chain: list[x509.Certificate], hostname: str, at: datetime.datetime
) -> Verdict:
    rule = RULES[finding.rule]
    code = rule.openssl_code if finding.openssl_code == _SAME else finding.openssl_code
    return Verdict(
        ok=False,
        rule=rule,
        explanation=finding.explanation,
        chain=chain,
        openssl_code=code,
        browser_error=rule.browser_error,
        depth=finding.depth,
        hostname=hostname,
        at=at,
    )


def _crl_list(crl: object) -> list[x509.CertificateRevocationList] | None:
    if crl is None:
        return None
    items = [crl] if isinstance(crl, x509.CertificateRevocationList) else crl
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise ArgumentError("crl must be a CertificateRevocationList (or a list of them).")
    crls = list(items)
    for item in crls:
        _require(item, x509.CertificateRevocationList, "each crl")
    return crls


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate] = (),
    *,
    roots: Sequence[x509.Certificate],
    hostname: str,
    at: datetime.datetime | None = None,
    crl: x509.CertificateRevocationList | Sequence[x509.CertificateRevocationList] | None = None,
) -> Verdict:
    """Is ``leaf`` (sent with ``intermediates``) good for ``hostname`` at ``at``? (lesson 05)

    ``roots`` is the trust store. ``cryptography.x509.verification`` alone decides;
    when it refuses, the returned :class:`Verdict` names the rule that failed (found from the
    certificates' fields, never from the error text), with its OpenSSL code and Chrome's error.
    ``at`` defaults to now; pass a fixed time (``pkicourse.data.DATA_TIME``) for the course's
    data. ``crl``: one CRL or several; the verifier does not check revocation, so it is checked
    here after the path is found (the leaf's issuer's CRL is then required). Every level for
    which a CRL is given is checked: ``openssl verify -crl_check`` checks the leaf only, and
    ``-crl_check_all`` every level. A CRL counts for an issuer when its issuer name and its
    authorityKeyIdentifier (if any) fit that issuer, as in OpenSSL.
    ``hostname`` is written without a final dot.
    """
    _require(leaf, x509.Certificate, "leaf")
    chain_sent = _as_list(intermediates, x509.Certificate, "intermediates")
    trusted = _as_list(roots, x509.Certificate, "roots")
    if not trusted:
        raise ArgumentError("roots is empty: pass at least one trusted root certificate.")
    subject, moment, crls = _host(hostname), _check_time(at), _crl_list(crl)
    policy = PolicyBuilder().store(Store(trusted)).time(moment)
    try:
        verifier = policy.build_server_verifier(subject)
    except ValueError:
        raise ArgumentError(_bad_host_words(hostname)) from None
    try:
        path = verifier.verify(leaf, chain_sent)
    except (VerificationError, ValueError):  # ValueError: a certificate that cannot be parsed
        finding, candidate = _diagnose(leaf, chain_sent, trusted, hostname, moment, crls)
        return _verdict(finding, candidate, hostname, moment)
    if crls is not None:
        revocation = _revocation_finding(path, crls, moment)
        if revocation is not None:
            return _verdict(revocation, list(path), hostname, moment)
    return _ok_verdict(list(path), hostname, moment, crls is not None)


def _bad_host_words(hostname: str) -> str:
    if hostname.endswith(".") and len(hostname) > 1:
        return (
            f"{hostname!r} ends with a dot (a fully qualified name): write it without the final "
            f"dot, {hostname.rstrip('.')!r}. Browsers drop that dot; openssl verify and this "
            "verifier do not."
        )
    return (
        f"{hostname!r} is not a valid DNS name: use letters, digits, '-' and dots, e.g. "
        "'bank.example'."
    )


def _ok_verdict(
    path: list[x509.Certificate], hostname: str, at: datetime.datetime, revocation: bool
) -> Verdict:
    checked = "No certificate in it is on the CRL(s) given." if revocation else _NOT_CHECKED
    return Verdict(
        ok=True,
        rule=None,
        explanation=(
            f"Every signature verifies up to {_cn(path[-1].subject)}, which is in your trust "
            f"store; every certificate is valid at {_when(at)}; {hostname} is in the leaf's "
            f"subjectAltName; each issuer is a CA allowed to sign. {checked}"
        ),
        chain=path,
        hostname=hostname,
        at=at,
    )
