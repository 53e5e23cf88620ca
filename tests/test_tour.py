"""Tests for pkicourse.tour (lesson 00-index): real sockets on 127.0.0.1, no mocks.

Every "it works" has a "fails when X is wrong" twin, so the success is shown to need the logic.
"""

from __future__ import annotations

import dataclasses
import datetime
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from pkicourse.tour import (
    BROWSER_ERRORS,
    TourResult,
    _CertAndKey,
    _client_context,
    _http_response,
    _issue_leaf,
    _make_ca,
    _make_impostor,
    _refusal,
    _serve_once,
    _server_context,
    _visit,
    handshake_tour,
)

TLS13_SUITES = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}


@pytest.fixture(scope="module")
def tour() -> TourResult:
    return handshake_tour()


@pytest.fixture(scope="module")
def ca() -> _CertAndKey:
    return _make_ca()


@pytest.fixture
def bank_port(ca: _CertAndKey) -> Iterator[int]:
    """The real bank.example, with a certificate from ``ca``, serving one connection."""
    with _serve_once(_server_context(_issue_leaf(ca)), _http_response("bank.example")) as port:
        yield port


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pkicourse-tour-server"]


def _assert_closed(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# --- the tour itself ---------------------------------------------------------------------------


def test_the_good_connection_is_tls13_and_reads_the_response(tour: TourResult) -> None:
    assert tour.tls_version == "TLSv1.3"
    assert tour.cipher in TLS13_SUITES
    assert tour.response.startswith("HTTP/1.1 200 OK\r\n")
    assert tour.response.endswith("\r\n\r\nhello from bank.example\n")
    assert tour.server_subject == "CN=bank.example,O=The Bank"
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
    assert "Lessons 03–07" in page


def test_text_has_the_same_content(tour: TourResult) -> None:
    text = str(tour)
    for words in (
        "✔ Secure connection to bank.example",
        "TLSv1.3",
        "certificate issued by pkicourse Tour Root CA",
        "⚠ Your connection is not private",
        "NET::ERR_CERT_AUTHORITY_INVALID",
        "verify code 18:",
        "Lessons 03–07",
    ):
        assert words in text


def test_other_verify_codes_get_their_browser_names(tour: TourResult) -> None:
    assert dataclasses.replace(tour, impostor_verify_code=62).browser_error == (
        "NET::ERR_CERT_COMMON_NAME_INVALID"
    )
    assert dataclasses.replace(tour, impostor_verify_code=10).browser_error == (
        "NET::ERR_CERT_DATE_INVALID"
    )
    assert dataclasses.replace(tour, impostor_verify_code=999).browser_error == (
        "NET::ERR_CERT_INVALID"
    )
    assert set(BROWSER_ERRORS) == {9, 10, 18, 19, 20, 62, 79}


# --- the twins: the success needs the CA, the name and the signature ------------------------


def test_the_right_ca_and_name_succeed(ca: _CertAndKey, bank_port: int) -> None:
    visit = _visit(bank_port, _client_context(ca.certificate), "bank.example")
    assert visit.tls_version == "TLSv1.3"
    assert visit.response.endswith("hello from bank.example\n")


def test_the_certificates_pass_strict_mode_as_python_313_does(
    ca: _CertAndKey, bank_port: int
) -> None:
    client = _client_context(ca.certificate)
    client.verify_flags |= ssl.VERIFY_X509_STRICT  # the default from Python 3.13 on
    assert _visit(bank_port, client, "bank.example").tls_version == "TLSv1.3"


def test_a_wrong_hostname_fails_with_62(ca: _CertAndKey, bank_port: int) -> None:
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        _visit(bank_port, _client_context(ca.certificate), "other.example")
    assert refused.value.verify_code == 62
    assert BROWSER_ERRORS[62] == "NET::ERR_CERT_COMMON_NAME_INVALID"


def test_a_client_that_does_not_trust_the_ca_fails_with_20(bank_port: int) -> None:
    other_ca = _make_ca("Some Other CA")
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        _visit(bank_port, _client_context(other_ca.certificate), "bank.example")
    assert refused.value.verify_code == 20


def test_the_impostor_raises_a_verification_error_with_18(ca: _CertAndKey) -> None:
    client = _client_context(ca.certificate)
    with _serve_once(_server_context(_make_impostor()), b"") as port:
        with pytest.raises(ssl.SSLCertVerificationError) as refused:
            _visit(port, client, "bank.example")
    assert refused.value.verify_code == 18


def test_refusal_complains_when_the_client_accepts(ca: _CertAndKey, bank_port: int) -> None:
    with pytest.raises(RuntimeError, match="accepted"):
        _refusal(bank_port, _client_context(ca.certificate), "bank.example")


# --- servers always shut down ----------------------------------------------------------------


def test_a_server_nobody_visits_shuts_down_quickly(ca: _CertAndKey) -> None:
    started = time.perf_counter()
    with _serve_once(_server_context(_issue_leaf(ca)), b"") as port:
        assert len(_server_threads()) == 1
    assert time.perf_counter() - started < 0.5
    assert _server_threads() == []
    _assert_closed(port)


def test_a_client_that_aborts_the_handshake_does_not_hang_the_server(ca: _CertAndKey) -> None:
    with _serve_once(_server_context(_issue_leaf(ca)), b"") as port:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
            raw.sendall(b"this is not a TLS ClientHello\r\n\r\n")
        for _ in range(100):  # the server gives up on its own, well before the tour's timeout
            if not _server_threads():
                break
            time.sleep(0.01)
        assert _server_threads() == []
    _assert_closed(port)


# --- the certificates are the real thing --------------------------------------------------------


def _verify(leaf: x509.Certificate, trusted: x509.Certificate, name: str) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    verifier = (
        PolicyBuilder().store(Store([trusted])).time(now).build_server_verifier(x509.DNSName(name))
    )
    verifier.verify(leaf, [])


def test_the_leaf_verifies_with_cryptography_too(ca: _CertAndKey) -> None:
    _verify(_issue_leaf(ca).certificate, ca.certificate, "bank.example")


def test_cryptography_rejects_the_impostor_and_the_wrong_name(ca: _CertAndKey) -> None:
    with pytest.raises(VerificationError):
        _verify(_make_impostor().certificate, ca.certificate, "bank.example")
    with pytest.raises(VerificationError):
        _verify(_issue_leaf(ca).certificate, ca.certificate, "other.example")


def test_the_ca_and_leaf_carry_the_extensions_browsers_expect(ca: _CertAndKey) -> None:
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
    assert lifetime == datetime.timedelta(days=1, hours=1)
