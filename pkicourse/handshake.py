"""A TLS handshake you can step through, flight by flight (lesson 06-tls-handshake).

Lesson 06 first connects a client to a server over a socket and sees only the result. Here
the same two ``ssl.SSLContext`` objects talk through memory instead:

1. each side gets a pair of ``ssl.MemoryBIO`` buffers and ``SSLContext.wrap_bio`` makes an
   ``ssl.SSLObject`` that reads from one and writes to the other (no socket, no thread);
2. :func:`step_through` calls ``do_handshake()`` on the client, takes the bytes it wrote,
   hands them to the server, calls the server, and so on, until both have finished;
3. every batch of bytes one side writes is a :class:`Flight`; it is cut into TLS records by
   their 5-byte header (content type, legacy version, length: RFC 8446 §5.1, RFC 5246 §6.2).

What can be read and what cannot: a plaintext handshake record shows the handshake messages
inside it (ClientHello, ServerHello...). In TLS 1.3 everything after the ServerHello travels
in ``application_data`` records: they are encrypted, their real type is hidden inside the
encryption, and this module does not decrypt them. In TLS 1.2 a side encrypts everything it
sends after its own ChangeCipherSpec. A TLS 1.3 ChangeCipherSpec is a dummy record sent only
so that old middleboxes let the connection through (RFC 8446 Appendix D.4).

:func:`describe_flights` gives one plain row per record, for a table.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, NamedTuple

from pkicourse.errors import ArgumentError, CourseError
from pkicourse.tls import _shown
from pkicourse.validation import RULES

__all__ = [
    "ALERTS",
    "CONTENT_TYPES",
    "HANDSHAKE_TYPES",
    "Flight",
    "FlightRow",
    "HandshakeError",
    "HandshakeStepper",
    "Record",
    "describe_flights",
    "step_through",
]

Sender = Literal["client", "server"]

#: TLS record content types (RFC 8446 §5.1).
CONTENT_TYPES: Mapping[int, str] = MappingProxyType(
    {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
)

#: Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
HANDSHAKE_TYPES: Mapping[int, str] = MappingProxyType(
    {
        1: "ClientHello",
        2: "ServerHello",
        4: "NewSessionTicket",
        5: "EndOfEarlyData",
        8: "EncryptedExtensions",
        11: "Certificate",
        12: "ServerKeyExchange",
        13: "CertificateRequest",
        14: "ServerHelloDone",
        15: "CertificateVerify",
        16: "ClientKeyExchange",
        20: "Finished",
        24: "KeyUpdate",
    }
)

#: Alert descriptions the course meets (RFC 8446 §6).
ALERTS: Mapping[int, str] = MappingProxyType(
    {
        0: "close_notify",
        10: "unexpected_message",
        20: "bad_record_mac",
        40: "handshake_failure",
        42: "bad_certificate",
        43: "unsupported_certificate",
        44: "certificate_revoked",
        45: "certificate_expired",
        46: "certificate_unknown",
        47: "illegal_parameter",
        48: "unknown_ca",
        50: "decode_error",
        51: "decrypt_error",
        70: "protocol_version",
        71: "insufficient_security",
        80: "internal_error",
        109: "missing_extension",
        112: "unrecognized_name",
        116: "certificate_required",
        120: "no_application_protocol",
    }
)

_HEADER = 5  # content type (1), legacy version (2), length (2)
_CHANGE_CIPHER_SPEC, _ALERT, _HANDSHAKE, _APPLICATION_DATA = 20, 21, 22, 23
# A HelloRetryRequest is a ServerHello with this random (RFC 8446 §4.1.3).
_HELLO_RETRY = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
_SUPPORTED_VERSIONS = 0x002B
_MAX_STEPS = 20  # turns; a handshake, even with a HelloRetryRequest, needs fewer than 10


@dataclass
class Record:
    """One TLS record: its 5-byte header read, its contents read only when not encrypted.

    ``content_type`` (22 handshake, 20 change_cipher_spec, 21 alert, 23 application_data),
    ``legacy_version`` (0x0303 "TLS 1.2" even in TLS 1.3, 0x0301 in a first ClientHello),
    ``length`` (of the contents after the header). ``messages``: the handshake messages that
    begin in this record, by name, for a plaintext handshake record; empty when encrypted.
    ``alert``: the alert's description for a plaintext alert record.
    """

    content_type: int
    legacy_version: int
    length: int
    encrypted: bool
    messages: list[str] = field(default_factory=list)
    alert: str | None = None

    @property
    def size(self) -> int:
        """Bytes on the wire: the 5-byte header and the contents."""
        return _HEADER + self.length

    @property
    def content_type_name(self) -> str:
        return CONTENT_TYPES.get(self.content_type, f"unknown type {self.content_type}")

    @property
    def what(self) -> str:
        """What a reader of the wire can tell about this record, in words."""
        if self.content_type == _HANDSHAKE and not self.encrypted:
            return ", ".join(self.messages) or "handshake (the rest of a message)"
        if self.content_type == _CHANGE_CIPHER_SPEC:
            return "ChangeCipherSpec"
        if self.content_type == _ALERT and self.alert is not None:
            return f"alert: {self.alert}"
        if self.encrypted:
            return f"encrypted {self.content_type_name} (what is inside is hidden)"
        return self.content_type_name

    def __str__(self) -> str:
        lock = " [encrypted]" if self.encrypted else ""
        return f"{self.what}: {self.size} bytes{lock}"


@dataclass
class Flight:
    """The bytes one side wrote in one go, cut into TLS records.

    ``data`` holds those bytes exactly as they went to the other side.
    """

    sender: Sender
    records: list[Record]
    data: bytes = field(default=b"", repr=False)

    @property
    def size(self) -> int:
        """Bytes sent in this flight: every record's header and contents."""
        return sum(record.size for record in self.records)

    @property
    def encrypted(self) -> bool:
        """True when every record of the flight is encrypted."""
        return all(record.encrypted for record in self.records)

    def __str__(self) -> str:
        arrow = "client -> server" if self.sender == "client" else "server -> client"
        lines = [f"{arrow}: {len(self.records)} record(s), {self.size} bytes"]
        lines += [f"  {record}" for record in self.records]
        return "\n".join(lines)


class FlightRow(NamedTuple):
    """One row of :func:`describe_flights`: who sent the record, what it is, its size in bytes,
    whether it is encrypted."""

    who: str
    what: str
    size: int
    encrypted: bool


class HandshakeError(CourseError, ConnectionError):
    """The handshake failed; ``flights`` holds everything sent until then, alert included.

    ``verify_code`` is OpenSSL's verify code when the client refused the server's certificate.
    """

    def __init__(self, message: str, flights: list[Flight], verify_code: int | None) -> None:
        super().__init__(message)
        self.flights = flights
        self.verify_code = verify_code


def describe_flights(flights: Iterable[Flight] | Flight) -> list[FlightRow]:
    """One plain row per record, in the order sent: (who, what, size, encrypted).

    ``flights`` is what :func:`step_through` returned, or a single :class:`Flight`.
    """
    if isinstance(flights, Flight):
        flights = [flights]
    elif not isinstance(flights, Iterable) or isinstance(flights, (str, bytes)):
        raise ArgumentError(
            f"describe_flights needs the list step_through returned, not {type(flights).__name__}."
        )
    rows = []
    for flight in flights:
        if not isinstance(flight, Flight):
            raise ArgumentError(
                f"describe_flights needs the Flights step_through returned, not "
                f"{type(flight).__name__}."
            )
        rows += [FlightRow(flight.sender, r.what, r.size, r.encrypted) for r in flight.records]
    return rows


class _Version:
    """Shared by both readers: set once the ServerHello chose TLS 1.3."""

    tls13 = False


_CUT = (
    "These bytes are not whole TLS records: {what} is cut short. OpenSSL never writes that; "
    "give the bytes exactly as one side sent them (a Flight's data, or a recording)."
)


class _Reader:
    """Cuts one side's bytes into records, remembering what that side has sent before."""

    def __init__(self, sender: Sender, version: _Version) -> None:
        self.sender: Sender = sender
        self.version = version
        self.after_change_cipher_spec = False
        self.pending = bytearray()  # handshake bytes of a message not yet complete
        self.owner: Record | None = None  # the record where the pending message began

    def flight(self, data: bytes) -> Flight:
        records = []
        offset = 0
        while offset < len(data):
            if offset + _HEADER > len(data):
                raise ArgumentError(_CUT.format(what="a record header (5 bytes)"))
            content_type = data[offset]
            version = int.from_bytes(data[offset + 1 : offset + 3], "big")
            length = int.from_bytes(data[offset + 3 : offset + 5], "big")
            fragment = data[offset + _HEADER : offset + _HEADER + length]
            if len(fragment) != length:
                raise ArgumentError(_CUT.format(what=f"a record of {length} bytes"))
            offset += _HEADER + length
            # TLS 1.3 encrypts into application_data records only (its ChangeCipherSpec is a
            # dummy); TLS 1.2 encrypts every record a side sends after its ChangeCipherSpec.
            encrypted = content_type == _APPLICATION_DATA or (
                self.after_change_cipher_spec and not self.version.tls13
            )
            record = Record(content_type, version, length, encrypted)
            if content_type == _CHANGE_CIPHER_SPEC:
                self.after_change_cipher_spec = True  # TLS 1.2: from here on, encrypted
            elif content_type == _HANDSHAKE and not encrypted:
                self._read_messages(record, fragment)
            elif content_type == _ALERT and not encrypted and length >= 2:
                record.alert = ALERTS.get(fragment[1], f"alert {fragment[1]}")
            records.append(record)
        return Flight(self.sender, records, data)

    def _read_messages(self, record: Record, fragment: bytes) -> None:
        """Handshake messages: type (1 byte), length (3 bytes), body; may span records."""
        if not self.pending:
            self.owner = record
        self.pending += fragment
        while len(self.pending) >= 4:
            size = int.from_bytes(self.pending[1:4], "big")
            if len(self.pending) < 4 + size:
                break
            kind, body = self.pending[0], bytes(self.pending[4 : 4 + size])
            name = HANDSHAKE_TYPES.get(kind, f"handshake message {kind}")
            if kind == 2 and body[2:34] == _HELLO_RETRY:
                name = "HelloRetryRequest"  # exists only in TLS 1.3
                self.version.tls13 = True
            elif kind == 2 and _chose_tls13(body):
                self.version.tls13 = True
            (self.owner or record).messages.append(name)
            del self.pending[: 4 + size]
            self.owner = record  # what is left began in this record


def _chose_tls13(server_hello: bytes) -> bool:
    """Does this ServerHello's supported_versions extension say TLS 1.3 (RFC 8446 §4.2.1)?"""
    if len(server_hello) < 35:
        return False  # too short to hold its version, random and session id
    at = 35 + server_hello[34] + 3  # version, random, session id, cipher suite, compression
    end = at + 2 + int.from_bytes(server_hello[at : at + 2], "big")
    at += 2
    while at + 4 <= min(end, len(server_hello)):
        kind = int.from_bytes(server_hello[at : at + 2], "big")
        size = int.from_bytes(server_hello[at + 2 : at + 4], "big")
        if kind == _SUPPORTED_VERSIONS:
            return server_hello[at + 4 : at + 6] == b"\x03\x04"
        at += 4 + size
    return False


class _Side:
    def __init__(
        self, context: ssl.SSLContext, sender: Sender, hostname: str, version: _Version
    ) -> None:
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        server_side = sender == "server"
        self.tls = context.wrap_bio(
            self.incoming,
            self.outgoing,
            server_side=server_side,
            server_hostname=None if server_side else hostname,
        )
        self.reader = _Reader(sender, version)
        self.done = False

    def step(self) -> None:
        """Let this side read what arrived and write its answer (it may raise ssl.SSLError)."""
        try:
            if not self.done:
                self.tls.do_handshake()
                self.done = True
            elif self.incoming.pending:
                self.tls.read(1)  # after the handshake: TLS 1.3 session tickets, an alert
        except ssl.SSLWantReadError:
            pass


def _check_context(context: object, what: str, server_side: bool) -> ssl.SSLContext:
    if not isinstance(context, ssl.SSLContext):
        raise ArgumentError(f"{what} must be an ssl.SSLContext, not {type(context).__name__}.")
    if context.protocol == (ssl.PROTOCOL_TLS_CLIENT if server_side else ssl.PROTOCOL_TLS_SERVER):
        other = "PROTOCOL_TLS_SERVER" if server_side else "PROTOCOL_TLS_CLIENT"
        raise ArgumentError(f"{what} was made for the other side: use ssl.{other}.")
    return context


class HandshakeStepper:
    """A client and a server, each an ``ssl.SSLObject`` over memory buffers, taking turns.

    ``step()`` returns the next :class:`Flight` (``None`` once the handshake is over);
    ``client`` and ``server`` are the two ``ssl.SSLObject`` (``version()``, ``cipher()``...);
    ``flights`` all flights so far. :func:`step_through` runs it to the end.
    """

    def __init__(
        self, client_context: ssl.SSLContext, server_context: ssl.SSLContext, *, hostname: str
    ) -> None:
        client_context = _check_context(client_context, "client_context", server_side=False)
        server_context = _check_context(server_context, "server_context", server_side=True)
        if not isinstance(hostname, str) or not hostname:
            raise ArgumentError("hostname must be the server's name as text, like 'bank.example'.")
        try:
            hostname.encode("idna")  # what ssl sends as the server name (SNI)
        except UnicodeError:
            raise ArgumentError(
                f"hostname {_shown(hostname)} is not a valid host name: each part between dots "
                "must have 1 to 63 characters. Write it as 'bank.example'."
            ) from None
        if "\x00" in hostname:
            raise ArgumentError(f"hostname {_shown(hostname)} holds a NUL character: remove it.")
        self._version = _Version()
        self._sides = (
            _Side(client_context, "client", hostname, self._version),
            _Side(server_context, "server", hostname, self._version),
        )
        self.flights: list[Flight] = []
        self._turn = 0
        self._quiet = 0  # turns in a row in which nobody sent anything
        self._error: HandshakeError | None = None

    @property
    def client(self) -> ssl.SSLObject:
        return self._sides[0].tls

    @property
    def server(self) -> ssl.SSLObject:
        return self._sides[1].tls

    @property
    def finished(self) -> bool:
        """Both sides have finished the handshake and nothing is left to send."""
        return self._sides[0].done and self._sides[1].done and self._quiet >= 2

    def step(self) -> Flight | None:
        """Let the sides take turns until one sends something; return that flight."""
        if self._error is not None:
            raise self._error
        while not self.finished:
            if self._turn >= _MAX_STEPS:
                self._error = HandshakeError(
                    f"The handshake did not finish after {_MAX_STEPS} turns.",
                    self.flights,
                    verify_code=None,
                )
                raise self._error
            side, other = self._sides[self._turn % 2], self._sides[(self._turn + 1) % 2]
            self._turn += 1
            try:
                side.step()
            except ssl.SSLError as error:
                self._send(side, other)
                try:  # the other side reads the alert, as it would over a socket
                    other.step()
                except ssl.SSLError:
                    pass
                self._send(other, side)
                self._error = _failure(error, side.reader.sender, self.flights)
                raise self._error from None
            flight = self._send(side, other)
            self._quiet = 0 if flight else self._quiet + 1
            if flight is not None:
                return flight
        return None

    def run(self) -> list[Flight]:
        """Step until the handshake is over; return every flight."""
        while self.step() is not None:
            pass
        return self.flights

    def _send(self, side: _Side, other: _Side) -> Flight | None:
        data = side.outgoing.read()
        if not data:
            return None
        flight = side.reader.flight(data)
        self.flights.append(flight)
        other.incoming.write(data)
        return flight


def step_through(
    client_context: ssl.SSLContext, server_context: ssl.SSLContext, *, hostname: str
) -> list[Flight]:
    """Run a TLS handshake between the two contexts in memory; return the flights in order.

    The client checks the server's certificate for ``hostname`` (as a browser would). No socket
    and no thread: the client and the server take turns (:class:`HandshakeStepper`). If the
    handshake fails, raises :class:`HandshakeError` that says why in words and keeps the
    flights sent until then (the last one carries the alert).
    """
    return HandshakeStepper(client_context, server_context, hostname=hostname).run()


#: OpenSSL's reason for a failed handshake -> what it usually means here, and what to do.
_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "NO_SHARED_CIPHER": " No cipher suite both sides can use: often the server context has "
        "no certificate and key (leaf.configure_cert(server_context)).",
        "PEER_DID_NOT_RETURN_A_CERTIFICATE": " The server requires a client certificate "
        "(verify_mode CERT_REQUIRED) and the client sent none: give the client context one "
        "(load_cert_chain), or do not require it.",
        "UNSUPPORTED_PROTOCOL": " The two contexts allow no TLS version in common: check "
        "minimum_version and maximum_version.",
        "TLSV1_ALERT_PROTOCOL_VERSION": " The two contexts allow no TLS version in common: "
        "check minimum_version and maximum_version.",
    }
)


def _failure(error: ssl.SSLError, who: Sender, flights: list[Flight]) -> HandshakeError:
    if isinstance(error, ssl.SSLCertVerificationError):
        code = int(error.verify_code)
        words = next(
            (rule.plain_words for rule in RULES.values() if rule.openssl_code == code),
            "The certificate chain was refused.",
        )
        message = str(error.verify_message).rstrip(".")
        peer = "server" if who == "client" else "client"
        return HandshakeError(
            f"The {who} refused the {peer}'s certificate: {words} (OpenSSL verify code "
            f"{code}: {message}.) Its alert is the last flight, in .flights.",
            flights,
            verify_code=code,
        )
    reason = str(error.reason or error)
    why = _REASONS.get(reason, "")
    return HandshakeError(
        f"The handshake failed on the {who}'s side ({reason}).{why} Everything sent until "
        "then, alert included, is in .flights.",
        flights,
        verify_code=None,
    )
