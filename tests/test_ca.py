"""pkicourse.ca: chains that cryptography, openssl and a real TLS handshake accept, and the
failures that show each rule is needed (lesson 05)."""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkicourse import keys
from pkicourse.acme import jwk_thumbprint
from pkicourse.ca import (
    CA,
    COURSE_NAMES,
    NO_IP_ADDRESSES,
    LeafCert,
    crl_from_bytes,
    internal_constraints,
    load_crl,
)
from pkicourse.csr import make_csr
from pkicourse.errors import (
    ArgumentError,
    CAError,
    CAKeyMismatchError,
    CourseError,
    CSRSignatureError,
    NameNotValidatedError,
    NotACRLError,
    UnknownKeyTypeError,
)

OPENSSL = "/usr/bin/openssl"
UTC = datetime.timezone.utc
START = datetime.datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # inside every certificate below
LEAF_START = datetime.datetime(2026, 3, 1, tzinfo=UTC)
_PEM = serialization.Encoding.PEM


@pytest.fixture(scope="module")
def root() -> CA:
    return CA.root(not_before=START, days=3652)


@pytest.fixture(scope="module")
def intermediate(root: CA) -> CA:
    return root.create_intermediate(not_before=START, days=1826)


@pytest.fixture(scope="module")
def leaf(intermediate: CA) -> LeafCert:
    return intermediate.issue_cert(
        "bank.example", "www.bank.example", not_before=LEAF_START, days=184
    )


# --- helpers: the three real verifiers --------------------------------------------------------


def _cryptography_verify(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    root: x509.Certificate,
    name: str,
    at: datetime.datetime = AT,
) -> None:
    """Raise VerificationError unless cryptography's verifier accepts the chain for ``name``."""
    try:
        subject: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    store = verification.Store([root])
    verifier = verification.PolicyBuilder().store(store).time(at).build_server_verifier(subject)  # type: ignore[arg-type]
    verifier.verify(leaf, list(intermediates))


def _openssl_verify(
    folder: Path,
    root: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    leaf: x509.Certificate,
    hostname: str,
    *,
    at: datetime.datetime | None = AT,
    crl: x509.CertificateRevocationList | None = None,
) -> int:
    """The first verify code of `openssl verify` (0 when it prints OK)."""
    (folder / "root.pem").write_bytes(root.public_bytes(_PEM))
    (folder / "untrusted.pem").write_bytes(b"".join(c.public_bytes(_PEM) for c in intermediates))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(_PEM))
    command = [OPENSSL, "verify", "-x509_strict", "-CAfile", str(folder / "root.pem")]
    if intermediates:
        command += ["-untrusted", str(folder / "untrusted.pem")]
    if at is not None:
        command += ["-attime", str(int(at.timestamp()))]
    if crl is not None:
        (folder / "crl.pem").write_bytes(crl.public_bytes(_PEM))
        command += ["-crl_check", "-CRLfile", str(folder / "crl.pem")]
    command += ["-verify_ip" if hostname[0].isdigit() else "-verify_hostname", hostname]
    result = subprocess.run(
        [*command, str(folder / "leaf.pem")], capture_output=True, text=True, timeout=30
    )
    if result.returncode == 0:
        return 0
    return int(re.findall(r"error (\d+) at", result.stdout + result.stderr)[0])


def _handshake(
    server: LeafCert, trusted: CA, hostname: str, *, strict: bool = True
) -> tuple[str, str] | int:
    """A real TLS handshake on 127.0.0.1: (version, cipher), or the client's verify code."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.configure_cert(server_ctx)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED on
    trusted.configure_trust(client_ctx)
    if strict:
        client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT  # Python 3.13's default
    assert client_ctx.check_hostname and client_ctx.verify_mode == ssl.CERT_REQUIRED
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)

        def serve() -> None:
            connection, _ = listener.accept()
            with connection:
                try:
                    with server_ctx.wrap_socket(connection, server_side=True) as tls:
                        tls.sendall(b"hello")
                except (ssl.SSLError, OSError):
                    pass  # the client refused the certificate

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw:
                with client_ctx.wrap_socket(raw, server_hostname=hostname) as tls:
                    assert tls.recv(5) == b"hello"
                    return tls.version() or "", (tls.cipher() or ("",))[0]
        except ssl.SSLCertVerificationError as error:
            return int(error.verify_code)
        finally:
            thread.join(10)


# --- a good chain, and its twins -----------------------------------------------------------------


def test_cryptography_accepts_chain_at_fixed_time(
    root: CA, intermediate: CA, leaf: LeafCert
) -> None:
    assert leaf.chain[1:] == [intermediate.certificate]
    _cryptography_verify(leaf.certificate, leaf.chain[1:], root.certificate, "bank.example")
    _cryptography_verify(leaf.certificate, leaf.chain[1:], root.certificate, "www.bank.example")


def test_cryptography_twins_fail(root: CA, leaf: LeafCert) -> None:
    other = CA.root("Other Root", not_before=START)
    later = datetime.datetime(2026, 10, 1, tzinfo=UTC)  # after the leaf's 184 days
    cases = [
        (leaf.chain[1:], root.certificate, "shop.bank.example", AT),  # wrong host
        (leaf.chain[1:], other.certificate, "bank.example", AT),  # wrong CA
        ([], root.certificate, "bank.example", AT),  # intermediate missing
        (leaf.chain[1:], root.certificate, "bank.example", later),  # expired
    ]
    for intermediates, trusted, name, at in cases:
        with pytest.raises(verification.VerificationError):
            _cryptography_verify(leaf.certificate, intermediates, trusted, name, at)


def test_openssl_verify_accepts_chain_and_twins_fail(
    tmp_path: Path, root: CA, intermediate: CA, leaf: LeafCert
) -> None:
    other = CA.root("Other Root", not_before=START)
    args = (leaf.chain[1:], leaf.certificate)
    assert _openssl_verify(tmp_path, root.certificate, *args, "bank.example") == 0
    assert _openssl_verify(tmp_path, root.certificate, *args, "shop.bank.example") == 62
    assert _openssl_verify(tmp_path, other.certificate, *args, "bank.example") == 20
    late = datetime.datetime(2026, 10, 1, tzinfo=UTC)
    assert _openssl_verify(tmp_path, root.certificate, *args, "bank.example", at=late) == 10


@pytest.mark.parametrize("key_type", ["ec", "rsa", "ec-p384", "ed25519"])
def test_real_handshake(key_type: str) -> None:
    root = CA.root(key_type=key_type)
    server = root.create_intermediate(key_type=key_type).issue_cert(
        "bank.example", key_type=key_type
    )
    version, _cipher = _handshake(server, root, "bank.example")  # type: ignore[misc]
    assert version == "TLSv1.3"


def test_real_handshake_twins_fail() -> None:
    root = CA.root()
    server = root.create_intermediate().issue_cert("bank.example")
    assert _handshake(server, root, "bank.example") == ("TLSv1.3", "TLS_AES_256_GCM_SHA384")
    assert _handshake(server, root, "www.bank.example") == 62  # wrong host
    assert _handshake(server, CA.root("Other Root"), "bank.example") == 20  # wrong CA
    no_intermediate = LeafCert(server.private_key, server.chain[:1])
    assert _handshake(no_intermediate, root, "bank.example") == 20  # server forgot it


def test_course_root_accepts_localhost_and_loopback(tmp_path: Path) -> None:
    root = CA.root(not_before=START)
    for name in ("localhost", "127.0.0.1", "bank.example", "x.test", "www.example.com"):
        server = root.create_intermediate(not_before=START).issue_cert(
            name, not_before=LEAF_START, days=184
        )
        _cryptography_verify(server.certificate, server.chain[1:], root.certificate, name)
        code = _openssl_verify(
            tmp_path, root.certificate, server.chain[1:], server.certificate, name
        )
        assert code == 0, name
    live = root.create_intermediate().issue_cert("localhost", "127.0.0.1")
    assert _handshake(live, root, "127.0.0.1")[0] == "TLSv1.3"  # type: ignore[index]
    assert _handshake(live, root, "localhost")[0] == "TLSv1.3"  # type: ignore[index]


def test_course_root_cannot_vouch_for_real_names(tmp_path: Path) -> None:
    """COURSE_NAMES: a leaked course root still cannot vouch for a real site (code 47)."""
    root = CA.root(not_before=START)
    for name in ("bank.com", "10.0.0.1"):
        server = root.issue_cert(name, not_before=LEAF_START, days=184)
        with pytest.raises(verification.VerificationError):
            _cryptography_verify(server.certificate, [], root.certificate, name)
        assert _openssl_verify(tmp_path, root.certificate, [], server.certificate, name) == 47
    live = root.issue_cert("bank.com")
    assert _handshake(live, root, "bank.com") == 47


# --- what the certificates hold ------------------------------------------------------------------


def _extension(cert: x509.Certificate, kind: type) -> x509.Extension:  # type: ignore[type-arg]
    return cert.extensions.get_extension_for_class(kind)


def test_root_and_intermediate_extensions(root: CA, intermediate: CA) -> None:
    root_bc = _extension(root.certificate, x509.BasicConstraints)
    assert root_bc.critical and root_bc.value.ca and root_bc.value.path_length is None
    nc = _extension(root.certificate, x509.NameConstraints)
    assert nc.critical and list(nc.value.permitted_subtrees) == list(COURSE_NAMES)
    for ca in (root, intermediate):
        ku = _extension(ca.certificate, x509.KeyUsage)
        assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
        assert not ku.value.digital_signature
    inter_bc = _extension(intermediate.certificate, x509.BasicConstraints).value
    assert inter_bc.ca and inter_bc.path_length == 0
    eku = _extension(intermediate.certificate, x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    with pytest.raises(x509.ExtensionNotFound):
        _extension(root.certificate, x509.ExtendedKeyUsage)
    root_ski = _extension(root.certificate, x509.SubjectKeyIdentifier).value.digest
    assert (
        _extension(root.certificate, x509.AuthorityKeyIdentifier).value.key_identifier == root_ski
    )
    aki = _extension(intermediate.certificate, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == root_ski
    assert intermediate.chain == [intermediate.certificate, root.certificate]
    assert intermediate.parent is root and root.parent is None
    assert root.certificate.not_valid_before_utc == START
    assert intermediate.cert_pem == intermediate.certificate.public_bytes(_PEM)


def test_leaf_extensions(intermediate: CA, leaf: LeafCert) -> None:
    cert = leaf.certificate
    assert 2**63 <= cert.serial_number < 2**159  # positive, ≤ 20 bytes, ≥ 64 random bits (BR)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "bank.example"
    san = _extension(cert, x509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(x509.DNSName) == ["bank.example", "www.bank.example"]
    bc = _extension(cert, x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = _extension(cert, x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_encipherment
    assert not ku.value.key_cert_sign
    assert list(_extension(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    issuer_ski = _extension(intermediate.certificate, x509.SubjectKeyIdentifier).value.digest
    assert _extension(cert, x509.AuthorityKeyIdentifier).value.key_identifier == issuer_ski
    assert _extension(
        cert, x509.SubjectKeyIdentifier
    ).value == x509.SubjectKeyIdentifier.from_public_key(leaf.private_key.public_key())
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=184)
    assert cert.issuer == intermediate.certificate.subject
    assert leaf.chain == [cert, intermediate.certificate]  # never the root
    assert leaf.cert_chain_pem.count(b"BEGIN CERTIFICATE") == 2
    assert b"BEGIN PRIVATE KEY" in leaf.private_key_pem


@pytest.mark.parametrize(
    ("key_type", "hash_type", "key_encipherment"),
    [("ec", hashes.SHA256, False), ("ec-p384", hashes.SHA384, False),
     ("rsa", hashes.SHA256, False), ("ed25519", type(None), False)],
)  # fmt: skip
def test_hash_and_key_usage_follow_key_type(
    key_type: str, hash_type: type, key_encipherment: bool
) -> None:
    root = CA.root(key_type=key_type)
    assert type(root.certificate.signature_hash_algorithm) is hash_type
    server = root.issue_cert("bank.example", key_type=key_type)
    assert type(server.certificate.signature_hash_algorithm) is hash_type
    key_usage = _extension(server.certificate, x509.KeyUsage).value
    # BR §7.1.2.7.11: digitalSignature; for RSA, keyEncipherment with it is NOT RECOMMENDED
    assert key_usage.digital_signature and key_usage.key_encipherment is key_encipherment
    assert type(root.crl().signature_hash_algorithm) is hash_type


def test_key_encipherment_for_rsa_key_transport_only(root: CA, tmp_path: Path) -> None:
    """RFC 5246 §7.4.2: RSA key transport needs keyEncipherment; BR §7.1.2.7.11: MAY for RSA,
    and keyEncipherment alone keeps the key apart from signing (TLS 1.3 needs another cert)."""
    server = root.issue_cert("bank.example", key_type="rsa", key_encipherment=True)
    key_usage = _extension(server.certificate, x509.KeyUsage)
    assert key_usage.critical
    assert key_usage.value.key_encipherment and not key_usage.value.digital_signature
    # OpenSSL's sslserver purpose accepts keyEncipherment (one of its TLS key usages)
    assert _client_verify(tmp_path, root.certificate, server, "sslserver") == 0
    # the same bits through issue(csr, ...) directly
    key = keys.generate_private_key("rsa-2048")
    root.record_validated("pay.bank.example")
    cert = root.issue(make_csr(key, ["pay.bank.example"]), key_encipherment=True)
    assert _extension(cert, x509.KeyUsage).value.key_encipherment
    # the default is unchanged: digitalSignature only
    plain = root.issue_cert("bank.example", key_type="rsa")
    assert not _extension(plain.certificate, x509.KeyUsage).value.key_encipherment
    for key_type in ("ec", "ed25519"):  # an EC or Ed25519 key cannot encrypt a pre-master
        with pytest.raises(ArgumentError, match="RSA keys only"):
            root.issue_cert("bank.example", key_type=key_type, key_encipherment=True)
    ec_key = keys.generate_private_key("ec-p256")
    with pytest.raises(ArgumentError, match="RSA keys only"):
        root.issue(make_csr(ec_key, ["pay.bank.example"]), key_encipherment=True)
    with pytest.raises(ArgumentError, match="True or False"):
        root.issue_cert("bank.example", key_type="rsa", key_encipherment="yes")  # type: ignore[arg-type]


def test_a_key_encipherment_certificate_serves_tls12_rsa_key_transport(root: CA) -> None:
    server = root.issue_cert("bank.example", key_type="rsa", key_encipherment=True)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.maximum_version = ssl.TLSVersion.TLSv1_2
    server_context.set_ciphers("AES128-GCM-SHA256")
    server.configure_cert(server_context)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_context.set_ciphers("AES128-GCM-SHA256")
    root.configure_trust(client_context)
    a, b = socket.socketpair()
    with a, b:
        result: list[object] = []

        def serve() -> None:
            try:
                with server_context.wrap_socket(b, server_side=True) as tls:
                    result.append(tls.cipher())
            except (OSError, ssl.SSLError) as error:
                result.append(error)

        thread = threading.Thread(target=serve)
        thread.start()
        a.settimeout(5)
        with client_context.wrap_socket(a, server_hostname="bank.example") as tls:
            cipher = tls.cipher()
        thread.join(5)
    assert cipher is not None and cipher[0] == "AES128-GCM-SHA256"
    assert result and not isinstance(result[0], Exception), result


def test_ip_only_leaf_has_no_cn_and_critical_san() -> None:
    server = CA.root().issue_cert("127.0.0.1")
    assert server.certificate.subject == x509.Name([])
    assert _extension(server.certificate, x509.SubjectAlternativeName).critical


def test_issue_keeps_only_the_names(intermediate: CA) -> None:
    """The CSR asks for O=The Bank; a DV CA does not validate it, so it does not copy it."""
    key = keys.generate_private_key("ec-p256")
    csr = make_csr(key, ["pay.bank.example"], organization="The Bank")
    intermediate.record_validated("pay.bank.example")
    cert = intermediate.issue(csr)
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) == []
    assert intermediate.validation_methods["pay.bank.example"] == "manual"


# --- path length and name constraints ------------------------------------------------------------


def test_root_with_path_length_zero_breaks_chains_through_an_intermediate(tmp_path: Path) -> None:
    bad_root = CA.root(not_before=START, path_length=0)
    server = bad_root.create_intermediate(not_before=START).issue_cert(
        "bank.example", not_before=LEAF_START, days=184
    )
    with pytest.raises(verification.VerificationError):
        _cryptography_verify(
            server.certificate, server.chain[1:], bad_root.certificate, "bank.example"
        )
    code = _openssl_verify(
        tmp_path, bad_root.certificate, server.chain[1:], server.certificate, "bank.example"
    )
    assert code == 25
    # Twin: the same root issuing the leaf directly is fine; a root without pathLen is too.
    direct = bad_root.issue_cert("bank.example", not_before=LEAF_START, days=184)
    _cryptography_verify(direct.certificate, [], bad_root.certificate, "bank.example")
    good_root = CA.root(not_before=START)
    server = good_root.create_intermediate(not_before=START).issue_cert(
        "bank.example", not_before=LEAF_START, days=184
    )
    _cryptography_verify(
        server.certificate, server.chain[1:], good_root.certificate, "bank.example"
    )


def test_intermediate_below_path_length_zero_intermediate(
    tmp_path: Path, root: CA, intermediate: CA
) -> None:
    second = intermediate.create_intermediate("Second", not_before=START)
    server = second.issue_cert("bank.example", not_before=LEAF_START, days=184)
    assert server.chain == [server.certificate, second.certificate, intermediate.certificate]
    code = _openssl_verify(
        tmp_path, root.certificate, server.chain[1:], server.certificate, "bank.example"
    )
    assert code == 25


def test_internal_ca_cannot_issue_outside_its_names(tmp_path: Path, root: CA) -> None:
    internal = root.create_intermediate(
        "Corp CA", permitted=[x509.DNSName("corp.example")], not_before=START
    )
    outside = internal.issue_cert(
        "bank.example", not_before=LEAF_START, days=184
    )  # the CA signs it...
    with pytest.raises(verification.VerificationError):  # ...but no verifier accepts it
        _cryptography_verify(
            outside.certificate, outside.chain[1:], root.certificate, "bank.example"
        )
    code = _openssl_verify(
        tmp_path, root.certificate, outside.chain[1:], outside.certificate, "bank.example"
    )
    assert code == 47
    inside = internal.issue_cert("intranet.corp.example", not_before=LEAF_START, days=184)
    _cryptography_verify(
        inside.certificate, inside.chain[1:], root.certificate, "intranet.corp.example"
    )
    code = _openssl_verify(
        tmp_path, root.certificate, inside.chain[1:], inside.certificate, "intranet.corp.example"
    )
    assert code == 0


def test_constrained_trust_anchor_applies_to_leaves(tmp_path: Path) -> None:
    """cryptography and OpenSSL both apply a trusted root's own name constraints."""
    corp_root = CA.root("Corp Root", permitted=[x509.DNSName("corp.example")], not_before=START)
    outside = corp_root.issue_cert("bank.example", not_before=LEAF_START, days=184)
    with pytest.raises(verification.VerificationError):
        _cryptography_verify(outside.certificate, [], corp_root.certificate, "bank.example")
    assert (
        _openssl_verify(tmp_path, corp_root.certificate, [], outside.certificate, "bank.example")
        == 47
    )
    inside = corp_root.issue_cert("www.corp.example", not_before=LEAF_START, days=184)
    _cryptography_verify(inside.certificate, [], corp_root.certificate, "www.corp.example")


ROGUE_IP = "203.0.113.7"  # RFC 5737 documentation address: any server reached by its address


def test_internal_constraints_permit_the_domain_and_exclude_every_ip() -> None:
    permitted, excluded = internal_constraints("Corp.Example")
    assert permitted == (x509.DNSName("corp.example"),)
    assert excluded == NO_IP_ADDRESSES
    assert {str(n.value) for n in excluded} == {"0.0.0.0/0", "::/0"}
    corp = CA.root("Corp Root", permitted=permitted, excluded=excluded)
    constraints = _extension(corp.certificate, x509.NameConstraints)
    assert constraints.critical  # RFC 5280 §4.2.1.10: MUST be critical
    assert constraints.value.permitted_subtrees == list(permitted)
    assert constraints.value.excluded_subtrees == list(excluded)
    only_excluded = CA.root("No IP Root", permitted=None, excluded=NO_IP_ADDRESSES)
    value = _extension(only_excluded.certificate, x509.NameConstraints).value
    assert value.permitted_subtrees is None and value.excluded_subtrees == list(NO_IP_ADDRESSES)
    with pytest.raises(x509.ExtensionNotFound):  # no constraint at all: no extension
        _extension(CA.root(permitted=None).certificate, x509.NameConstraints)
    for wrong in ("127.0.0.1", "*.corp.example", "-----BEGIN PRIVATE KEY-----\nAAAA"):
        with pytest.raises(ArgumentError) as caught:
            internal_constraints(wrong)
        assert "AAAA" not in str(caught.value)
    with pytest.raises(ArgumentError, match="excluded"):
        CA.root(excluded=["0.0.0.0/0"])  # type: ignore[list-item]
    with pytest.raises(ArgumentError, match="excluded"):
        CA.root().create_intermediate(excluded=[])


@pytest.mark.parametrize("exclude_ips", [True, False])
def test_rogue_ip_certificate_under_the_internal_root(tmp_path: Path, exclude_ips: bool) -> None:
    """A DNS-only constraint leaves IP SANs free (RFC 5280 §4.2.1.10); the exclusion closes it."""
    permitted, excluded = internal_constraints("corp.example")
    corp = CA.root(
        "Corp Root", permitted=permitted, excluded=excluded if exclude_ips else None,
        not_before=START,
    )  # fmt: skip
    rogue = corp.issue_cert(ROGUE_IP, not_before=LEAF_START, days=184)  # a stolen key signs...
    code = _openssl_verify(tmp_path, corp.certificate, [], rogue.certificate, ROGUE_IP)
    if exclude_ips:
        with pytest.raises(verification.VerificationError, match="excluded"):
            _cryptography_verify(rogue.certificate, [], corp.certificate, ROGUE_IP)
        assert code == 48  # X509_V_ERR_EXCLUDED_VIOLATION "excluded subtree violation"
    else:  # the twin: without the exclusion both verifiers accept the rogue IP certificate
        _cryptography_verify(rogue.certificate, [], corp.certificate, ROGUE_IP)
        assert code == 0
    inside = corp.issue_cert("intranet.corp.example", not_before=LEAF_START, days=184)
    _cryptography_verify(inside.certificate, [], corp.certificate, "intranet.corp.example")


def test_rogue_ip_certificate_under_an_internal_intermediate(tmp_path: Path) -> None:
    permitted, excluded = internal_constraints("corp.example")
    unconstrained = CA.root("Corp Root", permitted=None, not_before=START)
    internal = unconstrained.create_intermediate(
        "Corp Issuing CA", permitted=permitted, excluded=excluded, not_before=START
    )
    assert _extension(internal.certificate, x509.NameConstraints).critical
    rogue = internal.issue_cert(ROGUE_IP, not_before=LEAF_START, days=184)
    root = unconstrained.certificate
    with pytest.raises(verification.VerificationError):
        _cryptography_verify(rogue.certificate, rogue.chain[1:], root, ROGUE_IP)
    assert _openssl_verify(tmp_path, root, rogue.chain[1:], rogue.certificate, ROGUE_IP) == 48
    # the twin: the same rogue certificate from an intermediate with no constraints passes
    plain = unconstrained.create_intermediate("Plain CA", not_before=START)
    other = plain.issue_cert(ROGUE_IP, not_before=LEAF_START, days=184)
    _cryptography_verify(other.certificate, other.chain[1:], root, ROGUE_IP)
    assert _openssl_verify(tmp_path, root, other.chain[1:], other.certificate, ROGUE_IP) == 0


# --- validations belong to an account (RFC 8555 §7.1.4) ------------------------------------------


def test_an_account_is_issued_only_what_it_validated() -> None:
    ca = CA.root()
    bank = jwk_thumbprint(keys.generate_private_key("ec-p256"))
    hacker = jwk_thumbprint(keys.generate_private_key("ec-p256"))
    csr = make_csr(keys.generate_private_key("ec-p256"), ["bank.example"])
    ca.record_validated("bank.example", "http-01", account=bank)
    assert ca.validated_for == {"bank.example": {bank}}
    assert ca.is_validated("bank.example", bank) and not ca.is_validated("bank.example", hacker)
    with pytest.raises(NameNotValidatedError) as caught:
        ca.issue(csr, account=hacker)  # the bank's validation is not the hacker's
    assert hacker in str(caught.value) and "bank.example" in str(caught.value)
    assert ca.issue(csr, account=bank).issuer == ca.certificate.subject  # the twin
    with pytest.raises(NameNotValidatedError):  # no account named: the bank's pass is not enough
        ca.issue(csr)
    assert not ca.is_validated("bank.example")
    ca.record_validated("bank.example", "http-01", account=hacker)  # once the hacker passes too
    ca.issue(csr, account=hacker)


def test_a_manual_validation_counts_for_every_account() -> None:
    ca = CA.root()
    someone = jwk_thumbprint(keys.generate_private_key("ec-p256"))
    csr = make_csr(keys.generate_private_key("ec-p256"), ["bank.example", "www.bank.example"])
    ca.record_validated("bank.example")
    with pytest.raises(NameNotValidatedError, match="www.bank.example"):
        ca.issue(csr, account=someone)
    ca.record_validated("www.bank.example", account=someone)
    ca.issue(csr, account=someone)  # bank.example by hand (everyone), www for this account
    with pytest.raises(NameNotValidatedError, match="www.bank.example"):
        ca.issue(csr, account=jwk_thumbprint(keys.generate_private_key("ec-p256")))
    for wrong in ("", 42, b"thumb"):
        with pytest.raises(ArgumentError, match="thumbprint"):
            ca.record_validated("bank.example", account=wrong)  # type: ignore[arg-type]
        with pytest.raises(ArgumentError, match="thumbprint"):
            ca.issue(csr, account=wrong)  # type: ignore[arg-type]


# --- what the CA refuses -------------------------------------------------------------------------


def test_refuses_bad_csr_signature(intermediate: CA) -> None:
    key = keys.generate_private_key("ec-p256")
    csr = make_csr(key, ["bank.example"])
    intermediate.record_validated("bank.example")
    der = csr.public_bytes(serialization.Encoding.DER).replace(b"bank.example", b"bunk.example")
    with pytest.raises(CSRSignatureError):
        intermediate.issue(x509.load_der_x509_csr(der))
    intermediate.issue(csr)  # twin: the untouched CSR is issued


def test_refuses_unvalidated_name() -> None:
    ca = CA.root()
    csr = make_csr(keys.generate_private_key("ec-p256"), ["bank.example", "www.bank.example"])
    with pytest.raises(NameNotValidatedError, match="bank.example"):
        ca.issue(csr)
    ca.record_validated("bank.example")
    with pytest.raises(NameNotValidatedError) as caught:  # one name of two is not enough
        ca.issue(csr)
    assert "www.bank.example" in str(caught.value) and "record_validated" in str(caught.value)
    ca.record_validated("WWW.Bank.Example.")
    assert ca.validated_names == {"bank.example", "www.bank.example"}
    ca.issue(csr)


def test_refuses_weak_or_unknown_subject_keys() -> None:
    ca = CA.root()
    ca.record_validated("bank.example")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(CAError, match="RSA-1024"):
        ca.issue(make_csr(weak, ["bank.example"]))
    dsa_key = dsa.generate_private_key(key_size=2048)
    dsa_csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bank.example")]))
        .sign(dsa_key, hashes.SHA256())
    )
    with pytest.raises(CAError, match="DSA"):
        ca.issue(dsa_csr)
    ca.issue(make_csr(keys.generate_private_key("rsa-2048"), ["bank.example"]))  # twin


def test_refuses_mismatched_key(root: CA) -> None:
    other_key = keys.generate_private_key("ec-p256")
    with pytest.raises(CAKeyMismatchError) as caught:
        CA(root.certificate, other_key)
    assert "PRIVATE" not in str(caught.value) and "MII" not in str(caught.value)
    assert CA(root.certificate, root.private_key).certificate == root.certificate  # twin


def test_refuses_non_ca_certificate_and_wrong_parent(
    root: CA, intermediate: CA, leaf: LeafCert
) -> None:
    with pytest.raises(CAError, match="not a CA certificate"):
        CA(leaf.certificate, leaf.private_key)
    with pytest.raises(CAError, match="not signed by"):
        CA(intermediate.certificate, intermediate.private_key, parent=CA.root("Other"))
    assert (
        CA(intermediate.certificate, intermediate.private_key, parent=root).chain[-1]
        == root.certificate
    )


def test_argument_errors(root: CA) -> None:
    with pytest.raises(UnknownKeyTypeError):
        CA.root(key_type="dsa")
    with pytest.raises(ArgumentError):
        root.issue_cert("not a name")
    with pytest.raises(ArgumentError):
        root.create_intermediate(path_length=-1)
    with pytest.raises(ArgumentError):
        root.create_intermediate(permitted=["corp.example"])  # type: ignore[list-item]
    with pytest.raises(ArgumentError):
        root.issue_cert("bank.example", days=0)
    with pytest.raises(ArgumentError):
        root.issue_cert("bank.example", not_before=datetime.datetime(2026, 1, 1))
    with pytest.raises(ArgumentError):
        root.configure_trust("ctx")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError):
        CA("cert", keys.generate_private_key("ec-p256"))  # type: ignore[arg-type]


# --- revocation ----------------------------------------------------------------------------------


def test_crl_signed_and_read_by_openssl(tmp_path: Path, root: CA) -> None:
    ca = root.create_intermediate("Revoking CA", not_before=START)
    bad = ca.issue_cert("bank.example", not_before=LEAF_START, days=184)
    good = ca.issue_cert("bank.example", not_before=LEAF_START, days=184)
    ca.revoke(bad.certificate, when=datetime.datetime(2026, 4, 15, tzinfo=UTC))
    crl = ca.crl(last_update=datetime.datetime(2026, 5, 31, tzinfo=UTC))
    assert crl.is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]
    assert not crl.is_signature_valid(root.certificate.public_key())  # type: ignore[arg-type]
    assert crl.issuer == ca.certificate.subject
    assert crl.next_update_utc == datetime.datetime(2026, 6, 7, tzinfo=UTC)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = _extension(ca.certificate, x509.SubjectKeyIdentifier).value.digest
    assert aki.key_identifier == ski
    entry = crl.get_revoked_certificate_by_serial_number(bad.certificate.serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    assert crl.get_revoked_certificate_by_serial_number(good.certificate.serial_number) is None
    assert ca.revoked_serials == {bad.certificate.serial_number}
    path = tmp_path / "ca.crl"
    path.write_bytes(crl.public_bytes(_PEM))
    text = subprocess.run([OPENSSL, "crl", "-in", str(path), "-noout", "-text"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert text.returncode == 0 and f"{bad.certificate.serial_number:X}" in text.stdout
    args = (tmp_path, root.certificate)
    assert _openssl_verify(*args, bad.chain[1:], bad.certificate, "bank.example", crl=crl) == 23
    assert _openssl_verify(*args, good.chain[1:], good.certificate, "bank.example", crl=crl) == 0
    assert _openssl_verify(*args, bad.chain[1:], bad.certificate, "bank.example") == 0  # no CRL
    assert ca.crl().extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2


def test_revoke_refuses_other_cas_certificates(root: CA) -> None:
    stranger = CA.root("Stranger").issue_cert("bank.example")
    with pytest.raises(CAError):
        root.revoke(stranger.certificate)
    ca = CA.root()
    own = ca.issue_cert("bank.example")
    ca.revoke(own.certificate, x509.ReasonFlags.unspecified)  # RFC 5280: no reason extension
    (entry,) = list(ca.crl())
    assert len(entry.extensions) == 0


def test_load_crl_pem_and_der(tmp_path: Path) -> None:
    ca = CA.root()
    ca.revoke(ca.issue_cert("bank.example").certificate)
    crl = ca.crl()
    (tmp_path / "a.pem").write_bytes(crl.public_bytes(_PEM))
    (tmp_path / "b.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    assert load_crl(tmp_path / "a.pem") == load_crl(tmp_path / "b.crl") == crl
    assert crl_from_bytes(crl.public_bytes(_PEM)) == crl
    (tmp_path / "c.pem").write_bytes(ca.cert_pem)
    with pytest.raises(NotACRLError):
        load_crl(tmp_path / "c.pem")


_CRL_CA = CA.root("Fuzz CA")
_CRL_CA.revoke(_CRL_CA.issue_cert("bank.example").certificate)
_CRL_DER = _CRL_CA.crl().public_bytes(serialization.Encoding.DER)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 10_000), st.integers(0, 255), st.integers(0, 30), st.booleans())
def test_mutated_crls_give_course_errors(position: int, value: int, cut: int, pem: bool) -> None:
    data = bytearray(_CRL_DER)
    data[position % len(data)] = value
    mutated = bytes(data[: len(data) - cut])
    if pem:
        mutated = x509.load_der_x509_crl(_CRL_DER).public_bytes(_PEM)[: 400 - cut] + mutated[:0]
    try:
        crl = crl_from_bytes(mutated)
        list(crl)
    except CourseError as error:
        assert "MII" not in str(error)


def test_ec_key_signing_is_what_verify_uses() -> None:
    """The CA's signature on a leaf verifies with the CA's public key (and not another's)."""
    ca = CA.root()
    server = ca.issue_cert("bank.example")
    server.certificate.verify_directly_issued_by(ca.certificate)
    with pytest.raises(ValueError):
        server.certificate.verify_directly_issued_by(CA.root("Other").certificate)
    assert isinstance(ca.private_key, ec.EllipticCurvePrivateKey)


# --- client certificates (mutual TLS, lesson 08) -------------------------------------------------


def _client_verify(folder: Path, root: x509.Certificate, leaf: LeafCert, purpose: str) -> int:
    """The verify code of `openssl verify -x509_strict -purpose <purpose>` (0 when OK)."""
    (folder / "root.pem").write_bytes(root.public_bytes(_PEM))
    (folder / "client.pem").write_bytes(leaf.certificate.public_bytes(_PEM))
    command = [OPENSSL, "verify", "-x509_strict", "-purpose", purpose]
    command += ["-CAfile", str(folder / "root.pem"), str(folder / "client.pem")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if result.returncode == 0:
        return 0
    return int(re.findall(r"error (\d+) at", result.stdout + result.stderr)[0])


def test_client_certificate_profile(root: CA) -> None:
    alice = root.issue_client_cert("alice@bank.example", not_before=LEAF_START, days=30)
    assert type(alice) is LeafCert and alice.chain == [alice.certificate]
    cert = alice.certificate
    assert cert.subject.rfc4514_string() == "CN=alice@bank.example"
    assert cert.issuer == root.certificate.subject
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=30)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]  # a client, never a web site
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert not usage.value.key_encipherment and not usage.value.key_cert_sign
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["alice@bank.example"]
    assert san.get_values_for_type(x509.DNSName) == []
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(alice.private_key.public_key())
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = root.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert aki.key_identifier == root_ski.value.digest
    cert.verify_directly_issued_by(root.certificate)


def test_client_certificate_for_a_device_and_rsa(root: CA) -> None:
    laptop = root.issue_client_cert("Laptop.Bank.Example", key_type="rsa")
    san = laptop.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["laptop.bank.example"]
    assert isinstance(laptop.private_key, rsa.RSAPrivateKey)


def test_openssl_takes_a_client_certificate_as_a_client_only(tmp_path: Path, root: CA) -> None:
    """Real OpenSSL: the client certificate passes as sslclient, not as sslserver; a server
    certificate does not pass as a client's (its EKU is serverAuth only): code 26."""
    alice = root.issue_client_cert("alice@bank.example")
    site = root.issue_cert("bank.example")
    assert _client_verify(tmp_path, root.certificate, alice, "sslclient") == 0
    assert _client_verify(tmp_path, root.certificate, alice, "sslserver") == 26
    assert _client_verify(tmp_path, root.certificate, site, "sslclient") == 26
    assert _client_verify(tmp_path, CA.root("Other").certificate, alice, "sslclient") == 20


def test_a_server_only_intermediate_issues_no_client_certificate(intermediate: CA) -> None:
    with pytest.raises(CAError, match="client_auth=True"):
        intermediate.issue_client_cert("alice@bank.example")


def test_a_client_auth_intermediate_issues_client_certificates(tmp_path: Path, root: CA) -> None:
    people = root.create_intermediate("pkicourse People CA", client_auth=True)
    eku = people.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    alice = people.issue_client_cert("alice@bank.example")
    assert alice.chain == [alice.certificate, people.certificate]
    (tmp_path / "root.pem").write_bytes(root.cert_pem)
    (tmp_path / "people.pem").write_bytes(people.cert_pem)
    (tmp_path / "alice.pem").write_bytes(alice.certificate.public_bytes(_PEM))
    command = [OPENSSL, "verify", "-x509_strict", "-purpose", "sslclient"]
    command += ["-CAfile", str(tmp_path / "root.pem"), "-untrusted", str(tmp_path / "people.pem")]
    result = subprocess.run([*command, str(tmp_path / "alice.pem")], capture_output=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with pytest.raises(ArgumentError, match="client_auth"):
        root.create_intermediate(client_auth="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["", "   ", "alice@", "@bank.example", "alice@bank", "a@b@bank.example", "bé@x.example"]
)
def test_client_certificate_names_are_checked(root: CA, name: str) -> None:
    with pytest.raises(ArgumentError):
        root.issue_client_cert(name)


def test_client_certificate_arguments(root: CA) -> None:
    with pytest.raises(ArgumentError):
        root.issue_client_cert(b"alice@bank.example")  # type: ignore[arg-type]
    with pytest.raises(UnknownKeyTypeError):
        root.issue_client_cert("alice@bank.example", key_type="dsa")
    with pytest.raises(ArgumentError, match="days"):
        root.issue_client_cert("alice@bank.example", days=0)
