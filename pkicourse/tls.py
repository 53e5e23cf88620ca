"""TLS servers and clients on 127.0.0.1, with Python's ``ssl`` (lessons 06, 07 and 08).

Lesson 06-tls-handshake first writes a server and a client by hand (``ssl.SSLContext``,
``wrap_socket``, ``server_hostname=``); lessons 07-mitm and 08-putting-it-together then use
these helpers:

1. :func:`tls_server` runs a TLS server (raw TLS, or HTTPS with ``http=True``) on 127.0.0.1,
   on a port the operating system picks, until its ``with`` block ends. Each visitor is
   served in its own thread; leaving the block (even through an exception) stops the server
   and joins every thread.
   A ``handler`` function may answer each request (an HTTPS login form's POST too: lesson
   07's bank and its interceptor); ``server.visits`` lists what the server saw of each
   visitor (:class:`Visit`: the request, the client's certificate, why it failed).
2. :func:`connect` is a client: it connects with a given trust store and host name and
   returns a :class:`Connection`. On success: the negotiated version, cipher suite,
   key-exchange group and the certificates the server sent. On failure: the OpenSSL verify
   code, Chrome's error for the same failure and the rule, in plain words, that failed.
   ``crl=`` checks the server's certificate against its issuer's CRL
   (``VERIFY_CRL_CHECK_LEAF``).
3. Mutual TLS (lesson 08): ``tls_server(..., client_ca=ca)`` asks every visitor for a
   certificate from that CA (``verify_mode = CERT_REQUIRED``); ``connect(...,
   certificate=ca.issue_client_cert(...))`` sends one. A refusal is a TLS alert
   (``Connection.alert``); in TLS 1.3 it arrives after the client's handshake has completed,
   as ``TLSV13_ALERT_CERTIFICATE_REQUIRED`` when the client sent no certificate.
4. Pinning (lesson 07): ``connect(..., pins=[spki_pin(bank_certificate)])`` verifies as
   usual, then, before sending anything, requires the key of one certificate in the verified
   chain to be among the pins (:func:`spki_pin`: SHA-256 of the SubjectPublicKeyInfo, with
   ``cryptography``'s ``hashes``); otherwise it hangs up (``Connection.pinned``).

The key-exchange group: Python 3.11's ``ssl`` has no accessor for it, so the client runs the
handshake through an ``ssl.MemoryBIO`` pair (``SSLContext.wrap_bio``), keeps the bytes the
server sent, and reads the group from the ServerHello's key_share extension (TLS 1.3,
RFC 8446 §4.2.8) or from the ServerKeyExchange's named curve (TLS 1.2 ECDHE, RFC 8422 §5.4).
TLS 1.2 with RSA key transport has no key exchange at all: the client encrypts the
pre-master secret to the server's RSA key. The group is read, never assumed: OpenSSL up to
3.4 picks X25519; OpenSSL 3.5 and later pick the post-quantum hybrid X25519MLKEM768 when both
sides have it (its key shares are bigger: a ClientHello of about 1.5 KB instead of about 0.5 KB).
tests/test_openssl_differences.py reads real bytes from such an OpenSSL.

The chain the server sent comes from ``get_unverified_chain()``, the chain OpenSSL verified
(leaf to root, what pins are compared with) from ``get_verified_chain()``: both public on
Python 3.13, on the private ``_sslobj`` before. Client contexts made here set
``VERIFY_X509_STRICT`` (Python 3.13's default) and check the host name.
"""

from __future__ import annotations

import base64
import socket
import ssl
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning

from pkicourse import keys
from pkicourse.ca import CA, LeafCert
from pkicourse.certificates import _certificates, file_kind
from pkicourse.errors import (
    ArgumentError,
    CertificateParseError,
    CourseError,
    NotACertificateError,
    PassphraseError,
    ServerError,
)
from pkicourse.validation import OPENSSL_CODES, RULES

__all__ = [
    "GROUPS",
    "RSA_KEY_TRANSPORT",
    "Connection",
    "TLSServer",
    "Visit",
    "connect",
    "spki_pin",
    "tls_server",
]

HOST = "127.0.0.1"  # every course server listens here only

#: TLS "supported groups" codepoints (IANA registry; RFC 8446 §4.2.7, RFC 8422, RFC 7919,
#: RFC 8998, draft-ietf-tls-ecdhe-mlkem) and their names.
GROUPS: Mapping[int, str] = MappingProxyType(
    {
        0x0017: "secp256r1",
        0x0018: "secp384r1",
        0x0019: "secp521r1",
        0x001D: "X25519",
        0x001E: "X448",
        0x0029: "curveSM2",
        0x0100: "ffdhe2048",
        0x0101: "ffdhe3072",
        0x0102: "ffdhe4096",
        0x0103: "ffdhe6144",
        0x0104: "ffdhe8192",
        0x0200: "MLKEM512",
        0x0201: "MLKEM768",
        0x0202: "MLKEM1024",
        0x11EB: "SecP256r1MLKEM768",
        0x11EC: "X25519MLKEM768",
        0x11ED: "SecP384r1MLKEM1024",
        0x11EE: "curveSM2MLKEM768",
        0x6399: "X25519Kyber768Draft00",
    }
)

#: The "group" of a TLS 1.2 connection whose cipher suite uses RSA key transport.
RSA_KEY_TRANSPORT = "RSA key transport (no key exchange group)"
_FINITE_FIELD_DH = "finite-field Diffie-Hellman with the server's own parameters (no named group)"

_DEFAULT_RESPONSE = b"hello from pkicourse over TLS\n"
_SERVER_TIMEOUT = 2.0  # seconds a server waits for a visitor's bytes; a local handshake takes ms
_READ_SIZE = 16384
_CLOSE_WAIT = 0.5  # seconds a server waits for the client's close_notify after its own
_GRACE = 0.25  # seconds a stopping server lets busy visitors finish before cutting them off
_MAX_HEAD = 65536  # an HTTP request head longer than this is cut
_MAX_BODY = 1 << 20  # a request body is read up to 1 MiB
_MAX_TIMEOUT = 60  # seconds; a local handshake takes milliseconds


def _shown(value: object) -> str:
    """A wrong value as an error message shows it: its repr when short and not key-like, else
    only its type and size. A PEM key pasted in the wrong place is never echoed back."""
    if isinstance(value, (str, bytes, bytearray)):
        text = value if isinstance(value, str) else bytes(value).decode("latin-1")
        if "-----BEGIN" in text or "PRIVATE" in text or len(text) > 60:
            return f"a {type(value).__name__} of length {len(value)} (not shown)"
    shown = repr(value)
    return shown if len(shown) <= 80 else f"a {type(value).__name__} (not shown)"


# --- the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TLSServer:
    """A running :func:`tls_server`: connect to ``host``:``port`` (lesson 06)."""

    host: str
    port: int
    certificate: x509.Certificate  # the server's own certificate (public)
    chain: list[x509.Certificate]  # what it sends: the leaf, then its intermediates
    http: bool
    context: ssl.SSLContext = field(repr=False)
    #: What the server saw, one :class:`Visit` per visitor, in order (a live list).
    visits: list[Visit] = field(default_factory=list, repr=False, compare=False)


@dataclass(frozen=True)
class Visit:
    """One visitor, as the server saw it (lessons 07 and 08).

    ``ok``: the handshake succeeded and the answer was made (False: the visitor refused the
    server, sent nothing, or the handler failed; ``error`` says which). ``request``: the bytes
    the visitor sent (what a man in the middle reads), or None. ``client_certificate``: the
    certificate the visitor proved it holds (mutual TLS, ``client_ca=``), or None.
    """

    ok: bool
    request: bytes | None
    client_certificate: x509.Certificate | None
    error: str | None

    def __str__(self) -> str:
        who = "a visitor" if self.client_certificate is None else _cn(self.client_certificate)
        if not self.ok:
            return f"{who}: refused or failed: {self.error}"
        sent = "nothing" if not self.request else f"{len(self.request)} bytes"
        return f"{who}: sent {sent}"


def _server_context(
    leaf: object,
    minimum_version: ssl.TLSVersion | None,
    maximum_version: ssl.TLSVersion | None,
    ciphers: str | None,
    ecdh_curve: str | None,
) -> tuple[ssl.SSLContext, list[x509.Certificate]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if isinstance(leaf, LeafCert):
        leaf.configure_cert(context)
        chain = list(leaf.chain)
    elif (
        isinstance(leaf, tuple)
        and len(leaf) == 2
        and all(isinstance(part, (bytes, str)) for part in leaf)
    ):
        chain_pem, key_pem = (
            p.encode("utf-8", "replace") if isinstance(p, str) else p for p in leaf
        )
        chain = _pem_certificates(
            chain_pem, "The server's certificate chain (the pair's first item)"
        )
        _load_cert_chain(context, chain, _server_key_pem(key_pem))
    else:
        raise ArgumentError(
            "tls_server needs a LeafCert (ca.issue_cert(...)) or a pair (cert_chain_pem, "
            f"private_key_pem), not {type(leaf).__name__}."
        )
    for what, version in (
        ("minimum_version", minimum_version),
        ("maximum_version", maximum_version),
    ):
        if version is not None and not isinstance(version, ssl.TLSVersion):
            raise ArgumentError(
                f"{what} must be an ssl.TLSVersion such as ssl.TLSVersion.TLSv1_2, "
                f"not {type(version).__name__}."
            )
    special = (ssl.TLSVersion.MINIMUM_SUPPORTED, ssl.TLSVersion.MAXIMUM_SUPPORTED)  # -2, -1
    if minimum_version not in (None, *special) and maximum_version not in (None, *special):
        if minimum_version > maximum_version:
            raise ArgumentError(
                f"minimum_version ({minimum_version.name}) is above maximum_version "
                f"({maximum_version.name}): no client could connect. Swap them."
            )
    if minimum_version is not None:
        context.minimum_version = minimum_version
    if maximum_version is not None:
        context.maximum_version = maximum_version
    if ciphers is not None:
        _set_ciphers(context, ciphers)
    if ecdh_curve is not None:
        _set_ecdh_curve(context, ecdh_curve)
    return context, chain


def _require_client_certificates(context: ssl.SSLContext, client_ca: object) -> None:
    """Mutual TLS: send a CertificateRequest; accept only a client chaining to ``client_ca``.

    ``client_ca`` is the only trust anchor; when it is an intermediate CA,
    ``VERIFY_X509_PARTIAL_CHAIN`` lets the chain stop there (its root is not needed).
    """
    if isinstance(client_ca, CA):
        anchor = client_ca.certificate
    elif isinstance(client_ca, x509.Certificate):
        anchor = client_ca
    else:
        raise ArgumentError(
            "client_ca must be the CA whose client certificates the server accepts: a CA or "
            f"its x509.Certificate, not {type(client_ca).__name__}."
        )
    context.load_verify_locations(cadata=anchor.public_bytes(serialization.Encoding.DER))
    if anchor.subject != anchor.issuer:
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.verify_flags |= ssl.VERIFY_X509_STRICT  # RFC 5280 rules, as for servers
    context.verify_mode = ssl.CERT_REQUIRED  # no certificate, or a refused one: no connection


def _set_ecdh_curve(context: ssl.SSLContext, curve: object) -> None:
    if type(curve) is not str:
        raise ArgumentError(
            f"ecdh_curve must be a group's name such as 'secp384r1', not {type(curve).__name__}."
        )
    try:
        context.set_ecdh_curve(curve)  # the server's only group; OpenSSL 3 accepts X25519 too
    except (ValueError, ssl.SSLError) as error:  # SSLError: an object name that is no curve
        if "MLKEM" in curve.upper().replace("-", ""):
            raise ArgumentError(
                f"ecdh_curve takes one elliptic curve, not {_shown(curve)}: Python's ssl "
                "(set_ecdh_curve) cannot choose an ML-KEM group. OpenSSL 3.5 and later offer "
                "X25519MLKEM768 by default: leave ecdh_curve out, and read connect(...).group."
            ) from error
        raise ArgumentError(
            f"OpenSSL knows no group {_shown(curve)} that set_ecdh_curve takes (an elliptic "
            "curve): try 'X25519', 'prime256v1' or 'secp384r1'."
        ) from error


def _set_ciphers(context: ssl.SSLContext, ciphers: object) -> None:
    if type(ciphers) is not str:
        raise ArgumentError(
            f"ciphers must be an OpenSSL cipher string such as 'AES128-GCM-SHA256', "
            f"not {type(ciphers).__name__}."
        )
    try:
        context.set_ciphers(ciphers)  # TLS 1.2 suites only: TLS 1.3's are not chosen here
    except ssl.SSLError as error:
        raise ArgumentError(
            f"OpenSSL knows no cipher suite in {_shown(ciphers)}: use OpenSSL's names, e.g. "
            "'AES128-GCM-SHA256' or 'ECDHE-RSA-AES128-GCM-SHA256' (openssl ciphers -v lists "
            "them)."
        ) from error


def _pem_certificates(chain_pem: bytes, what: str) -> list[x509.Certificate]:
    """Every certificate in PEM (or DER) bytes; course errors that say what the bytes hold
    instead (a key, a CSR, a CRL...) or what is damaged (``certificates``' own checks)."""
    if not chain_pem.strip():
        raise NotACertificateError(f"{what} is empty: give the certificate's PEM text.")
    if file_kind(chain_pem) in ("private key", "encrypted private key", "OpenSSH private key"):
        raise NotACertificateError(
            f"{what} holds a private key, not a certificate. A server's pair is "
            "(cert_chain_pem, private_key_pem): the certificate chain first, then the key."
        )
    return _certificates(chain_pem, what)


def _server_key_pem(key_pem: bytes) -> bytes:
    """The server's private key as unencrypted PKCS#8 PEM, read with ``keys`` first: OpenSSL
    itself would ask for the passphrase of an encrypted key on the terminal."""
    try:
        key = keys.private_key_from_pem(key_pem)
    except PassphraseError:
        raise PassphraseError(
            "The server's private key (the pair's second item) is encrypted, and tls_server "
            "takes no passphrase. Decrypt it first: key = keys.private_key_from_pem(pem, "
            "passphrase=getpass.getpass()), then give keys.private_key_pem(key)."
        ) from None
    except CourseError as error:
        raise type(error)(f"The server's private key (the pair's second item): {error}") from None
    return keys.private_key_pem(key)


#: Why OpenSSL refuses a certificate and key (its reason) -> what to do.
_LOAD_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "KEY_VALUES_MISMATCH": "OpenSSL checks that the private key belongs to the "
        "certificate, and it does not. Give the key that was made with the certificate.",
        "NO_CERTIFICATE_ASSIGNED": "the private key is of another type than the certificate's "
        "key (RSA and EC, say): OpenSSL checks that the private key belongs to the "
        "certificate. Give the key that was made with the certificate.",
        "EE_KEY_TOO_SMALL": "the certificate's key is too small for OpenSSL's security level "
        "(RSA below 2048 bits). Make a new key and certificate (ca.issue_cert).",
        "CA_KEY_TOO_SMALL": "a CA certificate in the chain has a key too small for OpenSSL's "
        "security level (RSA below 2048 bits). Leave it out, or make a new chain (ca.py).",
        "CA_MD_TOO_WEAK": "a certificate in the chain is signed with a hash OpenSSL no longer "
        "accepts (MD5 or SHA-1). Make a new certificate (ca.issue_cert).",
    }
)


def _load_cert_chain(
    context: ssl.SSLContext, chain: list[x509.Certificate], key_pem: bytes
) -> None:
    """``ssl`` loads a chain and key only from files: a temporary folder, removed at once."""
    with tempfile.TemporaryDirectory(prefix="pkicourse-tls-") as folder:
        key_path, cert_path = Path(folder, "server.key"), Path(folder, "server.pem")
        key_path.touch(mode=0o600)  # a private key file is never world-readable
        key_path.write_bytes(key_pem)
        cert_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as error:
            reason = str(error.reason or "")
            words = _LOAD_REASONS.get(
                reason,
                "OpenSSL cannot use this certificate (it may be damaged, or in a form OpenSSL "
                "refuses) or this key. Give a certificate from ca.issue_cert and its own key.",
            )
            raise ServerError(
                f"The server cannot use this certificate and key ({reason or 'unreadable'}): "
                + words
            ) from None


def _http_answer(request: bytes, body: bytes) -> bytes:
    """One HTTP/1.1 answer: 200 with ``body`` for a GET, 405 for anything else."""
    if request.startswith(b"GET "):
        return _http_reply(b"200 OK", body)
    return _http_reply(b"405 Method Not Allowed", b"this course server answers GET only\n")


def _http_reply(status: bytes, body: bytes) -> bytes:
    head = (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
    )
    return head + body


def _linger(tls: ssl.SSLSocket) -> None:
    """After refusing a visitor: hang up the sending side only, then drain what it still sends.

    A TLS 1.3 client that we refuse (mutual TLS) has finished its handshake and may already
    be sending its request; closing at once would answer that with a TCP reset, which can
    destroy our alert before the client reads it. The plain socket's calls: no TLS here.
    """
    try:
        socket.socket.shutdown(tls, socket.SHUT_WR)
        socket.socket.settimeout(tls, _CLOSE_WAIT)
        while socket.socket.recv(tls, _READ_SIZE):
            pass
    except OSError:
        pass  # the visitor hung up, or took too long: either way, we are done


def _peer_certificate(tls: ssl.SSLSocket) -> x509.Certificate | None:
    """The client's certificate (mutual TLS), or None when it sent none."""
    der = tls.getpeercert(binary_form=True)
    return _parsed(der) if der else None


def _alert_name(reason: str) -> str | None:
    """TLS alert name from OpenSSL's reason: ``TLSV1_ALERT_UNKNOWN_CA`` -> ``unknown_ca``."""
    _, found, name = reason.partition("ALERT_")
    return name.lower() if found and name else None


def _content_length(head: bytes) -> int:
    """The Content-Length of an HTTP request head (0 when absent or unreadable)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return max(0, int(value.strip()))
            except ValueError:
                return 0
    return 0


class _Server:
    """The accept loop and the visitors' threads of one :func:`tls_server`."""

    def __init__(
        self,
        listener: socket.socket,
        context: ssl.SSLContext,
        http: bool,
        response: bytes | None,
        handler: Callable[[bytes], bytes] | None,
    ) -> None:
        self.listener = listener
        self.context = context
        self.http = http
        self.response = response
        self.handler = handler
        self.stop = threading.Event()  # no more visitors
        self.cut = threading.Event()  # the visitors still here are being cut off
        self.lock = threading.Lock()
        self.visitors: list[threading.Thread] = []
        self.open: set[socket.socket] = set()
        self.visits: list[Visit] = []  # shared with TLSServer.visits: a live list
        self.accepter = threading.Thread(
            target=self._accept_loop, name="pkicourse-tls-server", daemon=True
        )

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.2)  # also polls, in case the wake-up call is lost
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break  # the listener was closed
            if self.stop.is_set():  # the wake-up call from shutdown(): no visitor
                connection.close()
                break
            connection.settimeout(_SERVER_TIMEOUT)
            visitor = threading.Thread(
                target=self._serve_one, args=(connection,), name="pkicourse-tls-visitor",
                daemon=True,
            )  # fmt: skip
            with self.lock:
                self.open.add(connection)
                self.visitors.append(visitor)
            visitor.start()

    def _serve_one(self, connection: socket.socket) -> None:
        """Handshake, read one request, answer it, hang up; note the visit in ``visits``."""
        request: bytes | None = None
        client: x509.Certificate | None = None
        noted = False
        try:
            with self.context.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            ) as tls:
                with self.lock:  # wrap_socket took over the socket: shutdown() must see tls
                    self.open.discard(connection)
                    if self.stop.is_set():
                        return
                    self.open.add(tls)
                try:
                    tls.do_handshake()
                except ssl.SSLError:
                    _linger(tls)
                    raise
                client = _peer_certificate(tls)
                request = self._read_request(tls)
                answer, failure = self._answer(request) if request else (b"", None)
                self._note(Visit(failure is None, request, client, failure))  # before answering:
                noted = True  # a client that has its answer finds its visit listed
                if answer:
                    tls.sendall(answer)
                tls.settimeout(_CLOSE_WAIT)
                tls.unwrap()  # close_notify: "that was all", so the client sees a clean end
        except (ssl.SSLError, OSError) as error:  # the visitor refused us, or hung up: its right
            if not noted:
                self._note(Visit(False, request, client, self._why(error)))
        finally:
            with self.lock:
                self.open = {s for s in self.open if s is not connection and s.fileno() != -1}
            connection.close()

    def _note(self, visit: Visit) -> None:
        with self.lock:
            self.visits.append(visit)

    def _why(self, error: OSError) -> str:
        """What went wrong with a visitor, in plain words (for :class:`Visit`)."""
        if self.cut.is_set():
            return "the server stopped before this visitor was done"
        if isinstance(error, ssl.SSLCertVerificationError):
            return (
                f"the client's certificate was refused: {error.verify_message} (OpenSSL verify "
                f"code {error.verify_code})"
            )
        if isinstance(error, ssl.SSLError):
            reason = str(error.reason or error)
            alert = _alert_name(reason)
            if alert is not None:
                return f"the client ended the handshake with the alert {alert} ({reason})"
            if "PEER_DID_NOT_RETURN_A_CERTIFICATE" in reason:
                return "the client sent no certificate, and this server requires one"
            return f"the TLS handshake failed ({reason})"
        if isinstance(error, TimeoutError):
            more = " (an HTTP request ends with an empty line, then Content-Length bytes)"
            return f"the visitor sent no complete request within {_SERVER_TIMEOUT:g} s" + (
                more if self.http else ""
            )
        return f"the visitor hung up ({error})"

    def _read_request(self, tls: ssl.SSLSocket) -> bytes:
        """Raw TLS: the first bytes read. HTTP: the head, then the body up to Content-Length."""
        request = tls.recv(_READ_SIZE)
        if not self.http:
            return request
        while request and b"\r\n\r\n" not in request and len(request) < _MAX_HEAD:
            more = tls.recv(_READ_SIZE)
            if not more:
                return request
            request += more
        head, separator, body = request.partition(b"\r\n\r\n")
        wanted = min(_content_length(head), _MAX_BODY)
        while separator and len(body) < wanted:
            more = tls.recv(_READ_SIZE)
            if not more:
                break
            body += more
        return head + separator + body[:wanted]

    def _answer(self, request: bytes) -> tuple[bytes, str | None]:
        """(the answer, why the handler failed or None)."""
        if self.handler is not None:
            return self._handled(request)
        if self.http:
            body = _DEFAULT_RESPONSE if self.response is None else self.response
            return _http_answer(request, body), None
        return (request if self.response is None else self.response), None  # None: an echo

    def _handled(self, request: bytes) -> tuple[bytes, str | None]:
        """The handler's answer; a handler that fails gets HTTP 500, or (raw) a hang-up."""
        try:
            answer = self.handler(request) if self.handler is not None else b""
            if type(answer) is not bytes:
                raise TypeError(f"it returned {type(answer).__name__}, not bytes")
        except Exception as error:  # the learner's handler failed: this visitor only
            failure = f"the handler raised {type(error).__name__}: {error}"
            if self.http:
                return _http_reply(
                    b"500 Internal Server Error", b"the server's handler raised an error\n"
                ), failure
            return b"", failure
        return (_http_reply(b"200 OK", answer) if self.http else answer), None

    def shutdown(self) -> None:
        """Stop accepting, wake the accept loop, end every visitor, join every thread."""
        self.stop.set()
        try:
            socket.create_connection(self.listener.getsockname(), timeout=1).close()
        except OSError:
            pass  # the accept loop has stopped already
        self.accepter.join()
        grace = time.monotonic() + _GRACE  # a visitor busy with bytes already sent finishes
        for visitor in list(self.visitors):
            visitor.join(max(0.0, grace - time.monotonic()))
        with self.lock:
            self.cut.set()
            for connection in self.open:
                try:
                    # a visitor waiting in recv wakes (the plain socket's shutdown: no TLS alert)
                    socket.socket.shutdown(connection, socket.SHUT_RDWR)
                except OSError:
                    pass
            visitors = list(self.visitors)
        for visitor in visitors:
            visitor.join()


@contextmanager
def tls_server(
    leaf: LeafCert | tuple[bytes | str, bytes | str],
    *,
    http: bool = False,
    response: bytes | None = None,
    minimum_version: ssl.TLSVersion | None = None,
    maximum_version: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
    ecdh_curve: str | None = None,
    handler: Callable[[bytes], bytes] | None = None,
    client_ca: CA | x509.Certificate | None = None,
) -> Iterator[TLSServer]:
    """Run a TLS server on 127.0.0.1 until the ``with`` block ends (lessons 06-08).

    ``leaf``: a :class:`~pkicourse.ca.LeafCert` (``ca.issue_cert("bank.example")``) or a pair
    ``(cert_chain_pem, private_key_pem)``. The server sends the leaf and its intermediates.

    Raw TLS (the default): each visitor's first message is answered with ``response``, or
    echoed back when ``response`` is None. ``http=True``: an HTTPS server answering one HTTP/1.1
    GET with ``response`` (or a short greeting) as a text/plain body. Each visitor is served in
    its own thread, then the server hangs up.

    ``handler``: a function ``handler(request: bytes) -> bytes`` that answers instead of
    ``response``. Raw TLS: it gets the first bytes read and its answer is sent as it is.
    ``http=True``: it gets the whole request (head, then the body up to Content-Length, so a
    POSTed form too), and its answer is the body of a 200 text/plain answer, whatever the
    method. A handler that raises gets its visitor an HTTP 500 (raw TLS: the server hangs up);
    the server keeps running for the next visitor.

    ``client_ca``: mutual TLS (lesson 08). The server asks each visitor for a certificate
    (CertificateRequest) and accepts only one chaining to this CA (``ca.issue_client_cert``),
    with ``VERIFY_X509_STRICT``; a visitor without one is refused (TLS 1.3: the alert
    certificate_required, after the visitor's side of the handshake has completed). Who came is
    in ``server.visits`` (``Visit.client_certificate``).

    ``minimum_version`` / ``maximum_version``: ``ssl.TLSVersion`` bounds (e.g. ``maximum_version
    =ssl.TLSVersion.TLSv1_2``); ``ciphers``: an OpenSSL cipher string for TLS 1.2 and older,
    e.g. ``"AES128-GCM-SHA256"`` (RSA key transport, lesson 06). TLS 1.3's suites are not
    chosen this way. ``ecdh_curve``: the one key-exchange group the server accepts (e.g.
    ``"secp384r1"``); a TLS 1.3 client that guessed another one is sent a HelloRetryRequest.

    The port is chosen by the operating system (``server.port``). On leaving the block, even
    through an exception, the server stops and every thread is joined: nothing is left
    listening.
    """
    if type(http) is not bool:
        raise ArgumentError(f"http must be True or False, not {type(http).__name__}.")
    if response is not None and type(response) is not bytes:
        raise ArgumentError(
            f"response must be bytes (b'...' or text.encode()), not {type(response).__name__}."
        )
    if handler is not None and not callable(handler):
        raise ArgumentError(
            f"handler must be a function taking the request bytes and returning the answer "
            f"bytes, not {type(handler).__name__}."
        )
    if handler is not None and response is not None:
        raise ArgumentError("Give either response or handler, not both: the handler answers.")
    context, chain = _server_context(leaf, minimum_version, maximum_version, ciphers, ecdh_curve)
    if client_ca is not None:
        _require_client_certificates(context, client_ca)
    try:
        listener = socket.create_server((HOST, 0))  # port 0: the OS picks a free one
    except OSError as error:
        raise ServerError(f"Could not listen on {HOST}: {error}.") from error
    with listener:
        server = _Server(listener, context, http, response, handler)
        server.accepter.start()
        try:
            port = listener.getsockname()[1]
            yield TLSServer(HOST, port, chain[0], chain, http, context, server.visits)
        finally:
            server.shutdown()


# --- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """What :func:`connect` found (lessons 06-08): true when the handshake succeeded.

    On success: ``version`` ("TLSv1.3"), ``cipher`` (the cipher suite's name), ``group`` (the
    key-exchange group, or :data:`RSA_KEY_TRANSPORT`), ``chain`` (the certificates the server
    sent, leaf first) and ``response`` (what the server answered to ``request``).
    On failure: ``verify_code`` (``SSLCertVerificationError.verify_code``, or None when the
    handshake failed for another reason), ``browser_error`` (Chrome's error for the same
    failure, or None), ``verify_message`` (OpenSSL's words for the verify code,
    ``SSLCertVerificationError.verify_message``, such as ``"self-signed certificate"``: they
    differ between OpenSSL versions), ``explanation`` in plain words, ``error`` (OpenSSL's own
    message) and ``alert`` (the TLS alert the server sent to end the connection, by its RFC 8446
    name such as ``"certificate_required"``, or None). ``chain`` is filled on failure too when
    the server's certificates arrived.

    Pinning (``connect(..., pins=...)``): ``pinned`` is True when a key in the verified chain
    is pinned, False when none is (then ``ok`` is False and nothing was sent), None when no
    pins were given or the chain was refused before they were looked at. ``verified_chain``:
    the chain OpenSSL verified, leaf to root (the root from the client's trust store), after
    any handshake that verified.
    """

    ok: bool
    hostname: str
    port: int
    version: str | None = None
    cipher: str | None = None
    group: str | None = None
    chain: list[x509.Certificate] = field(default_factory=list)
    response: bytes | None = None
    verify_code: int | None = None
    browser_error: str | None = None
    explanation: str = ""
    error: str | None = None
    alert: str | None = None  # the TLS alert the server sent, e.g. "certificate_required"
    verify_message: str | None = None  # OpenSSL's words for verify_code
    pinned: bool | None = None  # pins given: a key in the verified chain is pinned, or not
    verified_chain: list[x509.Certificate] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def openssl_code_name(self) -> str | None:
        """OpenSSL's name for ``verify_code`` (``X509_V_ERR_...``), when the course knows it."""
        return None if self.verify_code is None else OPENSSL_CODES.get(self.verify_code)

    def __str__(self) -> str:
        where = f"{self.hostname} (127.0.0.1:{self.port})"
        if self.ok:
            sent = ", ".join(_cn(c) for c in self.chain)
            return (
                f"Connected to {where}: {self.version}, {self.cipher}, key exchange: "
                f"{self.group}. The server sent: {sent}."
            )
        code = "" if self.verify_code is None else f" OpenSSL verify code {self.verify_code}."
        browser = f" Chrome: {self.browser_error}." if self.browser_error else ""
        return f"Refused {where}: {self.explanation}{code}{browser}"


def _cn(certificate: x509.Certificate) -> str:
    try:
        names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(names[0].value) if names else certificate.subject.rfc4514_string() or "(no name)"
    except ValueError:  # a subject cryptography cannot parse (e.g. a name that is not UTF-8)
        return "(a name that cannot be read)"


def _rule_for(code: int) -> tuple[str | None, str | None]:
    """Chrome's error and the plain-words rule for an OpenSSL verify code (first rule wins)."""
    for rule in RULES.values():
        if rule.openssl_code == code:
            return rule.browser_error, rule.plain_words
    return None, None


def _client_context(
    trust: object, ciphers: str | None, crl: object = None, certificate: object = None
) -> ssl.SSLContext:
    if isinstance(trust, ssl.SSLContext):
        extras = [n for n, v in (("ciphers", ciphers), ("crl", crl), ("certificate", certificate))
                  if v is not None]  # fmt: skip
        if extras:
            raise ArgumentError(
                f"Give {' and '.join(extras)} only with a trust store, not with your own "
                "context: set your context up yourself (set_ciphers, load_verify_locations, "
                "load_cert_chain)."
            )
        if trust.protocol == ssl.PROTOCOL_TLS_SERVER:
            raise ArgumentError(
                "trust is a server's context (ssl.PROTOCOL_TLS_SERVER): a client needs "
                "ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), or give the CA as trust."
            )
        return trust  # the learner's own context, used as it is
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED on
    context.verify_flags |= ssl.VERIFY_X509_STRICT  # as Python 3.13's default: RFC 5280 rules
    context.check_hostname = True
    for trusted in _trusted(trust):
        try:
            context.load_verify_locations(cadata=trusted.public_bytes(serialization.Encoding.DER))
        except ssl.SSLError:
            raise CertificateParseError(
                f"OpenSSL cannot read the trusted certificate {_cn(trusted)!r} (cryptography "
                "can: it has a defect OpenSSL refuses, such as a name that is not valid "
                "UTF-8). Leave it out of trust."
            ) from None
    if ciphers is not None:
        _set_ciphers(context, ciphers)
    if crl is not None:
        _load_crl(context, crl)
    if certificate is not None:
        if not isinstance(certificate, LeafCert):
            raise ArgumentError(
                "certificate must be the client's own LeafCert (ca.issue_client_cert(...)), "
                f"not {type(certificate).__name__}."
            )
        certificate.configure_cert(context)  # sent when the server asks (mutual TLS)
    return context


def _load_crl(context: ssl.SSLContext, crl: object) -> None:
    """Check the server's certificate against its issuer's CRL (``VERIFY_CRL_CHECK_LEAF``).

    ``cadata`` takes certificates only; a PEM file given as ``cafile`` may hold CRLs too
    (OpenSSL's ``X509_load_cert_crl_file``): a temporary folder, removed at once.
    """
    if not isinstance(crl, x509.CertificateRevocationList):
        raise ArgumentError(
            f"crl must be an x509.CertificateRevocationList (ca.crl()), not {type(crl).__name__}."
        )
    with tempfile.TemporaryDirectory(prefix="pkicourse-crl-") as folder:
        path = Path(folder, "issuer.crl.pem")
        path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        context.load_verify_locations(cafile=path)
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF  # the leaf only: its issuer's CRL


def _trusted(trust: object) -> list[x509.Certificate]:
    if isinstance(trust, CA):
        return [trust.root_certificate]
    if isinstance(trust, x509.Certificate):
        return [trust]
    if isinstance(trust, (bytes, str)):
        data = trust.encode("ascii", "replace") if isinstance(trust, str) else trust
        return _pem_certificates(data, "The trust you gave (PEM text)")
    if isinstance(trust, (list, tuple)) and trust:
        return [c for item in trust for c in _trusted(item)]
    raise ArgumentError(
        "trust must be what the client trusts: a CA, an x509.Certificate, a list of them, PEM "
        f"text, or an ssl.SSLContext; not {type(trust).__name__}."
    )


class _Handshake:
    """A client TLS connection driven through memory buffers, keeping what the server sent."""

    def __init__(
        self, raw: socket.socket, context: ssl.SSLContext, hostname: str, deadline: float
    ) -> None:
        self.raw = raw
        self.deadline = deadline
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname=hostname)
        self.received = bytearray()  # every byte from the server, in order
        self.early = b""  # application data that came before the request was sent
        self.eof = False

    def flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.raw.sendall(data)

    def fill(self, until: float | None = None) -> None:
        remaining = (self.deadline if until is None else until) - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.raw.settimeout(remaining)
        data = self.raw.recv(_READ_SIZE)
        if data:
            self.received += data
            self.incoming.write(data)
        else:
            self.eof = True
            self.incoming.write_eof()

    def run(self) -> None:
        """The handshake: ClientHello out, the server's flight in, until done or refused."""
        while True:
            try:
                self.tls.do_handshake()
            except ssl.SSLWantReadError:
                self.flush()
                self.fill()
                continue
            except ssl.SSLError:
                try:
                    self.flush()  # send our alert, so the server learns why
                except OSError:
                    pass  # the server hung up already: the refusal is what matters
                raise
            self.flush()
            return

    def settle(self) -> None:
        """TLS 1.3: wait for the server's verdict on the client's Finished.

        In TLS 1.3 the client's handshake completes before the server has checked the
        client's certificate (mutual TLS). A server that accepts sends NewSessionTicket
        messages; one that refuses sends an alert (``ssl.SSLError``, raised here). A server
        that sends no ticket is waited for half the time left, then taken as accepting.
        """
        until = time.monotonic() + (self.deadline - time.monotonic()) / 2
        while not self.eof:
            try:
                self.early += self.tls.read(_READ_SIZE)  # a server that speaks first
                return
            except ssl.SSLWantReadError:
                session = self.tls.session
                if session is not None and session.has_ticket:
                    return
                self.flush()
                try:
                    self.fill(until)
                except OSError:  # no ticket in time, or a reset: no verdict
                    return
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return  # the server hung up: read_all finds nothing

    def send(self, data: bytes) -> None:
        self.tls.write(data)
        self.flush()

    def read_all(self) -> bytes:
        """What the server sends until it hangs up (or the deadline)."""
        chunks = [self.early]
        while True:
            try:
                chunk = self.tls.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                self.flush()
                if self.eof:
                    break
                try:
                    self.fill()
                except OSError:  # the deadline, or a reset: keep what arrived
                    break
                continue
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break  # close_notify, or a TCP close without one: the answer is complete
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def unverified_chain(self) -> list[x509.Certificate]:
        """The certificates the server sent, leaf first."""
        return self._chain("get_unverified_chain")

    def verified_chain(self) -> list[x509.Certificate]:
        """The chain OpenSSL verified, leaf to root (empty when nothing was verified)."""
        return self._chain("get_verified_chain")

    def _chain(self, name: str) -> list[x509.Certificate]:
        public = getattr(self.tls, name, None)  # Python 3.13 and later
        owner = self.tls if public is not None else getattr(self.tls, "_sslobj", None)
        getter = getattr(owner, name, None)
        if getter is None:
            return []
        try:
            certificates = getter() or []
        except (ssl.SSLError, ValueError):
            return []
        return [c for c in (_parsed(_der(c)) for c in certificates) if c is not None]


def _parsed(der: bytes) -> x509.Certificate | None:
    """A certificate OpenSSL accepted; None when ``cryptography`` cannot read it."""
    try:
        with warnings.catch_warnings():  # a negative serial loads with a warning today
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion):
        return None


def _der(certificate: object) -> bytes:
    if isinstance(certificate, bytes):
        return certificate  # Python 3.13: DER bytes already
    return certificate.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined,no-any-return]


def connect(
    port: int,
    *,
    hostname: str,
    trust: ssl.SSLContext | CA | x509.Certificate | Sequence[CA | x509.Certificate] | bytes | str,
    timeout: float = 2.0,
    request: bytes | None = None,
    ciphers: str | None = None,
    crl: x509.CertificateRevocationList | None = None,
    certificate: LeafCert | None = None,
    pins: Sequence[str] | None = None,
) -> Connection:
    """Connect to 127.0.0.1:``port`` as a browser would to ``hostname`` (lessons 06-08).

    ``trust``: what the client trusts: a :class:`~pkicourse.ca.CA` (its root), an
    ``x509.Certificate`` or a list of them, PEM text, or your own ``ssl.SSLContext`` (used as it
    is). From a trust store the client context checks the host name and sets
    ``VERIFY_X509_STRICT``, as Python 3.13 does; ``ciphers`` (an OpenSSL cipher string) lets it
    offer TLS 1.2 suites the default leaves out, such as RSA key transport's
    ``"AES128-GCM-SHA256"``.

    ``crl``: the CRL of the server certificate's issuer (``ca.crl()``): the client then checks
    that the server's certificate is not revoked (``VERIFY_CRL_CHECK_LEAF``). Revoked: verify
    code 23, Chrome's ERR_CERT_REVOKED. A CRL from another issuer than the leaf's: code 3
    (no CRL for this certificate).

    ``certificate``: the client's own certificate and key (mutual TLS, lesson 08): a
    :class:`~pkicourse.ca.LeafCert` from ``ca.issue_client_cert(...)``, sent when the server
    asks for one. A server that refuses the client says so with a TLS alert: ``alert`` names
    it (``"certificate_required"`` when none was sent, ``"unknown_ca"`` for another CA's). In
    TLS 1.3 the client's handshake completes first; connect then waits for the server's
    verdict (its session tickets, or the alert) before sending the request.

    ``pins``: SPKI pins (:func:`spki_pin`, ``"sha256/<base64>"``; lesson 07). After the
    handshake verified, and before anything is sent, the key of every certificate in the
    verified chain (leaf to root, as HPKP did, RFC 7469 §2.6) is compared with them: none
    pinned, and the client hangs up (``ok`` False, ``pinned`` False, ``request`` never sent).
    A refused chain is refused before the pins are looked at. curl's ``--pinnedpubkey`` checks
    the leaf's key only.

    ``request``: bytes to send once the handshake succeeded; ``response`` is then what the
    server answered, read until it hangs up. Returns a :class:`Connection` whether the handshake
    succeeds or is refused. Raises ``ServerError`` when nothing listens on the port, or when the
    server does not finish the handshake within ``timeout`` seconds.
    """
    if type(port) is not int or not 0 < port < 65536:
        raise ArgumentError(f"port must be a number from 1 to 65535, not {_shown(port)}.")
    _check_hostname(hostname)
    if type(timeout) not in (int, float) or not 0 < timeout <= _MAX_TIMEOUT:
        raise ArgumentError(
            f"timeout must be a positive number of seconds, at most {_MAX_TIMEOUT}, "
            f"not {_shown(timeout)}."
        )
    if request is not None and type(request) is not bytes:
        raise ArgumentError(f"request must be bytes or None, not {type(request).__name__}.")
    wanted = None if pins is None else _checked_pins(pins)
    context = _client_context(trust, ciphers, crl, certificate)
    if wanted is not None and context.verify_mode == ssl.CERT_NONE:
        raise ArgumentError(
            "pins are compared with the chain the client verified, and this context verifies "
            "nothing (CERT_NONE): give a trust store, or a context that verifies."
        )
    deadline = time.monotonic() + timeout
    try:
        raw = socket.create_connection((HOST, port), timeout=timeout)
    except OSError as error:
        raise ServerError(
            f"Nothing answers on {HOST}:{port} ({error.strerror or error}): is the server "
            "running? Connect inside its with block."
        ) from error
    with raw:
        handshake = _Handshake(raw, context, hostname, deadline)
        try:
            handshake.run()
        except TimeoutError as error:
            raise ServerError(
                f"The server on {HOST}:{port} did not answer within {timeout:g} s: it accepted "
                f"the connection but did not finish the TLS handshake within {timeout:g} s. Is "
                "it a TLS server, and is it still running?"
            ) from error
        except ssl.SSLCertVerificationError as error:
            return _refused(error, hostname, port, handshake, pins=wanted is not None)
        except ssl.SSLError as error:
            return _failed(error, hostname, port, handshake)
        except OSError as error:
            raise ServerError(
                f"The server on {HOST}:{port} hung up during the handshake ({error}): is it a "
                "TLS server, and is this its port (server.port)?"
            ) from error
        return _exchange(handshake, hostname, port, request, wanted)


def _check_hostname(hostname: object) -> None:
    """A host name ``ssl`` can send (SNI) and check: text, IDNA-encodable, no NUL byte."""
    if type(hostname) is not str or not hostname:
        raise ArgumentError(
            f"hostname must be a name such as 'bank.example', not {_shown(hostname)}."
        )
    try:
        hostname.encode("idna")  # what ssl does with server_hostname
    except UnicodeError:
        raise ArgumentError(
            f"hostname {_shown(hostname)} is not a valid host name: each part between dots must "
            "have 1 to 63 characters (no empty part, as in 'bank..example'). Write it as "
            "'bank.example'."
        ) from None
    if "\x00" in hostname:
        raise ArgumentError(f"hostname {_shown(hostname)} holds a NUL character: remove it.")


def _exchange(
    handshake: _Handshake, hostname: str, port: int, request: bytes | None, pins: set[str] | None
) -> Connection:
    """After the client's handshake: the pins, the server's verdict (TLS 1.3), the request,
    the answer."""
    # read now: once the server hangs up, the SSLObject no longer tells its version
    version, cipher = handshake.tls.version(), (handshake.tls.cipher() or ("",))[0]
    group, chain = _group(bytes(handshake.received), cipher), handshake.unverified_chain()
    verified = handshake.verified_chain()
    if pins is not None and not pins & {spki_pin(c) for c in verified}:
        return _unpinned(hostname, port, version, cipher, group, chain, verified)  # sent nothing
    response = None
    try:
        if version == "TLSv1.3":
            handshake.settle()  # mutual TLS: a refused client hears it now
        if request is not None:
            handshake.send(request)
            response = handshake.read_all()
    except ssl.SSLError as error:  # TLS 1.3: a refusal the server sends after the
        return _failed(error, hostname, port, handshake, after=version)  # client's handshake
    except OSError as error:
        raise ServerError(
            f"The server on {HOST}:{port} hung up before reading the request ({error})."
        ) from error
    return Connection(
        ok=True,
        hostname=hostname,
        port=port,
        version=version,
        cipher=cipher,
        group=group,
        chain=chain,
        response=response,
        explanation="The certificate chain leads to a root you trust and names this host"
        + (", and holds a pinned key." if pins is not None else "."),
        pinned=None if pins is None else True,
        verified_chain=verified,
    )


def _unpinned(
    hostname: str,
    port: int,
    version: str | None,
    cipher: str,
    group: str | None,
    chain: list[x509.Certificate],
    verified: list[x509.Certificate],
) -> Connection:
    """A verified chain whose keys match none of the pins: the client hung up, sent nothing."""
    keys_seen = ", ".join(_cn(c) for c in verified) or "none"
    return Connection(
        ok=False,
        hostname=hostname,
        port=port,
        version=version,
        cipher=cipher,
        group=group,
        chain=chain,
        explanation=(
            "The certificate chain leads to a root this client trusts and names this host, "
            f"but the server's keys match none of the pins (the verified chain: {keys_seen}): "
            "the client hung up before sending anything."
        ),
        error="public key does not match pinned public key",  # curl's words (exit code 90)
        pinned=False,
        verified_chain=verified,
    )


def _refused(
    error: ssl.SSLCertVerificationError,
    hostname: str,
    port: int,
    handshake: _Handshake,
    *,
    pins: bool = False,
) -> Connection:
    code = int(error.verify_code)
    browser_error, words = _rule_for(code)
    message = str(error.verify_message)
    after = " The pins were not looked at: the chain was refused first." if pins else ""
    return Connection(
        ok=False,
        hostname=hostname,
        port=port,
        chain=handshake.unverified_chain(),
        verify_code=code,
        browser_error=browser_error,
        explanation=(
            f"{words or 'The certificate chain was refused.'} (OpenSSL: {message.rstrip('.')}.)"
            + after
        ),
        error=str(error),
        verify_message=message,
    )


#: What a server means by the alert it ends a client's connection with (RFC 8446 §6.2).
_ALERT_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "certificate_required": "The server requires a client certificate (mutual TLS) and "
        "this client sent none. Give connect(..., certificate=...) a certificate from the CA "
        "the server trusts (ca.issue_client_cert).",
        "unknown_ca": "The server does not trust the CA that issued the client's certificate.",
        "bad_certificate": "The server refused the client's certificate (damaged, or its "
        "signature or chain does not check out).",
        "unsupported_certificate": "The server refused the client's certificate: it is not "
        "for a TLS client (its extendedKeyUsage lacks clientAuth; a web site's certificate "
        "cannot log a client in).",
        "certificate_expired": "The server refused the client's certificate: it has expired "
        "or is not valid yet.",
        "certificate_revoked": "The server refused the client's certificate: it is revoked.",
        "handshake_failure": "The server ended the handshake: no cipher suite, key-exchange "
        "group or other parameters in common, or (TLS 1.2) a client certificate it requires "
        "was not sent.",
        "protocol_version": "Client and server share no TLS version they both allow.",
    }
)


def _not_tls(received: bytes) -> str:
    """Words for a server that does not speak TLS (its first byte is no TLS record type), or
    hung up without a word; "" when its answer looks like TLS."""
    if not received:
        return (
            "The server hung up without answering the client's hello: is it a TLS server, "
            "and is this its port?"
        )
    if received[0] in (20, 21, 22, 23):  # a TLS record's content type
        return ""
    if received.startswith(b"HTTP/"):
        status = received.split(b"\r\n", 1)[0][:60].decode("ascii", "replace")
        return (
            f"The server answered in plain HTTP ({status!r}), not TLS: it is a web server "
            "without TLS, or this is not the TLS server's port (server.port)."
        )
    other = " (an SSH server)" if received.startswith(b"SSH-") else ""
    return (
        f"The server did not answer in TLS: its first bytes are not a TLS record{other}. "
        "Check the port: connect to the port of a TLS server (server.port)."
    )


def _failed(
    error: ssl.SSLError,
    hostname: str,
    port: int,
    handshake: _Handshake,
    *,
    after: str | None = None,
) -> Connection:
    """A handshake that failed for another reason than the server's certificate.

    ``after``: the version, when the client's side of the handshake had completed (TLS 1.3
    sends the server's verdict on a client certificate then).
    """
    reason = str(error.reason or error)
    alert = _alert_name(reason)
    not_tls = _not_tls(bytes(handshake.received))
    if not_tls and after is None:
        words = f"{not_tls} ({reason})"
    elif alert is not None:
        words = _ALERT_WORDS.get(alert, "The server ended the connection with an alert.")
        words += f" (The alert: {alert}, OpenSSL's {reason}.)"
        if after == "TLSv1.3":
            words += (
                " In TLS 1.3 the client's handshake had completed: the server checks the "
                "client's certificate after that, so its refusal arrived on the first read."
            )
    elif "VERSION" in reason or "PROTOCOL" in reason or "CIPHER" in reason:
        words = (
            f"Client and server share no TLS version or cipher suite they both allow ({reason})."
        )
    else:
        words = f"The TLS handshake failed ({reason})."
    return Connection(
        ok=False,
        hostname=hostname,
        port=port,
        version=after,
        chain=handshake.unverified_chain(),
        explanation=words,
        error=str(error),
        alert=alert,
    )


# --- pins (lesson 07) --------------------------------------------------------------------------


def _public_key(item: object) -> keys.PublicKey:
    if isinstance(item, LeafCert):
        item = item.certificate
    if isinstance(item, CA):
        item = item.certificate
    if isinstance(item, x509.Certificate):
        return item.public_key()  # type: ignore[return-value]
    if isinstance(item, keys._PRIVATE_KEY_CLASSES):
        return item.public_key()
    if isinstance(item, keys._PUBLIC_KEY_CLASSES):
        return item
    raise ArgumentError(
        f"spki_pin needs a certificate, a LeafCert, a CA or a key, not {type(item).__name__}."
    )


def spki_pin(item: x509.Certificate | LeafCert | CA | keys.PrivateKey | keys.PublicKey) -> str:
    """The key's pin: ``"sha256/"`` + base64 of SHA-256 over its SubjectPublicKeyInfo (DER).

    The hash is RFC 7469's (HPKP's ``pin-sha256="<base64>"``) and curl's (``--pinnedpubkey
    sha256//<base64>``, see :func:`pkicourse.mitm.curl_pinnedpubkey`). It covers the key
    only: a renewed certificate for the same key keeps its pin; a new key gets a new one. A
    certificate's fingerprint (SHA-256 of its whole DER) is a different number.
    """
    spki = _public_key(item).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return "sha256/" + base64.b64encode(digest.finalize()).decode("ascii")


def _checked_pins(pins: object) -> set[str]:
    if isinstance(pins, str) or not isinstance(pins, (list, tuple, set, frozenset)) or not pins:
        raise ArgumentError('pins must be a list of spki_pin(...) strings, e.g. ["sha256/..."].')
    for pin in pins:
        if not _is_pin(pin):
            raise ArgumentError(
                f"{_shown(pin)} is not a pin: 'sha256/' and the base64 of 32 bytes (44 "
                "characters). Make one with spki_pin(certificate); curl's form sha256//... is for "
                "curl only."
            )
    return set(pins)


def _is_pin(pin: object) -> bool:
    if type(pin) is not str or not pin.startswith("sha256/") or len(pin) != 51:
        return False
    try:
        return len(base64.b64decode(pin.removeprefix("sha256/"), validate=True)) == 32
    except ValueError:
        return False


# --- reading the key-exchange group from the server's first flight ----------------------------

_HANDSHAKE = 22
_SERVER_HELLO, _SERVER_KEY_EXCHANGE, _SERVER_HELLO_DONE = 2, 12, 14
_KEY_SHARE = 0x0033
# A HelloRetryRequest is a ServerHello with this random (RFC 8446 §4.1.3).
_HELLO_RETRY = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def _group_name(codepoint: int) -> str:
    return GROUPS.get(codepoint, f"unknown group 0x{codepoint:04x}")


def _handshake_messages(received: bytes) -> Iterator[tuple[int, bytes]]:
    """The server's plaintext handshake messages: (type, body), until encryption starts."""
    buffer = bytearray()
    offset = 0
    while offset + 5 <= len(received):
        content_type, length = (
            received[offset],
            int.from_bytes(received[offset + 3 : offset + 5], "big"),
        )
        fragment = received[offset + 5 : offset + 5 + length]
        offset += 5 + length
        if content_type == 20:  # ChangeCipherSpec: in TLS 1.2 what follows is encrypted
            continue
        if content_type != _HANDSHAKE:
            return  # application data (TLS 1.3's encrypted records) or an alert
        buffer += fragment
        while len(buffer) >= 4:
            size = int.from_bytes(buffer[1:4], "big")
            if len(buffer) < 4 + size:
                break
            yield buffer[0], bytes(buffer[4 : 4 + size])
            del buffer[: 4 + size]


def _server_hello_group(body: bytes) -> tuple[bool, int | None]:
    """(is it a HelloRetryRequest, the group of its key_share extension or None)."""
    random = body[2:34]  # after legacy_version (2 bytes)
    at = 35 + body[34]  # after legacy_session_id_echo (a length byte, then the id)
    at += 3  # cipher_suite (2 bytes) and legacy_compression_method (1 byte)
    group = None
    if at + 2 <= len(body):  # extensions: type (2), length (2), data
        end = at + 2 + int.from_bytes(body[at : at + 2], "big")
        at += 2
        while at + 4 <= end:
            kind = int.from_bytes(body[at : at + 2], "big")
            size = int.from_bytes(body[at + 2 : at + 4], "big")
            if kind == _KEY_SHARE and size >= 2:  # KeyShareEntry.group comes first
                group = int.from_bytes(body[at + 4 : at + 6], "big")
            at += 4 + size
    return random == _HELLO_RETRY, group


def _group(received: bytes, cipher: str = "") -> str | None:
    """The key-exchange group, read from the server's first flight (never assumed).

    TLS 1.3: the ServerHello's key_share (after a HelloRetryRequest, the second ServerHello's).
    TLS 1.2: the ServerKeyExchange's named curve for ECDHE; for DHE (``cipher`` names it) the
    server sends its own prime, no named group; no ServerKeyExchange at all: RSA key transport.
    """
    for kind, body in _handshake_messages(received):
        if kind == _SERVER_HELLO:
            retry, found = _server_hello_group(body)
            if found is not None and not retry:
                return _group_name(found)
        elif kind == _SERVER_KEY_EXCHANGE:
            if cipher.startswith("DHE-"):
                return _FINITE_FIELD_DH
            if body[:1] == b"\x03":  # ECParameters: curve_type named_curve (RFC 8422 §5.4)
                return _group_name(int.from_bytes(body[1:3], "big"))
        elif kind == _SERVER_HELLO_DONE:
            return RSA_KEY_TRANSPORT  # TLS 1.2 and no ServerKeyExchange before it
    return None
