"""pkicourse.csr: make, verify, tamper, read PEM/DER and openssl's CSRs (lesson 04)."""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkicourse import csr as csrs
from pkicourse import keys
from pkicourse.ca import crl_from_bytes
from pkicourse.errors import (
    ArgumentError,
    CourseError,
    CSRSignatureError,
    DataFileNotFoundError,
    InvalidChoiceError,
    NotACRLError,
    NotACSRError,
    NotAPathError,
    NotBytesError,
)

OPENSSL = "/usr/bin/openssl"
FAST = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
_KEY = keys.generate_private_key("ec-p256")
_CSR = csrs.make_csr(_KEY, ["bank.example", "www.bank.example"], organization="The Bank")
_DER = _CSR.public_bytes(serialization.Encoding.DER)
_PEM = csrs.csr_pem(_CSR)


def _tampered(csr: x509.CertificateSigningRequest) -> x509.CertificateSigningRequest:
    der = csr.public_bytes(serialization.Encoding.DER)
    changed = der.replace(b"www.bank.example", b"www.evil.example")
    assert changed != der
    return x509.load_der_x509_csr(changed)


# --- making and verifying -------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["rsa-2048", "ec-p256", "ec-p384", "ed25519"])
def test_make_csr_names_key_and_hash(key_type: str) -> None:
    key = keys.generate_private_key(key_type)
    csr = csrs.make_csr(key, ["bank.example", "www.bank.example", "127.0.0.1"])
    csrs.verify_csr(csr)
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "bank.example"
    assert csrs.csr_names(csr) == ["bank.example", "www.bank.example", "127.0.0.1"]
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    expected = {"ec-p384": hashes.SHA384, "ed25519": type(None)}.get(key_type, hashes.SHA256)
    assert type(csr.signature_hash_algorithm) is expected
    assert csr.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_tampered_csr_fails_verification() -> None:
    tampered = _tampered(_CSR)
    assert "www.evil.example" in csrs.csr_names(tampered)  # it still parses
    with pytest.raises(CSRSignatureError) as caught:
        csrs.verify_csr(tampered)
    assert "changed after it was signed" in str(caught.value)
    csrs.verify_csr(_CSR)  # the untouched twin passes


def test_csr_signed_by_another_key_fails() -> None:
    """A CSR carrying one public key but signed by another: no proof of possession."""
    other = keys.generate_private_key("ec-p256")
    builder = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bank.example")]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("bank.example")]), False)
    )
    good = builder.sign(other, hashes.SHA256())
    csrs.verify_csr(good)
    # Swap the public key inside the signed request for the victim's: the signature breaks.
    victim_spki = _KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_spki = other.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der = good.public_bytes(serialization.Encoding.DER).replace(other_spki, victim_spki)
    with pytest.raises(CSRSignatureError):
        csrs.verify_csr(x509.load_der_x509_csr(der))


@pytest.mark.parametrize(
    "names",
    [[], "bank.example", ["bank example"], ["bänk.example"], ["*.*.example"], ["-x.example"]],
)
def test_make_csr_refuses_bad_names(names: object) -> None:
    with pytest.raises(ArgumentError):
        csrs.make_csr(_KEY, names)  # type: ignore[arg-type]


def test_names_are_normalised_and_wildcards_allowed() -> None:
    csr = csrs.make_csr(_KEY, ["Bank.Example.", "*.bank.example", "xn--bnk-qla.example"])
    assert csrs.csr_names(csr) == ["bank.example", "*.bank.example", "xn--bnk-qla.example"]


def test_csr_names_falls_back_to_cn() -> None:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.example")]))
        .sign(_KEY, hashes.SHA256())
    )
    assert csrs.csr_names(csr) == ["old.example"]
    assert csrs.csr_names(_CSR) == ["bank.example", "www.bank.example"]  # SAN wins


def test_describe_csr_rows() -> None:
    description = csrs.describe_csr(_CSR)
    assert description["requested names (SAN)"] == "bank.example, www.bank.example"
    assert description["signature"] == "valid"
    assert description["public key"] == "EC P-256 public key"
    assert "O=The Bank" in description["subject"]
    assert "bank.example" in str(description) and "<table>" in description._repr_html_()
    assert csrs.describe_csr(_tampered(_CSR))["signature"].startswith("INVALID")
    assert description["san"] == description["requested names (SAN)"]
    with pytest.raises(InvalidChoiceError, match="no field"):
        description["issuer"]


def test_signature_hash_refuses_non_keys() -> None:
    with pytest.raises(ArgumentError):
        csrs.signature_hash("not a key")  # type: ignore[arg-type]


# --- reading ---------------------------------------------------------------------------------


def test_load_pem_and_der(tmp_path: Path) -> None:
    (tmp_path / "a.csr").write_bytes(_PEM)
    (tmp_path / "b.der").write_bytes(_DER)
    for path in (tmp_path / "a.csr", tmp_path / "b.der"):
        assert csrs.load_csr(path) == _CSR
        assert csrs.load_csr(str(path)) == _CSR
    assert csrs.csr_from_bytes(_PEM) == csrs.csr_from_bytes(_DER) == _CSR


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (keys.private_key_pem(_KEY), "a private key"),
        (keys.public_key_pem(_KEY), "a public key"),
        (b"hello", "neither PEM"),
        (b"", "neither PEM"),
    ],
)
def test_not_a_csr_says_what_it_is(data: bytes, says: str) -> None:
    with pytest.raises(NotACSRError) as caught:
        csrs.csr_from_bytes(data)
    assert says in str(caught.value)
    assert "MII" not in str(caught.value) and "BEGIN PRIVATE" not in str(caught.value)


def test_not_a_csr_der_hint() -> None:
    der_key = _KEY.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(NotACSRError, match="it is a private key"):
        csrs.csr_from_bytes(der_key)


def test_loader_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(NotBytesError, match="encode"):
        csrs.csr_from_bytes(_PEM.decode())  # type: ignore[arg-type]
    with pytest.raises(NotAPathError):
        csrs.load_csr(_PEM.decode())
    with pytest.raises(NotAPathError):
        csrs.load_csr(_PEM)  # type: ignore[arg-type]
    with pytest.raises(DataFileNotFoundError):
        csrs.load_csr(tmp_path / "missing.csr")
    with pytest.raises(DataFileNotFoundError, match="folder"):
        csrs.load_csr(tmp_path)
    with pytest.raises(ArgumentError):
        csrs.verify_csr(_PEM)  # type: ignore[arg-type]


def test_damaged_pem_is_not_a_csr() -> None:
    lines = _PEM.splitlines()
    damaged = b"\n".join([lines[0], lines[1][:10] + b"!!" + lines[1][12:], *lines[2:]])
    with pytest.raises(NotACSRError, match="cannot be parsed"):
        csrs.csr_from_bytes(damaged)


# --- the real openssl -----------------------------------------------------------------------


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=30)


def test_openssl_req_csr_is_read(tmp_path: Path) -> None:
    key, out = tmp_path / "server.key", tmp_path / "server.csr"
    made = _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(key))  # fmt: skip
    assert made.returncode == 0, made.stderr
    made = _openssl("req", "-new", "-key", str(key), "-subj", "/O=The Bank/CN=bank.example",
                    "-addext", "subjectAltName=DNS:bank.example,DNS:www.bank.example",
                    "-out", str(out))  # fmt: skip
    assert made.returncode == 0, made.stderr
    csr = csrs.load_csr(out)
    csrs.verify_csr(csr)
    assert csrs.csr_names(csr) == ["bank.example", "www.bank.example"]
    der = tmp_path / "server.der"
    assert _openssl("req", "-in", str(out), "-outform", "DER", "-out", str(der)).returncode == 0
    assert csrs.load_csr(der) == csr


def test_openssl_req_verify_accepts_ours_and_rejects_tampered(tmp_path: Path) -> None:
    for name, key_type in (("ec", "ec-p256"), ("p384", "ec-p384"), ("rsa", "rsa-2048"),
                           ("ed", "ed25519")):  # fmt: skip
        path = tmp_path / f"{name}.csr"
        path.write_bytes(
            csrs.csr_pem(csrs.make_csr(keys.generate_private_key(key_type), ["x.test"]))
        )
        result = _openssl("req", "-verify", "-noout", "-in", str(path))
        assert result.returncode == 0 and "verify OK" in result.stderr, (key_type, result.stderr)
    bad = tmp_path / "tampered.csr"
    bad.write_bytes(csrs.csr_pem(_tampered(_CSR)))
    result = _openssl("req", "-verify", "-noout", "-in", str(bad))
    # OpenSSL 3.0's `req -verify` exits 0 even when the signature fails (3.2+ exit 1): its
    # message is the only signal on this machine.
    assert "verify failure" in result.stderr and "verify OK" not in result.stderr


# --- random and mutated input: only course errors ------------------------------------------------


def _only_course_errors(call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except CourseError as error:
        message = str(error)
        assert "MII" not in message and "-----BEGIN" not in message.replace("'-----BEGIN", ""), (
            message
        )


def _mutate(data: bytes, position: int, value: int, cut: int) -> bytes:
    position %= max(len(data), 1)
    mutated = data[:position] + bytes([value]) + data[position + 1 :]
    return mutated[: len(mutated) - cut % max(len(mutated), 1)]


@FAST
@given(st.binary(max_size=600))
def test_random_bytes_give_course_errors(data: bytes) -> None:
    _only_course_errors(lambda: csrs.csr_from_bytes(data))
    _only_course_errors(lambda: crl_from_bytes(data))


@FAST
@given(st.sampled_from([_DER, _PEM]), st.integers(0, 10_000), st.integers(0, 255),
       st.integers(0, 40))  # fmt: skip
def test_mutated_csrs_give_course_errors(data: bytes, position: int, value: int, cut: int) -> None:
    def read() -> None:
        csr = csrs.csr_from_bytes(_mutate(data, position, value, cut))
        csrs.csr_names(csr)
        csrs.describe_csr(csr)
        csrs.verify_csr(csr)

    _only_course_errors(read)


def test_crl_loader_errors() -> None:
    with pytest.raises(NotACRLError, match="holds no CRL"):
        crl_from_bytes(_PEM)
    with pytest.raises(NotACRLError):
        crl_from_bytes(_DER)
    with pytest.raises(NotBytesError):
        crl_from_bytes("text")  # type: ignore[arg-type]
