"""Tests for pkicourse.tour (lesson 00-index): real sockets on 127.0.0.1, no mocks.

Every "it works" has a "fails when X is wrong" twin, so the success is shown to need the logic.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import inspect
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from pkicourse import keys
from pkicourse import tour as tour_module
from pkicourse.ca import CA
from pkicourse.errors import (
    ArgumentError,
    CAError,
    InvalidChoiceError,
    ServerError,
    WrongKeyTypeError,
)
from pkicourse.tour import (
    BROWSER_ERRORS,
    PROBLEMS,
    TourResult,
    _bank_site,
    _client_context,
    _issue_leaf,
    _make_ca,
    _make_impostor,
    _not_a_ca,
    _refusal,
    _visit,
    answer_challenge,
    bank_server,
    failed_handshake,
    handshake_tour,
    server_context,
)

TLS13_SUITES = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}


@pytest.fixture(scope="module")
def tour() -> TourResult:
    return handshake_tour()


@pytest.fixture(scope="module")
def ca() -> CA:
    return _make_ca()


@pytest.fixture
def bank_port(ca: CA) -> Iterator[int]:
    """The real bank.example, with a certificate from ``ca`` (tls.tls_server, HTTPS)."""
    with _bank_site(_issue_leaf(ca)) as site:
        yield site.port


def _server_threads() -> list[threading.Thread]:
    """The course's server threads (pkicourse.tls names them pkicourse-tls-...)."""
    return [t for t in threading.enumerate() if t.name.startswith("pkicourse-tls")]


def _assert_closed(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# --- the tour itself ---------------------------------------------------------------------------


def test_the_good_connection_is_tls13_and_reads_the_response(tour: TourResult) -> None:
    assert tour.tls_version == "TLSv1.3"
    assert tour.cipher in TLS13_SUITES
    assert tour.response.startswith("HTTP/1.1 200 OK\r\n")
    assert tour.response.endswith("\r\n\r\nhello from bank.example\n")
    assert tour.server_subject == "CN=bank.example"
    assert tour.ca_name == "pkicourse Tour Root CA"
    assert tour.server_issuer == "CN=pkicourse Tour Root CA,O=pkicourse"


def test_the_impostor_is_refused_as_self_signed(tour: TourResult) -> None:
    assert tour.impostor_verify_code == 18
    assert tour.impostor_verify_message  # text differs between OpenSSL versions
    assert tour.browser_error == "NET::ERR_CERT_AUTHORITY_INVALID"
    impostor = tour.impostor_certificate
    assert impostor.issuer == impostor.subject  # self-signed...
    san = impostor.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["bank.example"]  # ...for the same name


def test_the_tour_leaves_no_thread_and_no_open_port() -> None:
    before = set(threading.enumerate())
    result = handshake_tour()
    assert set(threading.enumerate()) == before
    assert _server_threads() == []
    _assert_closed(result.bank_port)
    _assert_closed(result.impostor_port)


def test_the_tour_is_fast() -> None:
    started = time.perf_counter()
    handshake_tour()
    assert time.perf_counter() - started < 1.0


def test_html_shows_both_panels(tour: TourResult) -> None:
    page = tour._repr_html_()
    assert "✔ Secure connection to bank.example" in page
    assert "TLSv1.3" in page and tour.cipher in page
    assert "certificate issued by <b>pkicourse Tour Root CA</b>" in page
    assert "⚠ Your connection is not private" in page
    assert "Attackers might be trying to steal your information from <b>bank.example</b>" in page
    assert "NET::ERR_CERT_AUTHORITY_INVALID" in page
    assert "verify code 18:" in page
    assert "lessons 03–07" in page
    assert "private key" not in page  # lesson 00's self-check asks why a copy fails


def test_text_has_the_same_content(tour: TourResult) -> None:
    text = str(tour)
    for words in (
        "✔ Secure connection to bank.example",
        "TLSv1.3",
        "certificate issued by pkicourse Tour Root CA",
        "⚠ Your connection is not private",
        "NET::ERR_CERT_AUTHORITY_INVALID",
        "verify code 18:",
        "lessons 03–07",
    ):
        assert words in text


def test_other_verify_codes_get_their_browser_names(tour: TourResult) -> None:
    assert dataclasses.replace(tour, impostor_verify_code=62).browser_error == (
        "NET::ERR_CERT_COMMON_NAME_INVALID"
    )
    assert dataclasses.replace(tour, impostor_verify_code=10).browser_error == (
        "NET::ERR_CERT_DATE_INVALID"
    )
    # no Chrome error is claimed for a code without a clear counterpart (79: invalid CA)
    assert dataclasses.replace(tour, impostor_verify_code=79).browser_error == ""
    assert set(BROWSER_ERRORS) == {9, 10, 18, 19, 20, 62}


# --- the twins: the success needs the CA, the name and the signature ------------------------


def test_the_right_ca_and_name_succeed(ca: CA, bank_port: int) -> None:
    visit = _visit(bank_port, _client_context(ca.certificate), "bank.example")
    assert visit.ok and visit.version == "TLSv1.3"
    assert visit.response is not None and visit.response.endswith(b"hello from bank.example\n")


def test_the_certificates_pass_strict_mode_as_python_313_does(ca: CA, bank_port: int) -> None:
    client = _client_context(ca.certificate)
    client.verify_flags |= ssl.VERIFY_X509_STRICT  # the default from Python 3.13 on
    assert _visit(bank_port, client, "bank.example").version == "TLSv1.3"


def test_a_wrong_hostname_fails_with_62(ca: CA, bank_port: int) -> None:
    refused = _visit(bank_port, _client_context(ca.certificate), "other.example")
    assert not refused.ok and refused.response is None  # no request sent to a wrong name
    assert refused.verify_code == 62
    assert BROWSER_ERRORS[62] == "NET::ERR_CERT_COMMON_NAME_INVALID"


def test_a_client_that_does_not_trust_the_ca_fails_with_20(bank_port: int) -> None:
    other_ca = _make_ca("Some Other CA")
    refused = _visit(bank_port, _client_context(other_ca.certificate), "bank.example")
    assert not refused.ok and refused.verify_code == 20


def test_the_impostor_raises_a_verification_error_with_18(ca: CA) -> None:
    client = _client_context(ca.certificate)
    with _bank_site(_make_impostor()) as site:
        refused = _refusal(site.port, client, "bank.example")
    assert type(refused) is ssl.SSLCertVerificationError
    assert refused.verify_code == 18


def test_refusal_complains_when_the_client_accepts(ca: CA, bank_port: int) -> None:
    with pytest.raises(RuntimeError, match="accepted"):
        _refusal(bank_port, _client_context(ca.certificate), "bank.example")


# --- servers always shut down ----------------------------------------------------------------


def test_a_server_nobody_visits_shuts_down_quickly(ca: CA) -> None:
    started = time.perf_counter()
    with _bank_site(_issue_leaf(ca)) as site:
        assert len(_server_threads()) == 1
    assert time.perf_counter() - started < 0.5
    assert _server_threads() == []
    _assert_closed(site.port)


def test_a_client_that_aborts_the_handshake_does_not_hang_the_server(ca: CA) -> None:
    with _bank_site(_issue_leaf(ca)) as site:
        with socket.create_connection(("127.0.0.1", site.port), timeout=1) as raw:
            raw.sendall(b"this is not a TLS ClientHello\r\n\r\n")
        started = time.perf_counter()  # the server gives up on the bad visitor, serves the next
        assert _visit(site.port, _client_context(ca.certificate)).version == "TLSv1.3"
        assert time.perf_counter() - started < 1.0
    assert _server_threads() == []
    _assert_closed(site.port)


# --- the certificates are the real thing --------------------------------------------------------


def _verify(leaf: x509.Certificate, trusted: x509.Certificate, name: str) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    verifier = (
        PolicyBuilder().store(Store([trusted])).time(now).build_server_verifier(x509.DNSName(name))
    )
    verifier.verify(leaf, [])


def test_the_leaf_verifies_with_cryptography_too(ca: CA) -> None:
    _verify(_issue_leaf(ca).certificate, ca.certificate, "bank.example")


def test_cryptography_rejects_the_impostor_and_the_wrong_name(ca: CA) -> None:
    with pytest.raises(VerificationError):
        _verify(_make_impostor().certificate, ca.certificate, "bank.example")
    with pytest.raises(VerificationError):
        _verify(_issue_leaf(ca).certificate, ca.certificate, "other.example")


def test_the_ca_and_leaf_carry_the_extensions_browsers_expect(ca: CA) -> None:
    root, leaf = ca.certificate, _issue_leaf(ca).certificate
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert leaf.issuer == root.subject
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "bank.example"
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert lifetime == datetime.timedelta(days=1)  # short-lived: made for this run only


def test_the_root_has_no_path_length_so_chains_through_an_intermediate_work(ca: CA) -> None:
    """BR 7.1.2.1: a root SHOULD NOT limit the path (the old tour root had path_length=0)."""
    assert (
        ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
        is None
    )
    intermediate = ca.create_intermediate("pkicourse Tour Intermediate CA")
    leaf = intermediate.issue_cert("bank.example", days=1)
    now = datetime.datetime.now(datetime.timezone.utc)
    verifier = (
        PolicyBuilder()
        .store(Store([ca.certificate]))
        .time(now)
        .build_server_verifier(x509.DNSName("bank.example"))
    )
    verifier.verify(leaf.certificate, leaf.chain[1:])
    with pytest.raises(VerificationError):  # the twin: without the intermediate, no path
        verifier.verify(leaf.certificate, [])


# --- the bank for the lesson's hand-written client ---------------------------------------------


def _connect(bank_port: int, ca_pem: str, hostname: str = "bank.example") -> tuple[str, bytes]:
    """What lesson 00 writes by hand: trust one CA, connect, handshake with the name."""
    context = ssl.create_default_context(cadata=ca_pem)
    with socket.create_connection(("127.0.0.1", bank_port), timeout=5) as sock:
        with context.wrap_socket(sock, server_hostname=hostname) as tls:
            return tls.version() or "", tls.getpeercert(binary_form=True) or b""


def test_a_hand_written_client_reaches_the_bank_twice() -> None:
    with bank_server() as bank:
        for _ in range(2):  # a learner may run the cell again: the server answers every visitor
            version, der = _connect(bank.port, bank.ca_pem)
            assert version == "TLSv1.3"
            assert x509.load_der_x509_certificate(der) == bank.certificate
        assert bank.hostname == "bank.example" and bank.problem is None
        assert bank.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert _server_threads() == []
    _assert_closed(bank.port)


def test_the_hand_written_client_refuses_another_ca_and_another_name() -> None:
    with bank_server() as bank, bank_server() as other:
        with pytest.raises(ssl.SSLCertVerificationError) as unknown:
            _connect(bank.port, other.ca_pem)  # each bank_server() makes its own CA
        with pytest.raises(ssl.SSLCertVerificationError) as wrong_name:
            _connect(bank.port, bank.ca_pem, "www.bank.example")
    assert (unknown.value.verify_code, wrong_name.value.verify_code) == (20, 62)


def test_the_bank_never_shows_its_private_key() -> None:
    with bank_server() as bank:
        assert "_private_key" not in repr(bank) and "PRIVATE" not in repr(bank)


EXPECTED_CODES = {
    "self-signed": 18,
    "untrusted-root": 19,
    "unknown-ca": 20,
    "expired": 10,
    "not-yet-valid": 9,
    "wrong-name": 62,
    "not-a-ca": 79,
}


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_each_problem_fails_with_its_verify_code(problem: str) -> None:
    error = failed_handshake(problem)
    assert type(error) is ssl.SSLCertVerificationError
    assert error.verify_code == EXPECTED_CODES[problem]
    assert f"({error.verify_code})" in PROBLEMS[problem]  # the description names the code


def test_the_not_a_ca_signer_really_is_not_a_ca() -> None:
    fake = _not_a_ca()
    constraints = fake.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.ca is False
    leaf = _issue_leaf(fake)
    leaf.certificate.verify_directly_issued_by(fake.certificate)  # it did sign the leaf
    with pytest.raises(CAError):  # the course's CA refuses to be built from such a certificate
        CA(fake.certificate, fake.private_key)


def test_a_problem_server_is_fine_apart_from_its_problem() -> None:
    """The twin: the same client, told the right CA and name, accepts what the problem breaks."""
    with bank_server("wrong-name") as bank:
        assert _connect(bank.port, bank.ca_pem, "www.bank.example")[0] == "TLSv1.3"
    with bank_server("expired") as bank:
        assert bank.certificate.not_valid_after_utc < datetime.datetime.now(datetime.timezone.utc)
        context = ssl.create_default_context(cadata=bank.ca_pem)
        context.verify_flags |= ssl.VERIFY_X509_STRICT
        context.verify_flags |= 0x200000  # X509_V_FLAG_NO_CHECK_TIME: ignore the dates only
        with socket.create_connection(("127.0.0.1", bank.port), timeout=5) as sock:
            with context.wrap_socket(sock, server_hostname="bank.example") as tls:
                assert tls.version() == "TLSv1.3"


def test_an_unknown_problem_is_a_course_error() -> None:
    with pytest.raises(InvalidChoiceError, match="expired"):
        failed_handshake("broken")
    with pytest.raises(InvalidChoiceError):
        with bank_server("broken"):
            pass


# --- a copied certificate is no use without its private key ------------------------------------


def _key_pem(key: keys.PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_openssl_refuses_a_copied_certificate_with_another_key(ca: CA) -> None:
    bank = _issue_leaf(ca)
    cert_pem = bank.certificate.public_bytes(serialization.Encoding.PEM)
    assert type(server_context(cert_pem, _key_pem(bank.private_key))) is ssl.SSLContext
    with pytest.raises(ssl.SSLError) as refused:
        server_context(cert_pem.decode(), _key_pem(_make_impostor().private_key))
    assert refused.value.reason == "KEY_VALUES_MISMATCH"


def test_server_context_wants_pem_text() -> None:
    with pytest.raises(ArgumentError, match="PEM"):
        server_context(None, b"")  # type: ignore[arg-type]


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
KEYS: dict[str, Callable[[], PrivateKey]] = {
    "rsa-2048": lambda: rsa.generate_private_key(65537, 2048),
    "p-256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p-384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
}


def _tls13_verify(public_key: object, response: bytes, challenge: bytes) -> None:
    """The TLS 1.3 schemes, written out independently of the helper."""
    if isinstance(public_key, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        public_key.verify(response, challenge, pss, hashes.SHA256())
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        digest = hashes.SHA384() if public_key.curve.key_size == 384 else hashes.SHA256()
        public_key.verify(response, challenge, ec.ECDSA(digest))
    else:
        assert isinstance(public_key, ed25519.Ed25519PublicKey)
        public_key.verify(response, challenge)


@pytest.mark.parametrize("kind", list(KEYS))
def test_answer_challenge_uses_the_tls13_scheme_of_the_key(kind: str) -> None:
    key = KEYS[kind]()
    challenge = os.urandom(32)
    _tls13_verify(key.public_key(), answer_challenge(key, challenge), challenge)
    with pytest.raises(InvalidSignature):  # the twin: an answer to another challenge fails
        _tls13_verify(key.public_key(), answer_challenge(key, os.urandom(32)), challenge)
    with pytest.raises(InvalidSignature):  # and so does another key's answer
        _tls13_verify(key.public_key(), answer_challenge(KEYS[kind](), challenge), challenge)


def test_p384_is_signed_with_sha384_and_rsa_with_a_32_byte_salt() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(InvalidSignature):
        p384.public_key().verify(answer_challenge(p384, b"c"), b"c", ec.ECDSA(hashes.SHA256()))
    key = rsa.generate_private_key(65537, 2048)
    other_salt = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=64)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(answer_challenge(key, b"c"), b"c", other_salt, hashes.SHA256())


def test_answer_challenge_explains_wrong_input() -> None:
    with pytest.raises(ArgumentError, match="bytes"):
        answer_challenge(ed25519.Ed25519PrivateKey.generate(), "hi")  # type: ignore[arg-type]
    with pytest.raises(WrongKeyTypeError, match="Ed25519"):
        answer_challenge(x25519.X25519PrivateKey.generate(), b"hi")
    with pytest.raises(WrongKeyTypeError, match="private key"):
        answer_challenge(ec.generate_private_key(ec.SECP384R1()).public_key(), b"hi")


def test_only_the_real_bank_answers_its_challenge() -> None:
    challenge = os.urandom(32)
    with bank_server() as bank, bank_server("self-signed") as impostor:
        public_key = bank.certificate.public_key()
        _tls13_verify(public_key, bank.answer_challenge(challenge), challenge)
        with pytest.raises(InvalidSignature):
            _tls13_verify(public_key, impostor.answer_challenge(challenge), challenge)


# --- the tour is built on pkicourse.tls: no TLS code of its own (issue 7) -----------------------


def test_the_tour_has_no_socket_or_tls_code_of_its_own() -> None:
    """Its servers are tls.tls_server, its visits tls.connect (docstrings may name ssl's calls)."""
    tree = ast.parse(inspect.getsource(tour_module))
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not imported & {"socket", "socketserver", "threading", "tempfile", "selectors"}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    called = {f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "") for f in calls}
    assert "SSLContext" not in called, "tour.py makes its own SSLContext: use pkicourse.tls"
    used.discard("SSLContext")  # as a type in annotations only
    for own_code in (
        "socket",
        "wrap_socket",
        "wrap_bio",
        "SSLContext",
        "SSLSocket",
        "MemoryBIO",
        "create_server",
        "create_connection",
        "accept",
        "recv",
        "sendall",
        "do_handshake",
        "load_cert_chain",
        "Thread",
    ):
        assert own_code not in used, f"tour.py uses {own_code!r} itself: use pkicourse.tls"
    assert {"tls_server", "connect"} <= used  # the twin: what it uses instead


def test_the_tour_reads_openssls_message_and_parses_no_text() -> None:
    """OpenSSL's verify message comes from tls.Connection.verify_message, not from a regex."""
    tree = ast.parse(inspect.getsource(tour_module))
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    assert "re" not in imported, "tour.py parses text: use tls.Connection.verify_message"
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "verify_message" in used


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_the_refusal_is_the_one_a_hand_written_client_gets(problem: str) -> None:
    """failed_handshake rebuilds ssl's error from tls.connect's report: the same code and words."""
    rebuilt = failed_handshake(problem)
    with bank_server(problem) as bank:
        with pytest.raises(ssl.SSLCertVerificationError) as by_hand:
            _connect(bank.port, bank.ca_pem)
    assert (rebuilt.verify_code, rebuilt.verify_message) == (
        by_hand.value.verify_code,
        by_hand.value.verify_message,
    )
    assert rebuilt.reason == by_hand.value.reason == "CERTIFICATE_VERIFY_FAILED"
    assert str(rebuilt) == str(by_hand.value)
    assert isinstance(rebuilt, ssl.SSLError)  # lesson 00 may catch either


def test_a_failure_that_is_no_certificate_refusal_is_not_dressed_up_as_one(ca: CA) -> None:
    client = _client_context(ca.certificate)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client.set_ciphers("DHE-RSA-AES128-GCM-SHA256")  # the bank's key is EC: no suite in common
    with _bank_site(_issue_leaf(ca)) as site:
        with pytest.raises(ServerError, match="another reason"):
            _refusal(site.port, client)
    assert _server_threads() == []
