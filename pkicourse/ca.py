"""A certificate authority in one readable module, for tests and lessons (lesson 05).

Lesson 05-certificate-authorities teaches what is here; lesson 03 reads the certificates it
makes. Modelled on trustme (python-trio/trustme). What a public CA does, as lesson 05 plays it:

1. A root CA makes a key pair and signs its own certificate (``CA.root``). Browsers ship roots
   in their trust stores; the root's key stays offline.
2. The root signs an intermediate CA (``create_intermediate``), which does the daily work.
3. A server sends a CSR (lesson 04). The CA checks its signature (proof of possession), then
   checks that the requester controls every name (domain validation, CA/B Forum Baseline
   Requirements (BR) §3.2.2.4; ACME http-01 calls ``record_validated``), then signs a leaf
   certificate (``issue``). The server sends the leaf and the intermediate (``LeafCert.chain``);
   the client holds the root.
4. If a key leaks, the CA revokes the certificate and publishes a signed CRL (``revoke``,
   ``crl``; RFC 5280 §5).
5. An organisation's CA also certifies its people and devices for mutual TLS
   (``issue_client_cert``: extendedKeyUsage clientAuth; lesson 08).

Every rule below is marked RFC 5280 (what every X.509 verifier checks) or BR (what the CA/B
Forum adds for publicly trusted TLS certificates).

What the course's certificates leave out, on purpose: the leaves carry no
authorityInformationAccess (AIA) extension. A public CA's leaf must have one (BR §7.1.2.7.6,
§7.1.2.7.7) whose
caIssuers URL lets Chrome fetch a missing intermediate; a course URL would point nowhere
reachable, so no client here can repair a chain sent without its intermediate. No
certificatePolicies (also a BR MUST), no CRL distribution point, no SCTs either: the
verifiers the course uses do not need them.

**For learning only.** Every course root is name-constrained to reserved names
(:data:`COURSE_NAMES`: RFC 2606 / RFC 6761 ``example``, ``test``, ``localhost``, the loopback
addresses, and IANA's documentation domains ``example.com/.net/.org``), so even a leaked
course key cannot vouch for any site but those. Still: never add a course root to a real trust
store (your system's, a browser's, certifi's).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pkicourse import keys
from pkicourse.certificates import _bytes_of
from pkicourse.csr import (
    _readable_path,
    csr_names,
    general_name,
    make_csr,
    signature_hash,
    verify_csr,
)
from pkicourse.errors import (
    ArgumentError,
    CAError,
    CAKeyMismatchError,
    NameNotValidatedError,
    NotACRLError,
    UnknownKeyTypeError,
)

__all__ = [
    "CA",
    "COURSE_NAMES",
    "NO_IP_ADDRESSES",
    "LeafCert",
    "crl_from_bytes",
    "internal_constraints",
    "load_crl",
]

#: The name constraints of every course root (lesson 05): DNS names under the reserved
#: ``example``, ``example.com/.net/.org`` (RFC 2606), ``test`` and ``localhost`` (RFC 6761),
#: and the loopback addresses. A DNS constraint ``example`` permits ``example`` and every name
#: below it (``bank.example``, ``intranet.corp.example``), RFC 5280 §4.2.1.10.
COURSE_NAMES: tuple[x509.GeneralName, ...] = (
    x509.DNSName("example"),
    x509.DNSName("example.com"),
    x509.DNSName("example.net"),
    x509.DNSName("example.org"),
    x509.DNSName("test"),
    x509.DNSName("localhost"),
    x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")),
    x509.IPAddress(ipaddress.ip_network("::1/128")),
)
#: Every IPv4 and every IPv6 address (0.0.0.0/0 and ::/0): put in ``excluded``, a CA cannot
#: vouch for any IP address (BR §7.1.2.5.2 requires this of a technically constrained CA that
#: permits no IP range). A constraint binds only the name types it lists (RFC 5280
#: §4.2.1.10): a CA permitted ``corp.example`` alone could still sign for 203.0.113.7.
NO_IP_ADDRESSES: tuple[x509.GeneralName, ...] = (
    x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")),
    x509.IPAddress(ipaddress.ip_network("::/0")),
)


def internal_constraints(
    domain: str,
) -> tuple[tuple[x509.GeneralName, ...], tuple[x509.GeneralName, ...]]:
    """``(permitted, excluded)`` for an organisation's internal CA (lesson 05).

    Permitted: the DNS name ``domain`` and every name below it; excluded: every IP address
    (:data:`NO_IP_ADDRESSES`). Use it as
    ``permitted, excluded = internal_constraints("corp.example")`` then
    ``CA.root("Corp Root", permitted=permitted, excluded=excluded)``.

    BR §7.1.2.5.2 (a "technically constrained" TLS sub-CA) also requires a directoryName in
    the permitted subtrees. The course leaves it out, on purpose: cryptography's verifier
    (50.0.2) refuses every chain below a critical nameConstraints holding a directoryName
    ("unsupported directoryName constraint"), and OpenSSL would then require each leaf's
    subject to begin with that name (the course's leaves carry only a CN: code 47). The BR
    also want certificatePolicies and crlDistributionPoints on such a CA (§7.1.2.5.1); the
    course's CAs carry neither. So: name-constrained like a technically constrained CA, not
    one in every detail.
    """
    name = general_name(domain)
    if not isinstance(name, x509.DNSName) or name.value.startswith("*."):
        raise ArgumentError(
            "internal_constraints needs the organisation's domain name, such as "
            "'corp.example' (not an IP address, not a wildcard)."
        )
    return (name,), NO_IP_ADDRESSES


# Name constraints on a trust anchor (checked for cryptography 50.0.2 and OpenSSL 3.0.19):
# - OpenSSL (`openssl verify`, Python's ssl) applies the nameConstraints of every CA
#   certificate in the path, the trusted root included. It also checks a subject CN that looks
#   like a host name against DNS constraints: that is why an IP-only leaf gets no CN here.
# - cryptography's verifier (x509.verification) applies them too: its chain builder evaluates
#   the working certificate's nameConstraints before it asks whether that certificate is in
#   the Store, so a trusted root's constraints bind every SAN below it (SANs only, never the
#   CN). Its CA policy accepts the extension critical or not (RFC 5280 §4.2.1.10 says MUST be
#   critical, BR §7.1.2.10.8 relaxes that to MAY; the course marks it critical).
# - RFC 5280 §6.1.1 leaves a trust anchor's constraints to the relying party; both apply them.
# tests/test_ca.py shows a root constrained to corp.example refused for a bank.example leaf by
# both (OpenSSL code 47), and a COURSE_NAMES root accepted for bank.example, localhost and
# 127.0.0.1 by cryptography, `openssl verify` and a real handshake with Python's ssl.
# The same verifier's WebPKI policy allows RSA and P-256/384/521 keys only (BR §7.1.3.1): it
# refuses Ed25519 certificates ("Forbidden public key algorithm"), which OpenSSL accepts.

_ORGANIZATION = "pkicourse"
_KEY_TYPE_ALIASES = {"ec": "ec-p256", "rsa": "rsa-2048"}
_CLOCK_SKEW = datetime.timedelta(hours=1)  # start an hour back: clocks on the Internet drift


# --- small helpers ------------------------------------------------------------------------------


def _new_key(key_type: str) -> keys.PrivateKey:
    """A key for the course: ``"ec"`` = P-256 (fast, the default), ``"rsa"`` = RSA-2048, or any
    name of :data:`pkicourse.keys.KEY_TYPES` (``"ec-p384"``, ``"ed25519"``...)."""
    if not isinstance(key_type, str) or _KEY_TYPE_ALIASES.get(key_type, key_type) not in (
        keys.KEY_TYPES
    ):
        choices = ", ".join(["ec", "rsa", *keys.KEY_TYPES])
        raise UnknownKeyTypeError(f"Unknown key type {key_type!r}: choose one of {choices}.")
    return keys.generate_private_key(_KEY_TYPE_ALIASES.get(key_type, key_type))


def _validity(
    not_before: datetime.datetime | None, days: int
) -> tuple[datetime.datetime, datetime.datetime]:
    if not_before is None:
        not_before = datetime.datetime.now(datetime.timezone.utc) - _CLOCK_SKEW
    elif not isinstance(not_before, datetime.datetime) or not_before.tzinfo is None:
        raise ArgumentError(
            "not_before must be a datetime with a time zone, e.g. "
            "datetime(2026, 3, 1, tzinfo=timezone.utc)."
        )
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ArgumentError(f"days must be a whole number of days ≥ 1, not {days!r}.")
    return not_before, not_before + datetime.timedelta(days=days)


def _ca_name(common_name: str) -> x509.Name:
    if not isinstance(common_name, str) or not common_name.strip():
        raise ArgumentError("A CA needs a common name, e.g. 'pkicourse Root CA'.")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _spki(public_key: keys.PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _is_self_issued(certificate: x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer


def _ca_key_usage() -> x509.KeyUsage:
    """A CA's keyUsage (RFC 5280 §4.2.1.3; BR §7.1.2.10.7: keyCertSign and cRLSign, MUST)."""
    return x509.KeyUsage(
        digital_signature=False,  # a CA signs certificates and CRLs, not handshakes
        content_commitment=False,  # (non-repudiation): documents, not TLS
        key_encipherment=False,  # RSA key transport: never a CA's job
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,  # signs certificates: what makes it a CA in use
        crl_sign=True,  # signs revocation lists
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage(public_key: keys.PublicKey, *, key_encipherment: bool = False) -> x509.KeyUsage:
    """A TLS server's keyUsage (RFC 5280 §4.2.1.3; BR §7.1.2.7.11): digitalSignature only.

    BR §7.1.2.7.11: for ECDSA digitalSignature MUST; for RSA digitalSignature SHOULD and
    keyEncipherment MAY, but both together are NOT RECOMMENDED (keyEncipherment serves only
    TLS 1.2's old RSA key-transport suites, which Python's ssl does not offer).
    ``key_encipherment=True`` (RSA keys only, checked by the caller) gives keyEncipherment
    *instead*: the BRs' "key separation" certificate, for RSA key transport only (lesson 06's
    TLS 1.2 recording). RFC 5246 §7.4.2: the bit MUST be set there when keyUsage is present;
    OpenSSL does not check it, Chromium refuses without it (ERR_SSL_KEY_USAGE_INCOMPATIBLE).
    Such a certificate does not allow signing: serve TLS 1.3 with another one.
    """
    del public_key  # the same bits for every key type the course certifies
    return x509.KeyUsage(
        # signs the handshake (TLS 1.3 CertificateVerify, ECDHE): every leaf but a key-transport one
        digital_signature=not key_encipherment,
        content_commitment=False,
        key_encipherment=key_encipherment,  # RSA key transport: MAY for RSA, never for EC
        data_encipherment=False,
        key_agreement=False,  # static (EC)DH certificates: unused in TLS today
        key_cert_sign=False,  # a leaf must not sign certificates
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


# --- the certificate authority ------------------------------------------------------------------


class CA:
    """A certificate authority: a CA certificate, its private key, and its parent (lesson 05).

    Make a root with :meth:`CA.root`, an intermediate with :meth:`create_intermediate`. Build
    one from parts with ``CA(certificate, private_key, parent=None)``: the key must match the
    certificate (``CAKeyMismatchError``), the certificate must be a CA certificate, and a
    ``parent`` must have signed it (``CAError``).
    """

    certificate: x509.Certificate
    private_key: keys.PrivateKey
    parent: CA | None

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: keys.PrivateKey,
        parent: CA | None = None,
    ) -> None:
        if not isinstance(certificate, x509.Certificate):
            raise ArgumentError(
                f"certificate must be an x509.Certificate, not {type(certificate).__name__}."
            )
        if not isinstance(private_key, keys._PRIVATE_KEY_CLASSES):
            raise ArgumentError(
                f"private_key must be an RSA, EC or Ed25519 private key, not "
                f"{type(private_key).__name__}."
            )
        if _spki(private_key.public_key()) != _spki(certificate.public_key()):  # type: ignore[arg-type]
            raise CAKeyMismatchError(
                "This private key does not belong to the CA certificate: its public key is not "
                "the one in the certificate, so what it signs would not verify. Load the key "
                "that was made with this certificate."
            )
        _check_is_ca(certificate)
        if parent is not None:
            _check_signed_by(certificate, parent.certificate)
        self.certificate = certificate
        self.private_key = private_key
        self.parent = parent
        self.validated_names: set[str] = set()
        self.validation_methods: dict[str, str] = {}  # name -> how it was validated
        # name -> the ACME accounts (JWK thumbprints) it was validated for; None = for anyone
        self.validated_for: dict[str, set[str | None]] = {}
        self._revoked: dict[int, x509.RevokedCertificate] = {}
        self._crl_number = 0

    def __repr__(self) -> str:
        return f"<CA {self.certificate.subject.rfc4514_string()}>"

    # - making CAs -

    @classmethod
    def root(
        cls,
        common_name: str = "pkicourse Root CA",
        *,
        key_type: str = "ec",
        permitted: Sequence[x509.GeneralName] | None = COURSE_NAMES,
        excluded: Sequence[x509.GeneralName] | None = None,
        not_before: datetime.datetime | None = None,
        days: int = 3650,
        path_length: int | None = None,
    ) -> CA:
        """A new root CA: a key pair and a self-signed CA certificate (lesson 05).

        ``permitted``: the names every certificate below may carry (default
        :data:`COURSE_NAMES`; ``None`` for no limit); ``excluded``: names none may carry,
        e.g. :data:`NO_IP_ADDRESSES`. Both go into one critical nameConstraints extension
        (RFC 5280 §4.2.1.10). A constraint binds only the name types it lists: for an
        organisation's CA use :func:`internal_constraints`, which also excludes every IP.
        ``key_type``: ``"ec"`` (P-256, the default), ``"rsa"``, or a ``keys.KEY_TYPES`` name
        (``"ed25519"`` works with OpenSSL and ``ssl``; cryptography's verifier refuses it, as
        the BR allow only RSA and ECDSA).
        ``path_length``: leave it ``None`` (a pathLenConstraint on a root is NOT RECOMMENDED,
        BR §7.1.2.1.4); lesson 05 sets 0 to show that such a root breaks every chain through
        an intermediate (OpenSSL code 25).
        """
        private_key = _new_key(key_type)
        name = _ca_name(common_name)
        start, end = _validity(not_before, days)
        certificate = _sign_ca_certificate(
            name, private_key.public_key(), None, private_key, start, end,
            path_length=path_length, permitted=permitted, excluded=excluded,
            purpose=None,
        )  # fmt: skip
        return cls(certificate, private_key)

    def create_intermediate(
        self,
        common_name: str = "pkicourse Intermediate CA",
        *,
        path_length: int | None = 0,
        permitted: Sequence[x509.GeneralName] | None = None,
        excluded: Sequence[x509.GeneralName] | None = None,
        key_type: str = "ec",
        not_before: datetime.datetime | None = None,
        days: int = 1825,
        client_auth: bool = False,
    ) -> CA:
        """A new intermediate CA signed by this CA (lesson 05).

        ``path_length=0``: it may sign leaves only, as issuing CAs usually do (BR §7.1.2.6, TLS
        subordinate CA; §7.1.2.10.4 allows a pathLenConstraint on subordinate CAs). The
        CA does not check whether its own path length allows a child: verifiers do, and
        lesson 05 shows them refusing (OpenSSL code 25). ``permitted`` / ``excluded``: name
        constraints, as for :meth:`root` (none by default: it inherits its parent's).
        Its extendedKeyUsage limits what it issues: TLS server certificates (serverAuth), or
        with ``client_auth=True`` client certificates for mutual TLS (clientAuth, lesson 08).
        """
        if type(client_auth) is not bool:
            raise ArgumentError(f"client_auth must be True or False, not {client_auth!r}.")
        private_key = _new_key(key_type)
        start, end = _validity(not_before, days)
        purpose = (
            ExtendedKeyUsageOID.CLIENT_AUTH if client_auth else ExtendedKeyUsageOID.SERVER_AUTH
        )
        certificate = _sign_ca_certificate(
            _ca_name(common_name), private_key.public_key(), self.certificate,
            self.private_key, start, end,
            path_length=path_length, permitted=permitted, excluded=excluded,
            purpose=purpose,
        )  # fmt: skip
        return CA(certificate, private_key, parent=self)

    # - what a CA shows -

    @property
    def cert_pem(self) -> bytes:
        """This CA's certificate as PEM."""
        return _pem(self.certificate)

    @property
    def chain(self) -> list[x509.Certificate]:
        """This CA's certificate, then its parent's, and so on: the root last."""
        parents = self.parent.chain if self.parent is not None else []
        return [self.certificate, *parents]

    @property
    def root_certificate(self) -> x509.Certificate:
        """The certificate at the top of this CA's chain: what a client must trust."""
        return self.chain[-1]

    def configure_trust(self, ctx: ssl.SSLContext) -> None:
        """Make a client context trust this CA's root (lesson 05; lesson 06 uses it).

        Same as ``ssl.create_default_context(cadata=...)`` with the root's PEM. Only for
        contexts you made for the course: never add a course root to a real trust store.
        """
        if not isinstance(ctx, ssl.SSLContext):
            raise ArgumentError(
                f"configure_trust needs an ssl.SSLContext, not {type(ctx).__name__}."
            )
        ctx.load_verify_locations(cadata=_pem(self.root_certificate).decode("ascii"))

    # - validating names and issuing -

    def record_validated(
        self, name: str, method: str = "manual", *, account: str | None = None
    ) -> None:
        """Mark ``name`` as validated: the requester showed it controls it (lesson 05).

        ACME's http-01 check calls this with ``method="http-01"`` and ``account`` = the JWK
        thumbprint (RFC 7638) of the account key that passed: in ACME an authorization
        belongs to one account (RFC 8555 §7.1.4), so only that account may then be issued
        the name (see :meth:`issue`). Without ``account`` (a lesson calling it by hand, which
        stands in for a domain check, BR §3.2.2.4) the name counts for every requester.

        Simplified: a validation here never expires. A real CA may reuse one for at most
        200 days (BR §4.2.1 since 2026-03-15), and ACME authorizations expire sooner (Let's
        Encrypt: about 30 days).
        """
        _check_account(account)
        value = str(general_name(name).value)
        self.validated_names.add(value)
        self.validation_methods[value] = str(method)
        self.validated_for.setdefault(value, set()).add(account)

    def is_validated(self, name: str, account: str | None = None) -> bool:
        """Whether this CA would issue ``name`` (lesson 05): to ``account`` if one is given.

        ``account=None`` asks "validated by hand, for everyone?"; an account thumbprint asks
        "validated for this account, or by hand for everyone?". An ACME account's validation
        never counts for a request that names no account: leaving ``account`` out must not get
        round the per-account rule.
        """
        _check_account(account)
        value = str(general_name(name).value)
        accounts = self.validated_for.get(value, set())
        return None in accounts or (account is not None and account in accounts)

    def issue(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        account: str | None = None,
        not_before: datetime.datetime | None = None,
        days: int = 90,
        key_encipherment: bool = False,
    ) -> x509.Certificate:
        """Sign a TLS server certificate for a CSR, after the CA's checks (lesson 05).

        Refuses a CSR whose signature fails (``CSRSignatureError``: no proof of possession) and
        a name not validated (``NameNotValidatedError``). With ``account`` (the requester's
        ACME account key thumbprint), each name must have been validated for that account
        (or by hand, for everyone): another account's http-01 success does not count, as in
        ACME (RFC 8555 §7.1.4). Without ``account``, only validations recorded by hand count
        (lessons 03-05 call :meth:`record_validated` so); an ACME account's never does.
        Only the names go into the certificate: the CSR's other subject fields are requests
        this CA does not validate. ``key_encipherment=True`` (an RSA key only, else
        ``ArgumentError``) gives keyUsage keyEncipherment instead of digitalSignature:
        a certificate for TLS 1.2's RSA key transport only (RFC 5246 §7.4.2; BR §7.1.2.7.11:
        MAY for RSA keys; keyEncipherment alone keeps that key apart from signing).

        Simplified against RFC 8555: no JWS-signed requests (§6.2; ``account`` is taken on
        trust, where a real CA checks the account key's signature on the finalize request,
        §7.4), no nonces, no orders. A real CA also checks CAA records (RFC 8659, BR §3.2.2.8)
        and validates from several network vantage points (BR §3.2.2.9).
        """
        verify_csr(csr)
        names = csr_names(csr)
        missing = [n for n in names if not self.is_validated(n, account)]
        if missing or not names:
            raise NameNotValidatedError(_not_validated_words(missing, account))
        public_key = _acceptable_key(csr.public_key())
        _check_key_encipherment(key_encipherment, public_key)
        start, end = _validity(not_before, days)
        return _sign_leaf_certificate(
            names, public_key, self, start, end, key_encipherment=key_encipherment
        )

    def issue_cert(
        self,
        *dns_names: str,
        key_type: str = "ec",
        not_before: datetime.datetime | None = None,
        days: int = 90,
        key_encipherment: bool = False,
    ) -> LeafCert:
        """Key, CSR, names recorded as validated, certificate: all in one (tests; lessons 06-08).

        For learning only: it skips the domain check (each name is recorded as validated with
        method ``"issue_cert"``). Names may be DNS names or IP addresses (``"127.0.0.1"``).
        ``key_encipherment=True`` (with ``key_type="rsa"`` only) gives keyUsage keyEncipherment
        (instead of digitalSignature) for TLS 1.2's RSA key transport (lesson 06's recording,
        the gallery's static-rsa site): RFC 5246 §7.4.2 requires it there; OpenSSL does not
        check it, Chromium refuses without it (``ERR_SSL_KEY_USAGE_INCOMPATIBLE``). The BRs
        advise against both bits in one certificate: use another certificate for TLS 1.3.
        """
        private_key = _new_key(key_type)
        _check_key_encipherment(key_encipherment, private_key.public_key())
        csr = make_csr(private_key, list(dns_names))
        for name in csr_names(csr):
            self.record_validated(name, "issue_cert")
        certificate = self.issue(
            csr, not_before=not_before, days=days, key_encipherment=key_encipherment
        )
        intermediates = [c for c in self.chain if not _is_self_issued(c)]
        return LeafCert(private_key, [certificate, *intermediates])

    def issue_client_cert(
        self,
        name: str,
        *,
        key_type: str = "ec",
        not_before: datetime.datetime | None = None,
        days: int = 90,
    ) -> LeafCert:
        """A client certificate for mutual TLS: a person's or a device's (lesson 08).

        ``name``: an e-mail address (``"alice@bank.example"``, an rfc822Name in the SAN) or a
        host name (``"laptop.bank.example"``, a dNSName; under a course root, a reserved name).
        The certificate says extendedKeyUsage clientAuth only, so it cannot serve a web site,
        and a server certificate (serverAuth) is refused as a client's. An organisation's CA
        knows its own people and devices: no CSR or domain check here, the key is made for
        the holder (for learning only). Returns a :class:`LeafCert` for
        ``tls.connect(..., certificate=...)``.
        """
        if not _allows_client_auth(self.certificate):
            raise CAError(
                "This CA's certificate limits it to TLS server certificates (extendedKeyUsage "
                "serverAuth), so a server would refuse what it issued as a client certificate "
                "(OpenSSL code 26). Issue client certificates from the root, or from an "
                "intermediate made for them: create_intermediate(..., client_auth=True)."
            )
        general = _client_name(name)
        private_key = _new_key(key_type)
        start, end = _validity(not_before, days)
        certificate = _sign_client_certificate(general, private_key.public_key(), self, start, end)
        intermediates = [c for c in self.chain if not _is_self_issued(c)]
        return LeafCert(private_key, [certificate, *intermediates])

    # - revocation -

    def revoke(
        self,
        cert: x509.Certificate,
        reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise,
        *,
        when: datetime.datetime | None = None,
    ) -> None:
        """Put ``cert`` on this CA's revocation list (lesson 05; RFC 5280 §5.3.1 reason codes).

        Only a certificate this CA signed can be revoked here (``CAError`` otherwise).
        """
        if not isinstance(cert, x509.Certificate):
            raise ArgumentError(f"revoke needs an x509.Certificate, not {type(cert).__name__}.")
        if not isinstance(reason, x509.ReasonFlags):
            raise ArgumentError("reason must be an x509.ReasonFlags, e.g. key_compromise.")
        _check_signed_by(cert, self.certificate)
        when = when or datetime.datetime.now(datetime.timezone.utc)
        entry = (
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(when)
        )
        if reason is not x509.ReasonFlags.unspecified:  # RFC 5280 §5.3.1: omit "unspecified"
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        self._revoked[cert.serial_number] = entry.build()

    @property
    def revoked_serials(self) -> set[int]:
        """The serial numbers this CA has revoked."""
        return set(self._revoked)

    def crl(
        self, *, last_update: datetime.datetime | None = None, next_update_days: int = 7
    ) -> x509.CertificateRevocationList:
        """A CRL signed by this CA listing what it revoked (lesson 05; RFC 5280 §5).

        Each call has the next CRL number. A client checks the CRL's signature with the
        CA's public key, its dates, then looks for the serial number.
        """
        if last_update is None:
            last_update = datetime.datetime.now(datetime.timezone.utc)
        start, end = _validity(last_update, next_update_days)
        self._crl_number += 1
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)  # must equal the CA certificate's subject
            .last_update(start)  # thisUpdate (§5.1.2.4)
            .next_update(end)  # nextUpdate (§5.1.2.5): when to fetch a fresh one
            # cRLNumber (§5.2.3, MUST): a counter, so a client can tell the newer CRL
            .add_extension(x509.CRLNumber(self._crl_number), critical=False)
            # authorityKeyIdentifier (§5.2.1, MUST): which of the CA's keys signed it
            .add_extension(_aki(self.certificate, self.private_key), critical=False)
        )
        for entry in self._revoked.values():
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(self.private_key, signature_hash(self.private_key))


class LeafCert:
    """A private key and its certificate chain, as a TLS server needs them (lesson 05), or a
    TLS client with a client certificate (mutual TLS, :meth:`CA.issue_client_cert`, lesson 08).

    ``chain`` is the leaf then its intermediates (what the server sends; never the root).
    """

    def __init__(self, private_key: keys.PrivateKey, chain: Sequence[x509.Certificate]) -> None:
        self.private_key = private_key
        self.chain = list(chain)

    def __repr__(self) -> str:
        return f"<LeafCert {self.certificate.subject.rfc4514_string()}>"

    @property
    def certificate(self) -> x509.Certificate:
        """The leaf certificate (the server's own)."""
        return self.chain[0]

    @property
    def cert_chain_pem(self) -> bytes:
        """The leaf then the intermediates, PEM: the server's certificate file."""
        return _pem(*self.chain)

    @property
    def private_key_pem(self) -> bytes:
        """The private key as PKCS#8 PEM, not encrypted (a throwaway course key)."""
        return keys.private_key_pem(self.private_key)

    def configure_cert(self, ctx: ssl.SSLContext) -> None:
        """Give a context this certificate chain and key (a server's, or a client's for mutual
        TLS; lessons 05, 06 and 08).

        ``ssl`` loads them only from files: they go to a temporary folder (the key file mode
        0600) for ``SSLContext.load_cert_chain`` and are removed at once.
        """
        if not isinstance(ctx, ssl.SSLContext):
            raise ArgumentError(
                f"configure_cert needs an ssl.SSLContext, not {type(ctx).__name__}."
            )
        with tempfile.TemporaryDirectory(prefix="pkicourse-cert-") as folder:
            key_path, cert_path = Path(folder, "server.key"), Path(folder, "server.pem")
            key_path.touch(mode=0o600)  # a private key file is never world-readable
            key_path.write_bytes(self.private_key_pem)
            cert_path.write_bytes(self.cert_chain_pem)
            ctx.load_cert_chain(cert_path, key_path)


# --- the certificates, written out ---------------------------------------------------------------


def _ski(public_key: keys.PublicKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _aki(
    issuer_certificate: x509.Certificate | None, issuer_key: keys.PrivateKey
) -> x509.AuthorityKeyIdentifier:
    """The issuer's keyIdentifier: copied from its certificate's SKI when there is one."""
    if issuer_certificate is not None:
        try:
            ski = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)
        except x509.ExtensionNotFound:
            pass
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def _sign_ca_certificate(
    subject: x509.Name,
    public_key: keys.PublicKey,
    issuer: x509.Certificate | None,
    issuer_key: keys.PrivateKey,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
    *,
    path_length: int | None,
    permitted: Sequence[x509.GeneralName] | None,
    excluded: Sequence[x509.GeneralName] | None,
    purpose: x509.ObjectIdentifier | None,
) -> x509.Certificate:
    """A CA certificate: a root (``issuer`` None: self-signed) or an intermediate."""
    _check_ca_options(path_length, permitted, "permitted")
    _check_ca_options(None, excluded, "excluded")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        # issuer: the signer's subject, byte for byte; a root names itself (self-signed).
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(public_key)
        # Serial (RFC 5280 §4.1.2.2: positive, ≤ 20 octets). BR §7.1.2 profiles: non-sequential,
        # ≥ 64 bits from a CSPRNG; random_serial_number gives 159 random bits.
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        # basicConstraints (§4.2.1.9): CA:TRUE, critical. pathLenConstraint = how many CAs
        # may follow below it. BR §7.1.2.1.4: a root should not have one (NOT RECOMMENDED);
        # BR §7.1.2.10.4 lets a subordinate CA have one: 0 = it signs leaves only.
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        # keyUsage (§4.2.1.3): keyCertSign + cRLSign, critical (BR §7.1.2.10.7).
        .add_extension(_ca_key_usage(), critical=True)
        # subjectKeyIdentifier (§4.2.1.2): names this CA's key; children copy it into their
        # AKI, which is how a verifier finds the issuer when two CAs share a name.
        .add_extension(_ski(public_key), critical=False)
        # authorityKeyIdentifier (§4.2.1.1): the signer's key id. RFC 5280 lets a root omit it;
        # OpenSSL's strict mode (Python 3.13's default) wants it on every non-root (code 85).
        .add_extension(_aki(issuer, issuer_key), critical=False)
    )
    if purpose is not None:
        # extendedKeyUsage (§4.2.1.12): this CA issues TLS server certificates only (or, for
        # mutual TLS, client certificates only). BR §7.1.2.10.6 (TLS subordinate CA,
        # §7.1.2.6): serverAuth MUST be there, and never anyExtendedKeyUsage. RFC 5280 alone
        # does not require EKU on a CA; OpenSSL refuses a leaf whose CA's EKU lacks its use.
        builder = builder.add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
    if permitted is not None or excluded is not None:
        # nameConstraints (RFC 5280 §4.2.1.10: MUST be critical): every name below this CA
        # must fall inside a permitted subtree of its type and outside every excluded one.
        # Only the name types listed are limited: exclude 0.0.0.0/0 and ::/0 to forbid IPs.
        # On a subordinate CA, BR §7.1.2.10.8 allows it (and §7.1.2.5.2 spells out a
        # "technically constrained" one: see internal_constraints). On a root, BR §7.1.2.1.2
        # files it under "any other extension: NOT RECOMMENDED": fine for a private or course
        # root, which no browser ships. Verifiers enforce constraints, not the CA.
        builder = builder.add_extension(
            x509.NameConstraints(
                permitted_subtrees=list(permitted) if permitted is not None else None,
                excluded_subtrees=list(excluded) if excluded is not None else None,
            ),
            critical=True,
        )
    return builder.sign(issuer_key, signature_hash(issuer_key))


def _check_key_encipherment(key_encipherment: object, public_key: keys.PublicKey) -> None:
    """keyEncipherment only for an RSA key: BR §7.1.2.7.11 allows it (MAY) for RSA keys only;
    an EC key cannot encrypt a pre-master secret, so the bit would be meaningless there."""
    if type(key_encipherment) is not bool:
        raise ArgumentError(f"key_encipherment must be True or False, not {key_encipherment!r}.")
    if key_encipherment and not isinstance(public_key, rsa.RSAPublicKey):
        raise ArgumentError(
            "key_encipherment=True is for RSA keys only (TLS 1.2 RSA key transport encrypts "
            "the pre-master secret to the server's RSA key): use key_type='rsa'."
        )


def _sign_leaf_certificate(
    names: Sequence[str],
    public_key: keys.PublicKey,
    issuer: CA,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
    *,
    key_encipherment: bool = False,
) -> x509.Certificate:
    """A TLS server certificate for ``names``, signed by ``issuer``."""
    san = x509.SubjectAlternativeName([general_name(n) for n in names])
    dns_names = san.get_values_for_type(x509.DNSName)
    # subject: CN = the first DNS name only. BR §7.1.2.7.2 (domain validated): the CN is NOT
    # RECOMMENDED but allowed, and must then repeat a SAN name; no organisation fields. An
    # IP-only certificate gets an empty subject: OpenSSL checks a CN that looks like a host
    # name ("127.0.0.1" does) against DNS name constraints, and would refuse it (code 47).
    cn = [x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0])] if dns_names else []
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(cn))
        .issuer_name(issuer.certificate.subject)  # = the issuer's subject, byte for byte
        .public_key(public_key)  # the key from the CSR: the server keeps its private half
        .serial_number(x509.random_serial_number())  # positive, ≥ 64 random bits (BR §7.1.2.7)
        .not_valid_before(not_before)
        # BR §6.3.2 (ballot SC-081): at most 398 days until 2026-03-14, 200 days from
        # 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15. The default 90
        # days is what Let's Encrypt gives. The CA does not enforce a maximum (lessons vary it).
        .not_valid_after(not_after)
        # subjectAltName (§4.2.1.6): the names the certificate is for. Browsers match only
        # these (BR §7.1.2.7.12 makes SAN mandatory); critical only when the subject is empty.
        .add_extension(san, critical=not cn)
        # basicConstraints (§4.2.1.9): CA:FALSE, so this key cannot sign certificates.
        # BR §7.1.2.7.8: if present, cA FALSE; present and critical is clearest.
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # keyUsage (§4.2.1.3): digitalSignature, critical (BR §7.1.2.7.6 / §7.1.2.7.11); or,
        # when asked, keyEncipherment alone, RSA keys only (BR §7.1.2.7.11: MAY for RSA).
        .add_extension(
            _leaf_key_usage(public_key, key_encipherment=key_encipherment), critical=True
        )
        # extendedKeyUsage (§4.2.1.12): a TLS server. BR §7.1.2.7.10 requires serverAuth.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        # subjectKeyIdentifier (§4.2.1.2): RFC 5280 says SHOULD for leaves; BR NOT RECOMMENDED
        # but allowed. Useful for lessons (the key's id), harmless for clients.
        # No authorityInformationAccess nor certificatePolicies (BR §7.1.2.7.6: MUST on a
        # public CA's leaf): left out on purpose, see the module docstring.
        .add_extension(_ski(public_key), critical=False)
        # authorityKeyIdentifier (§4.2.1.1, MUST; BR §7.1.2.11.1): the issuer's SKI. Python
        # 3.13's strict mode and cryptography's verifier refuse a leaf without it.
        .add_extension(_aki(issuer.certificate, issuer.private_key), critical=False)
    )
    return builder.sign(issuer.private_key, signature_hash(issuer.private_key))


def _allows_client_auth(certificate: x509.Certificate) -> bool:
    """No extendedKeyUsage on a CA: any use; else it must list clientAuth (or any)."""
    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(
        {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(eku)
    )


def _client_name(name: object) -> x509.GeneralName:
    """An e-mail address (rfc822Name) or a host name (dNSName) for a client certificate."""
    if type(name) is not str or not name.strip():
        raise ArgumentError(
            "name must be an e-mail address ('alice@bank.example') or a host name "
            f"('laptop.bank.example'), not {name!r}."
        )
    if "@" not in name:
        return general_name(name)
    local, _, domain = name.partition("@")
    if not local or "@" in domain or "." not in domain or not name.isascii() or " " in name:
        raise ArgumentError(
            f"{name!r} is not an e-mail address: write it as 'alice@bank.example' (ASCII)."
        )
    return x509.RFC822Name(f"{local}@{domain.lower()}")


def _sign_client_certificate(
    name: x509.GeneralName,
    public_key: keys.PublicKey,
    issuer: CA,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
) -> x509.Certificate:
    """A TLS client certificate for one ``name``, signed by ``issuer`` (mutual TLS)."""
    builder = (
        x509.CertificateBuilder()
        # subject: CN = the name, so logs and servers show who it is; the SAN is what counts.
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(name.value))]))
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        # subjectAltName (RFC 5280 §4.2.1.6): an e-mail address or a host name.
        .add_extension(x509.SubjectAlternativeName([name]), critical=False)
        # basicConstraints CA:FALSE; keyUsage digitalSignature: the client signs its
        # CertificateVerify (RFC 8446 §4.4.3), nothing else.
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(public_key), critical=True)
        # extendedKeyUsage (§4.2.1.12): a TLS client only, never a web site.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(_ski(public_key), critical=False)
        .add_extension(_aki(issuer.certificate, issuer.private_key), critical=False)
    )
    return builder.sign(issuer.private_key, signature_hash(issuer.private_key))


def _check_account(account: object) -> None:
    if account is not None and (type(account) is not str or not account):
        raise ArgumentError(
            "account must be None or the account key's thumbprint, a str made by "
            "pkicourse.acme.jwk_thumbprint(account_key)."
        )


def _not_validated_words(missing: Sequence[str], account: str | None) -> str:
    names = ", ".join(missing) or "any name"
    whose = "" if account is None else f" for the account {account}"
    return (
        f"Refused: this CA has not validated {names}{whose}. A CA signs only names whose "
        "control the requester showed (BR §3.2.2.4; in ACME, each account for itself, "
        "RFC 8555 §7.1.4): run the domain check (ACME http-01) with this account's key, or "
        "in a lesson call ca.record_validated(name)."
    )


def _acceptable_key(public_key: object) -> keys.PublicKey:
    """The CSR's key, if this CA certifies keys of its kind: BR §6.1.5 (RSA ≥ 2048 bits)."""
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < 2048:
        raise CAError(
            f"Refused: the CSR's key is RSA-{public_key.key_size}; CAs certify RSA keys of 2048 "
            "bits or more (BR §6.1.5). Make a new key (rsa-2048 or ec-p256) and a new CSR."
        )
    if not isinstance(public_key, keys._PUBLIC_KEY_CLASSES):
        raise CAError(
            f"Refused: the CSR's key is a {type(public_key).__name__}; this CA certifies RSA, EC "
            "and Ed25519 keys only. Make a new key and a new CSR."
        )
    return public_key


def _check_ca_options(path_length: object, subtrees: object, what: str) -> None:
    if path_length is not None and (
        isinstance(path_length, bool) or not isinstance(path_length, int) or path_length < 0
    ):
        raise ArgumentError(f"path_length must be None or a whole number ≥ 0, not {path_length!r}.")
    if subtrees is not None and (
        isinstance(subtrees, (str, bytes))
        or not isinstance(subtrees, Sequence)
        or not subtrees
        or not all(isinstance(n, x509.GeneralName) for n in subtrees)
    ):
        raise ArgumentError(
            f"{what} must be None or a non-empty list of names such as "
            "[x509.DNSName('corp.example')] (see COURSE_NAMES, NO_IP_ADDRESSES and "
            "internal_constraints)."
        )


def _check_is_ca(certificate: x509.Certificate) -> None:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        is_ca = constraints.value.ca
    except (x509.ExtensionNotFound, ValueError):
        is_ca = False
    if not is_ca:
        raise CAError(
            "This certificate is not a CA certificate (basicConstraints CA:TRUE is missing, "
            "RFC 5280 §4.2.1.9): what it signs would be refused. Use a CA certificate."
        )


def _check_signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        raise CAError(
            f"{certificate.subject.rfc4514_string()} was not signed by "
            f"{issuer.subject.rfc4514_string()} (its issuer name or signature does not match)."
        ) from None


# --- reading a CRL ------------------------------------------------------------------------------


def crl_from_bytes(data: bytes) -> x509.CertificateRevocationList:
    """The CRL in ``data``, PEM or DER (lesson 05); ``NotACRLError`` otherwise."""
    return _parse_crl(_bytes_of(data, "crl_from_bytes", "load_crl"), "The data")


def load_crl(path: str | os.PathLike[str]) -> x509.CertificateRevocationList:
    """Read a CRL file, PEM or DER (lesson 05); ``NotACRLError`` if it holds something else."""
    file = _readable_path(path, "load_crl")
    return _parse_crl(file.read_bytes(), f"The file {file.name}")


def _parse_crl(data: bytes, where: str) -> x509.CertificateRevocationList:
    crl = _load_crl(data, where)
    # cryptography parses some parts only when asked: ask now, so a defect is named here.
    for part, read in (
        ("issuer", lambda: crl.issuer.rfc4514_string()),
        ("dates", lambda: (crl.last_update_utc, crl.next_update_utc)),
        ("extensions", lambda: crl.extensions),
        ("signature algorithm", lambda: crl.signature_algorithm_oid),
        ("revoked entries", lambda: [(r.serial_number, r.extensions) for r in crl]),
    ):
        try:
            read()
        except (ValueError, UnsupportedAlgorithm):
            raise NotACRLError(
                f"{where} holds a CRL whose {part} cannot be parsed (damaged or unsupported): "
                "fetch the CRL again."
            ) from None
    return crl


def _load_crl(data: bytes, where: str) -> x509.CertificateRevocationList:
    if b"-----BEGIN" in data:
        if b"-----BEGIN X509 CRL-----" not in data:
            raise NotACRLError(
                f"{where} holds no CRL: it is PEM, but without a '-----BEGIN X509 CRL-----' "
                "block (a certificate, key or CSR perhaps)."
            )
        try:
            return x509.load_pem_x509_crl(data)
        except (ValueError, x509.InvalidVersion):
            raise NotACRLError(
                f"{where} has an X509 CRL block that cannot be parsed (damaged base64 or "
                "ASN.1): fetch the CRL again."
            ) from None
    try:
        return x509.load_der_x509_crl(data)
    except (ValueError, x509.InvalidVersion):
        raise NotACRLError(
            f"{where} holds no CRL: it is neither PEM with '-----BEGIN X509 CRL-----' nor a "
            "DER-encoded CRL."
        ) from None
