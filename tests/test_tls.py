"""pkicourse.tls: real TLS servers and clients on 127.0.0.1 (lessons 06-08).

Every "it works" test has a twin where one thing is wrong (the name, the CA, the date) and the
same client refuses, so the success is shown to need the checks.
"""

from __future__ import annotations

import datetime
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pkicourse import keys
from pkicourse.ca import CA, LeafCert
from pkicourse.errors import ArgumentError, ServerError
from pkicourse.tls import (
    GROUPS,
    RSA_KEY_TRANSPORT,
    Connection,
    Visit,
    _group,
    connect,
    spki_pin,
    tls_server,
)

HOSTNAME = "bank.example"


@pytest.fixture(scope="module")
def root() -> CA:
    return CA.root("pkicourse TLS Test Root")


@pytest.fixture(scope="module")
def intermediate(root: CA) -> CA:
    return root.create_intermediate("pkicourse TLS Test Intermediate")


@pytest.fixture(scope="module")
def leaf(intermediate: CA) -> LeafCert:
    return intermediate.issue_cert(HOSTNAME)


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Every test leaves no server thread behind."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before]
    assert not left, f"threads left running: {left}"


def _refused_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return int(listener.getsockname()[1])


# --- success, and its twins ---------------------------------------------------------------------


def test_good_chain_connects_with_tls13(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=b"ping")
    assert result.ok and bool(result)
    assert type(result) is Connection
    assert result.version == "TLSv1.3"
    assert result.cipher and result.cipher.startswith("TLS_")
    assert result.group in GROUPS.values()  # X25519 on OpenSSL 3.0, X25519MLKEM768 on 3.5+
    assert result.chain == leaf.chain  # the leaf and the intermediate, never the root
    assert len(result.chain) == 2
    assert result.response == b"ping"  # no response given: the raw server echoes
    assert result.verify_code is None and result.browser_error is None
    assert "TLSv1.3" in str(result) and HOSTNAME in str(result)


def test_server_attributes(leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        assert server.host == "127.0.0.1"
        assert 0 < server.port < 65536
        assert server.certificate == leaf.certificate
        assert server.chain == leaf.chain


def test_echo_server_when_no_response_given(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=b"echo me")
    assert result.response == b"echo me"


def test_fixed_response(root: CA, leaf: LeafCert) -> None:
    as_text = (leaf.cert_chain_pem.decode(), leaf.private_key_pem.decode())  # PEM as str
    with tls_server(as_text, response=b"fixed") as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root.cert_pem, request=b"x")
    assert result.response == b"fixed"


def test_no_request_no_response(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=[root.certificate])
    assert result.ok and result.response is None


def test_wrong_hostname_is_62(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(server.port, hostname="www.bank.example", trust=root)
    assert not result.ok and not bool(result)
    assert result.verify_code == 62
    assert result.browser_error == "NET::ERR_CERT_COMMON_NAME_INVALID"
    assert result.openssl_code_name == "X509_V_ERR_HOSTNAME_MISMATCH"
    assert "subjectAltName" in result.explanation
    assert result.version is None and result.group is None
    assert "Refused" in str(result) and "62" in str(result)


def test_unknown_ca_is_20(leaf: LeafCert) -> None:
    stranger = CA.root("pkicourse Stranger Root")
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=stranger)
    assert not result.ok
    assert result.verify_code == 20  # the intermediate's issuer is neither sent nor trusted
    assert result.browser_error == "NET::ERR_CERT_AUTHORITY_INVALID"
    assert result.chain == leaf.chain  # what the server sent, even though it was refused


def test_verify_message_is_openssls_own_words(root: CA, leaf: LeafCert) -> None:
    """Connection.verify_message is SSLCertVerificationError.verify_message, not parsed text."""
    stranger = CA.root("pkicourse Stranger Root")
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    stranger.configure_trust(client)
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=client)
        with socket.create_connection(("127.0.0.1", server.port), timeout=2) as raw:
            with pytest.raises(ssl.SSLCertVerificationError) as by_hand:
                client.wrap_socket(raw, server_hostname=HOSTNAME)
    assert result.verify_message == by_hand.value.verify_message
    assert result.verify_message and result.verify_message in result.explanation
    with tls_server(leaf) as server:
        good = connect(server.port, hostname=HOSTNAME, trust=root)
    assert good.ok and good.verify_message is None  # no refusal, no message


def test_untrusted_root_sent_is_19(root: CA, leaf: LeafCert) -> None:
    stranger = CA.root("pkicourse Stranger Root")
    with_root = (leaf.cert_chain_pem + root.cert_pem, leaf.private_key_pem)
    with tls_server(with_root) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=stranger)
        trusted = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.verify_code == 19  # a root was sent, but the client does not trust it
    assert result.browser_error == "NET::ERR_CERT_AUTHORITY_INVALID"
    assert trusted.ok  # the same server, with the right trust store


def test_expired_is_10(root: CA, intermediate: CA) -> None:
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)
    expired = intermediate.issue_cert(HOSTNAME, not_before=long_ago, days=1)
    with tls_server(expired) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.verify_code == 10
    assert result.browser_error == "NET::ERR_CERT_DATE_INVALID"
    assert "not_valid_after" in result.explanation


def test_own_context_is_used_as_given(root: CA, leaf: LeafCert) -> None:
    context = ssl.create_default_context()
    root.configure_trust(context)
    with tls_server(leaf) as server:
        good = connect(server.port, hostname=HOSTNAME, trust=context)
        wrong = connect(server.port, hostname="other.example", trust=context)
    assert good.ok and wrong.verify_code == 62


# --- revocation ----------------------------------------------------------------------------------


def test_revoked_with_the_crl_is_23(root: CA, intermediate: CA) -> None:
    doomed, kept = intermediate.issue_cert(HOSTNAME), intermediate.issue_cert(HOSTNAME)
    intermediate.revoke(doomed.certificate)
    crl = intermediate.crl()  # the leaf's issuer's CRL
    with tls_server(doomed) as revoked_site, tls_server(kept) as good_site:
        revoked = connect(revoked_site.port, hostname=HOSTNAME, trust=root, crl=crl)
        unchecked = connect(revoked_site.port, hostname=HOSTNAME, trust=root)
        good = connect(good_site.port, hostname=HOSTNAME, trust=root, crl=crl)
    assert not revoked.ok and revoked.verify_code == 23
    assert revoked.openssl_code_name == "X509_V_ERR_CERT_REVOKED"
    assert revoked.browser_error == "NET::ERR_CERT_REVOKED"
    assert "revoked" in revoked.explanation
    assert unchecked.ok  # without the CRL, nobody looks
    assert good.ok  # the CRL is checked, and this serial is not on it


def test_a_crl_from_another_issuer_is_3(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, crl=root.crl())
    assert result.verify_code == 3  # the root's CRL says nothing about the intermediate's leaf


def test_crl_arguments(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        with pytest.raises(ArgumentError, match="CertificateRevocationList"):
            connect(server.port, hostname=HOSTNAME, trust=root, crl=b"not a crl")  # type: ignore[arg-type]
        with pytest.raises(ArgumentError, match="only with a trust store"):
            connect(
                server.port, hostname=HOSTNAME, trust=ssl.create_default_context(), crl=root.crl()
            )


# --- TLS 1.2 -------------------------------------------------------------------------------------


def test_tls12_rsa_key_transport(root: CA, intermediate: CA) -> None:
    rsa_leaf = intermediate.issue_cert(HOSTNAME, key_type="rsa")
    with tls_server(
        rsa_leaf, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="AES128-GCM-SHA256"
    ) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, ciphers="AES128-GCM-SHA256", request=b"hi"
        )
        # the client's default cipher list has no RSA key transport: no suite in common
        default = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.ok, result.explanation
    assert result.version == "TLSv1.2"
    assert result.cipher == "AES128-GCM-SHA256"
    assert result.group == RSA_KEY_TRANSPORT
    assert result.response == b"hi"
    assert not default.ok and default.verify_code is None and default.browser_error is None
    assert default.error and "ALERT" in default.explanation


def test_no_common_version_is_refused_without_a_verify_code(root: CA, leaf: LeafCert) -> None:
    old_client = ssl.create_default_context()
    root.configure_trust(old_client)
    old_client.maximum_version = ssl.TLSVersion.TLSv1_2
    with tls_server(leaf, minimum_version=ssl.TLSVersion.TLSv1_3) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=old_client)
        twin = connect(server.port, hostname=HOSTNAME, trust=root)
    assert not result.ok and result.verify_code is None
    assert result.error and "PROTOCOL_VERSION" in result.error
    assert twin.ok and twin.version == "TLSv1.3"


def test_tls12_ecdhe_names_its_curve(root: CA, intermediate: CA) -> None:
    rsa_leaf = intermediate.issue_cert(HOSTNAME, key_type="rsa")
    with tls_server(
        rsa_leaf, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-RSA-AES128-GCM-SHA256"
    ) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.version == "TLSv1.2"
    assert result.cipher == "ECDHE-RSA-AES128-GCM-SHA256"
    assert result.group in GROUPS.values()


def test_group_is_read_not_assumed(root: CA, leaf: LeafCert) -> None:
    # The client's first key share is X25519 (or X25519MLKEM768): the server, which accepts only
    # secp384r1, answers with a HelloRetryRequest and the second ServerHello names secp384r1.
    with tls_server(leaf, ecdh_curve="secp384r1") as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.version == "TLSv1.3"
    assert result.group == "secp384r1"


def test_tls12_ecdhe_reads_the_named_curve(root: CA, intermediate: CA) -> None:
    rsa_leaf = intermediate.issue_cert(HOSTNAME, key_type="rsa")
    with tls_server(
        rsa_leaf,
        maximum_version=ssl.TLSVersion.TLSv1_2,
        ciphers="ECDHE-RSA-AES128-GCM-SHA256",
        ecdh_curve="prime256v1",
    ) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.version == "TLSv1.2"
    assert result.group == "secp256r1"  # OpenSSL's prime256v1 is TLS's secp256r1


def test_group_parser_on_handmade_server_hello() -> None:
    def record(message_type: int, body: bytes) -> bytes:
        message = bytes([message_type]) + len(body).to_bytes(3, "big") + body
        return b"\x16\x03\x03" + len(message).to_bytes(2, "big") + message

    def server_hello(group: int) -> bytes:
        key_share = (0x0033).to_bytes(2, "big") + (4).to_bytes(2, "big") + group.to_bytes(2, "big")
        key_share += b"\x00\x00"  # an empty key (only the group is read)
        key_share = key_share[:2] + (len(key_share) - 4).to_bytes(2, "big") + key_share[4:]
        body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x13\x01" + b"\x00"
        return body + len(key_share).to_bytes(2, "big") + key_share

    assert _group(record(2, server_hello(0x11EC))) == "X25519MLKEM768"
    assert _group(record(2, server_hello(0x0017))) == "secp256r1"
    assert _group(record(2, server_hello(0x4242))) == "unknown group 0x4242"


# --- HTTPS ---------------------------------------------------------------------------------------


def test_http_get_returns_the_body(root: CA, leaf: LeafCert) -> None:
    request = b"GET / HTTP/1.1\r\nHost: bank.example\r\nConnection: close\r\n\r\n"
    with tls_server(leaf, http=True, response=b"balance: 42\n") as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=request)
    assert result.response is not None
    head, _, body = result.response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Length: 12" in head
    assert body == b"balance: 42\n"


def test_http_refuses_other_methods(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf, http=True) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, request=b"POST / HTTP/1.1\r\n\r\n"
        )
    assert result.response is not None and result.response.startswith(b"HTTP/1.1 405")


def _body(response: bytes | None) -> tuple[bytes, bytes]:
    assert response is not None
    head, _, body = response.partition(b"\r\n\r\n")
    return head, body


def test_http_handler_gets_a_posted_form(root: CA, leaf: LeafCert) -> None:
    seen: list[bytes] = []

    def login(request: bytes) -> bytes:
        seen.append(request)
        return b"welcome" if request.endswith(b"password=made-up-test") else b"who are you?"

    form = b"user=alice&password=made-up-test"
    request = (
        b"POST /login HTTP/1.1\r\nHost: bank.example\r\nContent-Type: application/x-www-form-"
        b"urlencoded\r\nContent-Length: " + str(len(form)).encode() + b"\r\n\r\n" + form
    )
    with tls_server(leaf, http=True, handler=login) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=request)
    head, body = _body(result.response)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Type: text/plain" in head
    assert body == b"welcome"
    assert seen == [request]  # the whole request, head and body


def test_http_handler_reads_a_long_body_to_its_content_length(root: CA, leaf: LeafCert) -> None:
    form = b"x" * 50_000  # more than one TLS record, more than one recv
    request = b"POST / HTTP/1.1\r\nContent-Length: 50000\r\n\r\n" + form
    with tls_server(leaf, http=True, handler=lambda r: str(len(r)).encode()) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=request)
    assert _body(result.response)[1] == str(len(request)).encode()


def test_http_handler_answers_get_too(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf, http=True, handler=lambda r: r.split(b" ")[1]) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, request=b"GET /x HTTP/1.1\r\n\r\n"
        )
    assert _body(result.response)[1] == b"/x"


def test_a_failing_http_handler_gets_500_and_the_server_goes_on(root: CA, leaf: LeafCert) -> None:
    calls = []

    def flaky(request: bytes) -> bytes:
        calls.append(request)
        if len(calls) == 1:
            raise RuntimeError("a bug in the handler")
        return b"fine"

    get = b"GET / HTTP/1.1\r\n\r\n"
    with tls_server(leaf, http=True, handler=flaky) as server:
        first = connect(server.port, hostname=HOSTNAME, trust=root, request=get)
        second = connect(server.port, hostname=HOSTNAME, trust=root, request=get)
    assert _body(first.response)[0].startswith(b"HTTP/1.1 500")
    assert b"a bug" not in (first.response or b"")  # the error's text stays on the server
    assert _body(second.response)[1] == b"fine"


def test_a_handler_that_returns_text_gets_500(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf, http=True, handler=lambda r: "text") as server:  # type: ignore[arg-type,return-value]
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, request=b"GET / HTTP/1.1\r\n\r\n"
        )
    assert _body(result.response)[0].startswith(b"HTTP/1.1 500")


def test_raw_handler(root: CA, leaf: LeafCert) -> None:
    def shout(request: bytes) -> bytes:
        if request == b"boom":
            raise ValueError("no")
        return request.upper()

    with tls_server(leaf, handler=shout) as server:
        loud = connect(server.port, hostname=HOSTNAME, trust=root, request=b"hello")
        hung_up = connect(server.port, hostname=HOSTNAME, trust=root, request=b"boom")
        again = connect(server.port, hostname=HOSTNAME, trust=root, request=b"again")
    assert loud.response == b"HELLO"
    assert hung_up.ok and hung_up.response == b""  # the server hung up: no answer
    assert again.response == b"AGAIN"


def test_handler_arguments(leaf: LeafCert) -> None:
    with pytest.raises(ArgumentError, match="handler must be a function"):
        with tls_server(leaf, handler=b"no"):  # type: ignore[arg-type]
            pass
    with pytest.raises(ArgumentError, match="either response or handler"):
        with tls_server(leaf, response=b"x", handler=lambda r: r):
            pass


# --- what the server saw ------------------------------------------------------------------------


def test_visits_list_what_each_visitor_sent(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf, http=True, handler=lambda r: b"ok") as server:
        assert server.visits == []
        connect(server.port, hostname=HOSTNAME, trust=root, request=b"GET /a HTTP/1.1\r\n\r\n")
        assert len(server.visits) == 1  # live: listed before the answer was sent
        connect(server.port, hostname=HOSTNAME, trust=root, request=b"GET /b HTTP/1.1\r\n\r\n")
    first, second = server.visits
    assert type(first) is Visit
    assert first.ok and first.error is None and first.client_certificate is None
    assert first.request == b"GET /a HTTP/1.1\r\n\r\n"
    assert second.request == b"GET /b HTTP/1.1\r\n\r\n"
    assert "sent 19 bytes" in str(first)


def test_a_visitor_who_refuses_the_server_is_listed_with_its_alert(leaf: LeafCert) -> None:
    stranger = CA.root("pkicourse Someone Else's Root")
    with tls_server(leaf) as server:
        refused = connect(server.port, hostname=HOSTNAME, trust=stranger, request=b"secret")
    assert not refused.ok
    (visit,) = server.visits
    assert not visit.ok and visit.request is None
    assert visit.error is not None and "unknown_ca" in visit.error


def test_a_failing_handler_is_listed(root: CA, leaf: LeafCert) -> None:
    def broken(request: bytes) -> bytes:
        raise KeyError("no such page")

    with tls_server(leaf, handler=broken) as server:
        connect(server.port, hostname=HOSTNAME, trust=root, request=b"hi")
    (visit,) = server.visits
    assert not visit.ok and visit.request == b"hi"
    assert visit.error is not None and "KeyError" in visit.error


def test_a_silent_visitor_is_listed_when_the_server_stops(leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        silent = socket.create_connection((server.host, server.port))
        time.sleep(0.1)  # the server is now waiting for a ClientHello that never comes
    silent.close()
    (visit,) = server.visits
    assert not visit.ok and visit.error == "the server stopped before this visitor was done"


# --- stopping, and servers that do not answer ---------------------------------------------------


def test_server_stops_after_the_block(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        port = server.port
    with pytest.raises(ServerError, match="Nothing answers"):
        connect(port, hostname=HOSTNAME, trust=root)


def test_server_stops_when_the_block_raises(root: CA, leaf: LeafCert) -> None:
    before = set(threading.enumerate())
    port = 0
    with pytest.raises(ZeroDivisionError):
        with tls_server(leaf) as server:
            port = server.port
            connect(port, hostname=HOSTNAME, trust=root, request=b"x")
            1 / 0  # noqa: B018  # a failing cell
    assert set(threading.enumerate()) <= before
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_a_visitor_that_never_speaks_does_not_hold_the_server(leaf: LeafCert) -> None:
    start = time.monotonic()
    with tls_server(leaf) as server:
        silent = socket.create_connection((server.host, server.port))
        time.sleep(0.1)  # the server is now waiting for a ClientHello that never comes
    silent.close()
    assert time.monotonic() - start < 2


def test_silent_server_times_out(root: CA) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never speaks TLS
        start = time.monotonic()
        with pytest.raises(ServerError, match="did not finish the TLS handshake within 0.5 s"):
            connect(silent.getsockname()[1], hostname=HOSTNAME, trust=root, timeout=0.5)
    assert time.monotonic() - start < 3


def test_nothing_listening(root: CA) -> None:
    with pytest.raises(ServerError, match="Nothing answers"):
        connect(_refused_port(), hostname=HOSTNAME, trust=root)


# --- wrong arguments ------------------------------------------------------------------------------


def test_wrong_arguments(root: CA, leaf: LeafCert) -> None:
    with pytest.raises(ArgumentError, match="LeafCert"):
        with tls_server("not a leaf"):  # type: ignore[arg-type]
            pass
    with pytest.raises(ArgumentError, match="TLSVersion"):
        with tls_server(leaf, maximum_version="1.2"):  # type: ignore[arg-type]
            pass
    with pytest.raises(ArgumentError, match="cipher"):
        with tls_server(leaf, ciphers="NO-SUCH-CIPHER"):
            pass
    with pytest.raises(ArgumentError, match="bytes"):
        with tls_server(leaf, response="text"):  # type: ignore[arg-type]
            pass
    with pytest.raises(ArgumentError, match="trust"):
        connect(1, hostname=HOSTNAME, trust=42)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="port"):
        connect(0, hostname=HOSTNAME, trust=root)
    with pytest.raises(ArgumentError, match="request"):
        connect(1, hostname=HOSTNAME, trust=root, request="GET /")  # type: ignore[arg-type]


def test_mismatched_key_is_refused_by_the_server(root: CA, leaf: LeafCert) -> None:
    other = root.issue_cert("other.example")
    with pytest.raises(ServerError, match="private key belongs"):
        with tls_server((leaf.cert_chain_pem, other.private_key_pem)):
            pass


def test_browser_errors_agree_with_the_tour(root: CA, leaf: LeafCert, intermediate: CA) -> None:
    from pkicourse.tour import BROWSER_ERRORS

    stranger = CA.root("pkicourse Stranger Root")
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)
    expired = intermediate.issue_cert(HOSTNAME, not_before=long_ago, days=1)
    results = []
    with tls_server(leaf) as server, tls_server(expired) as old:
        results.append(connect(server.port, hostname="www.bank.example", trust=root))
        results.append(connect(server.port, hostname=HOSTNAME, trust=stranger))
        results.append(connect(old.port, hostname=HOSTNAME, trust=root))
    for result in results:
        assert result.verify_code is not None
        assert result.browser_error == BROWSER_ERRORS[result.verify_code]


def test_ecdh_curve_must_be_known(leaf: LeafCert) -> None:
    with pytest.raises(ArgumentError, match="no group"):
        with tls_server(leaf, ecdh_curve="bogus"):
            pass


# --- mutual TLS: the server asks who the client is -----------------------------------------------

GET = b"GET /account HTTP/1.1\r\nHost: bank.example\r\n\r\n"


@pytest.fixture(scope="module")
def org() -> CA:
    """The organisation's CA: it issues its people's client certificates (lesson 05's CA)."""
    return CA.root("pkicourse Org Test CA")


@pytest.fixture(scope="module")
def alice(org: CA) -> LeafCert:
    return org.issue_client_cert("alice@bank.example")


def _greet(request: bytes) -> bytes:
    return b"hello, member"


def test_a_client_with_the_org_certificate_is_let_in(
    root: CA, leaf: LeafCert, org: CA, alice: LeafCert
) -> None:
    with tls_server(leaf, http=True, handler=_greet, client_ca=org) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, certificate=alice, request=GET)
        quiet = connect(server.port, hostname=HOSTNAME, trust=root, certificate=alice)
    assert result.ok and result.alert is None and result.version == "TLSv1.3"
    assert _body(result.response)[1] == b"hello, member"
    assert quiet.ok  # no request: the server's session tickets said yes
    visit = server.visits[0]
    assert visit.ok and visit.client_certificate == alice.certificate  # who came
    assert visit.request == GET
    assert "alice@bank.example: sent" in str(visit)


def test_tls13_no_client_certificate_is_refused_on_the_first_read(
    root: CA, leaf: LeafCert, org: CA
) -> None:
    with tls_server(leaf, http=True, handler=_greet, client_ca=org) as server:
        with_request = connect(server.port, hostname=HOSTNAME, trust=root, request=GET)
        without = connect(server.port, hostname=HOSTNAME, trust=root)
    for result in (with_request, without):
        assert not result.ok and result.response is None
        assert result.alert == "certificate_required"  # TLS 1.3's own alert (RFC 8446 §6.2)
        assert result.error and "TLSV13_ALERT_CERTIFICATE_REQUIRED" in result.error
        assert result.version == "TLSv1.3"  # the client's handshake had completed
        assert result.verify_code is None and result.browser_error is None
        assert "sent none" in result.explanation and "first read" in result.explanation
    assert [v.error for v in server.visits] == [
        "the client sent no certificate, and this server requires one"
    ] * 2
    assert all(v.request is None for v in server.visits)  # nothing reached the handler


def test_tls12_no_client_certificate_fails_the_handshake(root: CA, leaf: LeafCert, org: CA) -> None:
    tls12 = ssl.TLSVersion.TLSv1_2
    with tls_server(leaf, client_ca=org, maximum_version=tls12) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=b"hi")
    assert not result.ok and result.alert == "handshake_failure"  # TLS 1.2 has no better one
    assert result.version is None  # refused inside the handshake


def test_a_client_certificate_from_another_ca_is_unknown_ca(
    root: CA, leaf: LeafCert, org: CA
) -> None:
    mallory = CA.root("pkicourse Mallory's CA").issue_client_cert("alice@bank.example")
    with tls_server(leaf, client_ca=org) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, certificate=mallory)
    assert not result.ok and result.alert == "unknown_ca"
    assert "does not trust the CA" in result.explanation
    (visit,) = server.visits
    assert visit.error is not None and "verify code 20" in visit.error


def test_a_server_certificate_is_refused_as_a_client_certificate(
    root: CA, leaf: LeafCert, org: CA
) -> None:
    web_site = org.issue_cert("alice.bank.example")  # EKU serverAuth only
    with tls_server(leaf, client_ca=org) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=root, certificate=web_site)
    assert not result.ok and result.alert == "unsupported_certificate"
    assert "clientAuth" in result.explanation
    (visit,) = server.visits
    assert visit.error is not None and "verify code 26" in visit.error  # invalid purpose


def test_an_expired_client_certificate_is_refused(root: CA, leaf: LeafCert, org: CA) -> None:
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)
    old = org.issue_client_cert("bob@bank.example", not_before=long_ago, days=1)
    with tls_server(leaf, client_ca=org.certificate) as server:  # the CA's certificate works too
        result = connect(server.port, hostname=HOSTNAME, trust=root, certificate=old)
    assert result.alert == "certificate_expired"


def test_client_ca_may_be_an_intermediate(root: CA, leaf: LeafCert, org: CA) -> None:
    """The server trusts that intermediate alone (a partial chain): its sibling's people are
    refused; a server trusting the root takes both (the client sends its intermediate)."""
    staff = org.create_intermediate("pkicourse Staff CA", client_auth=True)
    guests = org.create_intermediate("pkicourse Guests CA", client_auth=True)
    alice, eve = staff.issue_client_cert("alice@bank.example"), guests.issue_client_cert("e@x.test")
    with tls_server(leaf, client_ca=staff) as staff_only, tls_server(leaf, client_ca=org) as all_:
        results = [
            connect(server.port, hostname=HOSTNAME, trust=root, certificate=person)
            for server in (staff_only, all_)
            for person in (alice, eve)
        ]
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[1].alert == "unknown_ca"
    assert staff_only.visits[0].client_certificate == alice.certificate


def test_mutual_tls_arguments(root: CA, leaf: LeafCert, alice: LeafCert) -> None:
    with pytest.raises(ArgumentError, match="client_ca"):
        with tls_server(leaf, client_ca="org"):  # type: ignore[arg-type]
            pass
    with tls_server(leaf) as server:
        with pytest.raises(ArgumentError, match="LeafCert"):
            connect(server.port, hostname=HOSTNAME, trust=root, certificate=alice.certificate)  # type: ignore[arg-type]
        with pytest.raises(ArgumentError, match="certificate only with a trust store"):
            connect(
                server.port,
                hostname=HOSTNAME,
                trust=ssl.create_default_context(),
                certificate=alice,
            )


def test_a_client_certificate_is_harmless_when_not_asked_for(
    root: CA, leaf: LeafCert, alice: LeafCert
) -> None:
    with tls_server(leaf) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, certificate=alice, request=b"x"
        )
    assert result.ok and result.response == b"x"
    assert server.visits[0].client_certificate is None  # never asked, never sent


# --- mutual TLS with OpenSSL's own client ------------------------------------------------------

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _s_client(port: int, root: CA, client: LeafCert | None) -> subprocess.CompletedProcess[bytes]:
    """`openssl s_client -cert/-key`, verifying the server, sending one GET."""
    with tempfile.TemporaryDirectory(prefix="pkicourse-test-") as folder:
        files = Path(folder)
        (files / "root.pem").write_bytes(root.cert_pem)
        command = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}"]
        command += ["-servername", HOSTNAME, "-CAfile", str(files / "root.pem")]
        command += ["-verify_return_error", "-verify_hostname", HOSTNAME, "-ign_eof", "-quiet"]
        if client is not None:
            (files / "client.pem").write_bytes(client.cert_chain_pem)
            (files / "client.key").touch(mode=0o600)
            (files / "client.key").write_bytes(client.private_key_pem)
            command += ["-cert", str(files / "client.pem"), "-key", str(files / "client.key")]
        return subprocess.run(command, input=GET, capture_output=True, timeout=10)


@needs_openssl
def test_s_client_with_the_org_certificate_is_let_in(
    root: CA, leaf: LeafCert, org: CA, alice: LeafCert
) -> None:
    with tls_server(leaf, http=True, handler=_greet, client_ca=org) as server:
        result = _s_client(server.port, root, alice)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.startswith(b"HTTP/1.1 200 OK")
    assert result.stdout.endswith(b"hello, member")  # and a clean close_notify: exit 0
    assert server.visits[0].client_certificate == alice.certificate


@needs_openssl
def test_s_client_refused_with_a_server_certificate_or_none(
    root: CA, leaf: LeafCert, org: CA
) -> None:
    web_site = org.issue_cert("alice.bank.example")
    with tls_server(leaf, http=True, handler=_greet, client_ca=org) as server:
        as_site = _s_client(server.port, root, web_site)
        without = _s_client(server.port, root, None)
    assert as_site.returncode != 0 and b"HTTP/1.1" not in as_site.stdout
    assert b"alert unsupported certificate" in as_site.stderr  # SSL alert number 43
    assert without.returncode != 0 and b"HTTP/1.1" not in without.stdout
    assert b"tlsv13 alert certificate required" in without.stderr  # SSL alert number 116
    assert [v.ok for v in server.visits] == [False, False]


def test_a_tls13_server_without_session_tickets_still_answers(root: CA, leaf: LeafCert) -> None:
    """connect waits for the server's tickets (its verdict) for half the timeout at most."""
    with tls_server(leaf) as server:
        server.context.num_tickets = 0  # no NewSessionTicket: no verdict to wait for
        start = time.monotonic()
        result = connect(server.port, hostname=HOSTNAME, trust=root, request=b"hi", timeout=1.0)
    assert result.ok and result.response == b"hi"
    assert time.monotonic() - start < 1.0


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_with_and_without_a_client_certificate(
    root: CA, leaf: LeafCert, org: CA, alice: LeafCert
) -> None:
    """curl: let in with --cert/--key; without, TLS 1.3's refusal comes on SSL_read (exit 56)."""
    with tempfile.TemporaryDirectory(prefix="pkicourse-test-") as folder:
        files = Path(folder)
        (files / "root.pem").write_bytes(root.cert_pem)
        (files / "alice.pem").write_bytes(alice.cert_chain_pem)
        (files / "alice.key").touch(mode=0o600)
        (files / "alice.key").write_bytes(alice.private_key_pem)
        with tls_server(leaf, http=True, handler=_greet, client_ca=org) as server:
            url = f"https://{HOSTNAME}:{server.port}/"
            command = ["curl", "-sS", "--max-time", "5", "--cacert", str(files / "root.pem")]
            command += ["--resolve", f"{HOSTNAME}:{server.port}:127.0.0.1", url]
            let_in = subprocess.run(
                [*command, "--cert", str(files / "alice.pem"), "--key", str(files / "alice.key")],
                capture_output=True,
                timeout=10,
            )
            refused = subprocess.run(command, capture_output=True, timeout=10)
    assert let_in.returncode == 0 and let_in.stdout == b"hello, member", let_in.stderr
    assert refused.returncode == 56 and b"SSL_read" in refused.stderr
    assert b"alert certificate required" in refused.stderr


# --- pinning: the key of the verified chain, checked before anything is sent (lesson 07) ------


def _spare_pin() -> str:
    """The pin of a key no certificate here carries (a backup key, or the wrong one)."""
    return spki_pin(keys.generate_private_key("ec-p256"))


def test_a_pin_of_the_leaf_lets_the_request_through(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, pins=[spki_pin(leaf)], request=b"hi"
        )
        unpinned = connect(server.port, hostname=HOSTNAME, trust=root)
    assert result.ok and result.pinned is True and result.response == b"hi"
    assert "pinned key" in result.explanation
    assert result.chain == leaf.chain  # what the server sent: leaf and intermediate
    assert result.verified_chain == [*leaf.chain, root.certificate]  # leaf to root
    assert unpinned.ok and unpinned.pinned is None  # no pins given: no verdict
    assert unpinned.verified_chain == result.verified_chain


def test_a_pin_of_a_ca_in_the_chain_lets_the_request_through(
    root: CA, intermediate: CA, leaf: LeafCert
) -> None:
    with tls_server(leaf) as server:
        by_root = connect(server.port, hostname=HOSTNAME, trust=root, pins=[spki_pin(root)])
        by_intermediate = connect(
            server.port, hostname=HOSTNAME, trust=root, pins=[spki_pin(intermediate)]
        )
    assert by_root.ok and by_root.pinned is True
    assert by_intermediate.ok and by_intermediate.pinned is True


def test_a_backup_pin_beside_the_real_one(root: CA, leaf: LeafCert) -> None:
    with tls_server(leaf) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, pins=(_spare_pin(), spki_pin(leaf))
        )
    assert result.ok and result.pinned is True


@pytest.mark.parametrize("tls12", [False, True])
def test_no_pin_matches_nothing_reaches_the_server(root: CA, leaf: LeafCert, tls12: bool) -> None:
    top = ssl.TLSVersion.TLSv1_2 if tls12 else None
    with tls_server(leaf, maximum_version=top) as server:
        result = connect(
            server.port, hostname=HOSTNAME, trust=root, pins=[_spare_pin()], request=b"secret"
        )
    assert not result.ok and result.pinned is False
    assert result.verify_code is None and result.browser_error is None  # the chain was valid
    assert "match none of the pins" in result.explanation
    assert result.response is None and result.version == ("TLSv1.2" if tls12 else "TLSv1.3")
    assert result.verified_chain == [*leaf.chain, root.certificate]
    assert [v.request for v in server.visits] in ([None], [b""]), server.visits  # nothing sent
    with tls_server(leaf, maximum_version=top) as server:  # the twin: no pins, it is sent
        connect(server.port, hostname=HOSTNAME, trust=root, request=b"secret")
    assert [v.request for v in server.visits] == [b"secret"]


def test_a_refused_chain_is_refused_before_the_pins(leaf: LeafCert) -> None:
    stranger = CA.root("pkicourse Stranger Root")
    with tls_server(leaf) as server:
        result = connect(server.port, hostname=HOSTNAME, trust=stranger, pins=[spki_pin(leaf)])
    assert (result.ok, result.verify_code, result.pinned) == (False, 20, None)
    assert "pins were not looked at" in result.explanation


def test_pins_arguments(root: CA, leaf: LeafCert) -> None:
    pin = spki_pin(leaf)
    for wrong in ("sha256/x", "sha256//" + pin[7:], pin + "=", pin.encode(), [pin]):
        with pytest.raises(ArgumentError, match="not a pin"):
            connect(1, hostname=HOSTNAME, trust=root, pins=[wrong])  # type: ignore[list-item]
    wrong_lists: tuple[object, ...] = (pin, [], 42)
    for wrong_list in wrong_lists:
        with pytest.raises(ArgumentError, match="pins must be a list"):
            connect(1, hostname=HOSTNAME, trust=root, pins=wrong_list)  # type: ignore[arg-type]
    blind = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    blind.check_hostname, blind.verify_mode = False, ssl.CERT_NONE
    with pytest.raises(ArgumentError, match="verifies nothing"):
        connect(1, hostname=HOSTNAME, trust=blind, pins=[pin])
    with pytest.raises(ArgumentError, match="spki_pin needs"):
        spki_pin(b"not a key")  # type: ignore[arg-type]


def test_spki_pin_is_the_same_for_a_key_its_certificate_and_its_ca(
    root: CA, leaf: LeafCert
) -> None:
    assert spki_pin(leaf) == spki_pin(leaf.certificate) == spki_pin(leaf.private_key)
    assert spki_pin(root) == spki_pin(root.certificate) != spki_pin(leaf)
    assert spki_pin(leaf).startswith("sha256/") and len(spki_pin(leaf)) == 51
