"""Domain validation the ACME way: an http-01 challenge over real HTTP (lesson 05).

Lesson 05-certificate-authorities teaches everything here. A CSR's signature proves that the
requester holds the private key; it says nothing about who controls ``bank.example``. Before a
CA signs, it checks control of the domain (CA/B Forum BR 3.2.2.4; ACME's http-01 challenge is
BR 3.2.2.4.19). The ACME way (RFC 8555 §8.3), step by step:

1. The requester has an *account key* pair; the CA knows its public key.
2. The CA hands out a random *token* for the domain (:meth:`DomainValidator.new_challenge`).
3. The requester computes the *key authorization*, ``token + "." + thumbprint`` of its account
   key (:func:`key_authorization`, RFC 8555 §8.1; the thumbprint is RFC 7638's,
   :func:`jwk_thumbprint`), and publishes it on the domain's web server at
   ``/.well-known/acme-challenge/<token>`` (:func:`challenge_server`).
4. The CA looks the domain up in DNS, fetches that URL over plain HTTP on port 80 and compares
   the body with the key authorization it expects (:meth:`DomainValidator.validate`). Only if
   they match does it record the domain as validated *for that account* (an ACME authorization
   belongs to one account, RFC 8555 §7.1.4), and only then will it issue to that account:
   ``ca.issue(csr, account=jwk_thumbprint(account_key))``.

An impostor cannot pass: it does not control the server the domain points to, and a key
authorization published anywhere else, or one made with its own account key, does not match.

Stand-ins, said plainly: everything runs on 127.0.0.1. A port the operating system picks stands
in for port 80, and a dictionary ``{domain: port}`` stands in for DNS. Real CAs follow redirects
(RFC 8555 §8.3 says a CA SHOULD; Let's Encrypt follows them to ports 80 and 443); this
course's CA follows none, to keep it simple. Real CAs also validate from several network
vantage points (BR 3.2.2.9); this one looks once, from the same machine.

Simplified against RFC 8555, also said plainly: no JWS (a real client signs every request with
its account key, §6.2, and that signature is what tells the CA which account asks; here the
account's thumbprint is passed as it is), no replay nonces (§6.5), no orders (§7.1.3) and no
"processing" state or retries (§7.1.6, §8.2). A validation never expires here; a real
authorization does (Let's Encrypt: about 30 days; BR §4.2.1 caps the reuse of a domain check
at 200 days since 2026-03-15). http-01 is one method among others: dns-01 (a TXT record,
BR 3.2.2.4.7; the only one for wildcard names) and tls-alpn-01 (a special certificate on port
443, RFC 8737, BR 3.2.2.4.20). Before issuing, a real CA also reads the domain's CAA records,
which may forbid it (RFC 8659, BR 3.2.2.8); this one does not.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import http.server
import json
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pkicourse import keys
from pkicourse.errors import ArgumentError, ChallengeError, ServerError, WrongKeyTypeError

__all__ = [
    "CHALLENGE_PATH",
    "Challenge",
    "ChallengeResult",
    "ChallengeServer",
    "DomainValidator",
    "ServedRequest",
    "challenge_server",
    "jwk",
    "jwk_thumbprint",
    "key_authorization",
]

#: Where http-01 puts the key authorization on the domain's web server (RFC 8555 §8.3).
CHALLENGE_PATH = "/.well-known/acme-challenge/"

_TOKEN_BYTES = 16  # RFC 8555 §8.3: a token carries at least 128 bits of entropy
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")  # base64url characters, no padding (RFC 8555 §8.3)
_TIMEOUT = 2.0  # seconds the CA waits for the domain's server (connect, then each read)
_MAX_BODY = 8192  # bytes of the answer the CA reads at most; a key authorization is ~90
_EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}  # RFC 7518 §6.2.1


# --- the account key's thumbprint and the key authorization (RFC 7638, RFC 8555 §8.1) ---------


def _b64url(data: bytes) -> str:
    """base64url without ``=`` padding, as JOSE writes every binary value (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned(number: int, length: int | None = None) -> bytes:
    """Big-endian bytes: minimal (RSA's n and e, RFC 7518 §6.3.1) or of a fixed length (EC)."""
    size = length if length is not None else max(1, (number.bit_length() + 7) // 8)
    return number.to_bytes(size, "big")


def _public_key(key: object) -> object:
    """The public half of a private key; a public key as it is."""
    private = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
    return key.public_key() if isinstance(key, private) else key


def jwk(account_key: keys.PrivateKey | keys.PublicKey) -> dict[str, str]:
    """The members of the public key's JWK that its thumbprint covers (lesson 05).

    Only the *required* members (RFC 7638 §3.2), in lexicographic order: for an EC key
    ``crv, kty, x, y`` (RFC 7518 §6.2.1; x and y are the point's coordinates, each padded to the
    curve's size), for RSA ``e, kty, n`` (RFC 7518 §6.3.1; minimal big-endian numbers), for
    Ed25519 ``crv, kty, x`` (RFC 8037 §2: kty "OKP", x the 32-byte public key). Binary values
    are base64url without padding. A private key gives its public half's JWK.
    """
    public_key = _public_key(account_key)
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in _EC_CURVES:
        numbers, size = public_key.public_numbers(), (public_key.curve.key_size + 7) // 8
        x, y = _b64url(_unsigned(numbers.x, size)), _b64url(_unsigned(numbers.y, size))
        return {"crv": _EC_CURVES[public_key.curve.name], "kty": "EC", "x": x, "y": y}
    if isinstance(public_key, rsa.RSAPublicKey):
        rsa_numbers = public_key.public_numbers()
        e, n = _b64url(_unsigned(rsa_numbers.e)), _b64url(_unsigned(rsa_numbers.n))
        return {"e": e, "kty": "RSA", "n": n}
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    raise WrongKeyTypeError(
        f"An ACME account key must be an RSA, EC (P-256, P-384, P-521) or Ed25519 key, not "
        f"{type(account_key).__name__}. Make one with "
        "pkicourse.keys.generate_private_key('ec-p256') and pass it (or its .public_key())."
    )


def jwk_thumbprint(account_key: keys.PrivateKey | keys.PublicKey) -> str:
    """The RFC 7638 thumbprint of a public key, base64url without padding (lesson 05).

    The JWK's required members (:func:`jwk`) as JSON with the keys sorted and no whitespace
    at all, encoded as UTF-8, hashed with SHA-256. Sorting and no spaces make the JSON
    *canonical*: everyone who holds the same public key gets the same bytes, so the same
    thumbprint (RFC 7638 §3). A private key gives its public half's thumbprint.
    """
    canonical = json.dumps(jwk(account_key), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _check_token(token: object) -> str:
    if type(token) is not str or not _TOKEN.fullmatch(token):
        shown = f"a {type(token).__name__}" if type(token) is not str else f"{len(token)} chars"
        raise ChallengeError(
            f"An ACME token is a non-empty string of base64url characters (A-Z a-z 0-9 - _) "
            f"and nothing else; this one is not ({shown}). Use the token of the challenge the "
            "CA gave you: challenge.token."
        )
    return token


def key_authorization(token: str, account_key: keys.PrivateKey | keys.PublicKey) -> str:
    """What the domain's server must publish for an http-01 challenge (lesson 05).

    ``token + "." + jwk_thumbprint(account_key)`` (RFC 8555 §8.1). The token shows that the
    answer is for *this* challenge; the thumbprint binds it to the account key that asked, so
    an answer published for another account does not count.
    """
    return f"{_check_token(token)}.{jwk_thumbprint(account_key)}"


# --- the domain's web server (it stands in for port 80) -------------------------------------


class ServedRequest(NamedTuple):
    """One request a :class:`ChallengeServer` answered: the Host header, the path, the status."""

    host: str
    path: str
    status: int


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers GET /.well-known/acme-challenge/<token> from the server's files; 404 otherwise."""

    server: _HTTPServer
    timeout = _TIMEOUT  # a visitor that sends nothing is dropped after this many seconds
    server_version = "pkicourse-challenge-server"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (the name http.server looks for)
        token = self.path[len(CHALLENGE_PATH) :] if self.path.startswith(CHALLENGE_PATH) else ""
        text = self.server.files.get(token) if _TOKEN.fullmatch(token) else None
        body = (text if text is not None else "not found\n").encode("utf-8")
        status = 200 if text is not None else 404
        self.server.requests.append(ServedRequest(self.headers.get("Host", ""), self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")  # as in RFC 8555 §8.3
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: no request log on stderr (it would clutter the notebook)."""


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread: none is left behind
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)  # port 0: the OS picks a free port
        self.files: dict[str, str] = {}
        self.requests: list[ServedRequest] = []

    def handle_error(self, request: object, client_address: object) -> None:
        """Silent: a visitor that hangs up early is its own business, not a traceback."""


@dataclass(frozen=True, eq=False)
class ChallengeServer:
    """A domain's web server on 127.0.0.1, made by :func:`challenge_server` (lesson 05).

    ``port`` stands in for port 80. :meth:`publish` puts a key authorization where the CA
    looks; ``requests`` lists what the server was asked (the CA's visit shows up there).
    """

    port: int
    _server: _HTTPServer = field(repr=False)

    def publish(self, token: str, text: str) -> str:
        """Serve ``text`` at ``/.well-known/acme-challenge/<token>``; return that path."""
        if type(text) is not str:
            raise ArgumentError(
                f"publish(token, text) serves text: a str such as key_authorization(token, "
                f"account_key), not {type(text).__name__}."
            )
        self._server.files[_check_token(token)] = text
        return CHALLENGE_PATH + token

    def remove(self, token: str) -> None:
        """Stop serving ``token`` (after the CA has looked, as ACME clients do)."""
        self._server.files.pop(token, None)

    @property
    def requests(self) -> list[ServedRequest]:
        return list(self._server.requests)

    def url(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}{CHALLENGE_PATH}{_check_token(token)}"


@contextmanager
def challenge_server(files: Mapping[str, str] | None = None) -> Iterator[ChallengeServer]:
    """Run a domain's web server on 127.0.0.1 until the ``with`` block ends (lesson 05).

    It serves only ``GET /.well-known/acme-challenge/<token>`` (the ``files`` given, then what
    :meth:`ChallengeServer.publish` adds) and answers 404 to everything else. The port is
    chosen by the operating system and stands in for port 80, where a real CA would look. The
    server is shut down, and its threads joined, when the block ends, also when it raises.
    """
    try:
        server = _HTTPServer()
    except OSError as error:
        raise ServerError(f"The challenge server could not start on 127.0.0.1: {error}.") from None
    challenge = ChallengeServer(server.server_address[1], server)
    try:
        for token, text in (files or {}).items():
            challenge.publish(token, text)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # how soon shutdown() is noticed
            name="pkicourse-challenge-server",
            daemon=True,
        )
        thread.start()
        try:
            yield challenge
        finally:
            server.shutdown()  # waits until serve_forever has returned
            thread.join()
    finally:
        server.server_close()  # closes the port and joins the handler threads


# --- the CA's side: hand out challenges, check them -------------------------------------------


class _ValidatingCA(Protocol):
    """What the validator needs of a CA (a pkicourse.ca.CA): a place to record the result."""

    def record_validated(
        self, name: str, method: str = ..., *, account: str | None = ...
    ) -> None: ...  # account: the JWK thumbprint the validation is for


@dataclass(eq=False)
class Challenge:
    """An http-01 challenge the CA handed out (RFC 8555 §8.3), made by
    :meth:`DomainValidator.new_challenge` (lesson 05).

    The token is public: the requester publishes it in the URL for all to see. What an
    impostor cannot make is the key authorization for *this* account's key.
    ``status`` goes from "pending" to "valid" or "invalid", once. Simplified: RFC 8555 §7.1.6
    has a "processing" state in between, during which the CA may retry (§8.2).
    """

    domain: str
    token: str
    account_thumbprint: str  # RFC 7638 thumbprint of the account key that asked
    type: str = "http-01"
    status: str = "pending"

    @property
    def path(self) -> str:
        """Where the domain's server must publish the key authorization."""
        return CHALLENGE_PATH + self.token

    @property
    def url(self) -> str:
        """The URL the CA fetches (on the real internet, on port 80)."""
        return f"http://{self.domain}{self.path}"


@dataclass(frozen=True)
class ChallengeResult:
    """What the CA found when it checked a challenge (lesson 05): ``ok``, and why in words.

    ``reason`` is one of "valid", "no-dns-record", "connection-refused", "timeout",
    "connection-error", "http-status" (404, a redirect...), "wrong-key-authorization".
    """

    ok: bool
    domain: str
    reason: str
    explanation: str
    fetched: str  # the URL the CA asked for, with the port that stands in for 80
    http_status: int | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        mark = "✔" if self.ok else "✘"
        return f"{mark} {self.domain}: {self.explanation}"

    def _repr_html_(self) -> str:
        colour = "#1b5e20" if self.ok else "#b71c1c"
        return f'<div style="color:{colour};font-family:sans-serif">{html.escape(str(self))}</div>'


class _Fetched(NamedTuple):
    status: int
    location: str
    body: bytes


class DomainValidator:
    """The CA's domain check, ACME http-01 (lesson 05; RFC 8555 §8.3, BR 3.2.2.4.19).

    ``DomainValidator(ca, dns)``: ``ca`` is a :class:`pkicourse.ca.CA`, told of each success
    with ``ca.record_validated(domain, "http-01", account=<the account's thumbprint>)``, so
    only that account may then be issued the domain; ``dns`` maps a domain to the port its web
    server listens on, on 127.0.0.1 (it stands in for DNS, and for port 80). The mapping is
    read at each validation, so changing it later changes where the CA looks.
    """

    def __init__(self, ca: _ValidatingCA, dns: Mapping[str, int]) -> None:
        if not callable(getattr(ca, "record_validated", None)):
            raise ArgumentError(
                f"DomainValidator(ca, dns) needs a CA with record_validated(), such as "
                f"pkicourse.ca.CA.root(); got {type(ca).__name__}."
            )
        self.ca = ca
        self.dns = dns
        self._challenges: dict[str, Challenge] = {}

    def new_challenge(
        self, domain: str, account_public_key: keys.PrivateKey | keys.PublicKey
    ) -> Challenge:
        """A fresh http-01 challenge for ``domain``, for the account with this key."""
        name = _check_domain(domain)
        thumbprint = jwk_thumbprint(account_public_key)
        token = secrets.token_urlsafe(_TOKEN_BYTES)  # base64url, no padding
        challenge = Challenge(name, token, thumbprint)
        self._challenges[token] = challenge
        return challenge

    def expected_key_authorization(self, challenge: Challenge) -> str:
        """What the CA expects to find: the token, a dot, the account key's thumbprint."""
        return f"{challenge.token}.{challenge.account_thumbprint}"

    def validate(self, challenge: Challenge) -> ChallengeResult:
        """Fetch the key authorization from the domain's server and compare (once per challenge).

        On success the CA records the domain as validated ("http-01") for the challenge's
        account (its key's thumbprint) and the challenge becomes
        "valid"; any failure makes it "invalid" (RFC 8555 §7.1.6): ask for a new challenge.
        """
        self._check_pending(challenge)
        result = self._check(challenge)
        challenge.status = "valid" if result.ok else "invalid"
        if result.ok:
            # The authorization belongs to the account that passed (RFC 8555 §7.1.4).
            self.ca.record_validated(
                challenge.domain, "http-01", account=challenge.account_thumbprint
            )
        return result

    def _check_pending(self, challenge: Challenge) -> None:
        if not isinstance(challenge, Challenge):
            raise ArgumentError(
                f"validate() takes the Challenge that new_challenge() gave, not "
                f"{type(challenge).__name__}."
            )
        if self._challenges.get(challenge.token) is not challenge:
            raise ChallengeError(
                f"This CA never handed out this challenge for {challenge.domain}: ask this "
                "validator's new_challenge(domain, account_key) for one."
            )
        if challenge.status != "pending":
            raise ChallengeError(
                f"This challenge for {challenge.domain} was already checked (it is "
                f"{challenge.status}); a challenge is checked only once. Ask for a new one "
                "with new_challenge(domain, account_key)."
            )

    def _check(self, challenge: Challenge) -> ChallengeResult:
        domain, path = challenge.domain, challenge.path
        port = self.dns.get(domain)
        if port is not None and (type(port) is not int or not 0 < port < 65536):
            raise ArgumentError(
                f"dns must map each domain to a port number (an int from 1 to 65535), e.g. "
                f"{{'{domain}': server.port}}; for {domain} it holds {type(port).__name__}."
            )
        if port is None:
            return ChallengeResult(
                False,
                domain,
                "no-dns-record",
                f"DNS has no address for {domain} (the dns mapping has no entry for it), so "
                "the CA has no server to ask.",
                f"http://{domain}{path}",
            )
        fetched = f"http://127.0.0.1:{port}{path} (Host: {domain})"
        try:
            answer = _fetch(port, domain, path)
        except ConnectionRefusedError:
            why = (
                f"connection refused: nothing listens on 127.0.0.1:{port}, where DNS points "
                f"{domain}. Start the domain's server (challenge_server) before asking the CA "
                "to check."
            )
            return ChallengeResult(False, domain, "connection-refused", why, fetched)
        except TimeoutError:
            why = f"timeout: the server at 127.0.0.1:{port} did not answer within {_TIMEOUT:g} s."
            return ChallengeResult(False, domain, "timeout", why, fetched)
        except (OSError, http.client.HTTPException) as error:
            why = f"the connection to 127.0.0.1:{port} failed ({type(error).__name__})."
            return ChallengeResult(False, domain, "connection-error", why, fetched)
        return self._compare(challenge, answer, fetched)

    def _compare(self, challenge: Challenge, answer: _Fetched, fetched: str) -> ChallengeResult:
        domain = challenge.domain
        if not 200 <= answer.status < 300:  # BR 3.2.2.4.19: a successful (2xx) response
            return ChallengeResult(
                False,
                domain,
                "http-status",
                _status_words(answer, domain, fetched),
                fetched,
                answer.status,
            )
        expected = self.expected_key_authorization(challenge)
        body = answer.body.decode("utf-8", "replace").rstrip()  # RFC 8555 §8.3: trailing space
        if body == expected:
            why = (
                f"the server the domain points to published the key authorization for this "
                f"token and this account key: {domain} is validated (http-01)."
            )
            return ChallengeResult(True, domain, "valid", why, fetched, answer.status)
        why = _mismatch_words(body, challenge)
        return ChallengeResult(
            False, domain, "wrong-key-authorization", why, fetched, answer.status
        )


def _check_domain(domain: object) -> str:
    if type(domain) is not str or not domain:
        raise ArgumentError(f"A domain name is a str such as 'bank.example', not {domain!r}.")
    name = domain.lower().rstrip(".")
    if name.startswith("*."):
        raise ChallengeError(
            f"http-01 cannot validate a wildcard name ({domain}): the BR say the method is "
            "not suitable for wildcard domain names (BR 3.2.2.4.19), so ACME CAs use dns-01 "
            "for them. Ask for the name itself, e.g. 'bank.example'."
        )
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", name) or ".." in name:
        raise ArgumentError(
            f"{domain!r} is not a domain name: letters, digits, dots and hyphens only."
        )
    return name


def _fetch(port: int, domain: str, path: str) -> _Fetched:
    """GET the path from 127.0.0.1:port as ``domain`` (the Host header); no redirect followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Host": domain, "Connection": "close"})
        response = connection.getresponse()
        body = response.read(_MAX_BODY)
        return _Fetched(response.status, response.getheader("Location", ""), body)
    finally:
        connection.close()


def _status_words(answer: _Fetched, domain: str, fetched: str) -> str:
    server = f"the server DNS gives for {domain} ({fetched.split('/')[2]})"
    if answer.status == 404:
        return (
            f"{server} answered 404 Not Found: nothing is published there under this "
            "challenge's token. Only whoever controls that server can put the key "
            "authorization there."
        )
    if 300 <= answer.status < 400:
        return (
            f"{server} answered with a redirect ({answer.status}) to {answer.location!r}. "
            "Real CAs may follow it (RFC 8555 §8.3: a CA SHOULD); this course's CA follows "
            "no redirect, to keep it simple."
        )
    return (
        f"{server} answered HTTP {answer.status}, not a success (2xx, such as 200 OK) with the "
        "key authorization."
    )


def _mismatch_words(body: str, challenge: Challenge) -> str:
    token, dot, thumbprint = body.partition(".")
    if not dot or not _TOKEN.fullmatch(token) or not _TOKEN.fullmatch(thumbprint):
        return (
            f"the server answered with success, but with something that is not a key authorization "
            f"({len(body)} characters; expected token.thumbprint)."
        )
    if token != challenge.token:
        return (
            "the server published a key authorization for another token, not this "
            "challenge's: an old or someone else's challenge."
        )
    return (
        f"wrong key authorization: it was made with another account key (thumbprint "
        f"{thumbprint}), not the key of the account that asked ({challenge.account_thumbprint})."
        " Whoever published it does not hold this account's key."
    )
