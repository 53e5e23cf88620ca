"""Tests for pkicourse.validation: every rule has a chain that breaks it and a twin that passes.

The chains come from pkicourse.ca (what a well-behaved CA makes) plus a few odd certificates
built here with ``x509.CertificateBuilder`` that such a CA refuses to make (CN only, a CA:FALSE
issuer, no AKI, a bad signature...). tests/test_openssl_verify.py runs the same chains through
``openssl verify`` and compares its code with each Verdict's.
"""

from __future__ import annotations

import ast
import datetime
import functools
import ipaddress
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from pkicourse import validation
from pkicourse.ca import CA
from pkicourse.data import data_files, data_path
from pkicourse.errors import ArgumentError, CRLError
from pkicourse.validation import RULES, Verdict, is_revoked, verify_chain

T0 = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
DAY = datetime.timedelta(days=1)
HOST = "bank.example"


# --- odd certificates a well-behaved CA will not make ----------------------------------------


@dataclass
class Made:
    """A certificate and its private key, made by hand."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


def _ku(*, ca: bool, key_cert_sign: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca and key_cert_sign,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_cert(
    common_name: str,
    issuer: Made | CA | None = None,
    *,
    ca: bool = False,
    path_length: int | None = None,
    dns: Sequence[str] = (HOST,),
    ips: Sequence[str] = (),
    start: datetime.datetime = T0 - 30 * DAY,
    end: datetime.datetime = T0 + 60 * DAY,
    key_usage: bool = True,
    key_cert_sign: bool = True,
    eku: Sequence[x509.ObjectIdentifier] = (ExtendedKeyUsageOID.SERVER_AUTH,),
    aki: bool = True,
    bc_critical: bool = True,
    constraints: x509.NameConstraints | None = None,
    signing_key: PrivateKey | None = None,
    subject: x509.Name | None = None,
    ski: bool = True,
) -> Made:
    """A certificate built field by field; ``issuer=None`` makes it self-signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name = issuer.certificate.subject if issuer else name
    issuer_key = issuer.private_key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca, path_length if ca else None), bc_critical)
    )
    if ski:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
    if key_usage:
        builder = builder.add_extension(_ku(ca=ca, key_cert_sign=key_cert_sign), critical=True)
    names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if names and not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if eku and not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if aki:
        issuer_public = issuer_key.public_key()
        akid = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public)  # type: ignore[arg-type]
        builder = builder.add_extension(akid, critical=False)
    if constraints is not None:
        builder = builder.add_extension(constraints, critical=True)
    signer = signing_key or issuer_key
    digest = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return Made(builder.sign(signer, digest), key)  # type: ignore[arg-type]


def make_crl(
    issuer: Made | CA,
    revoked: Sequence[x509.Certificate] = (),
    *,
    last_update: datetime.datetime = T0 - DAY,
    next_update: datetime.datetime = T0 + 6 * DAY,
    signing_key: ec.EllipticCurvePrivateKey | None = None,
    aki: bool = False,
) -> x509.CertificateRevocationList:
    """A CRL in ``issuer``'s name (signed by ``signing_key`` if given: a forgery); ``aki``:
    with an authorityKeyIdentifier naming the key that signs it."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(last_update)
        .next_update(next_update)
    )
    if aki:
        signer = (signing_key or issuer.private_key).public_key()
        akid = x509.AuthorityKeyIdentifier.from_issuer_public_key(signer)  # type: ignore[arg-type]
        builder = builder.add_extension(akid, critical=False)
    for cert in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(last_update)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(signing_key or issuer.private_key, hashes.SHA256())  # type: ignore[arg-type]


# --- the chains: one that breaks each rule, and its twin that passes ------------------------


@dataclass
class ChainCase:
    """What a client is given: the leaf, what the server sent, its trust store, the name."""

    leaf: x509.Certificate
    intermediates: list[x509.Certificate] = field(default_factory=list)
    roots: list[x509.Certificate] = field(default_factory=list)
    hostname: str = HOST
    crl: list[x509.CertificateRevocationList] | None = None
    at: datetime.datetime = T0

    def replace_leaf(self, change: Callable[[x509.Certificate], x509.Certificate]) -> ChainCase:
        return ChainCase(**{**self.__dict__, "leaf": change(self.leaf)})

    def verify(self) -> Verdict:
        return verify_chain(
            self.leaf,
            self.intermediates,
            roots=self.roots,
            hostname=self.hostname,
            at=self.at,
            crl=self.crl,
        )


@dataclass
class PKI:
    """A course root and its issuing intermediate (pkicourse.ca), and a stranger's root."""

    root: CA
    issuing: CA
    other_root: CA
    other_issuing: CA

    def leaf(
        self, *names: str, start: datetime.datetime = T0 - 30 * DAY, days: int = 90
    ) -> x509.Certificate:
        return self.issuing.issue_cert(*(names or (HOST,)), not_before=start, days=days).certificate

    def case(self, leaf: x509.Certificate, **kwargs: object) -> ChainCase:
        kwargs.setdefault("intermediates", [self.issuing.certificate])
        kwargs.setdefault("roots", [self.root.certificate])
        return ChainCase(leaf, **kwargs)  # type: ignore[arg-type]


@functools.cache
def pki() -> PKI:
    start = T0 - 150 * DAY
    root = CA.root("Test Root CA", not_before=start, days=3650)
    issuing = root.create_intermediate("Test Issuing CA", not_before=start, days=1825)
    other_root = CA.root("Stranger Root CA", not_before=start, days=3650)
    other_issuing = other_root.create_intermediate("Stranger Issuing CA", not_before=start)
    return PKI(root, issuing, other_root, other_issuing)


def _good(p: PKI) -> ChainCase:
    return p.case(p.leaf())


def _dates(p: PKI, start: datetime.datetime, days: int) -> ChainCase:
    return p.case(p.leaf(start=start, days=days))


def _self_signed(p: PKI, *, trusted: bool) -> ChainCase:
    me = make_cert(HOST)
    return ChainCase(me.certificate, [], [me.certificate] if trusted else [p.root.certificate])


def _untrusted_root(p: PKI, *, trusted: bool) -> ChainCase:
    leaf = p.other_issuing.issue_cert(HOST, not_before=T0 - DAY).certificate
    sent = [p.other_issuing.certificate, p.other_root.certificate]
    roots = [p.root.certificate] + ([p.other_root.certificate] if trusted else [])
    return ChainCase(leaf, sent, roots)


def _unknown_issuer(p: PKI, *, trusted: bool) -> ChainCase:
    case = _untrusted_root(p, trusted=trusted)
    case.intermediates = case.intermediates[:1]
    return case


def _incomplete(p: PKI, *, sent: bool) -> ChainCase:
    return p.case(p.leaf(), intermediates=[p.issuing.certificate] if sent else [])


def _bad_signature(p: PKI, *, forged: bool) -> ChainCase:
    forger = ec.generate_private_key(ec.SECP256R1())
    leaf = make_cert(HOST, p.issuing, signing_key=forger if forged else None)
    return p.case(leaf.certificate)


def _via(p: PKI, middle: Made) -> ChainCase:
    """A leaf signed by ``middle``; the server sends ``middle`` and the issuing CA."""
    leaf = make_cert(HOST, middle)
    return p.case(leaf.certificate, intermediates=[middle.certificate, p.issuing.certificate])


def _not_a_ca(p: PKI, *, ca: bool) -> ChainCase:
    return _via(p, make_cert("shop.bank.example", p.root, ca=ca, path_length=None))


def _key_usage(p: PKI, *, key_cert_sign: bool) -> ChainCase:
    return _via(p, make_cert("Signer CA", p.root, ca=True, key_cert_sign=key_cert_sign))


def _no_key_usage(p: PKI, *, key_usage: bool) -> ChainCase:
    return _via(p, make_cert("Old CA", p.root, ca=True, key_usage=key_usage))


def _path_too_long(p: PKI, *, path_length: int) -> ChainCase:
    first = p.root.create_intermediate("Level 1 CA", path_length=path_length, not_before=T0 - DAY)
    second = first.create_intermediate("Level 2 CA", not_before=T0 - DAY)
    leaf = second.issue_cert(HOST, not_before=T0 - DAY).certificate
    return p.case(leaf, intermediates=[second.certificate, first.certificate])


def _name_constraint(p: PKI, name: str) -> ChainCase:
    corp = p.root.create_intermediate(
        "Corp Internal CA", permitted=[x509.DNSName("corp.example")], not_before=T0 - DAY
    )
    leaf = corp.issue_cert(name, not_before=T0 - DAY).certificate
    return p.case(leaf, intermediates=[corp.certificate], hostname=name)


def _excluded_name(p: PKI, name: str) -> ChainCase:
    excluded = x509.NameConstraints(None, [x509.DNSName("admin.bank.example")])
    middle = make_cert("Careful CA", p.root, ca=True, path_length=0, constraints=excluded)
    leaf = make_cert(name, middle, dns=[name])
    return p.case(leaf.certificate, intermediates=[middle.certificate], hostname=name)


def _eku(p: PKI, usage: x509.ObjectIdentifier) -> ChainCase:
    return p.case(make_cert(HOST, p.issuing, eku=[usage]).certificate)


def _aki(p: PKI, *, aki: bool) -> ChainCase:
    return p.case(make_cert(HOST, p.issuing, aki=aki).certificate)


def _cn_only(p: PKI, *, san: bool) -> ChainCase:
    return p.case(make_cert(HOST, p.issuing, dns=(HOST,) if san else ()).certificate)


def _revocation(p: PKI, *, revoked: bool) -> ChainCase:
    leaf = p.leaf()
    victim = leaf if revoked else p.leaf()
    return p.case(leaf, crl=[make_crl(p.issuing, [victim])])


def _crl_from(p: PKI, *, right_ca: bool) -> ChainCase:
    crl = make_crl(p.issuing if right_ca else p.other_issuing)
    return p.case(p.leaf(), crl=[crl])


def _crl_forged(p: PKI, *, forged: bool) -> ChainCase:
    forger = ec.generate_private_key(ec.SECP256R1()) if forged else None
    return p.case(p.leaf(), crl=[make_crl(p.issuing, signing_key=forger)])


def _crl_time(p: PKI, last_update: datetime.datetime) -> ChainCase:
    crl = make_crl(p.issuing, last_update=last_update, next_update=last_update + 7 * DAY)
    return p.case(p.leaf(), crl=[crl])


def _other(p: PKI, *, critical: bool) -> ChainCase:
    return _via(p, make_cert("Lax CA", p.root, ca=True, path_length=0, bc_critical=critical))


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _namesake(p: PKI, *, ski: bool = True) -> Made:
    """An intermediate CA with the issuing CA's name and another key, signed by the root."""
    return make_cert("", p.root, ca=True, subject=p.issuing.certificate.subject, ski=ski)


def _namesake_root(p: PKI) -> x509.Certificate:
    return make_cert(
        "", ca=True, subject=p.root.certificate.subject, start=T0 - 150 * DAY
    ).certificate


def _tampered(cert: x509.Certificate) -> x509.Certificate:
    """``cert`` with one byte of its signed part changed (its CN): its signature fails."""
    der = cert.public_bytes(serialization.Encoding.DER)
    cn = _cn_bytes(cert)
    assert der.count(cn) >= 1
    return x509.load_der_x509_certificate(der.replace(cn, cn[:-1] + b"X", 1))


def _cn_bytes(cert: x509.Certificate) -> bytes:
    value = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return value.encode() if isinstance(value, str) else value


def _renamed(case: ChainCase) -> ChainCase:
    """The same chain, checked for a name its leaf does not carry."""
    return ChainCase(**{**case.__dict__, "hostname": "other.bank.example"})


def _revoked_expired(p: PKI) -> ChainCase:
    leaf = p.leaf(start=T0 - 100 * DAY, days=30)
    return p.case(leaf, crl=[make_crl(p.issuing, [leaf])])


#: rule name → (a chain that breaks it, its twin that passes). Built fresh for each test run.
CASE_MAKERS: dict[str, tuple[Callable[[PKI], ChainCase], Callable[[PKI], ChainCase]]] = {
    "expired": (lambda p: _dates(p, T0 - 100 * DAY, 30), lambda p: _dates(p, T0 - 100 * DAY, 200)),
    "not-yet-valid": (lambda p: _dates(p, T0 + 10 * DAY, 90), lambda p: _dates(p, T0 - DAY, 90)),
    "wrong-name": (
        lambda p: p.case(p.leaf("www.bank.example")),
        lambda p: p.case(p.leaf("www.bank.example"), hostname="www.bank.example"),
    ),
    "cn-without-san": (lambda p: _cn_only(p, san=False), lambda p: _cn_only(p, san=True)),
    "self-signed": (
        lambda p: _self_signed(p, trusted=False),
        lambda p: _self_signed(p, trusted=True),
    ),
    "untrusted-root": (
        lambda p: _untrusted_root(p, trusted=False),
        lambda p: _untrusted_root(p, trusted=True),
    ),
    "unknown-issuer": (
        lambda p: _unknown_issuer(p, trusted=False),
        lambda p: _unknown_issuer(p, trusted=True),
    ),
    "incomplete-chain": (lambda p: _incomplete(p, sent=False), lambda p: _incomplete(p, sent=True)),
    "bad-signature": (
        lambda p: _bad_signature(p, forged=True),
        lambda p: _bad_signature(p, forged=False),
    ),
    "not-a-ca": (lambda p: _not_a_ca(p, ca=False), lambda p: _not_a_ca(p, ca=True)),
    "key-usage": (
        lambda p: _key_usage(p, key_cert_sign=False),
        lambda p: _key_usage(p, key_cert_sign=True),
    ),
    "path-too-long": (
        lambda p: _path_too_long(p, path_length=0),
        lambda p: _path_too_long(p, path_length=1),
    ),
    "name-constraint": (
        lambda p: _name_constraint(p, "www.bank.example"),
        lambda p: _name_constraint(p, "intranet.corp.example"),
    ),
    "eku": (
        lambda p: _eku(p, ExtendedKeyUsageOID.CLIENT_AUTH),
        lambda p: _eku(p, ExtendedKeyUsageOID.SERVER_AUTH),
    ),
    "missing-aki": (lambda p: _aki(p, aki=False), lambda p: _aki(p, aki=True)),
    "revoked": (lambda p: _revocation(p, revoked=True), lambda p: _revocation(p, revoked=False)),
    "crl-missing": (lambda p: _crl_from(p, right_ca=False), lambda p: _crl_from(p, right_ca=True)),
    "crl-bad-signature": (
        lambda p: _crl_forged(p, forged=True),
        lambda p: _crl_forged(p, forged=False),
    ),
    "crl-not-yet-valid": (lambda p: _crl_time(p, T0 + DAY), lambda p: _crl_time(p, T0 - DAY)),
    "crl-expired": (lambda p: _crl_time(p, T0 - 30 * DAY), lambda p: _crl_time(p, T0 - DAY)),
    "other": (lambda p: _other(p, critical=False), lambda p: _other(p, critical=True)),
}

#: More failing chains: (name, maker, rule, OpenSSL code) for variants of a rule.
VARIANTS: dict[str, tuple[Callable[[PKI], ChainCase], str, int | None]] = {
    "expired intermediate": (
        lambda p: _via(p, make_cert("Old CA", p.root, ca=True, end=T0 - DAY)),
        "expired",
        10,
    ),
    "cn-only, CN not the name": (
        lambda p: ChainCase(**{**_cn_only(p, san=False).__dict__, "hostname": "other.example"}),
        "cn-without-san",
        62,
    ),
    "CA without keyUsage": (lambda p: _no_key_usage(p, key_usage=False), "key-usage", None),
    "excluded subtree": (lambda p: _excluded_name(p, "admin.bank.example"), "name-constraint", 48),
    "wrong IP address": (
        lambda p: p.case(p.leaf("127.0.0.1"), hostname="127.0.0.2"),
        "wrong-name",
        64,
    ),
    # Namesakes: a certificate with the issuer's name is the issuer only if its key identifier
    # (and key type) fit, as in OpenSSL's check_issued; else it is no issuer at all (20).
    "a namesake intermediate with another key (AKI ≠ SKI)": (
        lambda p: p.case(p.leaf(), intermediates=[_namesake(p).certificate]),
        "unknown-issuer",
        20,
    ),
    "a leaf signed by a namesake's key, the real intermediate sent": (
        lambda p: p.case(make_cert(HOST, _namesake(p)).certificate),
        "unknown-issuer",
        20,
    ),
    "a namesake root with another key in the store": (
        lambda p: p.case(p.leaf(), roots=[_namesake_root(p)]),
        "unknown-issuer",
        20,
    ),
    "a namesake, no AKI in the leaf and no SKI in the namesake": (
        lambda p: p.case(
            make_cert(HOST, p.issuing, aki=False).certificate,
            intermediates=[_namesake(p, ski=False).certificate],
        ),
        "bad-signature",
        7,
    ),
    "a namesake without SKI (nothing tells it apart)": (
        lambda p: p.case(p.leaf(), intermediates=[_namesake(p, ski=False).certificate]),
        "bad-signature",
        7,
    ),
    "an RSA signature from an issuer whose key is EC": (
        lambda p: p.case(make_cert(HOST, p.issuing, aki=False, signing_key=_rsa()).certificate),
        "unknown-issuer",
        20,
    ),
    "the right issuer, a leaf changed after signing": (
        lambda p: p.case(_tampered(p.leaf())),
        "bad-signature",
        7,
    ),
    "the root sent instead of the intermediate": (
        lambda p: p.case(p.leaf(), intermediates=[p.root.certificate]),
        "incomplete-chain",
        20,
    ),
    "another CA's intermediate sent instead of ours": (
        lambda p: p.case(p.leaf(), intermediates=[p.other_issuing.certificate]),
        "incomplete-chain",
        20,
    ),
    "a forged CRL naming the forger's key (AKI)": (
        lambda p: p.case(p.leaf(), crl=[make_crl(p.issuing, signing_key=_ec(), aki=True)]),
        "crl-missing",
        3,
    ),
    "a forged CRL without AKI": (
        lambda p: p.case(p.leaf(), crl=[make_crl(p.issuing, signing_key=_ec())]),
        "crl-bad-signature",
        8,
    ),
    # Two faults at once: the first one OpenSSL reports (see validation's docstring).
    "expired and the wrong name": (
        lambda p: p.case(p.leaf("www.bank.example", start=T0 - 100 * DAY, days=30)),
        "wrong-name",
        62,
    ),
    "an expired intermediate and the wrong name": (
        lambda p: _renamed(_via(p, make_cert("Old CA", p.root, ca=True, end=T0 - DAY))),
        "wrong-name",
        62,
    ),
    "not a CA and the wrong name": (lambda p: _renamed(_not_a_ca(p, ca=False)), "not-a-ca", 79),
    "the EKU and the wrong name": (
        lambda p: _renamed(_eku(p, ExtendedKeyUsageOID.CLIENT_AUTH)),
        "eku",
        26,
    ),
    "an unknown issuer and expired": (
        lambda p: ChainCase(**{**_unknown_issuer(p, trusted=False).__dict__, "at": T0 + 400 * DAY}),
        "unknown-issuer",
        20,
    ),
    "expired and a bad signature": (
        lambda p: p.case(_tampered(p.leaf(start=T0 - 100 * DAY, days=30))),
        "bad-signature",
        7,
    ),
    "an expired intermediate and a bad leaf signature": (
        lambda p: _via(p, make_cert("Old CA", p.root, ca=True, end=T0 - DAY)).replace_leaf(
            _tampered
        ),
        "expired",
        10,
    ),
    "revoked and expired": (lambda p: _revoked_expired(p), "revoked", 23),
    "the wrong name and revoked": (
        lambda p: _renamed(_revocation(p, revoked=True)),
        "wrong-name",
        62,
    ),
    "outside the name constraints and expired": (
        lambda p: ChainCase(
            **{**_name_constraint(p, "www.bank.example").__dict__, "at": T0 + 100 * DAY}
        ),
        "expired",
        10,
    ),
}


@functools.cache
def chain_cases() -> dict[str, tuple[ChainCase, ChainCase]]:
    """Every rule's failing chain and passing twin (also used by test_openssl_verify)."""
    p = pki()
    return {rule: (bad(p), good(p)) for rule, (bad, good) in CASE_MAKERS.items()}


@functools.cache
def variant_cases() -> dict[str, tuple[ChainCase, str, int | None]]:
    p = pki()
    return {name: (make(p), rule, code) for name, (make, rule, code) in VARIANTS.items()}


# --- the tests ------------------------------------------------------------------------------


def test_every_rule_has_a_case() -> None:
    assert set(CASE_MAKERS) | {"malformed"} == set(RULES)  # malformed: see below


def _real(name: str) -> list[x509.Certificate]:
    data = data_path(name).read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # negative serial numbers
        if name.endswith(".der"):
            return [x509.load_der_x509_certificate(data)]
        return x509.load_pem_x509_certificates(data)


@pytest.mark.parametrize(
    "name", ["duplicate-basic-constraints", "malformed-san", "invalid-utf8-common-name"]
)
def test_a_certificate_that_cannot_be_parsed_is_malformed(name: str) -> None:
    p = pki()
    (broken,) = _real(f"real/broken/{name}.pem")
    verdict = verify_chain(broken, roots=[p.root.certificate], hostname=HOST, at=T0)
    assert verdict.rule is RULES["malformed"] and verdict.depth == 0, verdict
    assert "cannot be parsed" in verdict.explanation
    assert "no single OpenSSL code" in str(verdict)
    good = _good(p)  # the twin: the same store and name, a certificate that parses
    assert verify_chain(
        good.leaf, good.intermediates, roots=[p.root.certificate], hostname=HOST, at=T0
    )


def test_a_malformed_intermediate_is_named_too() -> None:
    p = pki()
    (broken,) = _real("real/broken/duplicate-basic-constraints.pem")
    verdict = verify_chain(p.leaf(), [broken], roots=[p.root.certificate], hostname=HOST, at=T0)
    assert verdict.rule is RULES["malformed"] and "number 2" in verdict.explanation


_REAL_CERTIFICATES = [
    name
    for name in data_files("real")
    if name.endswith((".pem", ".der")) and not name.startswith(("real/csr/", "real/crl/"))
]


@pytest.mark.parametrize("name", _REAL_CERTIFICATES)
def test_every_real_certificate_gets_a_verdict_not_a_traceback(name: str) -> None:
    try:
        certs = _real(name)
    except (ValueError, x509.InvalidVersion):
        pytest.skip("cryptography cannot load this broken certificate at all")
    for hostname in ("cryptography.io", "127.0.0.1"):
        verdict = verify_chain(certs[0], certs[1:], roots=certs[-1:], hostname=hostname, at=T0)
        assert isinstance(verdict, Verdict) and verdict.explanation


@pytest.mark.parametrize("rule", list(CASE_MAKERS))
def test_each_rule_is_named_by_its_failing_chain(rule: str) -> None:
    verdict = chain_cases()[rule][0].verify()
    assert not verdict
    assert verdict.rule is RULES[rule], verdict
    assert verdict.browser_error == RULES[rule].browser_error
    assert verdict.explanation and verdict.rule.name in str(verdict)


@pytest.mark.parametrize("rule", list(CASE_MAKERS))
def test_each_failing_chain_has_a_twin_that_passes(rule: str) -> None:
    verdict = chain_cases()[rule][1].verify()
    assert verdict, verdict
    assert verdict.rule is None and verdict.openssl_code is None
    assert verdict.chain[0] == chain_cases()[rule][1].leaf
    assert verdict.chain[-1] in chain_cases()[rule][1].roots


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_name_the_rule_and_the_code_for_this_chain(name: str) -> None:
    case, rule, code = variant_cases()[name]
    verdict = case.verify()
    assert verdict.rule is RULES[rule], verdict
    assert verdict.openssl_code == code


def test_a_good_chain_says_revocation_was_not_checked() -> None:
    verdict = _good(pki()).verify()
    assert verdict.ok and bool(verdict) is True
    assert len(verdict.chain) == 3
    assert "does not check" in verdict.explanation and "crl=" in verdict.explanation
    assert str(verdict).startswith("✔") and "✔" in verdict._repr_html_()


def test_a_checked_crl_is_mentioned() -> None:
    verdict = chain_cases()["revoked"][1].verify()
    assert (
        verdict.ok and "CRL" in verdict.explanation and "does not check" not in verdict.explanation
    )


def test_the_failure_says_where_and_when() -> None:
    verdict = VARIANTS["expired intermediate"][0](pki()).verify()
    assert verdict.depth == 1 and "Old CA" in verdict.explanation
    assert "2026-06-01 12:00 UTC" in verdict.explanation


def test_the_text_shows_rule_source_code_and_chrome_error() -> None:
    verdict = chain_cases()["expired"][0].verify()
    text = str(verdict)
    assert text.startswith("✘") and "RFC 5280" in text
    assert "10" in text and "NET::ERR_CERT_DATE_INVALID" in text
    assert "Chrome's error for the same failure" in text
    html = verdict._repr_html_()
    assert "NET::ERR_CERT_DATE_INVALID" in html and "<table>" in html


def test_the_verdict_text_holds_no_key_material() -> None:
    p = pki()
    for bad, _ in chain_cases().values():
        verdict = bad.verify()
        text = str(verdict) + verdict._repr_html_()
        assert "-----BEGIN" not in text
        for cert in [bad.leaf, *bad.intermediates]:
            der = cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            assert der[-16:].hex() not in text.replace(":", "")
            assert cert.signature[-12:].hex() not in text
    secret = p.issuing.private_key.private_numbers().private_value  # type: ignore[union-attr]
    assert f"{secret:x}"[:16] not in str(chain_cases()["expired"][0].verify())


def test_every_rule_states_its_source() -> None:
    for rule in RULES.values():
        assert rule.plain_words and rule.source
        if rule.name != "other":
            assert any(word in rule.source for word in ("RFC", "BR", "policy")), rule
        if rule.browser_error is not None:
            assert rule.browser_error.startswith("NET::ERR_CERT_")


def test_browser_errors_agree_with_the_tour() -> None:
    from pkicourse.tour import BROWSER_ERRORS

    for rule in RULES.values():
        if rule.openssl_code in BROWSER_ERRORS:
            assert rule.browser_error == BROWSER_ERRORS[rule.openssl_code], rule


def test_the_verifier_message_is_never_read() -> None:
    """The diagnosis reads certificates, never VerificationError's text."""
    tree = ast.parse(Path(validation.__file__).read_text(encoding="utf-8"))
    handlers = [node for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)]
    caught = [h for h in handlers if "VerificationError" in ast.unparse(h.type or ast.Pass())]
    assert caught and all(h.name is None for h in caught)


# --- the diagnosis's own pieces -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("bank.example", "bank.example", True),
        ("BANK.example", "bank.EXAMPLE.", True),
        ("bank.example", "www.bank.example", False),
        ("*.bank.example", "www.bank.example", True),
        ("*.bank.example", "bank.example", False),  # * is one label, never none
        ("*.bank.example", "a.b.bank.example", False),  # ... and never two
        ("w*.bank.example", "www.bank.example", False),  # only a whole left-most label
        ("www.*.example", "www.bank.example", False),
        ("*", "bank", False),
    ],
)
def test_rfc6125_name_matching(pattern: str, host: str, matches: bool) -> None:
    assert validation._dns_matches(pattern, host) is matches


_LABELS = st.lists(st.sampled_from(["www", "bank", "a", "shop", "xn--bcher-kva"]), max_size=3)


@given(pattern=_LABELS, wildcard=st.booleans(), host=_LABELS)
@settings(max_examples=40, deadline=None)
def test_name_matching_agrees_with_cryptographys_verifier(
    pattern: list[str], wildcard: bool, host: list[str]
) -> None:
    """The diagnosis's RFC 6125 matcher says "match" exactly when the verifier accepts."""
    san = ".".join(["*"] * wildcard + pattern + ["bank", "example"])
    hostname = ".".join([*host, "bank", "example"])
    p = pki()
    leaf = make_cert(HOST, p.issuing, dns=[san]).certificate
    verdict = p.case(leaf, hostname=hostname).verify()
    assert verdict.ok is validation._dns_matches(san, hostname), (san, hostname)
    assert verdict.ok or verdict.rule is RULES["wrong-name"]


@pytest.mark.parametrize(
    ("name", "base", "inside"),
    [
        ("corp.example", "corp.example", True),
        ("a.b.corp.example", "corp.example", True),
        ("evilcorp.example", "corp.example", False),
        ("corp.example", ".corp.example", False),
        ("x.corp.example", ".corp.example", True),
        ("anything.test", "", True),
    ],
)
def test_name_constraint_subtrees(name: str, base: str, inside: bool) -> None:
    assert validation._dns_within(name, base) is inside


def test_ip_name_constraints() -> None:
    constraints = x509.NameConstraints(
        [x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")), x509.DNSName("example")], None
    )
    assert validation._outside(ipaddress.ip_address("127.0.0.1"), constraints) is None
    assert validation._outside(ipaddress.ip_address("10.0.0.1"), constraints) == 47
    assert validation._outside(ipaddress.ip_address("::1"), constraints) == 47
    assert validation._outside("bank.example", constraints) is None


def test_an_issuer_is_found_by_name_and_key_identifier() -> None:
    """As OpenSSL's check_issued: the name and the AKI/SKI pick the issuer, not the signature."""
    p = pki()
    leaf = p.leaf()
    roots = [p.root.certificate]
    namesake = _namesake(p).certificate
    path = validation._build_path(leaf, [namesake, p.issuing.certificate], roots, T0)
    assert path.end == "trusted" and path.certs[1] == p.issuing.certificate
    alone = validation._build_path(leaf, [namesake], roots, T0)
    assert alone.end == "no-issuer" and alone.bad_signature_at is None
    assert alone.other_key == namesake
    no_ski = _namesake(p, ski=False).certificate  # nothing tells it apart: OpenSSL takes it
    fooled = validation._build_path(leaf, [no_ski], roots, T0)
    assert fooled.end == "trusted" and fooled.bad_signature_at == 0


def test_a_namesake_is_explained_as_another_key_not_a_bad_signature() -> None:
    verdict = VARIANTS["a namesake intermediate with another key (AKI ≠ SKI)"][0](pki()).verify()
    assert "subjectKeyIdentifier" in verdict.explanation and "another key" in verdict.explanation
    tampered = VARIANTS["the right issuer, a leaf changed after signing"][0](pki()).verify()
    assert "does not verify its signature" in tampered.explanation


def test_the_issuer_valid_now_is_preferred_as_openssl_does() -> None:
    p = pki()
    old = p.issuing.certificate
    renewed = (  # the same CA and key, re-issued with later dates
        x509.CertificateBuilder(extensions=list(old.extensions))
        .subject_name(old.subject)
        .issuer_name(old.issuer)
        .public_key(old.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(T0 - DAY)
        .not_valid_after(T0 + 3000 * DAY)
        .sign(p.root.private_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    later = T0 + 2000 * DAY  # the old intermediate has expired, the renewed one has not
    leaf = p.issuing.issue_cert(HOST, not_before=later - DAY).certificate
    path = validation._build_path(leaf, [old, renewed], [p.root.certificate], later)
    assert path.certs[1] == renewed
    path = validation._build_path(leaf, [old], [p.root.certificate], later)
    assert path.certs[1] == old  # the twin: only the expired one, so it is the candidate


def test_a_trailing_dot_gets_its_own_message() -> None:
    case = _good(pki())
    with pytest.raises(ArgumentError, match="without the final dot"):
        verify_chain(case.leaf, case.intermediates, roots=case.roots, hostname=HOST + ".", at=T0)
    assert verify_chain(case.leaf, case.intermediates, roots=case.roots, hostname=HOST, at=T0)


# --- is_revoked ----------------------------------------------------------------------------


def test_is_revoked_finds_the_serial() -> None:
    p = pki()
    leaf, other = p.leaf(), p.leaf()
    p.issuing.revoke(leaf, when=T0 - DAY)
    crl = p.issuing.crl(last_update=T0 - DAY)
    assert is_revoked(leaf, crl, p.issuing.certificate) is True
    assert is_revoked(other, crl, p.issuing.certificate) is False


def test_is_revoked_refuses_a_crl_signed_by_another_key() -> None:
    p = pki()
    leaf = p.leaf()
    forged = make_crl(p.issuing, [leaf], signing_key=ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(CRLError, match="does not verify"):
        is_revoked(leaf, forged, p.issuing.certificate)


def test_is_revoked_refuses_another_cas_crl_or_issuer() -> None:
    p = pki()
    leaf = p.leaf()
    with pytest.raises(CRLError, match="issued by"):
        is_revoked(leaf, make_crl(p.other_issuing), p.issuing.certificate)
    with pytest.raises(CRLError, match="not by"):
        is_revoked(leaf, make_crl(p.other_issuing), p.other_issuing.certificate)


def test_is_revoked_wants_real_objects() -> None:
    p = pki()
    with pytest.raises(ArgumentError):
        is_revoked(
            p.leaf().public_bytes(serialization.Encoding.PEM),
            make_crl(p.issuing),
            p.issuing.certificate,
        )  # type: ignore[arg-type]


# --- arguments ------------------------------------------------------------------------------


def test_bad_arguments_get_course_errors() -> None:
    case = _good(pki())
    with pytest.raises(ArgumentError, match="roots is empty"):
        verify_chain(case.leaf, case.intermediates, roots=[], hostname=HOST, at=T0)
    with pytest.raises(ArgumentError, match="time zone"):
        verify_chain(
            case.leaf,
            case.intermediates,
            roots=case.roots,
            hostname=HOST,
            at=T0.replace(tzinfo=None),
        )
    with pytest.raises(ArgumentError, match="not a valid DNS name"):
        verify_chain(
            case.leaf, case.intermediates, roots=case.roots, hostname="bank example", at=T0
        )
    with pytest.raises(ArgumentError, match="load it first"):
        verify_chain(b"-----BEGIN CERTIFICATE-----", roots=case.roots, hostname=HOST, at=T0)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        verify_chain(
            case.leaf, case.intermediates, roots=case.roots, hostname=HOST, at=T0, crl=["x"]
        )  # type: ignore[list-item]


def test_one_certificate_or_crl_may_be_passed_alone() -> None:
    p = pki()
    case = chain_cases()["revoked"][0]
    verdict = verify_chain(
        case.leaf,
        p.issuing.certificate,
        roots=p.root.certificate,
        hostname=HOST,
        at=T0,
        crl=case.crl[0],  # type: ignore[arg-type,index]
    )
    assert verdict.rule is RULES["revoked"]


def test_default_time_is_now() -> None:
    leaf = pki().issuing.issue_cert(HOST).certificate
    assert verify_chain(
        leaf, [pki().issuing.certificate], roots=[pki().root.certificate], hostname=HOST
    )
