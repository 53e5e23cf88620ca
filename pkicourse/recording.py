"""Record a real TLS connection, steal the server's key, decrypt it: the note's story (lesson 06).

The note tells TLS as lesson 02 did: the browser makes a session key, locks it with the
server's RSA public key and sends it. That is TLS 1.2's *RSA key transport* (cipher suite
``TLS_RSA_WITH_AES_128_GCM_SHA256``, OpenSSL's ``AES128-GCM-SHA256``; RFC 5246 calls it the
RSA key exchange). Precisely: the client makes a 48-byte *pre-master secret*, encrypts it to
the server's RSA key, and both sides derive the session keys from it and the two hellos'
random values. It has a flaw this module shows for real:

1. :func:`relay` is a passive eavesdropper: a TCP relay on 127.0.0.1 that forwards bytes both
   ways and keeps a copy of every one (``socket`` and ``threading``).
2. :func:`record` runs a course HTTPS server (``tls.tls_server``) behind the relay and visits
   it once with ``tls.connect``: a :class:`Recording` holds the bytes on the wire, both ways.
3. :func:`steal_and_decrypt` is the thief who later steals the server's private key. From the
   recording and that key alone it redoes what the server did, step by step, as the RFCs say:
   RSA-decrypt the pre-master secret from the ClientKeyExchange (``cryptography``'s
   ``rsa.RSAPrivateKey.decrypt`` with ``padding.PKCS1v15``, RFC 5246 §7.4.7.1); derive the
   master secret with the TLS 1.2 PRF (``cryptography``'s ``hmac.HMAC`` with SHA-256, written
   out as RFC 5246 §5 does), with the extended master secret of RFC 7627 when the ServerHello
   has extension 0x0017 (OpenSSL negotiates it by default); expand it into the record keys
   (RFC 5246 §6.3); open every record with AES-128-GCM (``AESGCM``, RFC 5288 §3).
4. The same theft opens nothing of a TLS 1.3 recording, nor of a TLS 1.2 ECDHE one: the keys
   came from an ephemeral key exchange (ECDHE; with X25519MLKEM768, OpenSSL 3.5's default,
   also an ML-KEM encapsulation to the client's one-time key) whose private parts never left
   the two sides, and the server's key only *signed*. :func:`steal_and_decrypt` raises
   :class:`CannotDecryptError` saying so (forward secrecy); :func:`what_the_thief_sees` lists
   what a recording still shows.

For learning only: this decrypts a throwaway connection the course made itself, with a key the
course made. The secrets it shows belong to that recording and protect nothing.
"""

from __future__ import annotations

import html
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby, takewhile
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pkicourse import tls
from pkicourse.ca import CA, LeafCert
from pkicourse.errors import ArgumentError, CourseError, DecryptionError, ServerError
from pkicourse.handshake import Flight, FlightRow, describe_flights
from pkicourse.handshake import _Reader as _RecordReader  # handshake.py's record reader
from pkicourse.handshake import _Version as _SharedVersion
from pkicourse.tls import _shown

__all__ = [
    "CannotDecryptError",
    "Decryption",
    "Recording",
    "Relay",
    "prf",
    "record",
    "relay",
    "steal_and_decrypt",
    "what_the_thief_sees",
]

Direction = Literal["client", "server"]  # who sent the bytes

_HOST = "127.0.0.1"
_GRACE = 1.0  # seconds the relay lets both sides finish before it cuts them off
_READ_SIZE = 16384
_RSA_AES128_GCM_SHA256 = 0x009C  # TLS_RSA_WITH_AES_128_GCM_SHA256 (RFC 5288 §3)


class CannotDecryptError(CourseError, ValueError):
    """The recording cannot be decrypted with the server's key: forward secrecy (lesson 06)."""


# --- 1. the passive eavesdropper: a relay that keeps every byte -------------------------------


@dataclass
class Relay:
    """A running :func:`relay`: point a client at ``port``; the bytes are kept as they pass.

    ``client_to_server`` / ``server_to_client`` grow while connections run (every connection
    through the relay, one after the other). ``order`` says in which order the pieces arrived:
    (who sent them, how many bytes).
    """

    port: int
    client_to_server: bytearray = field(default_factory=bytearray, repr=False)
    server_to_client: bytearray = field(default_factory=bytearray, repr=False)
    order: list[tuple[Direction, int]] = field(default_factory=list, repr=False)


class _Relay:
    """The accept loop and the copying threads of one :func:`relay`."""

    def __init__(self, listener: socket.socket, target_port: int, wire: Relay) -> None:
        self.listener, self.target_port, self.wire = listener, target_port, wire
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.pumps: list[threading.Thread] = []
        self.accepter = threading.Thread(
            target=self._accept_loop, name="pkicourse-relay", daemon=True
        )

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.2)  # also polls, in case the wake-up call is lost
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            if self.stop.is_set():  # the wake-up call from shutdown()
                client.close()
                break
            try:
                server = socket.create_connection((_HOST, self.target_port), timeout=2.0)
            except OSError:
                client.close()  # nothing listens behind the relay: the client sees a hang-up
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self.lock:
                self.sockets += [client, server]
                for source, target, who in ((client, server, "client"), (server, client, "server")):
                    pump = threading.Thread(
                        target=self._pump, args=(source, target, who), name="pkicourse-relay-pump",
                        daemon=True,
                    )  # fmt: skip
                    self.pumps.append(pump)
                    pump.start()

    def _pump(self, source: socket.socket, target: socket.socket, who: Direction) -> None:
        """Copy one direction: keep each piece, then pass it on; pass a hang-up on too."""
        kept = self.wire.client_to_server if who == "client" else self.wire.server_to_client
        try:
            while data := source.recv(_READ_SIZE):
                with self.lock:  # kept before it is sent: an answer is never kept before it
                    kept += data
                    self.wire.order.append((who, len(data)))
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)  # the sender hung up: tell the other side
        except OSError:
            pass  # one side reset the connection, or shutdown() cut it

    def shutdown(self, grace: float) -> None:
        """Stop accepting; give both sides ``grace`` seconds to finish; cut, join, close all."""
        self.stop.set()
        try:
            socket.create_connection(self.listener.getsockname(), timeout=1).close()
        except OSError:
            pass
        self.accepter.join()
        deadline = time.monotonic() + grace
        for pump in self.pumps:
            pump.join(max(0.0, deadline - time.monotonic()))
        for connection in self.sockets:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # wakes a pump still waiting in recv
            except OSError:
                pass
        for pump in self.pumps:
            pump.join()
        for connection in self.sockets:
            connection.close()


@contextmanager
def relay(target_port: int) -> Iterator[Relay]:
    """A TCP relay on 127.0.0.1 to 127.0.0.1:``target_port`` that keeps every byte (lesson 06).

    The passive eavesdropper: connect to ``relay.port`` instead of the server; the relay
    forwards each byte unchanged and appends it to ``client_to_server`` or
    ``server_to_client``. It cannot read TLS: it sees the records, encrypted or not. On
    leaving the ``with`` block it stops, lets open connections finish for up to a second (none
    when the block raised), then cuts them and joins every thread.
    """
    if type(target_port) is not int or not 0 < target_port < 65536:
        raise ArgumentError(
            f"target_port must be a port from 1 to 65535, not {_shown(target_port)}."
        )
    try:
        listener = socket.create_server((_HOST, 0))  # port 0: the OS picks a free one
    except OSError as error:
        raise ServerError(f"The relay could not listen on {_HOST}: {error}.") from error
    with listener:
        wire = Relay(port=int(listener.getsockname()[1]))
        state = _Relay(listener, target_port, wire)
        state.accepter.start()
        try:
            yield wire
        except BaseException:
            state.shutdown(grace=0.0)  # the block failed: cut at once
            raise
        state.shutdown(grace=_GRACE)


# --- 2. a recorded HTTPS visit ----------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """One HTTPS visit as the eavesdropper kept it (:func:`record`, lesson 06).

    ``version``, ``cipher``, ``group``: what the client negotiated (``tls.Connection``).
    ``client_to_server`` / ``server_to_client``: every byte on the wire, each way.
    ``sent_request`` / ``received_response``: what the client sent and read, for comparison.
    ``order``: in which order the pieces reached the relay (who sent them, how many bytes).
    """

    version: str
    cipher: str
    group: str
    client_to_server: bytes = field(repr=False)
    server_to_client: bytes = field(repr=False)
    sent_request: bytes = field(repr=False)
    received_response: bytes = field(repr=False)
    order: tuple[tuple[Direction, int], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        """Checked when made (``dataclasses.replace`` too): text fields, bytes (a relay's
        bytearray is copied to bytes), ``order`` as (``"client"`` | ``"server"``, size) pairs."""
        for name in ("version", "cipher", "group"):
            if not isinstance(getattr(self, name), str):
                raise ArgumentError(f"Recording.{name} must be text, as record() makes it.")
        for name in ("client_to_server", "server_to_client", "sent_request", "received_response"):
            value = getattr(self, name)
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise ArgumentError(
                    f"Recording.{name} must be bytes (the bytes on the wire), not "
                    f"{type(value).__name__}."
                )
            object.__setattr__(self, name, bytes(value))
        order = self.order
        if not isinstance(order, (tuple, list)) or not all(
            isinstance(p, (tuple, list)) and len(p) == 2 and p[0] in ("client", "server")
            and type(p[1]) is int and p[1] >= 0 for p in order
        ):  # fmt: skip
            raise ArgumentError(
                "Recording.order must be (who, size) pairs such as ('client', 517), who being "
                "'client' or 'server', as the relay keeps them."
            )
        object.__setattr__(self, "order", tuple((who, size) for who, size in order))

    def flights(self) -> list[Flight]:
        """The recorded bytes cut into records, one :class:`~pkicourse.handshake.Flight` per
        turn (``pictures.draw_handshake`` draws them), read by handshake.py's record reader."""
        version = _SharedVersion()
        readers = {who: _RecordReader(who, version) for who in ("client", "server")}
        pieces = _records_in_order(self)
        try:
            return [
                readers[who].flight(b"".join(data for _, data in turn))
                for who, turn in groupby(pieces, key=lambda piece: piece[0])
            ]
        except (IndexError, ValueError) as error:  # a length pointing past the end...
            raise ArgumentError(
                "These bytes are not TLS records as record() keeps them (a message is cut "
                "short or malformed): use a Recording exactly as record() returned it."
            ) from error

    def records(self) -> list[FlightRow]:
        """One row per record, in the order sent: (who, what, size, encrypted)."""
        return describe_flights(self.flights())

    def __str__(self) -> str:
        return (
            f"{self.version} {self.cipher} ({self.group}): the client sent "
            f"{len(self.client_to_server)} bytes, the server {len(self.server_to_client)} bytes."
        )


def _split(stream: bytes) -> list[bytes]:
    """Whole TLS records (5-byte header + contents, RFC 5246 §6.2.1); a cut-off tail dropped."""
    records, at = [], 0
    while at + 5 <= len(stream):
        end = at + 5 + int.from_bytes(stream[at + 3 : at + 5], "big")
        if end > len(stream):
            break
        records.append(stream[at:end])
        at = end
    return records


def _records_in_order(recording: Recording) -> list[tuple[Direction, bytes]]:
    """Both directions' records, ordered by when their last byte reached the relay."""
    arrived: dict[Direction, list[tuple[int, int]]] = {"client": [], "server": []}
    totals = {"client": 0, "server": 0}
    for index, (who, size) in enumerate(recording.order):
        totals[who] += size
        arrived[who].append((totals[who], index))  # bytes up to here arrived at step index
    timed: list[tuple[int, int, Direction, bytes]] = []
    for who, stream in (
        ("client", recording.client_to_server),
        ("server", recording.server_to_client),
    ):
        end = 0
        for data in _split(stream):
            end += len(data)
            step = next((i for total, i in arrived[who] if total >= end), len(recording.order))
            timed.append((step, end, who, data))
    return [(who, data) for _, _, who, data in sorted(timed)]


def _client_context(
    trust: CA | x509.Certificate,
    ciphers: str | None,
    extended_master_secret: bool,
    keylog_filename: str | os.PathLike[str] | None,
) -> ssl.SSLContext:
    """A client context as ``tls.connect`` makes one, plus the knobs a recording needs."""
    if isinstance(trust, CA):
        trust = trust.root_certificate
    if not isinstance(trust, x509.Certificate):
        raise ArgumentError(
            f"trust must be a CA or the root x509.Certificate, not {type(trust).__name__}."
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # checks the chain and the host name
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_verify_locations(cadata=trust.public_bytes(serialization.Encoding.DER))
    if ciphers is not None:
        context.set_ciphers(ciphers)
    if not extended_master_secret:
        if ssl.OPENSSL_VERSION_INFO < (3, 0):
            raise ArgumentError("Turning the extended master secret off needs OpenSSL 3.0+.")
        context.options |= 1  # SSL_OP_NO_EXTENDED_MASTER_SECRET
    if keylog_filename is not None:
        if not isinstance(keylog_filename, (str, os.PathLike)):
            raise ArgumentError(
                "keylog_filename must be a file name (str or Path), not "
                f"{type(keylog_filename).__name__}."
            )
        try:
            context.keylog_filename = os.fspath(keylog_filename)  # the format Wireshark reads
        except OSError as error:
            raise ArgumentError(
                f"keylog_filename {_shown(os.fspath(keylog_filename))} cannot be written "
                f"({error.strerror}): give a file in a folder that exists, e.g. in the "
                "lesson's WORK folder."
            ) from None
    return context


def _default_request(hostname: str) -> bytes:
    return (
        f"GET /account HTTP/1.1\r\nHost: {hostname}\r\n"
        "Cookie: session=made-up-test-session-7f3a\r\n\r\n"
    ).encode()


_DEFAULT_RESPONSE = b"Account 12-345-678: balance 1,234.56 EUR (made-up test data)\n"


def record(
    leaf: LeafCert,
    *,
    tls12_rsa: bool,
    trust: CA | x509.Certificate,
    hostname: str,
    request: bytes | None = None,
    response: bytes | None = None,
    tls12_ecdhe: bool = False,
    extended_master_secret: bool = True,
    keylog_filename: str | os.PathLike[str] | None = None,
) -> Recording:
    """Visit an HTTPS server once through :func:`relay` and keep the bytes (lesson 06).

    ``tls12_rsa=True``: TLS 1.2 with RSA key transport (``AES128-GCM-SHA256``, the note's
    story). ``leaf`` needs an RSA key whose certificate allows keyEncipherment (RFC 5246
    §7.4.2): ``ca.issue_cert(name, key_type="rsa", key_encipherment=True)``. OpenSSL does not
    check that bit, so any RSA leaf records here; Chrome refuses a server without it
    (``ERR_SSL_KEY_USAGE_INCOMPATIBLE``). ``False``: the default, TLS 1.3 with ECDHE; or, with
    ``tls12_ecdhe=True``, TLS 1.2 with ECDHE (a signing certificate: digitalSignature).
    ``request``: what the client sends (default: a GET of /account with a made-up cookie);
    ``response``: the body the server answers (default: a made-up account balance).
    ``extended_master_secret=False`` makes the client refuse RFC 7627's extended master secret.
    ``keylog_filename``: OpenSSL writes the session's secrets there (the SSLKEYLOGFILE
    format), to check the thief's work.
    """
    if type(tls12_rsa) is not bool or type(tls12_ecdhe) is not bool:
        raise ArgumentError("tls12_rsa and tls12_ecdhe must be True or False.")
    if type(extended_master_secret) is not bool:
        raise ArgumentError(
            f"extended_master_secret must be True or False, not {_shown(extended_master_secret)}."
        )
    for what, value in (("request", request), ("response", response)):
        if value is not None and type(value) is not bytes:
            raise ArgumentError(f'{what} must be bytes (b"...") or None, not {_shown(value)}.')
    if tls12_rsa and tls12_ecdhe:
        raise ArgumentError("Choose tls12_rsa=True or tls12_ecdhe=True, not both.")
    if not isinstance(leaf, LeafCert):
        raise ArgumentError(
            f"leaf must be a LeafCert (ca.issue_cert(...)), not {type(leaf).__name__}."
        )
    if tls12_rsa and not isinstance(leaf.private_key, rsa.RSAPrivateKey):
        raise ArgumentError(
            "RSA key transport needs an RSA server key: ca.issue_cert(name, key_type='rsa')."
        )
    ciphers = "AES128-GCM-SHA256" if tls12_rsa else "ECDHE+AESGCM" if tls12_ecdhe else None
    client = _client_context(trust, ciphers, extended_master_secret, keylog_filename)
    request = _default_request(hostname) if request is None else request
    tls12 = ssl.TLSVersion.TLSv1_2 if ciphers else None
    with tls.tls_server(
        leaf, http=True, response=_DEFAULT_RESPONSE if response is None else response,
        maximum_version=tls12,
        ciphers=ciphers,
    ) as server, relay(server.port) as wire:  # fmt: skip
        connection = tls.connect(wire.port, hostname=hostname, trust=client, request=request)
    # the relay has stopped here: its bytes are complete
    if not connection.ok or connection.response is None:
        raise ServerError(f"The visit to record failed: {connection}")
    return Recording(
        version=connection.version or "",
        cipher=connection.cipher or "",
        group=connection.group or "",
        client_to_server=bytes(wire.client_to_server),
        server_to_client=bytes(wire.server_to_client),
        sent_request=request,
        received_response=connection.response,
        order=tuple(wire.order),
    )


# --- 3. the thief's tools: the TLS 1.2 PRF, written out ---------------------------------------


def _hmac_sha256(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def prf(secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """TLS 1.2's pseudo-random function with SHA-256 (RFC 5246 §5), as the RFC writes it.

    PRF(secret, label, seed) = P_SHA256(secret, label + seed), where
    P_SHA256(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...,
    A(0) = seed and A(i) = HMAC(secret, A(i-1)); cut to ``length`` bytes.
    """
    for what, value in (("secret", secret), ("label", label), ("seed", seed)):
        if type(value) is not bytes:
            raise ArgumentError(f'{what} must be bytes (b"..."), not {type(value).__name__}.')
    if type(length) is not int or not 0 <= length <= 1 << 20:
        raise ArgumentError(
            f"length must be a number of bytes from 0 to 1 MiB, not {_shown(length)}."
        )
    seed = label + seed
    a = seed  # A(0)
    output = b""
    while len(output) < length:
        a = _hmac_sha256(secret, a)  # A(i) = HMAC_hash(secret, A(i-1))
        output += _hmac_sha256(secret, a + seed)
    return output[:length]


def _master_secret(pre_master: bytes, hello: _Hello) -> tuple[bytes, list[tuple[str, str]]]:
    """48 bytes from the pre-master secret: RFC 7627 §4 when EMS was agreed, else RFC 5246
    §8.1. Also the steps, in words."""
    if hello.extended_master_secret:
        digest = _sha256(hello.transcript)  # ClientHello ... ClientKeyExchange (RFC 7627 §3)
        master = prf(pre_master, b"extended master secret", digest, 48)
        return master, [
            ("session_hash = SHA-256(ClientHello ... ClientKeyExchange), RFC 7627 §3",
             _hex(digest)),
            ('master_secret = PRF(pre_master, "extended master secret", session_hash)',
             _hex(master)),
        ]  # fmt: skip
    randoms = hello.client_random + hello.server_random
    master = prf(pre_master, b"master secret", randoms, 48)
    return master, [
        ('master_secret = PRF(pre_master, "master secret", client_random + server_random), '
         "RFC 5246 §8.1", _hex(master)),
    ]  # fmt: skip


@dataclass(frozen=True)
class _Keys:
    """One direction's record protection for AES-128-GCM: key and 4-byte implicit salt."""

    key: bytes
    salt: bytes


def _key_block(master: bytes, hello: _Hello) -> tuple[_Keys, _Keys]:
    """RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random +
    client_random), cut into client_write_MAC_key, server_write_MAC_key (none for GCM),
    client_write_key, server_write_key (16 bytes each), client_write_IV, server_write_IV
    (4 bytes each: the implicit part of the GCM nonce, RFC 5288 §3)."""
    block = prf(master, b"key expansion", hello.server_random + hello.client_random, 40)
    client_write_key, server_write_key = block[0:16], block[16:32]
    client_write_iv, server_write_iv = block[32:36], block[36:40]
    return _Keys(client_write_key, client_write_iv), _Keys(server_write_key, server_write_iv)


def _open_record(keys: _Keys, sequence: int, record: bytes) -> tuple[int, bytes]:
    """Decrypt one AES-128-GCM record (RFC 5288 §3, RFC 5246 §6.2.3.3); (content type, data).

    nonce = salt (4 bytes, from the key block) + explicit nonce (the record's first 8 bytes);
    additional data = seq_num (8) + type (1) + version (2) + length of the plaintext (2).
    Raises InvalidTag when the key is wrong or the record was changed.
    """
    content_type, version, fragment = record[0], record[1:3], record[5:]
    if len(fragment) < 8 + 16:  # explicit nonce + GCM tag, at least
        raise DecryptionError(
            f"A record of {len(fragment)} bytes is too short to be AES-GCM (at least 24: an "
            "8-byte nonce and a 16-byte tag): the recording was cut or changed. Record again."
        )
    explicit_nonce, sealed = fragment[:8], fragment[8:]
    plaintext_length = len(sealed) - 16  # the 16-byte GCM tag ends the record
    aad = sequence.to_bytes(8, "big") + bytes([content_type]) + version
    aad += plaintext_length.to_bytes(2, "big")
    return content_type, AESGCM(keys.key).decrypt(keys.salt + explicit_nonce, sealed, aad)


# --- 4. reading the recorded handshake --------------------------------------------------------

_CHANGE_CIPHER_SPEC, _HANDSHAKE, _APPLICATION_DATA = 20, 22, 23
_CLIENT_HELLO, _SERVER_HELLO, _CERTIFICATE, _SERVER_KEY_EXCHANGE = 1, 2, 11, 12
_SERVER_HELLO_DONE, _CLIENT_KEY_EXCHANGE, _FINISHED = 14, 16, 20
_SERVER_NAME, _EXTENDED_MASTER_SECRET, _SUPPORTED_VERSIONS = 0x0000, 0x0017, 0x002B


@dataclass(frozen=True)
class _Side:
    """One direction of a recording: its plaintext handshake messages (each with its 4-byte
    header) and the records it sent after its ChangeCipherSpec (encrypted in TLS 1.2)."""

    messages: list[bytes]
    encrypted: list[bytes]
    leftover: int = 0  # bytes at the end that are not a whole record (a cut recording)


def _side(stream: bytes) -> _Side:
    messages, encrypted, pending, changed = [], [], b"", False
    records = _split(stream)
    for data in records:
        if changed:
            encrypted.append(data)
        elif data[0] == _CHANGE_CIPHER_SPEC:
            changed = True
        elif data[0] == _HANDSHAKE:
            pending += data[5:]  # a message may span records, or a record hold several
            while len(pending) >= 4 and len(pending) >= 4 + int.from_bytes(pending[1:4], "big"):
                size = 4 + int.from_bytes(pending[1:4], "big")
                messages.append(pending[:size])
                pending = pending[size:]
        elif data[0] == _APPLICATION_DATA:
            encrypted.append(data)  # TLS 1.3: everything after the ServerHello
    return _Side(messages, encrypted, len(stream) - sum(len(r) for r in records))


def _extensions(body: bytes, at: int) -> dict[int, bytes]:
    """A hello's extensions from offset ``at``: {type: data} (RFC 5246 §7.4.1.4)."""
    found: dict[int, bytes] = {}
    end = min(len(body), at + 2 + int.from_bytes(body[at : at + 2], "big"))
    at += 2
    while at + 4 <= end:
        kind, size = (
            int.from_bytes(body[at : at + 2], "big"),
            int.from_bytes(body[at + 2 : at + 4], "big"),
        )
        found[kind] = body[at + 4 : at + 4 + size]
        at += 4 + size
    return found


def _client_hello_extensions(body: bytes) -> dict[int, bytes]:
    at = 34 + 1 + body[34]  # client_version (2), random (32), session_id
    at += 2 + int.from_bytes(body[at : at + 2], "big")  # cipher_suites
    at += 1 + body[at]  # compression_methods
    return _extensions(body, at)


@dataclass(frozen=True)
class _Hello:
    """What the thief reads in the clear from a TLS 1.2 handshake."""

    client_random: bytes
    server_random: bytes
    cipher_suite: int
    tls13: bool
    key_exchange: bool  # a ServerKeyExchange: (EC)DHE, forward secrecy
    extended_master_secret: bool
    encrypted_pre_master: bytes  # from the ClientKeyExchange, or b""
    transcript: bytes  # ClientHello ... ClientKeyExchange, as sent


def _find(messages: list[bytes], kind: int) -> bytes | None:
    return next((m for m in messages if m[0] == kind), None)


def _read_hello(client: _Side, server: _Side) -> _Hello:
    """The hellos and the ClientKeyExchange, or a course error for bytes that are not TLS."""
    try:
        return _parse_hello(client, server)
    except (IndexError, ValueError) as error:  # a length field pointing past the end...
        raise ArgumentError(
            "These bytes are not a TLS handshake as record() keeps it (a hello is cut short or "
            "malformed): use a Recording exactly as record() returned it."
        ) from error


def _parse_hello(client: _Side, server: _Side) -> _Hello:
    client_hello, server_hello = (
        _find(client.messages, _CLIENT_HELLO),
        _find(server.messages, _SERVER_HELLO),
    )
    if client_hello is None or server_hello is None:
        raise ArgumentError("This recording holds no ClientHello and ServerHello: record again.")
    body = server_hello[4:]
    if len(client_hello) < 38 or len(body) < 38:
        raise ValueError("a hello shorter than its version and random")
    at = 34 + 1 + body[34]  # server_version, random, session_id
    extensions = _extensions(body, at + 3)  # after cipher_suite (2) and compression (1)
    exchange = _find(client.messages, _CLIENT_KEY_EXCHANGE)
    until = client.messages.index(exchange) + 1 if exchange else len(client.messages)
    done = next((i for i, m in enumerate(server.messages) if m[0] == _SERVER_HELLO_DONE), -1)
    return _Hello(
        client_random=client_hello[6:38],
        server_random=body[2:34],
        cipher_suite=int.from_bytes(body[at : at + 2], "big"),
        tls13=extensions.get(_SUPPORTED_VERSIONS) == b"\x03\x04",
        key_exchange=_find(server.messages, _SERVER_KEY_EXCHANGE) is not None,
        extended_master_secret=_EXTENDED_MASTER_SECRET in extensions,
        encrypted_pre_master=exchange[6:] if exchange else b"",  # after its 2-byte length
        transcript=b"".join(
            client.messages[:1] + server.messages[: done + 1] + client.messages[1:until]
        ),
    )


def _hex(data: bytes, shown: int = 16) -> str:
    """Short hex for a step: the first ``shown`` bytes, and the size."""
    more = "…" if len(data) > shown else ""
    return f"{data[:shown].hex()}{more} ({len(data)} bytes)"


# --- 5. the theft ------------------------------------------------------------------------------

_FORWARD_SECRECY = (
    "The keys of this connection came from an ephemeral key exchange{group}: {exchange} "
    "The private parts never left the client and the server and were thrown away after the "
    "handshake. The server's long-term key only signed the handshake ({signed}); it encrypted "
    "nothing. A thief who records the traffic and steals that key later opens nothing: this is "
    "forward secrecy. Only the note's old story, TLS 1.2 with RSA key transport "
    "(record(..., tls12_rsa=True)), can be opened with a stolen key."
)
_DIFFIE_HELLMAN = (
    "each side made a throwaway (EC)DHE key pair, they swapped public halves, and both derived "
    "the same secret."
)
_KEM = (
    "the client made a one-time ML-KEM key pair and sent its public (encapsulation) "
    "key; the server encapsulated a fresh secret to it and sent only the ciphertext, which only "
    "the client's one-time private key opens."
)
_HYBRID = (
    "a hybrid of two halves. ECDHE ({curve}): each side made a throwaway key pair, they swapped "
    "public halves, and both derived the same secret. {kem}: " + _KEM + " The session keys "
    "come from both secrets."
)
# The elliptic-curve half of each hybrid group (draft-ietf-tls-ecdhe-mlkem), by name prefix.
_HYBRID_CURVES = {"X25519": "X25519", "SECP256R1": "P-256", "SECP384R1": "P-384"}


def _exchange_words(group: str) -> str:
    """How the connection's keys were agreed, for its group's name (as tls.GROUPS spells it)."""
    name = group.upper()
    if "MLKEM" not in name:
        return _DIFFIE_HELLMAN
    size = "".join(takewhile(str.isdigit, name.split("MLKEM", 1)[1]))  # 768 or 1024
    kem = f"ML-KEM-{size}" if size else "ML-KEM"
    curve = next((c for prefix, c in _HYBRID_CURVES.items() if name.startswith(prefix)), None)
    if curve is None:  # MLKEM768 alone: no elliptic-curve half
        return f"{kem} alone, no elliptic curve: {_KEM} The session keys come from that secret."
    return _HYBRID.format(curve=curve, kem=kem)


def _refuse(recording: Recording, hello: _Hello) -> CannotDecryptError:
    group = f" ({recording.group})" if recording.group else ""
    exchange = _exchange_words(recording.group)
    if hello.tls13:
        what = "This is a TLS 1.3 recording: TLS 1.3 has no RSA key transport at all. "
        signed = "TLS 1.3 CertificateVerify"
    else:
        what = "This TLS 1.2 connection used (EC)DHE (forward secrecy predates TLS 1.3). "
        signed = "TLS 1.2 ServerKeyExchange"
    return CannotDecryptError(
        what + _FORWARD_SECRECY.format(group=group, exchange=exchange, signed=signed)
    )


_WRONG_KEY = (
    "This key does not open this recording: the RSA decryption of the ClientKeyExchange gives "
    "no usable pre-master secret (a real one is 48 bytes starting 03 03, and the keys made "
    "from it open the client's Finished message; they did not). Use the private key of the "
    "server that was recorded (the LeafCert's private_key), and the recording exactly as "
    "record() returned it."
)


def _pre_master_secret(key: rsa.RSAPrivateKey, hello: _Hello) -> bytes:
    """RSA PKCS#1 v1.5 decryption of the ClientKeyExchange (RFC 5246 §7.4.7.1).

    With a wrong key, the OpenSSL inside ``cryptography`` (3.2 and later) usually gives no
    error: it returns pseudo-random bytes computed from the key and the ciphertext (implicit
    rejection, against Bleichenbacher/Marvin timing attacks), so an attacker cannot tell. Other
    OpenSSL versions report an error, and so does any version for a ciphertext too large for
    the key. A real pre-master secret is 48 bytes starting with the client's version 03 03;
    anything else is caught here, the rest by the GCM tag of the first encrypted record, the
    client's Finished.
    """
    try:
        pre_master = key.decrypt(hello.encrypted_pre_master, padding.PKCS1v15())
    except ValueError:
        raise DecryptionError(_WRONG_KEY) from None  # e.g. a key of another size
    if len(pre_master) != 48 or pre_master[:2] != b"\x03\x03":
        raise DecryptionError(_WRONG_KEY)
    return pre_master


def _check_key(recording: Recording, key: object) -> tuple[_Side, _Side, _Hello]:
    if not isinstance(recording, Recording):
        raise ArgumentError(
            f"steal_and_decrypt needs what record() returned, not {type(recording).__name__}."
        )
    client, server = _side(recording.client_to_server), _side(recording.server_to_client)
    hello = _read_hello(client, server)
    if hello.tls13 or hello.key_exchange:
        raise _refuse(recording, hello)
    if not hello.encrypted_pre_master:
        raise ArgumentError(
            "The recording is cut short: it holds no ClientKeyExchange (the encrypted "
            "pre-master secret). Use a Recording exactly as record() returned it."
        )
    if not client.encrypted:
        raise ArgumentError(
            "The recording is cut short: the client's Finished (its first encrypted record) is "
            "missing or incomplete, so nothing can be checked or opened. Record again."
        )
    if hello.cipher_suite != _RSA_AES128_GCM_SHA256:
        raise ArgumentError(
            f"This page decrypts TLS_RSA_WITH_AES_128_GCM_SHA256 only, not suite "
            f"0x{hello.cipher_suite:04x}: record with tls12_rsa=True."
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ArgumentError(
            "RSA key transport is opened with the server's RSA private key "
            f"(leaf.private_key), not {type(key).__name__}."
        )
    return client, server, hello


@dataclass(frozen=True)
class Decryption:
    """What :func:`steal_and_decrypt` recovered (lesson 06).

    ``steps``: (what was done, its result in short hex or words), in order, for the lesson to
    print; ``str()`` prints them. The private key is never shown; the secrets shown belong to
    this throwaway recording only.
    """

    pre_master_secret: bytes = field(repr=False)
    extended_master_secret: bool
    master_secret: bytes = field(repr=False)
    client_plaintext: bytes = field(repr=False)
    server_plaintext: bytes = field(repr=False)
    steps: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        lines = [_TITLE + ":"]
        lines += [f"{n:2}. {what}\n    {result}" for n, (what, result) in enumerate(self.steps, 1)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """In a notebook, the steps as a numbered list (the same text as ``str()``)."""
        items = "".join(
            f"<li>{html.escape(what)}<br><code>{html.escape(result)}</code></li>"
            for what, result in self.steps
        )
        return f"<b>{html.escape(_TITLE)}</b><ol>{items}</ol>"


_TITLE = "Opening a recorded TLS 1.2 session with the server's stolen private key"


_CHANGED = (
    "The {who}'s record number {n} after its ChangeCipherSpec does not open, although the keys "
    "opened the client's Finished: that record was changed or cut on the way. Use the "
    "recording exactly as record() returned it."
)


def _decrypt_side(keys: _Keys, records: list[bytes], who: Direction) -> tuple[bytes, bytes]:
    """(the Finished message, the application data) of one direction, sequence numbers from 0.

    The client's first record (its Finished) failing means a wrong key; any other record
    failing means the recording was changed (the keys were right)."""
    finished, data = b"", b""
    for sequence, sealed in enumerate(records):
        try:
            content_type, plaintext = _open_record(keys, sequence, sealed)
        except InvalidTag:
            if who == "client" and sequence == 0:
                raise DecryptionError(_WRONG_KEY) from None
            raise DecryptionError(_CHANGED.format(who=who, n=sequence + 1)) from None
        if content_type == _HANDSHAKE and plaintext[:1] == bytes([_FINISHED]):
            finished = plaintext
        elif content_type == _APPLICATION_DATA:
            data += plaintext
    return finished, data


def steal_and_decrypt(recording: Recording, server_private_key: rsa.RSAPrivateKey) -> Decryption:
    """Decrypt a recorded TLS 1.2 RSA-key-transport session with the server's key alone.

    For learning only (lesson 06): the thief's steps, each from an RFC, listed in
    ``Decryption.steps``. Raises :class:`CannotDecryptError` for TLS 1.3 or TLS 1.2 ECDHE
    (forward secrecy), ``DecryptionError`` for a key that does not open this recording.
    """
    client, server, hello = _check_key(recording, server_private_key)
    # 1. what the recording shows in the clear
    steps = [
        ("client_random (ClientHello, in the clear)", _hex(hello.client_random)),
        ("server_random (ServerHello, in the clear)", _hex(hello.server_random)),
        ("cipher suite", "TLS_RSA_WITH_AES_128_GCM_SHA256: RSA key transport "
         "(no ServerKeyExchange, no (EC)DHE)"),
        ("extended master secret (ServerHello extension 0x0017, RFC 7627)",
         "agreed" if hello.extended_master_secret else "not agreed"),
        ("encrypted pre-master secret (ClientKeyExchange, in the clear)",
         _hex(hello.encrypted_pre_master)),
    ]  # fmt: skip
    # 2. the theft: only the server's private key opens the ClientKeyExchange
    pre_master = _pre_master_secret(server_private_key, hello)
    steps.append(("pre_master_secret = RSA-decrypt it with the stolen key (PKCS#1 v1.5)",
                  _hex(pre_master, 48)))  # fmt: skip
    # 3. from here on, every step is public arithmetic: the master secret, the record keys
    master, master_steps = _master_secret(pre_master, hello)
    client_keys, server_keys = _key_block(master, hello)
    steps += master_steps + [
        ('key_block = PRF(master_secret, "key expansion", server_random + client_random)',
         "40 bytes, cut as RFC 5246 §6.3 says (no MAC keys with GCM):"),
        ("client_write_key (AES-128)", _hex(client_keys.key)),
        ("server_write_key (AES-128)", _hex(server_keys.key)),
        ("client_write_IV, server_write_IV (4-byte GCM salts, RFC 5288 §3)",
         f"{client_keys.salt.hex()}, {server_keys.salt.hex()}"),
    ]  # fmt: skip
    # 4. open every record; the client's Finished (its GCM tag) proves the keys right
    client_finished, client_data = _decrypt_side(client_keys, client.encrypted, "client")
    _, server_data = _decrypt_side(server_keys, server.encrypted, "server")
    expected = prf(master, b"client finished", _sha256(hello.transcript), 12)
    if client_finished[4:] != expected:  # RFC 5246 §7.4.9 (no client certificate here)
        raise DecryptionError(
            "The keys open the records, but the client's Finished does not match the recorded "
            "handshake messages (RFC 5246 §7.4.9): the recorded hellos were changed. Use the "
            "recording exactly as record() returned it."
        )
    steps += [
        ('client Finished = PRF(master_secret, "client finished", SHA-256(handshake)) ?',
         "yes: the keys are right (RFC 5246 §7.4.9)"),
        ("client -> server, decrypted (AES-128-GCM, nonce = salt + explicit nonce)",
         _words(client_data)),
        ("server -> client, decrypted", _words(server_data)),
    ]  # fmt: skip
    for who, side in (("client", client), ("server", server)):
        if side.leftover:
            steps.append((f"the end of the {who}'s bytes",
                          f"{side.leftover} bytes are an incomplete record (the recording was "
                          "cut): not decrypted"))  # fmt: skip
    return Decryption(
        pre_master_secret=pre_master,
        extended_master_secret=hello.extended_master_secret,
        master_secret=master,
        client_plaintext=client_data,
        server_plaintext=server_data,
        steps=steps,
    )


def _sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def _words(data: bytes, shown: int = 60) -> str:
    first = data.split(b"\r\n")[0][:shown]
    return f"{len(data)} bytes, beginning {first!r}"


# --- 6. what any eavesdropper sees ------------------------------------------------------------


def _server_name(client: _Side) -> str | None:
    hello = _find(client.messages, _CLIENT_HELLO)
    sni = _client_hello_extensions(hello[4:]).get(_SERVER_NAME) if hello else None
    return sni[5:].decode("ascii", "replace") if sni else None  # list len, type, name len


def _certificate_subject(server: _Side) -> str | None:
    message = _find(server.messages, _CERTIFICATE)
    if message is None:
        return None  # TLS 1.3: the Certificate message is encrypted
    size = int.from_bytes(message[7:10], "big")  # after certificate_list's 3-byte length
    try:
        certificate = x509.load_der_x509_certificate(message[10 : 10 + size])
        return certificate.subject.rfc4514_string()
    except (ValueError, x509.InvalidVersion):
        return "(a Certificate message that does not parse: the recording was changed)"


def what_the_thief_sees(recording: Recording) -> list[str]:
    """What a recording shows to anyone who kept it, with and without the server's key."""
    if not isinstance(recording, Recording):
        raise ArgumentError(f"Give what record() returned, not {type(recording).__name__}.")
    client, server = _side(recording.client_to_server), _side(recording.server_to_client)
    hello = _read_hello(client, server)
    subject = _certificate_subject(server)
    try:
        name = _server_name(client)
    except (IndexError, ValueError):  # a changed ClientHello: its lengths point past the end
        name = "(unreadable: the ClientHello was changed)"
    sealed = {
        who: (len(side.encrypted), sum(len(r) for r in side.encrypted))
        for who, side in (("client", client), ("server", server))
    }
    lines = [
        f"The name the client asked for (SNI, in the ClientHello): {name}",
        f"The version and cipher suite: {recording.version}, {recording.cipher}",
        "The server's certificate: "
        + (f"{subject} (sent in the clear)" if subject else "hidden (TLS 1.3 encrypts it)"),
        "Encrypted: {} records, {} bytes from the client; {} records, {} bytes from the "
        "server (their number and sizes show, not what is inside)".format(
            *sealed["client"], *sealed["server"]
        ),
    ]
    if hello.tls13 or hello.key_exchange:
        lines.append("With the server's stolen private key: nothing more (forward secrecy).")
    else:
        lines.append(
            "With the server's stolen private key: everything (the pre-master secret travels "
            "in the ClientKeyExchange, encrypted to that key)."
        )
    return lines
