"""Tests for pkicourse.handshake: a real handshake between ssl.SSLObjects in memory."""

from __future__ import annotations

import ssl

import pytest

from pkicourse.ca import CA, LeafCert
from pkicourse.errors import ArgumentError, CourseError
from pkicourse.handshake import (
    Flight,
    FlightRow,
    HandshakeError,
    HandshakeStepper,
    describe_flights,
    step_through,
)

HANDSHAKE, CHANGE_CIPHER_SPEC, ALERT, APPLICATION_DATA = 22, 20, 21, 23


@pytest.fixture(scope="module")
def ca() -> CA:
    return CA.root()


@pytest.fixture(scope="module")
def leaf(ca: CA) -> LeafCert:
    return ca.issue_cert("bank.example")


def server_context(leaf: LeafCert, maximum: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    if maximum is not None:
        context.maximum_version = maximum
    return context


def client_context(ca: CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(context)
    return context


def split_records(data: bytes) -> list[tuple[int, int]]:
    """(content type, length) of each record, read independently of the module."""
    records, offset = [], 0
    while offset < len(data):
        length = int.from_bytes(data[offset + 3 : offset + 5], "big")
        records.append((data[offset], length))
        offset += 5 + length
    assert offset == len(data), "the records must cover the flight's bytes exactly"
    return records


# --- TLS 1.3 ---------------------------------------------------------------------------------


def test_tls13_flights_in_order(ca: CA, leaf: LeafCert) -> None:
    stepper = HandshakeStepper(client_context(ca), server_context(leaf), hostname="bank.example")
    flights = stepper.run()
    assert stepper.client.version() == "TLSv1.3"
    assert stepper.server.version() == "TLSv1.3"

    hello = flights[0]
    assert hello.sender == "client"
    assert [(r.content_type, r.messages, r.encrypted) for r in hello.records] == [
        (HANDSHAKE, ["ClientHello"], False)
    ]

    answer = flights[1]
    assert answer.sender == "server"
    first, *rest = answer.records
    assert (first.content_type, first.messages, first.encrypted) == (
        HANDSHAKE,
        ["ServerHello"],
        False,
    )
    if rest and rest[0].content_type == CHANGE_CIPHER_SPEC:  # middlebox compatibility
        assert not rest[0].encrypted
        rest = rest[1:]
    assert rest, "EncryptedExtensions, Certificate, CertificateVerify, Finished follow"
    for record in rest:
        assert record.content_type == APPLICATION_DATA and record.encrypted
        assert record.messages == [], "an encrypted record's inner type is not read"
        assert "hidden" in record.what

    finished = flights[2]
    assert finished.sender == "client"
    assert [r.content_type for r in finished.records if r.content_type != CHANGE_CIPHER_SPEC] == [
        APPLICATION_DATA
    ]
    assert finished.records[-1].encrypted
    # Anything later (session tickets) is the server's and encrypted.
    for flight in flights[3:]:
        assert flight.sender == "server" and flight.encrypted
    assert stepper.step() is None, "a finished handshake has no next flight"


def test_step_returns_one_flight_at_a_time(ca: CA, leaf: LeafCert) -> None:
    stepper = HandshakeStepper(client_context(ca), server_context(leaf), hostname="bank.example")
    first = stepper.step()
    assert first is not None and first.sender == "client"
    assert stepper.flights == [first]
    assert not stepper.finished
    second = stepper.step()
    assert second is not None and second.sender == "server"
    assert stepper.run()[:2] == [first, second]
    assert stepper.finished


def test_hello_retry_request_then_plaintext_second_client_hello(ca: CA, leaf: LeafCert) -> None:
    # The client sends a key share only for its favourite groups (X25519, and the hybrid
    # X25519MLKEM768 on OpenSSL 3.5+); a server that accepts only secp384r1 asks again.
    server = server_context(leaf)
    server.set_ecdh_curve("secp384r1")
    flights = step_through(client_context(ca), server, hostname="bank.example")
    messages = [(f.sender, m, r.encrypted) for f in flights for r in f.records for m in r.messages]
    assert messages[:4] == [
        ("client", "ClientHello", False),
        ("server", "HelloRetryRequest", False),
        ("client", "ClientHello", False),  # after the client's dummy ChangeCipherSpec
        ("server", "ServerHello", False),
    ]
    assert flights[2].records[0].content_type == CHANGE_CIPHER_SPEC


def test_messages_packed_into_one_record_and_split_across_two() -> None:
    from pkicourse.handshake import _Reader, _Version

    def message(kind: int, size: int) -> bytes:
        return bytes([kind]) + size.to_bytes(3, "big") + bytes(size)

    def record(content_type: int, fragment: bytes) -> bytes:
        return bytes([content_type, 3, 3]) + len(fragment).to_bytes(2, "big") + fragment

    stream = message(11, 40) + message(15, 10) + message(20, 12)
    data = record(HANDSHAKE, stream[:30]) + record(HANDSHAKE, stream[30:])
    data += record(ALERT, bytes([2, 48]))
    flight = _Reader("server", _Version()).flight(data)
    assert [r.messages for r in flight.records] == [
        ["Certificate"],  # begins in the first record, ends in the second
        ["CertificateVerify", "Finished"],
        [],
    ]
    assert flight.records[2].alert == "unknown_ca"
    assert flight.records[2].what == "alert: unknown_ca"
    assert flight.size == len(data)


# --- TLS 1.2 ---------------------------------------------------------------------------------


def test_tls12_server_flight_is_readable(ca: CA, leaf: LeafCert) -> None:
    stepper = HandshakeStepper(
        client_context(ca),
        server_context(leaf, ssl.TLSVersion.TLSv1_2),
        hostname="bank.example",
    )
    flights = stepper.run()
    assert stepper.client.version() == "TLSv1.2"
    assert stepper.server.version() == "TLSv1.2"
    assert [f.sender for f in flights] == ["client", "server", "client", "server"]

    server = flights[1]
    messages = [m for r in server.records for m in r.messages]
    assert messages == ["ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"]
    assert not any(r.encrypted for r in server.records)

    # The client: ClientKeyExchange in plaintext, ChangeCipherSpec, then its Finished encrypted.
    client = flights[2]
    assert client.records[0].messages == ["ClientKeyExchange"]
    assert not client.records[0].encrypted
    assert [r.content_type for r in client.records[-2:]] == [CHANGE_CIPHER_SPEC, HANDSHAKE]
    assert not client.records[-2].encrypted and client.records[-1].encrypted
    assert client.records[-1].messages == []

    # The server: ChangeCipherSpec, then its Finished encrypted.
    last = flights[3]
    assert [r.content_type for r in last.records[-2:]] == [CHANGE_CIPHER_SPEC, HANDSHAKE]
    assert last.records[-1].encrypted and not last.records[-2].encrypted


# --- sizes, rows, words ----------------------------------------------------------------------


@pytest.mark.parametrize("maximum", [None, ssl.TLSVersion.TLSv1_2])
def test_sizes_are_the_bytes_exchanged(
    ca: CA, leaf: LeafCert, maximum: ssl.TLSVersion | None
) -> None:
    flights = step_through(
        client_context(ca), server_context(leaf, maximum), hostname="bank.example"
    )
    for flight in flights:
        assert flight.size == len(flight.data) > 0
        assert flight.size == sum(5 + r.length for r in flight.records)
        assert [(r.content_type, r.length) for r in flight.records] == split_records(flight.data)
        assert all(r.legacy_version in (0x0301, 0x0303) for r in flight.records)


def test_describe_flights_and_str(ca: CA, leaf: LeafCert) -> None:
    flights = step_through(client_context(ca), server_context(leaf), hostname="bank.example")
    rows = describe_flights(flights)
    assert len(rows) == sum(len(f.records) for f in flights)
    assert all(type(row) is FlightRow for row in rows)
    assert rows[0] == FlightRow("client", "ClientHello", flights[0].size, False)
    assert rows[1].who == "server" and rows[1].what == "ServerHello"
    assert sum(row.size for row in rows) == sum(len(f.data) for f in flights)
    text = str(flights[0])
    assert "client -> server" in text and "ClientHello" in text
    assert f"{flights[0].size} bytes" in text
    assert "[encrypted]" in str(flights[1]) and "server -> client" in str(flights[1])
    assert describe_flights(flights[0]) == rows[: len(flights[0].records)], "one flight alone"
    with pytest.raises(ArgumentError, match="Flight"):
        describe_flights(["ClientHello"])  # type: ignore[list-item]
    with pytest.raises(ArgumentError, match="step_through"):
        describe_flights("ClientHello")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="step_through"):
        describe_flights(None)  # type: ignore[arg-type]


# --- failures: the twins ---------------------------------------------------------------------


@pytest.mark.parametrize("maximum", [None, ssl.TLSVersion.TLSv1_2])
def test_untrusted_ca_is_refused_with_an_alert(
    leaf: LeafCert, maximum: ssl.TLSVersion | None
) -> None:
    stranger = client_context(CA.root())  # trusts another root, not the bank's CA
    with pytest.raises(HandshakeError) as caught:
        step_through(stranger, server_context(leaf, maximum), hostname="bank.example")
    error = caught.value
    assert isinstance(error, CourseError)
    assert error.verify_code == 20
    assert "refused the server's certificate" in str(error)
    assert "unable to get local issuer certificate" in str(error)
    last = error.flights[-1]
    assert last.sender == "client"
    alert = last.records[-1]
    if alert.encrypted:  # an alert sent under the handshake keys hides its type
        assert alert.content_type == APPLICATION_DATA
    else:
        assert (alert.content_type, alert.alert) == (ALERT, "unknown_ca")
    assert not any(f.sender == "client" and "Finished" in str(f) for f in error.flights)


def test_wrong_hostname_is_refused(ca: CA, leaf: LeafCert) -> None:
    with pytest.raises(HandshakeError) as caught:
        step_through(client_context(ca), server_context(leaf), hostname="evil.example")
    assert caught.value.verify_code == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    assert "Hostname mismatch" in str(caught.value)


def test_no_common_version_ends_with_the_servers_alert(ca: CA, leaf: LeafCert) -> None:
    client = client_context(ca)
    client.minimum_version = ssl.TLSVersion.TLSv1_3
    stepper = HandshakeStepper(
        client, server_context(leaf, ssl.TLSVersion.TLSv1_2), hostname="bank.example"
    )
    with pytest.raises(HandshakeError) as caught:
        stepper.run()
    assert caught.value.verify_code is None
    assert "server" in str(caught.value)
    last = caught.value.flights[-1]
    assert last.sender == "server"
    assert last.records[-1].alert == "protocol_version"
    with pytest.raises(HandshakeError):  # the failure stays a failure
        stepper.step()


def test_mutual_tls_refusals_come_from_the_server(ca: CA, leaf: LeafCert) -> None:
    server = server_context(leaf)
    server.verify_mode = ssl.CERT_REQUIRED  # the server asks the client for a certificate
    ca.configure_trust(server)
    client = client_context(ca)
    with pytest.raises(HandshakeError) as caught:
        step_through(client, server, hostname="bank.example")
    assert "server's side" in str(caught.value)
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in str(caught.value)
    assert caught.value.flights[-1].sender == "server"  # its alert, encrypted in TLS 1.3
    # A certificate made for a server (extendedKeyUsage serverAuth) is no client certificate.
    ca.issue_cert("alice.example").configure_cert(client)
    with pytest.raises(HandshakeError) as caught:
        step_through(client, server, hostname="bank.example")
    assert caught.value.verify_code == 26  # X509_V_ERR_INVALID_PURPOSE
    assert "The server refused the client's certificate" in str(caught.value)


def test_arguments_are_checked(ca: CA, leaf: LeafCert) -> None:
    client, server = client_context(ca), server_context(leaf)
    with pytest.raises(ArgumentError, match="PROTOCOL_TLS_CLIENT"):
        step_through(server, server, hostname="bank.example")
    with pytest.raises(ArgumentError, match="PROTOCOL_TLS_SERVER"):
        step_through(client, client, hostname="bank.example")
    with pytest.raises(ArgumentError, match="SSLContext"):
        step_through("client", server, hostname="bank.example")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="hostname"):
        step_through(client, server, hostname="")
    assert isinstance(Flight("client", []), Flight)
