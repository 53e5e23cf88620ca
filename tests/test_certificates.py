"""Tests for pkicourse.certificates (lesson 03-certificates).

Real keys, real certificates from data/ (made by the course and from the public web), certifi's
roots, real files in tmp_path and the real openssl command. Every "it works" test has a twin
that fails when something is wrong; hypothesis feeds the loaders random and mutated input.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import stat
import subprocess
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkicourse import certificates as certs_module
from pkicourse.certificates import (
    KINDS,
    CertificateDescription,
    cert_pem,
    certificate_fingerprint,
    certificates_from_bytes,
    describe,
    file_kind,
    load_certificate,
    load_certificates,
    make_self_signed,
    save_certificate,
    spki_fingerprint,
)
from pkicourse.data import data_files, data_path
from pkicourse.errors import (
    ArgumentError,
    CertificateParseError,
    CourseError,
    DataFileNotFoundError,
    InvalidChoiceError,
    KeyFileError,
    KeyFileExistsError,
    NotACertificateError,
    NotAPathError,
    NotBytesError,
    WrongKeyTypeError,
)
from pkicourse.keys import fingerprint, generate_private_key, private_key_pem

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
needs_openssl = pytest.mark.skipif(not Path(OPENSSL).exists(), reason="needs openssl")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER

# Files cryptography cannot parse at all (CertificateParseError), and what the error must say.
UNPARSEABLE = {
    "real/broken/bad-asn1-time.pem": "validity dates are not valid ASN.1 times",
    "real/broken/invalid-version.pem": r"version field holds 7; only 0 \(v1\), 1 \(v2\)",
}
# Files cryptography parses, with one field that shows its defect in its row.
DEFECTIVE_ROWS = {
    "real/broken/invalid-utf8-common-name.pem": ("subject", "not UTF-8"),
    "real/broken/duplicate-basic-constraints.pem": ("extensions", "appears twice"),
    "real/broken/malformed-san.pem": ("extensions", "subjectAltName is not valid"),
    "real/broken/wosign-invalid-basic-constraints.pem": ("extensions", "CA is FALSE"),
    "real/odd/negative-serial.pem": ("serial number", "negative serial (RFC 5280 forbids it)"),
    "real/odd/russian-root-cyrillic.der": ("public key", "does not support"),
}
# openssl x509 refuses this one too (its CN is not UTF-8).
OPENSSL_REFUSES = {"real/broken/invalid-utf8-common-name.pem"}
# openssl 3.0 reads this one but not its GOST public key.
OPENSSL_CANNOT_READ_KEY = {"real/odd/russian-root-cyrillic.der"}


def certificate_files() -> list[str]:
    """Every file under data/ that holds certificates (by content), all subfolders."""
    return [n for n in data_files() if file_kind(data_path(n)) in ("certificate", "certificates")]


def loadable() -> list[tuple[str, int, x509.Certificate]]:
    """(file, index, certificate) for every certificate in data/ that cryptography parses."""
    found = []
    for name in certificate_files():
        if name not in UNPARSEABLE:
            found += [(name, i, c) for i, c in enumerate(load_certificates(data_path(name)))]
    return found


LOADABLE = loadable()
CERTIFI_ROOTS = load_certificates(certifi.where())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    key = generate_private_key("rsa-2048")
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@pytest.fixture(scope="module")
def leaf() -> x509.Certificate:
    key = generate_private_key("ec-p256")
    return make_self_signed(key, "bank.example", dns_names=["bank.example", "www.bank.example"])


# --- make_self_signed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "hash_name"),
    [("ec-p256", "sha256"), ("ec-p384", "sha384"), ("ed25519", None), ("rsa-2048", "sha256")],
)
def test_make_self_signed_is_signed_by_its_own_key_with_the_keys_hash(
    key_type: str, hash_name: str | None, rsa_key: rsa.RSAPrivateKey
) -> None:
    key = rsa_key if key_type == "rsa-2048" else generate_private_key(key_type)
    cert = make_self_signed(key, "bank.example", dns_names=["bank.example"])
    cert.verify_directly_issued_by(cert)  # raises if the signature is not by its own key
    assert (cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else None) == (
        hash_name
    )
    assert cert.subject == cert.issuer
    assert cert.public_key().public_bytes(PEM, serialization.PublicFormat.SubjectPublicKeyInfo) == (
        key.public_key().public_bytes(PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert cert.serial_number > 0 and cert.serial_number.bit_length() >= 64


def test_a_self_signed_certificate_does_not_verify_with_another_key(leaf: x509.Certificate) -> None:
    other = make_self_signed(generate_private_key("ec-p256"), "bank.example")
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidSignature or ValueError
        leaf.verify_directly_issued_by(other)


def test_a_server_certificate_has_the_extensions_verifiers_need(leaf: x509.Certificate) -> None:
    ext = leaf.extensions
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest  # self-signed: its own key
    bc = ext.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    ku = ext.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    assert ku.value.key_encipherment is False  # only RSA keys encipher (TLS 1.2 key transport)
    san = ext.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["bank.example", "www.bank.example"]
    eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "bank.example"


def test_an_ip_address_goes_into_the_san_as_an_ip_entry() -> None:
    cert = make_self_signed(
        generate_private_key("ed25519"), "localhost", dns_names=["localhost", "127.0.0.1", "::1"]
    )
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert describe(cert)["san"] == "DNS:localhost, IP:127.0.0.1, IP:::1"


def test_an_rsa_server_certificate_allows_key_encipherment(rsa_key: rsa.RSAPrivateKey) -> None:
    cert = make_self_signed(rsa_key, "bank.example")
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_encipherment


def test_a_ca_certificate_may_sign_certificates_and_has_no_eku() -> None:
    ca = make_self_signed(generate_private_key("ec-p256"), "Test Root", ca=True, days=3650)
    bc = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert bc.ca is True and bc.path_length is None  # BR 7.1.2.1: roots should not have pathLen
    ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign and not ku.digital_signature
    with pytest.raises(x509.ExtensionNotFound):
        ca.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    with pytest.raises(x509.ExtensionNotFound):  # no dns_names: no SAN
        ca.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_dates_come_from_not_before_and_days() -> None:
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    cert = make_self_signed(
        generate_private_key("ed25519"), "x.example", not_before=start, days=184
    )
    assert cert.not_valid_before_utc == start
    assert cert.not_valid_after_utc == start + timedelta(days=184)
    now = make_self_signed(generate_private_key("ed25519"), "x.example")
    assert abs(now.not_valid_before_utc - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert now.not_valid_after_utc - now.not_valid_before_utc == timedelta(days=90)


@needs_openssl
def test_openssl_accepts_a_self_signed_ca_as_its_own_trust_anchor(tmp_path: Path) -> None:
    ca = make_self_signed(generate_private_key("ec-p384"), "Test Root", ca=True)
    path = save_certificate(ca, tmp_path / "root.pem")
    ok = subprocess.run([OPENSSL, "verify", "-CAfile", path, path], capture_output=True)
    assert ok.returncode == 0, ok.stderr
    # The twin: trusted by nobody, the same file fails (18: self-signed certificate).
    empty = tmp_path / "other.pem"
    save_certificate(make_self_signed(generate_private_key("ec-p256"), "Other", ca=True), empty)
    bad = subprocess.run(
        [OPENSSL, "verify", "-CAfile", empty, path], capture_output=True, text=True
    )
    assert bad.returncode != 0 and "error 18" in bad.stdout + bad.stderr


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"dns_names": "bank.example"}, ArgumentError, "letter by letter"),
        ({"dns_names": ["bad name"]}, ArgumentError, "not a host name"),
        ({"dns_names": [""]}, ArgumentError, "not a host name"),
        ({"not_before": datetime(2026, 3, 1)}, ArgumentError, "time zone"),
        ({"not_before": "2026-03-01"}, ArgumentError, "must be a datetime"),
        ({"days": 0}, ArgumentError, "1 or more"),
        ({"days": 1.5}, ArgumentError, "whole number"),
    ],
)
def test_make_self_signed_explains_wrong_arguments(
    kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    key = generate_private_key("ed25519")
    with pytest.raises(error, match=words):
        make_self_signed(key, "bank.example", **kwargs)  # type: ignore[arg-type]


def test_make_self_signed_needs_the_private_key_and_a_name() -> None:
    key = generate_private_key("ed25519")
    with pytest.raises(WrongKeyTypeError, match="PRIVATE key"):
        make_self_signed(key.public_key(), "bank.example")  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError, match="not bytes"):
        make_self_signed(b"key", "bank.example")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="non-empty"):
        make_self_signed(key, "  ")
    with pytest.raises(ArgumentError, match="at most 64"):
        make_self_signed(key, "a" * 65 + ".example")


# --- PEM, DER, bundles and files -----------------------------------------------------------------


def test_pem_and_der_round_trip(leaf: x509.Certificate) -> None:
    pem = cert_pem(leaf)
    assert type(pem) is str and pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert certificates_from_bytes(pem.encode()) == [leaf]
    assert certificates_from_bytes(leaf.public_bytes(DER)) == [leaf]
    assert certificates_from_bytes(bytearray(leaf.public_bytes(DER))) == [leaf]


def test_a_bundle_keeps_its_order_and_ignores_text_between_blocks(leaf: x509.Certificate) -> None:
    other = make_self_signed(generate_private_key("ed25519"), "Other", ca=True)
    bundle = (
        b"# Issuer: nobody\nsubject=CN=bank.example\n"
        + cert_pem(leaf).encode()
        + b"\r\n# Label: the next one\n"
        + cert_pem(other).encode().replace(b"\n", b"\r\n")
    )
    assert certificates_from_bytes(bundle) == [leaf, other]


def test_save_and_load_a_certificate_and_a_chain(leaf: x509.Certificate, tmp_path: Path) -> None:
    other = make_self_signed(generate_private_key("ed25519"), "Root", ca=True)
    one = save_certificate(leaf, tmp_path / "leaf.pem")
    assert stat.S_IMODE(one.stat().st_mode) == 0o644
    assert load_certificate(one) == leaf and load_certificate(str(one)) == leaf
    chain = save_certificate([leaf, other], tmp_path / "chain.pem")
    assert load_certificates(chain) == [leaf, other]
    der = tmp_path / "leaf.der"
    der.write_bytes(leaf.public_bytes(DER))
    assert load_certificate(der) == leaf


def test_load_certificate_wants_exactly_one(leaf: x509.Certificate, tmp_path: Path) -> None:
    chain = save_certificate([leaf, leaf], tmp_path / "chain.pem")
    with pytest.raises(ArgumentError, match="holds 2 certificates.*load_certificates"):
        load_certificate(chain)


def test_save_refuses_to_overwrite_or_follow_a_link(leaf: x509.Certificate, tmp_path: Path) -> None:
    path = save_certificate(leaf, tmp_path / "leaf.pem")
    with pytest.raises(KeyFileExistsError):
        save_certificate(leaf, path)
    save_certificate(leaf, path, overwrite=True)
    link = tmp_path / "link.pem"
    link.symlink_to(tmp_path / "elsewhere.pem")
    with pytest.raises(KeyFileError, match="symbolic link"):
        save_certificate(leaf, link, overwrite=True)
    assert not (tmp_path / "elsewhere.pem").exists()
    with pytest.raises(ArgumentError, match="x509.Certificate"):
        save_certificate([], tmp_path / "empty.pem")
    with pytest.raises(ArgumentError, match="x509.Certificate"):
        save_certificate(cert_pem(leaf), tmp_path / "text.pem")  # type: ignore[arg-type]


def test_loaders_explain_wrong_arguments(leaf: x509.Certificate, tmp_path: Path) -> None:
    with pytest.raises(NotAPathError, match="certificates_from_bytes"):
        load_certificates(leaf.public_bytes(PEM))  # type: ignore[arg-type]
    with pytest.raises(NotAPathError):
        load_certificates(cert_pem(leaf))
    with pytest.raises(NotBytesError, match="encode"):
        certificates_from_bytes(cert_pem(leaf))  # type: ignore[arg-type]
    with pytest.raises(DataFileNotFoundError, match="no file"):
        load_certificates(tmp_path / "missing.pem")
    with pytest.raises(DataFileNotFoundError, match="folder"):
        load_certificates(tmp_path)
    with pytest.raises(ArgumentError, match="x509.Certificate"):
        describe([leaf])  # type: ignore[arg-type]


# --- what a file holds --------------------------------------------------------------------------


def _key_files(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """Every kind of file, made with cryptography and with openssl: name → (bytes, kind)."""
    rsa_key = generate_private_key("rsa-2048")
    ec_key = generate_private_key("ec-p256")
    ed_key = generate_private_key("ed25519")
    password = serialization.BestAvailableEncryption(b"correct horse")
    none = serialization.NoEncryption()
    p8, trad, ssh = (
        serialization.PrivateFormat.PKCS8,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.PrivateFormat.OpenSSH,
    )
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    cert = make_self_signed(ec_key, "bank.example", dns_names=["bank.example"])
    other = make_self_signed(ed_key, "Root", ca=True)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bank.example")]))
        .sign(ec_key, hashes.SHA256())
    )
    now = datetime.now(timezone.utc)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(other.subject)
        .last_update(now)
        .next_update(now + timedelta(days=7))
        .sign(ed_key, None)
    )
    files = {
        "pkcs8.pem": (rsa_key.private_bytes(PEM, p8, none), "private key"),
        "rsa-traditional.pem": (rsa_key.private_bytes(PEM, trad, none), "private key"),
        "ec-traditional.pem": (ec_key.private_bytes(PEM, trad, none), "private key"),
        "pkcs8.der": (ec_key.private_bytes(DER, p8, none), "private key"),
        "rsa-pkcs1.der": (rsa_key.private_bytes(DER, trad, none), "private key"),
        "encrypted.pem": (ec_key.private_bytes(PEM, p8, password), "encrypted private key"),
        "encrypted-trad.pem": (rsa_key.private_bytes(PEM, trad, password), "encrypted private key"),
        "encrypted.der": (ed_key.private_bytes(DER, p8, password), "encrypted private key"),
        "public.pem": (ec_key.public_key().public_bytes(PEM, spki), "public key"),
        "public.der": (rsa_key.public_key().public_bytes(DER, spki), "public key"),
        "id_ed25519": (ed_key.private_bytes(PEM, ssh, none), "OpenSSH private key"),
        "id_rsa.enc": (rsa_key.private_bytes(PEM, ssh, password), "OpenSSH private key"),
        "id_ed25519.pub": (
            ed_key.public_key().public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            )
            + b" learner@laptop\n",
            "OpenSSH public key",
        ),
        "id_ecdsa.pub": (
            ec_key.public_key().public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            ),
            "OpenSSH public key",
        ),
        "cert.pem": (cert.public_bytes(PEM), "certificate"),
        "cert.der": (cert.public_bytes(DER), "certificate"),
        "chain.pem": (cert.public_bytes(PEM) + other.public_bytes(PEM), "certificates"),
        "combined.pem": (
            cert.public_bytes(PEM) + rsa_key.private_bytes(PEM, p8, none),
            "private key",
        ),
        "csr.pem": (csr.public_bytes(PEM), "CSR"),
        "csr.der": (csr.public_bytes(DER), "CSR"),
        "crl.pem": (crl.public_bytes(PEM), "CRL"),
        "crl.der": (crl.public_bytes(DER), "CRL"),
        "notes.txt": (b"Remember: the key is in the safe.\n", "unknown"),
        "random.bin": (os.urandom(300), "unknown"),
        "empty": (b"", "unknown"),
        "pkcs7.pem": (b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n", "unknown"),
    }
    if Path(OPENSSL).exists():  # the same kinds, made by the openssl command
        key = tmp_path / "openssl.key"
        subprocess.run([OPENSSL, "genpkey", "-algorithm", "ed25519", "-out", key], check=True)
        der = subprocess.run(
            [OPENSSL, "pkey", "-in", key, "-outform", "DER"], check=True, capture_output=True
        ).stdout
        files["openssl.key"] = (key.read_bytes(), "private key")
        files["openssl-key.der"] = (der, "private key")
    return files


def test_file_kind_tells_every_kind_by_content(tmp_path: Path) -> None:
    files = _key_files(tmp_path)
    assert {kind for _data, kind in files.values()} == set(KINDS)
    for name, (data, kind) in files.items():
        # Misleading names on purpose: the content decides.
        path = tmp_path / f"misleading-{name}.crt"
        path.write_bytes(data)
        assert file_kind(data) == kind, name
        assert file_kind(path) == kind, name
        assert file_kind(str(path)) == kind, name


def test_file_kind_of_pem_text_and_wrong_arguments(leaf: x509.Certificate) -> None:
    assert file_kind(cert_pem(leaf)) == "certificate"  # PEM text itself, not a file name
    with pytest.raises(ArgumentError, match="file name"):
        file_kind(42)  # type: ignore[arg-type]
    with pytest.raises(DataFileNotFoundError):
        file_kind("no-such-file.pem")


def test_not_a_certificate_says_what_the_data_is_instead(tmp_path: Path) -> None:
    files = _key_files(tmp_path)
    expected = {
        "pkcs8.pem": "private key",
        "rsa-pkcs1.der": "private key",
        "encrypted.der": "encrypted private key",
        "public.der": "bare public key",
        "id_ed25519": "OpenSSH private key",
        "id_ed25519.pub": "OpenSSH public key",
        "csr.pem": "certificate signing request",
        "crl.der": "revocation list",
        "notes.txt": "neither PEM",
        "pkcs7.pem": "no complete '-----BEGIN CERTIFICATE-----'",
    }
    for name, words in expected.items():
        data = files[name][0]
        with pytest.raises(NotACertificateError, match=re.escape(words)) as caught:
            certificates_from_bytes(data)
        _assert_no_input_in(str(caught.value), data)
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(NotACertificateError, match=re.escape(repr(name))):
            load_certificates(path)


@pytest.mark.parametrize(("name", "words"), sorted(UNPARSEABLE.items()))
def test_a_certificate_cryptography_cannot_parse_names_its_defect(name: str, words: str) -> None:
    data = data_path(name).read_bytes()
    assert file_kind(data) == "certificate"  # a broken certificate is still a certificate file
    with pytest.raises(CertificateParseError, match=words) as caught:
        load_certificates(data_path(name))
    _assert_no_input_in(str(caught.value), data)
    # The same defect in DER.
    der = base64.b64decode(b"".join(data.splitlines()[1:-1]))
    assert file_kind(der) == "certificate"
    with pytest.raises(CertificateParseError, match=words):
        certificates_from_bytes(der)


@needs_openssl
def test_an_openssl_trusted_certificate_is_explained(
    leaf: x509.Certificate, tmp_path: Path
) -> None:
    plain = save_certificate(leaf, tmp_path / "leaf.pem")
    trusted = _openssl("x509", "-in", str(plain), "-trustout", "-addtrust", "serverAuth", data=b"")
    assert b"BEGIN TRUSTED CERTIFICATE" in trusted.stdout
    assert file_kind(trusted.stdout) == "certificate"
    with pytest.raises(NotACertificateError, match="TRUSTED CERTIFICATE.*openssl x509"):
        certificates_from_bytes(trusted.stdout)


def test_a_damaged_pem_block_is_a_parse_error(leaf: x509.Certificate) -> None:
    lines = cert_pem(leaf).splitlines(keepends=True)
    lines[3] = "!!!!" + lines[3][4:]
    with pytest.raises(CertificateParseError) as caught:
        certificates_from_bytes("".join(lines).encode())
    _assert_no_input_in(str(caught.value), "".join(lines).encode())


def test_a_bundle_error_says_which_certificate(leaf: x509.Certificate) -> None:
    broken = data_path("real/broken/bad-asn1-time.pem").read_bytes()
    with pytest.raises(CertificateParseError, match="certificate 2 of 2"):
        certificates_from_bytes(leaf.public_bytes(PEM) + broken)


# --- describe -------------------------------------------------------------------------------------

ALL_FIELDS = [
    "version",
    "subject",
    "issuer",
    "serial number",
    "not valid before",
    "not valid after",
    "validity period",
    "public key",
    "signature algorithm",
    "subject alternative name",
    "basic constraints",
    "key usage",
    "extended key usage",
    "subject key identifier",
    "authority key identifier",
    "fingerprint (SHA-256)",
    "SPKI fingerprint (SHA-256)",
]


def test_describe_shows_every_field_with_its_meaning(leaf: x509.Certificate) -> None:
    description = describe(leaf)
    assert isinstance(description, CertificateDescription)
    assert description.fields == ALL_FIELDS
    assert all(row.meaning for row in description.rows)
    assert description["subject"] == "CN=bank.example"
    assert description["san"] == "DNS:bank.example, DNS:www.bank.example"
    assert description["subject alternative name"] == description["SAN"]
    assert description["basic_constraints"] == "CA:FALSE (critical)"
    assert description["key usage"] == "digitalSignature (critical)"
    assert description["eku"] == "serverAuth"
    assert description["public key"] == "EC secp256r1 (256 bits)"
    assert description["signature algorithm"] == "ecdsa-with-SHA256"
    assert description["not_valid_after_utc"] == description["not valid after"]
    assert description["validity period"] == "90 days"
    assert description["fingerprint"] == certificate_fingerprint(leaf)
    assert description["ski"] == description["aki"]  # self-signed
    assert "(= subject: self-issued" in description["issuer"]
    assert "san" in description and "no such field" not in description
    with pytest.raises(InvalidChoiceError, match="has no field 'colour'.*subject"):
        description["colour"]


def test_describe_text_and_html_tables(leaf: x509.Certificate) -> None:
    key = generate_private_key("ed25519")
    nasty = make_self_signed(key, "<b>x</b> & y", dns_names=["x.example"])
    description = describe(nasty)
    text = str(description)
    assert text.splitlines()[1].startswith("subject") and r"CN=\<b\>x\</b\> & y" in text
    page = description._repr_html_()
    assert r"\&lt;b\&gt;x\&lt;/b\&gt; &amp; y" in page and "<b>" not in page
    assert page.count("<tr>") == len(description.rows) + 1


def test_describe_shows_scts_crl_points_aia_and_other_extensions() -> None:
    leaf = load_certificates(data_path("real/chains/cryptography.io-2018.pem"))[0]
    description = describe(leaf)
    assert description["SCTs"].startswith("2 SCT(s): log ")
    assert "OCSP: http://ocsp.int-x3.letsencrypt.org" in description["authority information access"]
    assert "certificate policies" in description["other extensions"]
    old = load_certificates(data_path("real/chains/www.cryptography.io-2014.pem"))[0]
    assert "http://" in describe(old)["CRL distribution points"]
    assert "SCTs" not in describe(old)  # absent: no row
    poison = describe(load_certificate(data_path("real/odd/precertificate-ct-poison.pem")))
    assert "(critical)" in poison["other extensions"]


def test_describe_old_certificates_in_words() -> None:
    v1 = describe(load_certificate(data_path("real/odd/ssleay-v1-1995.pem")))
    assert v1["version"].startswith("v1") and v1["signature algorithm"].startswith("md5")
    assert v1["public key"] == "RSA 512 bits" and v1["subject alternative name"] == "(absent)"
    md2 = describe(load_certificate(data_path("real/roots/verisign-class3-md2-root.pem")))
    assert md2["signature algorithm"].startswith("md2WithRSAEncryption")
    ed = describe(load_certificate(data_path("real/odd/ed25519-ietf-demo.pem")))
    assert ed["public key"] == "Ed25519 (256 bits)" and ed["signature algorithm"] == "Ed25519"
    assert "™" in describe(load_certificate(data_path("real/odd/utf8-common-name.pem")))["subject"]


@pytest.mark.parametrize(("name", "field_and_words"), sorted(DEFECTIVE_ROWS.items()))
def test_a_field_that_cannot_be_read_shows_its_defect_in_its_row(
    name: str, field_and_words: tuple[str, str]
) -> None:
    field, words = field_and_words
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning spills out to the learner
        description = describe(load_certificate(data_path(name)))
    assert "⚠" in description[field] and words in description[field]
    # The rest is still there: the fingerprints always are.
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", description["fingerprint"])


def test_a_sound_certificate_has_no_defect_row(leaf: x509.Certificate) -> None:
    assert "⚠" not in str(describe(leaf))


def test_describe_works_on_every_certificate_in_data_without_warnings() -> None:
    assert len(LOADABLE) >= 25
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, index, cert in LOADABLE:
            description = describe(cert)
            defects = [row.field for row in description.rows if "⚠" in row.value]
            expected = [DEFECTIVE_ROWS[name][0]] if name in DEFECTIVE_ROWS else []
            if name == "real/broken/invalid-utf8-common-name.pem":
                expected = ["subject", "issuer"]
            assert defects == expected, f"{name} #{index}: {defects}"


def test_describe_works_on_all_of_certifis_roots_without_warnings() -> None:
    assert len(CERTIFI_ROOTS) > 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        described = [describe(root) for root in CERTIFI_ROOTS]
    unusual = [d["serial number"] for d in described if "⚠" in str(d)]
    # Today's store has roots with serial 0 (RFC 5280 wants a positive serial), shown in words.
    assert all("serial (RFC 5280 forbids it)" in value for value in unusual)
    assert all(
        d["basic constraints"].startswith("CA:TRUE") for d in described if d["version"][:2] == "v3"
    )


# --- openssl agrees ------------------------------------------------------------------------------


def _pem_blocks(name: str) -> list[tuple[bytes, str]]:
    """Each certificate of a data file as (bytes, openssl -inform)."""
    data = data_path(name).read_bytes()
    if b"-----BEGIN" not in data:
        return [(data, "DER")]
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", data, re.S)
    return [(block, "PEM") for block in blocks]


def _openssl(*args: str, data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([OPENSSL, *args], input=data, capture_output=True, timeout=60)


def _openssl_each(
    calls: list[tuple[tuple[str, ...], bytes]],
) -> list[subprocess.CompletedProcess[bytes]]:
    """Run many openssl commands side by side (each mostly waits on start-up)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda call: _openssl(*call[0], data=call[1]), calls))


@needs_openssl
def test_openssl_x509_reads_every_certificate_file_under_data() -> None:
    files = certificate_files()
    assert any(n.startswith("real/") for n in files)
    blocks = [(name, block, form) for name in files for block, form in _pem_blocks(name)]
    done = _openssl_each([(("x509", "-noout", "-text", "-inform", f), b) for _n, b, f in blocks])
    for (name, _block, _form), result in zip(blocks, done, strict=True):
        if name in OPENSSL_REFUSES:  # the twin: openssl does refuse a broken one
            assert result.returncode != 0, name
        else:
            assert result.returncode == 0 and b"Certificate:" in result.stdout, name


@needs_openssl
def test_fingerprints_equal_openssls() -> None:
    ders = [cert.public_bytes(DER) for _n, _i, cert in LOADABLE]
    args = ("x509", "-noout", "-fingerprint", "-sha256", "-pubkey", "-inform", "DER")
    shown = _openssl_each([(args, der) for der in ders])
    pubkeys = [result.stdout.split(b"\n", 1)[-1] for result in shown]
    spkis = _openssl_each([(("pkey", "-pubin", "-outform", "DER"), pem) for pem in pubkeys])
    checked = 0
    for (name, _index, cert), result, spki in zip(LOADABLE, shown, spkis, strict=True):
        if result.returncode != 0:  # openssl 3.0 cannot read every key type (GOST)
            assert name in OPENSSL_REFUSES | OPENSSL_CANNOT_READ_KEY, name
            again = _openssl(
                "x509",
                "-noout",
                "-fingerprint",
                "-sha256",
                "-inform",
                "DER",
                data=cert.public_bytes(DER),
            )
            result, spki = again, again
            if again.returncode != 0:
                continue
        line = result.stdout.decode().splitlines()[0]  # sha256 Fingerprint=AB:CD:...
        assert line.split("=")[1] == certificate_fingerprint(cert), name
        if spki is not result and spki.returncode == 0:
            assert hashlib.sha256(spki.stdout).digest().hex(":") == spki_fingerprint(cert), name
            checked += 1
    assert checked >= 25


def test_spki_fingerprint_is_lesson_01s_key_fingerprint_and_differs_from_the_certificates(
    leaf: x509.Certificate,
) -> None:
    assert spki_fingerprint(leaf) == fingerprint(leaf.public_key())  # type: ignore[arg-type]
    assert spki_fingerprint(leaf).upper() != certificate_fingerprint(leaf)
    # A renewal with the same key keeps the SPKI fingerprint; the certificate's changes.
    key = generate_private_key("ec-p256")
    first, second = make_self_signed(key, "a.example"), make_self_signed(key, "a.example")
    assert spki_fingerprint(first) == spki_fingerprint(second)
    assert certificate_fingerprint(first) != certificate_fingerprint(second)
    for _name, _index, cert in LOADABLE:
        try:
            public_key = cert.public_key()
        except Exception:  # noqa: BLE001 - an unsupported key type: only the raw SPKI exists
            continue
        if isinstance(public_key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)) or isinstance(
            public_key, ed25519.Ed25519PublicKey
        ):
            assert spki_fingerprint(cert) == fingerprint(public_key)


# --- property tests: only course errors, never the input in a message --------------------------

REAL_DER = [cert.public_bytes(DER) for _n, _i, cert in LOADABLE[:: max(1, len(LOADABLE) // 8)]]
REAL_PEM = [cert.public_bytes(PEM) for _n, _i, cert in LOADABLE[1 :: max(1, len(LOADABLE) // 6)]]


_BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/=]{16}")


def _assert_no_input_in(message: str, data: bytes) -> None:
    """No 16-byte run of ``data`` (as hex, or base64) and no PEM line of it is in ``message``."""
    text = message.lower()
    compact = text.replace(":", "").replace(" ", "")
    for start in range(0, max(0, len(data) - 15)):
        window = data[start : start + 16]
        assert window.hex() not in compact
        if _BASE64_TEXT.fullmatch(window):  # a run of a PEM body
            assert window.decode("ascii").lower() not in text
    for line in data.splitlines():
        if len(line) >= 16 and b"----" not in line:  # a line of the body, not a label
            assert line.decode("latin-1") not in message
    for shift in range(3):
        encoded = base64.b64encode(data[shift:]).decode()
        for start in range(0, max(0, len(encoded) - 21), 4):
            assert encoded[start : start + 22] not in message


def _every_loader(data: bytes) -> None:
    """Run every bytes-taking function on ``data``: success, or a course error without the input."""
    calls: list[Callable[[bytes], object]] = [
        certificates_from_bytes,
        file_kind,
        lambda d: [describe(c) for c in certificates_from_bytes(d)],
    ]
    for call in calls:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                result = call(data)
        except CourseError as err:
            _assert_no_input_in(str(err), data)
        else:
            if call is file_kind:
                assert result in KINDS


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_give_only_course_errors(data: bytes) -> None:
    _every_loader(data)


@FAST
@given(
    st.sampled_from(REAL_DER),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
    st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_mutated_real_der_gives_only_course_errors(
    der: bytes, changes: list[tuple[int, int]], cut: int | None
) -> None:
    mutated = bytearray(der)
    for position, value in changes:
        mutated[position % len(mutated)] = value
    _every_loader(bytes(mutated[:cut] if cut is not None else mutated))


@FAST
@given(
    st.sampled_from(REAL_PEM),
    st.integers(0, 10_000),
    st.sampled_from([b"", b"A", b"!", b"\n", b"-----END CERTIFICATE-----\n", b"====", b"\x00"]),
    st.integers(0, 40),
)
def test_mutated_real_pem_gives_only_course_errors(
    pem: bytes, position: int, insert: bytes, delete: int
) -> None:
    at = 28 + position % (len(pem) - 28)
    _every_loader(pem[:at] + insert + pem[at + delete :])


def test_module_exports_what_it_says() -> None:
    assert sorted(certs_module.__all__, key=str.lower) == sorted(
        certs_module.__all__, key=str.lower
    )
    for name in certs_module.__all__:
        assert hasattr(certs_module, name)
    assert len(KINDS) == 10 and KINDS[-1] == "unknown"


# --- review 6 (2026-11): names, versions, serials, keys and fingerprints --------------------------


def test_make_self_signed_does_not_show_a_private_key_given_as_a_name() -> None:
    key = generate_private_key("ed25519")
    pem = private_key_pem(key).decode()
    body = "".join(pem.splitlines()[1:-1])
    for kwargs in ({"common_name": pem}, {"common_name": "a.example", "dns_names": [pem]},
                   {"common_name": "a.example", "dns_names": ["b.example", body]}):  # fmt: skip
        with pytest.raises(ArgumentError) as caught:
            make_self_signed(key, **kwargs)  # type: ignore[arg-type]
        message = str(caught.value)
        assert "not shown" in message, message
        assert all(body[i : i + 16] not in message for i in range(len(body) - 15)), message
    # the twin: a harmless wrong name is shown, so the learner sees which one is wrong
    with pytest.raises(ArgumentError, match=r"\('bank_example.test'\) is not a host name"):
        make_self_signed(key, "a.example", dns_names=["bank_example.test"])


@pytest.mark.parametrize("bad", ["a..b", "_a.example", "10.0.0.1/8", "256.1.1.1", "a b.example"])
def test_make_self_signed_refuses_names_no_certificate_can_carry(bad: str) -> None:
    key = generate_private_key("ed25519")
    with pytest.raises(ArgumentError, match="not a host name"):
        make_self_signed(key, "a.example", dns_names=[bad])


def test_make_self_signed_writes_names_in_their_one_form() -> None:
    """The twin of the test above: odd but valid spellings are accepted, in canonical form."""
    key = generate_private_key("ed25519")
    cert = make_self_signed(key, "a.example", dns_names=["A.Example.", "a.example", " 10.0.0.1"])
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["a.example"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.1"]


def _with_version_field(cert: x509.Certificate, field: int) -> bytes:
    der = cert.public_bytes(DER)
    v3 = b"\xa0\x03\x02\x01\x02"  # [0] EXPLICIT INTEGER 2: the version field of a v3 certificate
    assert der.count(v3) == 1
    return der.replace(v3, b"\xa0\x03\x02\x01" + bytes([field]))


def test_a_v2_certificate_is_called_v2_not_blamed(leaf: x509.Certificate) -> None:
    with pytest.raises(CertificateParseError) as caught:
        certificates_from_bytes(_with_version_field(leaf, 1))
    message = str(caught.value)
    assert "X.509 v2 certificate (version field 1), which cryptography does not read" in message
    assert "only v1, v2 and v3 exist" not in message
    with pytest.raises(CertificateParseError, match=r"version field holds 5; only 0 \(v1\)"):
        certificates_from_bytes(_with_version_field(leaf, 5))
    # the twin: the untouched v3 certificate (field 2) loads
    assert certificates_from_bytes(_with_version_field(leaf, 2)) == [leaf]


def _with_serial(serial: int) -> x509.Certificate:
    key = generate_private_key("ed25519")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a.example")])
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=90))
    )
    return builder.sign(key, None)


def test_a_small_serial_shows_in_decimal_and_hex() -> None:
    assert describe(_with_serial(24))["serial number"] == "24 (0x18, 5 bits)"
    # the twin: a random 159-bit serial is shown in hex only, marked as hex
    serial = (1 << 158) | 0xABCDEF
    assert describe(_with_serial(serial))["serial number"] == f"0x{serial:x} (159 bits)"


def test_describe_names_a_dsa_key_and_the_br_verdict() -> None:
    key = dsa.generate_private_key(1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.example")])
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    assert describe(cert)["public key"] == (
        "DSA 1024 bits (not allowed by the CA/B BR §6.1.5: RSA or ECDSA only)"
    )
    assert describe(_with_serial(1))["public key"] == "Ed25519 (256 bits)"  # the twin


def test_fingerprint_letter_case_is_explained(leaf: x509.Certificate) -> None:
    """The certificate's fingerprint is upper case (openssl), the key's lower (lesson 01)."""
    cert_fp, spki_fp = certificate_fingerprint(leaf), spki_fingerprint(leaf)
    assert cert_fp == cert_fp.upper() != cert_fp.lower()
    assert spki_fp == spki_fp.lower() != spki_fp.upper()
    for function, case in ((certificate_fingerprint, "upper case"), (spki_fingerprint, "lower")):
        assert case in " ".join((function.__doc__ or "").split())
    description = describe(leaf)
    meanings = {row.field: row.meaning for row in description.rows}
    assert "upper case" in meanings["fingerprint (SHA-256)"]
    assert "lower case" in meanings["SPKI fingerprint (SHA-256)"]


def test_damaged_der_and_lower_case_labels_are_named(leaf: x509.Certificate) -> None:
    der, pem = leaf.public_bytes(DER), leaf.public_bytes(PEM)
    cases = [
        (der[:200], f"a DER certificate cut short (200 of its {len(der)} bytes)"),
        (der + b"\x00\x00", "a DER certificate followed by 2 extra byte(s)"),
        (pem.replace(b"CERTIFICATE", b"Certificate"), "its PEM labels are not in upper case"),
    ]
    for data, words in cases:
        with pytest.raises(NotACertificateError) as caught:
            certificates_from_bytes(data)
        assert words in str(caught.value)
        _assert_no_input_in(str(caught.value), data)
    # the twins: the whole DER and the upper-case PEM load; plain garbage keeps the general words
    assert certificates_from_bytes(der) == certificates_from_bytes(pem) == [leaf]
    with pytest.raises(NotACertificateError, match="neither PEM .* nor DER"):
        certificates_from_bytes(b"\x30\x03abc")


def test_a_key_line_is_no_common_name_but_a_name_without_spaces_is() -> None:
    """A base64 key line given as the CN is refused unshown; a real CN without spaces is not."""
    key = ec.generate_private_key(ec.SECP256R1())
    line = base64.b64encode(os.urandom(48)).decode()
    with pytest.raises(ArgumentError) as caught:
        make_self_signed(key, line)
    assert line[:16] not in str(caught.value) and "not shown" in str(caught.value)
    name = "DigiCertGlobalRootG2"  # the twin: looks a little like base64, is a real root's name
    assert make_self_signed(key, name).subject.rfc4514_string() == f"CN={name}"
