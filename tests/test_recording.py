"""pkicourse.recording: record a real TLS connection, steal the key, decrypt it (lesson 06).

The decryption is checked against the truth twice: the decrypted bytes must equal exactly what
the client sent and read, and the pre-master and master secrets must equal the ones OpenSSL
itself wrote to its key log (``SSLContext.keylog_filename``). Every "it opens" test has a twin
where it must not: a wrong key, a changed recording, TLS 1.3, TLS 1.2 with ECDHE.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pkicourse.ca import CA, LeafCert
from pkicourse.errors import ArgumentError, CourseError, DecryptionError, ServerError
from pkicourse.recording import (
    CannotDecryptError,
    Decryption,
    Recording,
    prf,
    record,
    relay,
    steal_and_decrypt,
    what_the_thief_sees,
)
from pkicourse.tls import RSA_KEY_TRANSPORT, connect, tls_server

HOSTNAME = "bank.example"
REQUEST = (
    b"GET /account HTTP/1.1\r\nHost: bank.example\r\nCookie: session=made-up-test-secret\r\n\r\n"
)
BODY = b"welcome back: balance 1,234.56 EUR (made-up test data)\n"


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Every test leaves no relay or server thread behind."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before]
    assert not left, f"threads left running: {left}"


@pytest.fixture(scope="module")
def root() -> CA:
    return CA.root("pkicourse Recording Test Root")


@pytest.fixture(scope="module")
def leaf(root: CA) -> LeafCert:
    """The note's server: RSA key transport needs keyEncipherment (RFC 5246 §7.4.2)."""
    return root.issue_cert(HOSTNAME, key_type="rsa", key_encipherment=True)


@pytest.fixture(scope="module")
def signing_leaf(root: CA) -> LeafCert:
    """A TLS 1.3 / ECDHE server: its RSA key signs (digitalSignature)."""
    return root.issue_cert(HOSTNAME, key_type="rsa")


def _keylog(path: Path) -> dict[str, list[str]]:
    """OpenSSL's key log: {label: [the rest of each line]}."""
    lines: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            label, rest = line.split(" ", 1)
            lines.setdefault(label, []).append(rest)
    return lines


def _record_rsa(
    leaf: LeafCert, root: CA, folder: Path, *, ems: bool
) -> tuple[Recording, dict[str, list[str]]]:
    keylog = folder / "keylog.txt"
    recording = record(
        leaf,
        tls12_rsa=True,
        trust=root,
        hostname=HOSTNAME,
        request=REQUEST,
        response=BODY,
        extended_master_secret=ems,
        keylog_filename=keylog,
    )
    return recording, _keylog(keylog)


def _check_against_openssl(
    recording: Recording, opened: Decryption, keylog: dict[str, list[str]]
) -> None:
    # what the client sent and read, both directions, byte for byte
    assert opened.client_plaintext == recording.sent_request == REQUEST
    assert opened.server_plaintext == recording.received_response
    assert recording.received_response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert recording.received_response.endswith(BODY)
    # ...and none of it was readable on the wire
    assert b"made-up-test-secret" not in recording.client_to_server
    assert b"balance" not in recording.server_to_client
    # OpenSSL's own key log: "RSA <first 8 bytes of the encrypted pre-master> <pre-master>"
    [rsa_line] = keylog["RSA"]
    encrypted_start, pre_master = rsa_line.split()
    assert bytes.fromhex(encrypted_start) in recording.client_to_server
    assert opened.pre_master_secret == bytes.fromhex(pre_master)
    # "CLIENT_RANDOM <client random> <master secret>": checks the PRF and the session hash
    [client_random_line] = keylog["CLIENT_RANDOM"]
    client_random, master = client_random_line.split()
    assert bytes.fromhex(client_random) in recording.client_to_server
    assert opened.master_secret == bytes.fromhex(master)


# --- the relay ---------------------------------------------------------------------------------


def test_relay_forwards_and_keeps_every_byte(signing_leaf: LeafCert, root: CA) -> None:
    with tls_server(signing_leaf, response=b"pong") as server, relay(server.port) as wire:
        result = connect(wire.port, hostname=HOSTNAME, trust=root, request=b"ping")
        assert result.ok and result.response == b"pong", result
    assert wire.client_to_server[:1] == b"\x16"  # a handshake record: the ClientHello
    assert wire.server_to_client[:1] == b"\x16"  # the ServerHello
    sizes = {"client": 0, "server": 0}
    for who, size in wire.order:
        sizes[who] += size
    assert sizes == {"client": len(wire.client_to_server), "server": len(wire.server_to_client)}
    assert b"ping" not in wire.client_to_server and b"pong" not in wire.server_to_client


def test_relay_to_nothing_hangs_up() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = int(closed.getsockname()[1])
    with relay(port) as wire:
        with socket.create_connection(("127.0.0.1", wire.port), timeout=2) as client:
            assert client.recv(1) == b""  # the relay could not reach the server: it hangs up
    assert len(wire.client_to_server) == len(wire.server_to_client) == 0


def test_relay_stops_at_once_when_the_block_raises(signing_leaf: LeafCert) -> None:
    with tls_server(signing_leaf) as server:
        with pytest.raises(RuntimeError, match="the cell failed"):
            with relay(server.port) as wire:
                held = socket.create_connection(("127.0.0.1", wire.port), timeout=2)
                held.sendall(b"\x16\x03\x01")  # the start of a record, never finished
                _wait_for(lambda: len(wire.client_to_server) == 3)
                start = time.monotonic()
                raise RuntimeError("the cell failed")
        stopped = time.monotonic() - start
        held.close()
    assert stopped < 0.5, f"the relay waited {stopped:.2f} s after the block raised"
    # ...whereas a normal exit gives a held connection its grace second
    with tls_server(signing_leaf) as server:
        with relay(server.port) as wire:
            held = socket.create_connection(("127.0.0.1", wire.port), timeout=2)
            held.sendall(b"\x16\x03\x01")
            _wait_for(lambda: len(wire.client_to_server) == 3)
            start = time.monotonic()
        graced = time.monotonic() - start
        held.close()
    assert 0.8 <= graced < 2.0, f"a normal exit waited {graced:.2f} s, not the 1 s grace"


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 2
    while not condition():
        assert time.monotonic() < deadline, "the relay never forwarded the bytes"
        time.sleep(0.005)


def test_relay_refuses_a_bad_port() -> None:
    with pytest.raises(ArgumentError):
        with relay(70000):
            pass


# --- TLS 1.2 RSA key transport: the note's story, decrypted ------------------------------------


def test_tls12_rsa_with_extended_master_secret_opens(
    leaf: LeafCert, root: CA, tmp_path: Path
) -> None:
    recording, keylog = _record_rsa(leaf, root, tmp_path, ems=True)
    assert (recording.version, recording.cipher) == ("TLSv1.2", "AES128-GCM-SHA256")
    assert recording.group == RSA_KEY_TRANSPORT
    opened = steal_and_decrypt(recording, leaf.private_key)
    assert opened.extended_master_secret  # OpenSSL's default: ServerHello extension 0x0017
    _check_against_openssl(recording, opened, keylog)
    assert any("extended master secret" in what for what, _ in opened.steps)


@pytest.mark.skipif(
    ssl.OPENSSL_VERSION_INFO < (3, 0), reason="SSL_OP_NO_EXTENDED_MASTER_SECRET is OpenSSL 3"
)
def test_tls12_rsa_without_extended_master_secret_opens(
    leaf: LeafCert, root: CA, tmp_path: Path
) -> None:
    recording, keylog = _record_rsa(leaf, root, tmp_path, ems=False)
    opened = steal_and_decrypt(recording, leaf.private_key)
    assert not opened.extended_master_secret
    _check_against_openssl(recording, opened, keylog)
    assert any('"master secret"' in what for what, _ in opened.steps)


def test_the_steps_show_secrets_of_the_recording_never_the_key(leaf: LeafCert, root: CA) -> None:
    recording = record(leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME)
    opened = steal_and_decrypt(recording, leaf.private_key)
    text = str(opened)
    steps = ("client_random", "pre_master_secret", "master_secret", "key_block")
    sources = ("client_write_key", "RFC 5246", "RFC 7627", "RFC 5288", "GET /account")
    for words in steps + sources:
        assert words in text, words
    assert opened.pre_master_secret.hex() in text  # the lesson's point: the thief has it
    numbers = leaf.private_key.private_numbers()
    for secret in (numbers.d, numbers.p, numbers.q):
        assert format(secret, "x")[:16] not in text
    assert "PRIVATE KEY" not in text and "PRIVATE KEY" not in repr(opened)
    assert opened.client_plaintext == recording.sent_request
    assert opened.server_plaintext == recording.received_response


def test_prf_matches_the_published_vector_and_openssl() -> None:
    secret = bytes.fromhex("9bbe436ba940f017b17652849a71db35")
    seed = bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c")
    expected = bytes.fromhex(
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e"
        "14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5"
        "a72e5a5110fff70187347b66"
    )  # the TLS 1.2 PRF (SHA-256) test vector circulated on the IETF TLS list
    assert prf(secret, b"test label", seed, 100) == expected
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: the published vector was checked only")
    out = subprocess.run(
        [openssl, "kdf", "-keylen", "100", "-kdfopt", "digest:SHA256",
         "-kdfopt", f"hexsecret:{secret.hex()}",
         "-kdfopt", f"hexseed:{(b'test label' + seed).hex()}", "TLS1-PRF"],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout  # fmt: skip
    assert bytes.fromhex(out.strip().replace(":", "")) == expected


# --- ...and the twins: what must not open -----------------------------------------------------


@pytest.fixture(scope="module")
def rsa_recording(leaf: LeafCert, root: CA) -> Recording:
    return record(leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME)


def _no_key_material(message: str) -> None:
    assert not re.search(r"[0-9a-fA-F]{16}", message), f"hex in the message: {message}"


def test_another_servers_key_does_not_open_it(root: CA, rsa_recording: Recording) -> None:
    other = root.issue_cert(HOSTNAME, key_type="rsa")  # same name, same size, another key
    with pytest.raises(DecryptionError, match="does not open this recording") as caught:
        steal_and_decrypt(rsa_recording, other.private_key)
    assert isinstance(caught.value, CourseError)
    _no_key_material(str(caught.value))


def test_a_key_of_another_size_does_not_open_it(rsa_recording: Recording) -> None:
    bigger = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    with pytest.raises(DecryptionError, match="does not open this recording") as caught:
        steal_and_decrypt(rsa_recording, bigger)
    _no_key_material(str(caught.value))


def test_a_changed_recording_does_not_open(leaf: LeafCert, rsa_recording: Recording) -> None:
    wire = bytearray(rsa_recording.client_to_server)
    wire[-1] ^= 0x01  # one bit of the GCM tag of the client's last record
    changed = dataclasses.replace(rsa_recording, client_to_server=bytes(wire))
    with pytest.raises(DecryptionError, match="changed or cut") as caught:
        steal_and_decrypt(changed, leaf.private_key)
    assert "does not open this recording" not in str(caught.value)  # the key was right


def test_an_ec_key_or_no_recording_is_refused(leaf: LeafCert, rsa_recording: Recording) -> None:
    with pytest.raises(ArgumentError, match="RSA private key"):
        steal_and_decrypt(rsa_recording, ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="record"):
        steal_and_decrypt(rsa_recording.client_to_server, leaf.private_key)  # type: ignore[arg-type]


def test_tls13_cannot_be_opened_with_the_stolen_key(
    signing_leaf: LeafCert, root: CA, tmp_path: Path
) -> None:
    leaf = signing_leaf
    keylog = tmp_path / "keylog.txt"
    recording = record(leaf, tls12_rsa=False, trust=root, hostname=HOSTNAME, keylog_filename=keylog)
    assert recording.version == "TLSv1.3"
    assert recording.group and recording.group != RSA_KEY_TRANSPORT  # read, never assumed
    with pytest.raises(CannotDecryptError, match="forward secrecy") as caught:
        steal_and_decrypt(recording, leaf.private_key)
    assert isinstance(caught.value, CourseError)
    assert "CertificateVerify" in str(caught.value) and recording.group in str(caught.value)
    lines = _keylog(keylog)
    assert "RSA" not in lines and "CLIENT_TRAFFIC_SECRET_0" in lines  # no key to steal
    seen = "\n".join(what_the_thief_sees(recording))
    assert "bank.example" in seen  # SNI is in the clear
    assert "hidden (TLS 1.3 encrypts it)" in seen and "nothing more" in seen
    rows = recording.records()
    assert rows[0].who == "client" and rows[0].what == "ClientHello" and not rows[0].encrypted
    assert rows[1].who == "server" and rows[1].what.startswith("ServerHello")
    assert all(row.encrypted or row.what in ("ServerHello", "ChangeCipherSpec") for row in rows[1:])


def test_tls12_ecdhe_cannot_be_opened_either(signing_leaf: LeafCert, root: CA) -> None:
    leaf = signing_leaf
    recording = record(leaf, tls12_rsa=False, tls12_ecdhe=True, trust=root, hostname=HOSTNAME)
    assert recording.version == "TLSv1.2" and recording.cipher.startswith("ECDHE-")
    with pytest.raises(CannotDecryptError, match=r"\(EC\)DHE.*forward secrecy") as caught:
        steal_and_decrypt(recording, leaf.private_key)
    assert "ML-KEM" not in str(caught.value)  # X25519 or P-256 here: no ML-KEM half
    assert "nothing more" in what_the_thief_sees(recording)[-1]


# --- what the eavesdropper sees ---------------------------------------------------------------


def test_records_in_the_order_sent(rsa_recording: Recording) -> None:
    rows = rsa_recording.records()
    names = [(row.who, row.what) for row in rows if not row.encrypted]
    assert names[:5] == [
        ("client", "ClientHello"),
        ("server", "ServerHello"),
        ("server", "Certificate"),
        ("server", "ServerHelloDone"),
        ("client", "ClientKeyExchange"),
    ]
    sent = {who: sum(row.size for row in rows if row.who == who) for who in ("client", "server")}
    assert sent == {
        "client": len(rsa_recording.client_to_server),
        "server": len(rsa_recording.server_to_client),
    }
    flights = rsa_recording.flights()
    assert all(
        a.sender != b.sender for a, b in zip(flights, flights[1:], strict=False)
    )  # turns alternate
    assert rows[-1].who == "server" and rows[-1].encrypted  # the answer comes last
    seen = what_the_thief_sees(rsa_recording)
    assert "CN=bank.example (sent in the clear)" in "\n".join(seen)
    assert "everything" in seen[-1]


def test_record_refuses_what_cannot_work(root: CA) -> None:
    ec_leaf = root.issue_cert(HOSTNAME)
    with pytest.raises(ArgumentError, match="key_type='rsa'"):
        record(ec_leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME)
    with pytest.raises(ArgumentError, match="not both"):
        record(ec_leaf, tls12_rsa=True, tls12_ecdhe=True, trust=root, hostname=HOSTNAME)
    other = CA.root("Another Root")
    with pytest.raises(ServerError, match="failed"):
        record(ec_leaf, tls12_rsa=False, trust=other, hostname=HOSTNAME)


# --- the certificate, the words, and recordings that are cut, changed or not TLS at all --------


def test_the_recorded_leaf_allows_key_encipherment(leaf: LeafCert) -> None:
    """RFC 5246 §7.4.2: the note's server certificate must allow RSA key transport."""
    from cryptography import x509

    usage = leaf.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_encipherment


def test_the_wrong_key_message_claims_no_random_bytes(root: CA, rsa_recording: Recording) -> None:
    other = root.issue_cert(HOSTNAME, key_type="rsa", key_encipherment=True)
    with pytest.raises(DecryptionError) as caught:
        steal_and_decrypt(rsa_recording, other.private_key)
    words = str(caught.value)
    assert "no usable pre-master secret" in words and "random" not in words


def test_the_hybrid_group_is_described_as_ml_kem(signing_leaf: LeafCert, root: CA) -> None:
    """On OpenSSL 3.5+ (Binder) TLS 1.3 negotiates X25519MLKEM768: the server makes no ML-KEM
    key pair, it encapsulates to the client's one-time key. The words must say so."""
    recording = record(signing_leaf, tls12_rsa=False, trust=root, hostname=HOSTNAME)
    hybrid = dataclasses.replace(recording, group="X25519MLKEM768")
    with pytest.raises(CannotDecryptError) as caught:
        steal_and_decrypt(hybrid, signing_leaf.private_key)
    words = str(caught.value)
    assert "X25519MLKEM768" in words and "ML-KEM" in words and "encapsulat" in words
    assert "forward secrecy" in words and "ciphertext" in words
    with pytest.raises(CannotDecryptError) as plain:
        steal_and_decrypt(recording, signing_leaf.private_key)
    if "MLKEM" not in recording.group.upper():  # this machine's OpenSSL: X25519
        assert "ML-KEM" not in str(plain.value)


def _records(stream: bytes) -> list[bytes]:
    records, at = [], 0
    while at < len(stream):
        end = at + 5 + int.from_bytes(stream[at + 3 : at + 5], "big")
        records.append(stream[at:end])
        at = end
    return records


def _after_ccs(stream: bytes) -> int:
    """Where the first record after the ChangeCipherSpec starts."""
    at = 0
    for data in _records(stream):
        at += len(data)
        if data[0] == 20:
            return at
    raise AssertionError("no ChangeCipherSpec")


def test_a_recording_cut_inside_the_finished_is_not_blamed_on_the_key(
    leaf: LeafCert, rsa_recording: Recording
) -> None:
    wire = rsa_recording.client_to_server
    cut = dataclasses.replace(rsa_recording, client_to_server=wire[: _after_ccs(wire) + 30])
    with pytest.raises(ArgumentError, match="cut short.*Finished") as caught:
        steal_and_decrypt(cut, leaf.private_key)
    assert "does not open" not in str(caught.value)
    no_exchange = dataclasses.replace(rsa_recording, client_to_server=_records(wire)[0])
    with pytest.raises(ArgumentError, match="cut short.*ClientKeyExchange"):
        steal_and_decrypt(no_exchange, leaf.private_key)


def test_a_recording_cut_at_the_end_says_what_was_left_out(
    leaf: LeafCert, rsa_recording: Recording
) -> None:
    cut = dataclasses.replace(rsa_recording, client_to_server=rsa_recording.client_to_server[:-5])
    opened = steal_and_decrypt(cut, leaf.private_key)
    assert opened.client_plaintext == b""  # the request's record is incomplete...
    last_record = _records(rsa_recording.client_to_server)[-1]
    assert f"{len(last_record) - 5} bytes are an incomplete record" in str(opened)  # ...and said
    assert opened.server_plaintext == rsa_recording.received_response


def test_a_record_too_short_for_gcm_is_a_course_error(
    leaf: LeafCert, rsa_recording: Recording
) -> None:
    longer = rsa_recording.client_to_server + b"\x17\x03\x03\x00\x04abcd"
    with pytest.raises(DecryptionError, match="too short to be AES-GCM"):
        steal_and_decrypt(
            dataclasses.replace(rsa_recording, client_to_server=longer), leaf.private_key
        )


@pytest.mark.parametrize(
    ("client", "server"),
    [
        (b"", b""),
        (b"\x16\x03\x03\x00\x04\x01\x00\x00\x00" * 3, b"\x16\x03\x03\x00\x05\x02\x00\x00\x01\x00"),
        (b"\x16\x03\x03\x00\x06\x01\x00\x00\x02\x03\x03", b"\x16\x03\x03\x00\x04\x02\x00\x00\x00"),
        (bytes(range(256)) * 4, bytes(range(255, -1, -1)) * 4),
    ],
    ids=["empty", "tiny-hellos", "hellos-cut", "garbage"],
)
def test_bytes_that_are_not_a_recording_are_refused_in_words(
    leaf: LeafCert, rsa_recording: Recording, client: bytes, server: bytes
) -> None:
    broken = dataclasses.replace(rsa_recording, client_to_server=client, server_to_client=server)
    with pytest.raises(CourseError) as caught:
        steal_and_decrypt(broken, leaf.private_key)
    assert "record" in str(caught.value)
    with pytest.raises(CourseError):
        what_the_thief_sees(broken)
    try:
        broken.records()  # nothing to list is fine; a raw IndexError is not
    except CourseError as error:
        assert "record" in str(error)


@pytest.mark.skipif(
    ssl.OPENSSL_VERSION_INFO < (3, 0), reason="SSL_OP_NO_EXTENDED_MASTER_SECRET is OpenSSL 3"
)
def test_a_changed_hello_fails_the_finished_check(leaf: LeafCert, root: CA) -> None:
    """Without EMS the keys depend on the randoms only, so a changed cipher list still opens
    the records; the client's Finished (a hash of every hello byte) catches it."""
    recording = record(
        leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME, extended_master_secret=False
    )
    wire = bytearray(recording.client_to_server)
    session_id = wire[5 + 4 + 34]
    suites = 5 + 4 + 35 + session_id  # the cipher_suites length, then the list
    wire[suites + 2 + 1] ^= 0x01  # one byte of the first offered suite
    changed = dataclasses.replace(recording, client_to_server=bytes(wire))
    with pytest.raises(DecryptionError, match="Finished does not match") as caught:
        steal_and_decrypt(changed, leaf.private_key)
    assert "does not open this recording" not in str(caught.value)


def test_record_refuses_wrong_types_and_serves_an_empty_body(leaf: LeafCert, root: CA) -> None:
    with pytest.raises(ArgumentError, match="extended_master_secret"):
        record(leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME, extended_master_secret="no")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="request must be bytes"):
        record(leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME, request="GET /")  # type: ignore[arg-type]
    empty = record(leaf, tls12_rsa=True, trust=root, hostname=HOSTNAME, response=b"")
    assert empty.received_response.endswith(b"\r\n\r\n"), empty.received_response
    assert b"balance" not in empty.received_response  # not the default body


def test_a_decryption_shows_its_steps_in_a_notebook(
    leaf: LeafCert, rsa_recording: Recording
) -> None:
    opened = steal_and_decrypt(rsa_recording, leaf.private_key)
    page = opened._repr_html_()
    assert page.count("<li>") == len(opened.steps)
    assert "pre_master_secret" in page and "PRIVATE KEY" not in page
