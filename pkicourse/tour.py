"""A guided tour of one real TLS connection, and of one refused impostor (lesson 00-index).

This is a *preview*. In well under a second, on this machine and without any network:

1. a certificate authority (CA) is made: a key pair and a self-signed root certificate;
2. the CA issues a certificate for ``bank.example`` to a server on 127.0.0.1;
3. a client that trusts only that CA connects, checks the certificate, and reads a response;
4. an impostor, with a self-signed certificate for the same name, is refused, exactly as a
   browser would refuse it ("Your connection is not private").

Nothing here is explained yet: lessons 03 (certificates), 04 (CSRs), 05 (certificate
authorities), 06 (the TLS handshake) and 07 (man in the middle) teach every step properly,
with ``cryptography`` and ``ssl`` by hand first. Later this module will be rebuilt on the
certificate and TLS helpers of lessons 03 and 06.
"""

from __future__ import annotations

import datetime
import html
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["BROWSER_ERRORS", "TourResult", "handshake_tour"]

#: What a Chromium-based browser shows for an OpenSSL verify code (lessons 06 and 07 reuse it).
BROWSER_ERRORS: Mapping[int, str] = MappingProxyType(
    {
        9: "NET::ERR_CERT_DATE_INVALID",  # certificate is not yet valid
        10: "NET::ERR_CERT_DATE_INVALID",  # certificate has expired
        18: "NET::ERR_CERT_AUTHORITY_INVALID",  # self-signed certificate
        19: "NET::ERR_CERT_AUTHORITY_INVALID",  # self-signed certificate in certificate chain
        20: "NET::ERR_CERT_AUTHORITY_INVALID",  # unable to get local issuer certificate
        62: "NET::ERR_CERT_COMMON_NAME_INVALID",  # hostname mismatch
        79: "NET::ERR_CERT_INVALID",  # invalid CA certificate
    }
)

_HOSTNAME = "bank.example"
_CA_NAME = "pkicourse Tour Root CA"
_TIMEOUT = 5.0  # seconds; a healthy local handshake takes a few milliseconds


class _CertAndKey(NamedTuple):
    """A certificate and the private key that belongs to its public key."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


class _Visit(NamedTuple):
    """What a client learned from one successful TLS connection."""

    tls_version: str
    cipher: str
    server_certificate: x509.Certificate
    response: str


# --- certificates (lessons 03 and 05 teach these) ------------------------------------------


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    """From one hour ago (clocks drift) until tomorrow: short-lived, like the tour."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)


def _make_ca(common_name: str = _CA_NAME) -> _CertAndKey:
    """A root CA: its own key pair and a certificate it signs itself."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, "pkicourse")
    not_before, not_after = _validity()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)  # self-signed: the issuer is the subject
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,  # signs certificates
                crl_sign=True,  # signs revocation lists
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False
        )
        .sign(private_key, hashes.SHA256())
    )
    return _CertAndKey(certificate, private_key)


def _server_certificate(
    hostname: str,
    organization: str,
    subject_key: ec.EllipticCurvePrivateKey,
    issuer: _CertAndKey | None,
) -> x509.Certificate:
    """A TLS server certificate for ``hostname``, signed by ``issuer`` (None: by itself)."""
    public_key = subject_key.public_key()
    subject = _name(hostname, organization)
    issuer_name = issuer.certificate.subject if issuer else subject
    signing_key = issuer.private_key if issuer else subject_key
    authority_key = issuer.private_key.public_key() if issuer else public_key
    not_before, not_after = _validity()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,  # signs the handshake (CertificateVerify)
                content_commitment=False,
                key_encipherment=False,  # RSA key transport only (TLS 1.2); EC keys never encrypt
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,  # not a CA: may not sign certificates
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key), critical=False
        )
        .sign(signing_key, hashes.SHA256())
    )


def _issue_leaf(ca: _CertAndKey, hostname: str = _HOSTNAME) -> _CertAndKey:
    """The CA signs a certificate for the server's new key: what a real CA sells."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = _server_certificate(hostname, "The Bank", private_key, issuer=ca)
    return _CertAndKey(certificate, private_key)


def _make_impostor(hostname: str = _HOSTNAME) -> _CertAndKey:
    """Anyone can make a certificate for any name, but only sign it with their own key."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    certificate = _server_certificate(hostname, "Totally The Bank", private_key, issuer=None)
    return _CertAndKey(certificate, private_key)


# --- TLS contexts (lesson 06 teaches these) ------------------------------------------------


def _server_context(server: _CertAndKey) -> ssl.SSLContext:
    """A server context holding the certificate and its private key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="pkicourse-tour-") as folder:
        key_path, cert_path = Path(folder, "server.key"), Path(folder, "server.crt")
        key_path.touch(mode=0o600)  # a private key file is never world-readable
        key_path.write_bytes(
            server.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        cert_path.write_bytes(server.certificate.public_bytes(serialization.Encoding.PEM))
        context.load_cert_chain(cert_path, key_path)
    return context


def _client_context(trusted_ca: x509.Certificate) -> ssl.SSLContext:
    """A client that trusts this one CA, checks certificates and hostnames (the defaults)."""
    ca_pem = trusted_ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return ssl.create_default_context(cadata=ca_pem)


# --- a server that answers one visitor, and a client that visits ----------------------------


def _http_response(hostname: str) -> bytes:
    body = f"hello from {hostname}\n".encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


def _accept_one(listener: socket.socket, stop: threading.Event) -> socket.socket | None:
    """Wait for one visitor, checking now and then whether the tour gave up waiting."""
    listener.settimeout(0.05)
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        connection.settimeout(_TIMEOUT)
        return connection
    return None


def _answer(connection: socket.socket, context: ssl.SSLContext, response: bytes) -> None:
    """Handshake, read the request, send the response. A refused handshake ends quietly."""
    with connection:
        try:
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(4096)
                tls.sendall(response)
        except (ssl.SSLError, OSError):
            pass  # the client refused our certificate or hung up: that is its right


def _answer_one_visitor(
    listener: socket.socket, context: ssl.SSLContext, response: bytes, stop: threading.Event
) -> None:
    connection = _accept_one(listener, stop)
    if connection is not None:
        _answer(connection, context, response)


@contextmanager
def _serve_once(context: ssl.SSLContext, response: bytes) -> Iterator[int]:
    """Run a TLS server on 127.0.0.1 for one connection; yield its port; always shut down."""
    stop = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as listener:  # port 0: the OS picks a free one
        server = threading.Thread(
            target=_answer_one_visitor,
            args=(listener, context, response, stop),
            name="pkicourse-tour-server",
            daemon=True,
        )
        server.start()
        try:
            yield listener.getsockname()[1]
        finally:
            stop.set()
            server.join(_TIMEOUT)


def _visit(port: int, context: ssl.SSLContext, hostname: str = _HOSTNAME) -> _Visit:
    """Connect to 127.0.0.1:port as if it were ``hostname``; raises if the check fails."""
    request = f"GET / HTTP/1.1\r\nHost: {hostname}\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=_TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname=hostname) as tls:
            # wrap_socket did the handshake: the certificate and the hostname are checked
            version, cipher = tls.version() or "", (tls.cipher() or ("",))[0]
            certificate = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True) or b"")
            tls.sendall(request)
            chunks = list(iter(lambda: tls.recv(4096), b""))  # read until the server hangs up
    response = b"".join(chunks).decode("utf-8", "replace")
    return _Visit(version, cipher, certificate, response)


def _refusal(
    port: int, context: ssl.SSLContext, hostname: str = _HOSTNAME
) -> ssl.SSLCertVerificationError:
    """Visit a server the client should refuse; return the refusal (other errors propagate)."""
    try:
        _visit(port, context, hostname)
    except ssl.SSLCertVerificationError as error:
        return error.with_traceback(None)
    raise RuntimeError(f"the client accepted the server at 127.0.0.1:{port}; it should not")


# --- the tour and what it shows -------------------------------------------------------------


def _common_name(name: x509.Name) -> str:
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attributes[0].value) if attributes else name.rfc4514_string()


@dataclass(frozen=True)
class TourResult:
    """What :func:`handshake_tour` saw: one secure connection and one refused impostor."""

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
        """What a browser would show for the impostor (``NET::ERR_CERT_AUTHORITY_INVALID``)."""
        return BROWSER_ERRORS.get(self.impostor_verify_code, "NET::ERR_CERT_INVALID")

    def _why(self) -> str:
        impostor = self.impostor_certificate
        return (
            f"The impostor can make a certificate for any name, {self.hostname} included, "
            f"but it had to sign it with its own key (issuer {_common_name(impostor.issuer)}"
            f" = subject {_common_name(impostor.subject)}: self-signed). Nobody your client "
            f"trusts signed it: the client trusts only {self.ca_name}, so it hung up before "
            "sending a single byte. Lessons 03–07 show every step."
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
    """A preview of lessons 03–07: a CA, a real TLS connection, and a refused impostor.

    Everything runs on 127.0.0.1 with ``cryptography`` and Python's ``ssl``; both servers
    are shut down before this returns.
    """
    ca = _make_ca()
    client = _client_context(ca.certificate)  # the client trusts this CA, and only this CA
    response = _http_response(_HOSTNAME)
    with _serve_once(_server_context(_issue_leaf(ca)), response) as bank_port:
        visit = _visit(bank_port, client)
    impostor = _make_impostor()
    with _serve_once(_server_context(impostor), response) as impostor_port:
        refusal = _refusal(impostor_port, client)
    return TourResult(
        hostname=_HOSTNAME,
        tls_version=visit.tls_version,
        cipher=visit.cipher,
        server_certificate=visit.server_certificate,
        response=visit.response,
        impostor_certificate=impostor.certificate,
        impostor_verify_code=refusal.verify_code,
        impostor_verify_message=refusal.verify_message,
        bank_port=bank_port,
        impostor_port=impostor_port,
    )
