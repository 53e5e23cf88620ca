"""A guided tour of one real TLS connection, and of the impostors it refuses (lesson 00-index).

This is a *preview*. In well under a second, on this machine and without any network:

1. a certificate authority (CA) is made: a key pair and a self-signed root certificate;
2. the CA issues a certificate for ``bank.example`` to a server on 127.0.0.1;
3. a client that trusts only that CA connects, checks the certificate, and reads a response;
4. an impostor, with a self-signed certificate for the same name, is refused, exactly as a
   browser would refuse it ("Your connection is not private");
5. an impostor that *copies* the bank's real certificate gets no further: OpenSSL will not
   even load a certificate with a private key that does not match it, and in a handshake the
   server must prove it holds the private key (TLS 1.3's CertificateVerify is a signature
   made with it; :func:`answer_challenge` shows the idea on a bare challenge).

Everything comes from the course's own helpers: the CA from :mod:`pkicourse.ca` (lesson 05),
the impostor's self-signed certificate from :mod:`pkicourse.certificates` (lesson 03), the
servers from :func:`pkicourse.tls.tls_server` and the tour's visits from
:func:`pkicourse.tls.connect` (lesson 06), with the client lesson 00 writes by hand:
``ssl.create_default_context(cadata=...)``, which checks the chain, the dates and the name. This
module has no TLS code of its own.
Lessons 03 (certificates), 04 (CSRs), 05 (certificate authorities), 06 (the TLS handshake)
and 07 (man in the middle) teach every step properly, with ``cryptography`` and ``ssl`` by
hand first.
"""

from __future__ import annotations

import datetime
import html
import ssl
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pkicourse import asymmetric, keys, tls
from pkicourse.ca import CA, LeafCert
from pkicourse.certificates import make_self_signed
from pkicourse.errors import ArgumentError, InvalidChoiceError, ServerError

__all__ = [
    "BROWSER_ERRORS",
    "PROBLEMS",
    "BankServer",
    "TourResult",
    "answer_challenge",
    "bank_server",
    "failed_handshake",
    "handshake_tour",
    "server_context",
]

#: Chrome's error for the same failure as an OpenSSL verify code (lessons 00, 06 and 07).
#: Chrome does not use OpenSSL's verify codes; only failures with a clear counterpart are
#: listed: who signed (18, 19, 20), the dates (9, 10) and the name (62).
BROWSER_ERRORS: Mapping[int, str] = MappingProxyType(
    {
        9: "NET::ERR_CERT_DATE_INVALID",  # certificate is not yet valid
        10: "NET::ERR_CERT_DATE_INVALID",  # certificate has expired
        18: "NET::ERR_CERT_AUTHORITY_INVALID",  # self-signed certificate
        19: "NET::ERR_CERT_AUTHORITY_INVALID",  # self-signed certificate in certificate chain
        20: "NET::ERR_CERT_AUTHORITY_INVALID",  # unable to get local issuer certificate
        62: "NET::ERR_CERT_COMMON_NAME_INVALID",  # hostname mismatch
    }
)

#: What can be wrong with a server's certificate in :func:`bank_server` and
#: :func:`failed_handshake`, with the OpenSSL verify code a correct client gets (OpenSSL 3.0).
PROBLEMS: Mapping[str, str] = MappingProxyType(
    {
        "self-signed": "signed by its own key, not by a CA (18)",
        "untrusted-root": "sent with its own root CA, which the client does not trust (19)",
        "unknown-ca": "signed by a CA the client does not know, root not sent (20)",
        "expired": "its not-after date has passed (10)",
        "not-yet-valid": "its not-before date has not come yet (9)",
        "wrong-name": "issued for www.bank.example, not for bank.example (62)",
        "not-a-ca": "signed by a certificate that is not a CA certificate (79)",
    }
)

_HOSTNAME = "bank.example"
_CA_NAME = "pkicourse Tour Root CA"
_DAY = datetime.timedelta(days=1)
_NO_SHIFT = datetime.timedelta(0)
_CLOCK_SKEW = datetime.timedelta(hours=1)  # certificates start an hour back: clocks drift


# --- certificates, from pkicourse.ca (lessons 03 and 05 teach these) ---------------------------


class _Setup(NamedTuple):
    """A server's key and what it sends (its certificate, then any chain), the client's CA."""

    server: LeafCert
    trusted: x509.Certificate


def _make_ca(common_name: str = _CA_NAME) -> CA:
    """A root CA: its own key pair and a certificate it signs itself (lesson 05's CA.root)."""
    return CA.root(common_name)


def _issue_leaf(
    ca: CA, hostname: str = _HOSTNAME, shift: datetime.timedelta = _NO_SHIFT
) -> LeafCert:
    """The CA signs a certificate for the server's new key: what a real CA sells.

    Short-lived: from one hour before ``now + shift`` (clocks drift) for one day.
    """
    not_before = datetime.datetime.now(datetime.timezone.utc) + shift - _CLOCK_SKEW
    return ca.issue_cert(hostname, not_before=not_before, days=1)


def _make_impostor(hostname: str = _HOSTNAME) -> LeafCert:
    """Anyone can make a certificate for any name, but only sign it with their own key."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = make_self_signed(private_key, hostname, dns_names=[hostname], days=1)
    return LeafCert(private_key, [certificate])


def _not_a_ca() -> CA:
    """A signer whose own certificate says CA:FALSE (the "not-a-ca" problem).

    ``CA(...)`` refuses such a certificate, exactly as clients refuse what it signs; to show
    the client's refusal, a real CA's certificate is swapped, on purpose, for a self-signed
    one with the same key that is not a CA certificate.
    """
    fake = CA.root("pkicourse Not A CA", permitted=None)
    fake.certificate = make_self_signed(fake.private_key, "pkicourse Not A CA", days=1)
    return fake


def _setup(problem: str | None) -> _Setup:
    """The real bank (problem None), or a server whose certificate has this problem."""
    ca = _make_ca()
    if problem is None:
        return _Setup(_issue_leaf(ca), ca.certificate)
    if problem not in PROBLEMS:
        raise InvalidChoiceError(
            f"No problem called {problem!r}: choose one of {', '.join(PROBLEMS)} (or None)."
        )
    if problem in ("untrusted-root", "unknown-ca"):
        other = _make_ca("Some Other Root CA")
        leaf = _issue_leaf(other)
        if problem == "untrusted-root":  # the server sends the root along: no use
            leaf = LeafCert(leaf.private_key, [*leaf.chain, other.certificate])
        return _Setup(leaf, ca.certificate)
    if problem == "not-a-ca":
        fake = _not_a_ca()
        return _Setup(_issue_leaf(fake), fake.certificate)
    shifts = {"expired": -3 * _DAY, "not-yet-valid": 3 * _DAY}
    if problem in shifts:
        return _Setup(_issue_leaf(ca, shift=shifts[problem]), ca.certificate)
    if problem == "wrong-name":
        return _Setup(_issue_leaf(ca, "www." + _HOSTNAME), ca.certificate)
    return _Setup(_make_impostor(), ca.certificate)  # self-signed


# --- the server's context, the client, a visit (lesson 06 teaches these) ---------------------


def _pem(*certificates: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def server_context(certificate_pem: str | bytes, private_key_pem: str | bytes) -> ssl.SSLContext:
    """A TLS server context: the certificate (then any chain) and the private key (lesson 00).

    ``ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)`` makes a server-side context;
    :meth:`pkicourse.ca.LeafCert.configure_cert` writes both to a temporary folder (the key
    file 0600, removed at once), as ``ssl`` loads them only from files, and calls
    ``SSLContext.load_cert_chain``. OpenSSL checks that the private key belongs to the
    certificate's public key: a copied certificate with another key raises ``ssl.SSLError``
    (reason ``KEY_VALUES_MISMATCH``).
    """
    for what, value in (("certificate_pem", certificate_pem), ("private_key_pem", private_key_pem)):
        if not isinstance(value, (str, bytes)):
            raise ArgumentError(
                f"{what} must be PEM text (str or bytes), not {type(value).__name__}."
            )
    certificates = x509.load_pem_x509_certificates(_as_bytes(certificate_pem))
    leaf = LeafCert(keys.private_key_from_pem(private_key_pem), certificates)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # for the server's side
    leaf.configure_cert(context)
    return context


def _as_bytes(text: str | bytes) -> bytes:
    return text.encode("ascii", "replace") if isinstance(text, str) else text


def _client_context(trusted_ca: x509.Certificate) -> ssl.SSLContext:
    """Lesson 00's client: it trusts this one CA, checks certificates and host names."""
    return ssl.create_default_context(cadata=_pem(trusted_ca))


def _bank_site(server: LeafCert) -> AbstractContextManager[tls.TLSServer]:
    """``bank.example``'s HTTPS site on 127.0.0.1 (:func:`pkicourse.tls.tls_server`)."""
    return tls.tls_server(server, http=True, response=f"hello from {_HOSTNAME}\n".encode())


def _visit(port: int, client: ssl.SSLContext, hostname: str = _HOSTNAME) -> tls.Connection:
    """Connect as if to ``hostname`` with lesson 00's client; GET / once the checks pass."""
    request = f"GET / HTTP/1.1\r\nHost: {hostname}\r\nConnection: close\r\n\r\n".encode()
    return tls.connect(port, hostname=hostname, trust=client, request=request)


def _refusal(
    port: int, client: ssl.SSLContext, hostname: str = _HOSTNAME
) -> ssl.SSLCertVerificationError:
    """Visit a server the client should refuse; return the refusal as ``ssl`` raised it.

    :func:`pkicourse.tls.connect` reports the refusal (verify code, OpenSSL's message); this
    rebuilds the ``ssl.SSLCertVerificationError`` a hand-written client gets from
    ``wrap_socket``, with the same ``verify_code`` and ``verify_message``.
    """
    connection = _visit(port, client, hostname)
    if connection.ok:
        raise RuntimeError(f"the client accepted the server at 127.0.0.1:{port}; it should not")
    if connection.verify_code is None:
        raise ServerError(f"The handshake failed for another reason: {connection.explanation}")
    error = ssl.SSLCertVerificationError(1, connection.error or connection.explanation)
    error.reason, error.library = "CERTIFICATE_VERIFY_FAILED", "SSL"
    error.verify_code = connection.verify_code
    error.verify_message = connection.verify_message or connection.explanation
    return error


# --- proof of possession (lessons 00 and 06) ------------------------------------------------


def answer_challenge(private_key: object, challenge: bytes) -> bytes:
    """What a server does with a client's challenge: sign it with its private key (lesson 00).

    The scheme follows the key type, as TLS 1.3 names it (RFC 8446 §4.2.3): RSA keys
    ``rsa_pss_rsae_sha256`` (PSS, MGF1 with SHA-256, a 32-byte salt), P-256 keys
    ``ecdsa_secp256r1_sha256``, P-384 keys ``ecdsa_secp384r1_sha384``, Ed25519 keys
    ``ed25519``: exactly :func:`pkicourse.asymmetric.sign`. (In a real handshake the server
    signs the transcript, not a bare challenge, and names the scheme in CertificateVerify.)
    """
    if type(challenge) is not bytes:
        raise ArgumentError(f"The challenge must be bytes, not {type(challenge).__name__}.")
    return asymmetric.sign(private_key, challenge)  # type: ignore[arg-type]  # it checks the key


# --- the bank, run for a lesson ----------------------------------------------------------------


@dataclass(frozen=True)
class BankServer:
    """``bank.example`` running on 127.0.0.1, and the CA a client should trust (lesson 00).

    Made by :func:`bank_server`. The private key stays inside, as on a real server:
    :meth:`answer_challenge` uses it, nothing returns it.
    """

    hostname: str  # the name the client asks for: "bank.example"
    port: int  # on 127.0.0.1
    ca_pem: str  # the CA certificate a client is told to trust (PEM)
    certificate: x509.Certificate  # the server's certificate: public, sent to every visitor
    problem: str | None  # None for the real bank, else a key of PROBLEMS
    _private_key: keys.PrivateKey = field(repr=False)

    @property
    def certificate_pem(self) -> str:
        return _pem(self.certificate)

    def answer_challenge(self, challenge: bytes) -> bytes:
        """Sign ``challenge`` with this server's private key (see :func:`answer_challenge`)."""
        return answer_challenge(self._private_key, challenge)


@contextmanager
def bank_server(problem: str | None = None) -> Iterator[BankServer]:
    """Run ``bank.example`` on 127.0.0.1 until the ``with`` block ends (lesson 00).

    A new CA is made and issues the server's certificate; ``ca_pem`` is that CA, for the
    client to trust. ``problem`` (a key of :data:`PROBLEMS`) gives the server a certificate
    a correct client must refuse. The server is :func:`pkicourse.tls.tls_server` (HTTPS): it
    answers any number of visitors, and is stopped and joined when the block ends.
    """
    setup = _setup(problem)
    with _bank_site(setup.server) as site:
        yield BankServer(
            hostname=_HOSTNAME,
            port=site.port,
            ca_pem=_pem(setup.trusted),
            certificate=setup.server.certificate,
            problem=problem,
            _private_key=setup.server.private_key,
        )


def failed_handshake(problem: str) -> ssl.SSLCertVerificationError:
    """The error a correct client raises at a server with this certificate problem (lesson 00).

    A real handshake on 127.0.0.1 (:func:`pkicourse.tls.connect`): the client trusts
    ``ca_pem`` only, asks for bank.example, and keeps every check on
    (``ssl.create_default_context``). The error carries the ``verify_code`` and
    ``verify_message`` that ``wrap_socket`` would raise with.
    """
    if problem not in PROBLEMS:
        raise InvalidChoiceError(
            f"No problem called {problem!r}: choose one of {', '.join(PROBLEMS)}."
        )
    with bank_server(problem) as bank:
        return _refusal(bank.port, ssl.create_default_context(cadata=bank.ca_pem), bank.hostname)


# --- the tour and what it shows -------------------------------------------------------------


def _common_name(name: x509.Name) -> str:
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attributes[0].value) if attributes else name.rfc4514_string()


@dataclass(frozen=True)
class TourResult:
    """What :func:`handshake_tour` saw: a secure connection, a refused impostor (lesson 00)."""

    hostname: str
    tls_version: str  # "TLSv1.3"
    cipher: str  # "TLS_AES_256_GCM_SHA384"
    server_certificate: x509.Certificate  # as the client received it
    response: str  # what the real server answered, decrypted by the client
    impostor_certificate: x509.Certificate  # what the impostor offered (self-signed)
    impostor_verify_code: int  # OpenSSL's verify code: 18 = self-signed certificate
    impostor_verify_message: str
    bank_port: int  # both servers ran on 127.0.0.1 and are closed now
    impostor_port: int

    @property
    def server_subject(self) -> str:
        return self.server_certificate.subject.rfc4514_string()

    @property
    def server_issuer(self) -> str:
        return self.server_certificate.issuer.rfc4514_string()

    @property
    def ca_name(self) -> str:
        """The common name of the CA that signed the real server's certificate."""
        return _common_name(self.server_certificate.issuer)

    @property
    def browser_error(self) -> str:
        """Chrome's error for the same failure (``NET::ERR_CERT_AUTHORITY_INVALID`` for 18).

        Empty for a verify code without a clear counterpart in Chrome (see BROWSER_ERRORS).
        """
        return BROWSER_ERRORS.get(self.impostor_verify_code, "")

    def _why(self) -> str:
        impostor = self.impostor_certificate
        return (
            f"The impostor can make a certificate for any name, {self.hostname} included, "
            f"but it had to sign it with its own key (issuer {_common_name(impostor.issuer)}"
            f" = subject {_common_name(impostor.subject)}: self-signed). Nobody your client "
            f"trusts signed it: the client trusts only {self.ca_name}, so it ended the "
            "handshake before sending any request. The client checks more than who signed: "
            "lesson 00 goes on below, and lessons 03–07 show every step."
        )

    def __str__(self) -> str:
        return "\n".join(
            [
                f"✔ Secure connection to {self.hostname} (127.0.0.1:{self.bank_port}) — "
                f"{self.tls_version}, {self.cipher}, certificate issued by {self.ca_name}",
                f"  the server answered: {self.response.splitlines()[-1] if self.response else ''}",
                "",
                f"⚠ Your connection is not private (impostor at 127.0.0.1:{self.impostor_port})",
                "  Attackers might be trying to steal your information from "
                f"{self.hostname}.  {self.browser_error}",
                f"  verify code {self.impostor_verify_code}: {self.impostor_verify_message}",
                f"  Why? {self._why()}",
            ]
        )

    def _repr_html_(self) -> str:
        return _secure_panel_html(self) + _interstitial_html(self)


_PANEL = "font-family:sans-serif;border-radius:6px;padding:10px 14px;margin:6px 0;"


def _secure_panel_html(result: TourResult) -> str:
    e = html.escape
    last_line = result.response.splitlines()[-1] if result.response else ""
    return (
        f'<div style="{_PANEL}background:#e8f5e9;color:#1b5e20;border:1px solid #81c784">'
        f"<b>✔ Secure connection to {e(result.hostname)}</b> — {e(result.tls_version)}, "
        f"{e(result.cipher)}, certificate issued by <b>{e(result.ca_name)}</b>"
        f'<div style="font-size:90%;margin-top:4px">127.0.0.1:{result.bank_port} answered: '
        f"<code>{e(last_line)}</code></div></div>"
    )


def _interstitial_html(result: TourResult) -> str:
    e = html.escape
    return (
        f'<div style="{_PANEL}background:#fafafa;color:#202124;border:1px solid #dadce0">'
        '<div style="font-size:130%;color:#c5221f"><b>⚠ Your connection is not private</b></div>'
        f"<p>Attackers might be trying to steal your information from <b>{e(result.hostname)}</b>"
        " (for example, passwords, messages, or credit cards).</p>"
        f'<p style="font-family:monospace;color:#5f6368">{e(result.browser_error)}</p>'
        f'<p style="font-size:90%;color:#5f6368">verify code {result.impostor_verify_code}: '
        f"{e(result.impostor_verify_message)}</p>"
        f'<p style="font-size:90%"><b>Why?</b> {e(result._why())}</p></div>'
    )


def handshake_tour() -> TourResult:
    """Lesson 00's preview of lessons 03–07: a CA, a real TLS connection, a refused impostor.

    Everything runs on 127.0.0.1: the servers are :func:`pkicourse.tls.tls_server`, the
    visits :func:`pkicourse.tls.connect` with lesson 00's client (``ssl`` with every check on);
    both servers are shut down before this returns.
    """
    ca = _make_ca()
    client = _client_context(ca.certificate)  # the client trusts this CA, and only this CA
    with _bank_site(_issue_leaf(ca)) as bank:
        visit = _visit(bank.port, client)
    if not visit.ok or not visit.chain:
        raise ServerError(f"The tour's client could not reach its own bank: {visit}")
    impostor = _make_impostor()
    with _bank_site(impostor) as impostor_site:
        refusal = _refusal(impostor_site.port, client)
    return TourResult(
        hostname=_HOSTNAME,
        tls_version=visit.version or "",
        cipher=visit.cipher or "",
        server_certificate=visit.chain[0],
        response=(visit.response or b"").decode("utf-8", "replace"),
        impostor_certificate=impostor.certificate,
        impostor_verify_code=refusal.verify_code,
        impostor_verify_message=refusal.verify_message,
        bank_port=bank.port,
        impostor_port=impostor_site.port,
    )
