"""pkicourse.csr: make, verify, tamper, read PEM/DER and openssl's CSRs (lesson 04)."""

from __future__ import annotations

import base64
import ipaddress
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pkicourse import certificates as certs_module
from pkicourse import csr as csrs
from pkicourse import keys
from pkicourse.ca import crl_from_bytes
from pkicourse.certificates import make_self_signed
from pkicourse.data import data_path
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
    page = description._repr_html_()
    assert (
        "bank.example" in str(description) and page.startswith("<table") and "bank.example" in page
    )
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


# --- names: one rule with make_self_signed, and never a key in a message --------------------


def test_a_first_name_too_long_for_the_cn_is_a_course_error() -> None:
    long_name = "a" * 60 + ".bbbbbbbbbb.example"  # a valid DNS name of 79 characters
    with pytest.raises(ArgumentError, match=r"first name becomes the CN.*64") as caught:
        csrs.make_csr(_KEY, [long_name])
    assert long_name not in str(caught.value)
    # the twin: the same name second, after a short one, goes into the SAN
    csr = csrs.make_csr(_KEY, ["bank.example", long_name])
    assert csrs.csr_names(csr) == ["bank.example", long_name]


def test_a_name_longer_than_dns_allows_is_refused() -> None:
    label = "a" * 63
    too_long = ".".join([label] * 4) + ".example"  # 263 characters
    fits = ".".join([label] * 3) + ".example"  # 199 characters
    with pytest.raises(ArgumentError, match="at most 253"):
        csrs.make_csr(_KEY, ["bank.example", too_long])
    assert fits in csrs.csr_names(csrs.make_csr(_KEY, ["bank.example", fits]))


def test_make_csr_removes_repeated_names() -> None:
    csr = csrs.make_csr(_KEY, ["a.example", "A.example", "a.example.", "127.0.0.1", "127.0.0.1"])
    assert csrs.csr_names(csr) == ["a.example", "127.0.0.1"]
    # the twin: different names are all kept, in order
    csr = csrs.make_csr(_KEY, ["b.example", "a.example", "::1"])
    assert csrs.csr_names(csr) == ["b.example", "a.example", "::1"]


def test_make_csr_checks_the_organization() -> None:
    pem = keys.private_key_pem(_KEY).decode()
    for bad in (pem, "x" * 65, ""):
        with pytest.raises(ArgumentError, match="organization") as caught:
            csrs.make_csr(_KEY, ["bank.example"], organization=bad)
        assert "MI" not in str(caught.value) and "x" * 20 not in str(caught.value)
    csr = csrs.make_csr(_KEY, ["bank.example"], organization="O" * 64)  # the twin: 64 fits
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "O" * 64


@pytest.mark.parametrize(
    "bad", ["a..b", "_a.example", "10.0.0.1/8", "999.1.1.1", "-a.example", "a.*.example", ""]
)
def test_csr_and_self_signed_share_one_name_rule(bad: str) -> None:
    with pytest.raises(ArgumentError):
        csrs.make_csr(_KEY, ["bank.example", bad])
    with pytest.raises(ArgumentError):
        make_self_signed(_KEY, "bank.example", dns_names=["bank.example", bad])
    with pytest.raises(ArgumentError):
        csrs.general_name(bad)


def test_csr_and_self_signed_write_the_same_names() -> None:
    given = ["Bank.Example.", " 127.0.0.1", "*.bank.example", "::1"]
    csr = csrs.make_csr(_KEY, given)
    cert = make_self_signed(_KEY, "bank.example", dns_names=given)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert list(san) == [csrs.general_name(n) for n in given]
    assert csrs.csr_names(csr) == ["bank.example", "*.bank.example", "127.0.0.1", "::1"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]


@pytest.mark.parametrize(
    "key_type", ["rsa-2048", "ec-p256", "ec-p384", "ec-p521", "ed25519", "secp256k1", "p224"]
)
def test_csr_and_certificates_sign_with_the_same_hash(key_type: str) -> None:
    curves = {"ec-p521": ec.SECP521R1(), "secp256k1": ec.SECP256K1(), "p224": ec.SECP224R1()}
    key = (
        ec.generate_private_key(curves[key_type])
        if key_type in curves
        else keys.generate_private_key(key_type)
    )
    expected = {"ec-p384": hashes.SHA384, "ec-p521": hashes.SHA512, "ed25519": type(None)}
    want = expected.get(key_type, hashes.SHA256)
    assert type(csrs.signature_hash(key)) is want
    assert type(certs_module._signature_hash(key)) is want
    assert type(csrs.make_csr(key, ["x.example"]).signature_hash_algorithm) is want
    cert = make_self_signed(key, "x.example", dns_names=["x.example"])
    assert type(cert.signature_hash_algorithm) is want
    # the twin: something that is not a course key is refused by both, with the same words
    for function in (csrs.signature_hash, certs_module._signature_hash):
        with pytest.raises(ArgumentError, match="Expected a private key"):
            function(key.public_key())  # type: ignore[arg-type]


# --- CSRs cryptography reads only in part: course errors naming the defect ------------------


def _subject(cn: str = "bank.example") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _csr_with(*extensions: x509.ExtensionType) -> x509.CertificateSigningRequest:
    builder = x509.CertificateSigningRequestBuilder().subject_name(_subject())
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(_KEY, hashes.SHA256())


def test_a_csr_with_two_san_extensions_names_the_defect() -> None:
    names = [x509.DNSName("bank.example")]
    der = _csr_with(
        x509.SubjectAlternativeName(names), x509.IssuerAlternativeName(names)
    ).public_bytes(serialization.Encoding.DER)
    csrs.csr_from_bytes(der)  # the twin: SAN + IAN is fine
    ian_oid, san_oid = b"\x06\x03\x55\x1d\x12", b"\x06\x03\x55\x1d\x11"
    assert der.count(ian_oid) == 1
    doubled = der.replace(ian_oid, san_oid)
    for data in (doubled, _pem_of(doubled)):
        with pytest.raises(NotACSRError, match=r"same extension \(2\.5\.29\.17\) twice.*§4\.2"):
            csrs.csr_from_bytes(data)
    in_memory = x509.load_der_x509_csr(doubled)  # a CSR object made without our loader
    with pytest.raises(NotACSRError, match="twice"):
        csrs.csr_names(in_memory)


def _pem_of(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([b"-----BEGIN CERTIFICATE REQUEST-----", *lines,
                       b"-----END CERTIFICATE REQUEST-----", b""])  # fmt: skip


def test_a_csr_with_an_unsupported_name_type_names_the_defect() -> None:
    x400 = bytes([0x30, 0x02, 0xA3, 0x00])  # a SAN holding one empty x400Address
    raw = x509.UnrecognizedExtension(x509.ExtensionOID.SUBJECT_ALTERNATIVE_NAME, x400)
    der = _csr_with(raw).public_bytes(serialization.Encoding.DER)
    with pytest.raises(NotACSRError, match="a type cryptography does not read"):
        csrs.csr_from_bytes(der)
    dns = bytes([0x30, 0x03, 0x82, 0x01, 0x61])  # the twin: one dNSName "a" reads fine
    ok = _csr_with(x509.UnrecognizedExtension(x509.ExtensionOID.SUBJECT_ALTERNATIVE_NAME, dns))
    assert csrs.csr_names(csrs.csr_from_bytes(ok.public_bytes(serialization.Encoding.DER))) == ["a"]


def test_a_csr_with_a_wrong_version_names_it() -> None:
    assert _DER[4:7] == b"\x30\x81\xd6" or b"\x02\x01\x00" in _DER[:12]
    at = _DER.index(b"\x02\x01\x00")  # CertificationRequestInfo's version INTEGER 0
    wrong = _DER[:at] + b"\x02\x01\x05" + _DER[at + 3 :]
    for data in (wrong, _pem_of(wrong)):
        with pytest.raises(NotACSRError, match=r"version field is 5.*only version 0 \(v1"):
            csrs.csr_from_bytes(data)
    assert csrs.csr_from_bytes(_DER) == _CSR  # the twin: version 0


# --- describing and naming what a CSR asks for ------------------------------------------------


def test_describe_csr_shows_a_dsa_key_without_blaming_the_learner() -> None:
    dsa_key = dsa.generate_private_key(1024)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_subject())
        .sign(dsa_key, hashes.SHA256())
    )
    description = csrs.describe_csr(csrs.csr_from_bytes(csrs.csr_pem(csr)))
    assert description["public key"].startswith("DSA 1024 bits (not allowed by the CA/B BR")
    assert "generate_private_key" not in str(description)
    # the twin: a course key keeps lesson 01's words
    assert csrs.describe_csr(_CSR)["public key"] == "EC P-256 public key"


def test_csr_names_falls_back_to_the_cn_when_the_san_has_no_host_names() -> None:
    email_only = _csr_with(x509.SubjectAlternativeName([x509.RFC822Name("a@bank.example")]))
    assert csrs.csr_names(email_only) == ["bank.example"]
    assert csrs.describe_csr(email_only)["san"] == (
        "(no DNS or IP names in the SAN; CN: bank.example)"
    )
    no_san = _csr_with()
    assert csrs.csr_names(no_san) == ["bank.example"]
    assert csrs.describe_csr(no_san)["san"] == "(no SAN; CN: bank.example)"
    # the twins: a SAN with a DNS name or only an IP address gives those, not the CN
    ip_only = _csr_with(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("::1"))]))
    assert csrs.csr_names(ip_only) == ["::1"]
    assert csrs.describe_csr(ip_only)["san"] == "::1"
    mixed = _csr_with(
        x509.SubjectAlternativeName(
            [
                x509.RFC822Name("a@bank.example"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("www.bank.example"),
            ]  # fmt: skip
        )
    )
    assert csrs.csr_names(mixed) == ["www.bank.example", "127.0.0.1"]


# --- a private key passed by mistake: no piece of it in any message -----------------------------

_PEM_KEYS = st.one_of(
    st.binary(min_size=32, max_size=32).map(ed25519.Ed25519PrivateKey.from_private_bytes),
    st.integers(1, 2**255).map(lambda n: ec.derive_private_key(n, ec.SECP256R1())),
    st.integers(1, 2**383).map(lambda n: ec.derive_private_key(n, ec.SECP384R1())),
    st.just(keys.generate_private_key("rsa-2048")),
)
_FORMATS = [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]


def _private_pem(key: keys.PrivateKey, pkcs8: bool) -> str:
    private_format = (
        _FORMATS[0] if pkcs8 or isinstance(key, ed25519.Ed25519PrivateKey) else (_FORMATS[1])
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, private_format, serialization.NoEncryption()
    )
    return pem.decode("ascii")


# How a learner might pass the PEM: as it is, stripped, with Windows line ends, only its base64
# lines, its base64 on one line, one base64 line.
_SHAPES: dict[str, Callable[[str], str]] = {
    "as is": lambda pem: pem,
    "stripped": str.strip,
    "crlf": lambda pem: pem.replace("\n", "\r\n"),
    "body": lambda pem: "\n".join(pem.splitlines()[1:-1]),
    "one line": lambda pem: "".join(pem.splitlines()[1:-1]),
    "a line": lambda pem: pem.splitlines()[1],
}


def _leaks(message: str, secret_texts: list[str]) -> list[str]:
    """Every 16-character piece of the secret texts that is in ``message``."""
    return [
        text[start : start + 16]
        for text in secret_texts
        for start in range(max(0, len(text) - 15))
        if text[start : start + 16] in message
    ]


def _messages(text: str) -> list[str]:
    """The course errors of every function a learner could hand ``text`` to by mistake."""
    calls: list[Callable[[], object]] = [
        lambda: data_path(text),
        lambda: data_path("real/" + text),
        lambda: csrs.make_csr(_KEY, [text]),
        lambda: csrs.make_csr(_KEY, ["bank.example", text]),
        lambda: csrs.make_csr(_KEY, ["bank.example"], organization=text),
        lambda: make_self_signed(_KEY, text),
        lambda: make_self_signed(_KEY, "bank.example", dns_names=[text]),
        lambda: csrs.csr_from_bytes(text.encode()),
        lambda: csrs.csr_from_bytes(text),  # type: ignore[arg-type]
        lambda: csrs.general_name(text),
    ]
    messages = []
    for call in calls:
        try:
            call()
        except CourseError as error:
            messages.append(str(error))
    return messages


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(_PEM_KEYS, st.booleans(), st.sampled_from(sorted(_SHAPES)))
# found by hypothesis: a scalar of 1 gives a base64 line without digits ("MIGkAgEBBDAAAA...")
@example(ec.derive_private_key(1, ec.SECP384R1()), False, "a line")
def test_no_message_shows_a_piece_of_a_private_key(
    key: keys.PrivateKey, pkcs8: bool, shape: str
) -> None:
    pem = _private_pem(key, pkcs8)
    given_text = _SHAPES[shape](pem)
    messages = _messages(given_text)
    assert len(messages) >= 8  # every call refused it (make_self_signed's CN may be a line)
    secrets = [pem, given_text, "".join(pem.splitlines()[1:-1])]
    for message in messages:
        assert not _leaks(message, secrets), (shape, message)


def test_the_leak_check_finds_an_echoed_name() -> None:
    """The twin: a harmless wrong name IS shown, and the check above would catch it."""
    name = "Not_A_Host.Name-1234567890"
    messages = _messages(name)
    assert messages and all(_leaks(m, [name]) for m in messages if "not a host name" in m)
    assert any(name in m for m in messages)
