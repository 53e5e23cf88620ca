"""Man in the middle: the note's hacker, for real, on 127.0.0.1 (lesson 07-mitm).

The note: a hacker sets up a look-alike bank server and redirects your connection to it; the
channel is encrypted, but to the wrong party. A self-signed impostor is warned about; the only
way in is a custom CA installed in the victim's browser. Lesson 07 plays this out with real
sockets, real certificates and the six scenarios of the course's curriculum
(:func:`play`, :func:`play_all`):

1. the victim's client skips verification (:func:`insecure_client_context`, the BAD example):
   the attacker reads everything;
2. the attacker shows a self-signed certificate for ``bank.example``: refused (OpenSSL 18);
3. the attacker asks the real CA for ``bank.example``: the http-01 check fails, no certificate;
4. the attacker signs with its own CA ("Evil Proxy CA"): refused (OpenSSL 20);
5. the attacker's CA is in the victim's trust store: accepted, the attacker reads the password
   and forwards it to the real bank, so the victim sees a normal answer (corporate TLS proxies
   and mitmproxy work this way);
6. the victim pins the bank's key (:func:`spki_pin`, :func:`pinned_connect`): 5 fails again.

The players (:func:`players`): "Course Root CA" is in the victim's trust store; its
intermediate "Course Issuing CA" issued the bank's certificate after the bank passed an ACME
http-01 check (:mod:`pkicourse.acme`). A public root's key does not sign websites' certificates
itself (Baseline Requirements §6.1.7): it stays offline and signs intermediates, which sign the
leaves. The attacker has its own CA, "Evil Proxy CA", which signs its forgeries from its root
directly, as interception proxies such as mitmproxy do: no rule binds an attacker. Like every
course root, both roots are name-constrained to the course's reserved names, so neither can
vouch for a real site.

Chrome's errors are written as its warning page shows them, ``NET::ERR_CERT_AUTHORITY_INVALID``
(as :mod:`pkicourse.tls` and :mod:`pkicourse.validation` do); Chromium's net log, DevTools and
Playwright write the same code as ``net::ERR_CERT_AUTHORITY_INVALID`` (lesson 06's
:mod:`pkicourse.gallery`).

Real library calls: the servers and the victim's client are :func:`pkicourse.tls.tls_server`
and :func:`pkicourse.tls.connect`. The interceptor is ``tls_server(attacker_leaf, http=True,
handler=forward)``, where ``forward`` reads the request and sends it on with ``tls.connect``
to the real bank; the pinned client :func:`pinned_connect` is ``tls.connect(..., pins=...)``,
which checks the pins after the handshake and *before* the request is sent. No TLS code of
its own: the one ``ssl`` context made here is :func:`insecure_client_context`, the bad
example. Certificates come from :mod:`pkicourse.ca` and :mod:`pkicourse.certificates`; pins
(:func:`spki_pin`, the same function as :func:`pkicourse.tls.spki_pin`) are SHA-256 hashes
(``cryptography``'s ``hashes``) of the SubjectPublicKeyInfo. The passive
eavesdropper (:func:`eavesdrop`) is lesson 06's :func:`pkicourse.recording.relay`.

Stand-ins, said plainly: "redirecting the connection" (DNS spoofing, a hostile Wi-Fi) is the
victim connecting to the attacker's port while asking for ``bank.example``. The password is a
made-up test password (:data:`PASSWORD`).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets
from cryptography import x509

from pkicourse import acme, keys, tls
from pkicourse.ca import CA, LeafCert
from pkicourse.certificates import make_self_signed
from pkicourse.csr import make_csr
from pkicourse.errors import ArgumentError, CourseError, NameNotValidatedError, ServerError
from pkicourse.recording import relay
from pkicourse.tls import _checked_pins, spki_pin  # mitm.spki_pin is tls.spki_pin
from pkicourse.tls import _is_pin as _is_pin  # kept under its old name

__all__ = [
    "BANK",
    "Eavesdropped",
    "PASSWORD",
    "SCENARIOS",
    "Interceptor",
    "Outcome",
    "OutcomeTable",
    "PinTrial",
    "Players",
    "ProceedAnyway",
    "bank_answer",
    "bank_server",
    "curl_pinnedpubkey",
    "eavesdrop",
    "insecure_client_context",
    "interceptor",
    "login_request",
    "make_players",
    "outcomes_table",
    "pinned_connect",
    "pinning_costs",
    "play",
    "play_all",
    "players",
    "proceed_anyway_widget",
    "spki_pin",
]

BANK = "bank.example"
USER = "alice"
#: A made-up test password for the victim's login (never a real one).
PASSWORD = "made-up-test-password-42"

#: The six scenarios of lesson 07 (the course's curriculum), by number.
SCENARIOS: Mapping[int, str] = MappingProxyType(
    {
        1: "The victim's client skips verification",
        2: "The attacker shows a self-signed certificate for bank.example",
        3: "The attacker asks the real CA for bank.example",
        4: "The attacker signs with its own CA",
        5: "The attacker's CA is installed in the victim's trust store",
        6: "The victim pins the bank's key (scenario 5 again)",
    }
)

_TIMEOUT = 2.0
_LOGIN_PAGE = (
    b"Bank of Example: log in\n"
    b"POST /login with user=...&password=... (application/x-www-form-urlencoded)\n"
)


# --- the players ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Players:
    """Who is who in lesson 07. Private keys live only in memory, for this lesson."""

    course_root: CA  # "Course Root CA": in the victim's trust store; signs intermediates only
    bank: LeafCert  # bank.example's key, certificate and intermediate, after an http-01 check
    bank_account_key: keys.PrivateKey = field(repr=False)  # the bank's ACME account key
    evil_ca: CA  # "Evil Proxy CA": the attacker's own CA
    self_signed: LeafCert  # the attacker's self-signed certificate for bank.example (2)
    forged: LeafCert  # the attacker's certificate for bank.example from Evil Proxy CA (4-6)
    issuing_ca: CA  # "Course Issuing CA": the root's intermediate, which checks and signs


def _bank_certificate(issuing: CA, account_key: keys.PrivateKey, key: keys.PrivateKey) -> LeafCert:
    """The bank proves control of bank.example (ACME http-01 on its own web server), then the
    issuing CA signs its CSR for that account; the bank serves leaf + intermediate."""
    with acme.challenge_server() as web:
        validator = acme.DomainValidator(issuing, {BANK: web.port})  # DNS: bank.example -> web
        challenge = validator.new_challenge(BANK, account_key)
        web.publish(challenge.token, acme.key_authorization(challenge.token, account_key))
        result = validator.validate(challenge)
    if not result:
        raise ServerError(f"The bank failed its own domain check: {result.explanation}")
    account = acme.jwk_thumbprint(account_key)
    return LeafCert(
        key, [issuing.issue(make_csr(key, [BANK]), account=account), issuing.certificate]
    )


def make_players() -> Players:
    """New players: the course root and its issuing CA, the bank (validated by http-01), the
    attacker's CA and certificates. Fast: P-256 keys."""
    root = CA.root("Course Root CA")
    issuing = root.create_intermediate("Course Issuing CA")
    account_key = keys.generate_private_key("ec-p256")
    bank = _bank_certificate(issuing, account_key, keys.generate_private_key("ec-p256"))
    evil_ca = CA.root("Evil Proxy CA")  # the attacker's CA signs whatever the attacker likes
    impostor_key = keys.generate_private_key("ec-p256")
    self_signed = LeafCert(impostor_key, [make_self_signed(impostor_key, BANK, dns_names=[BANK])])
    forged = evil_ca.issue_cert(BANK)
    return Players(root, bank, account_key, evil_ca, self_signed, forged, issuing)


@functools.cache
def players() -> Players:
    """The lesson's players, made once per Python session (the same ones each call)."""
    return make_players()


def _cast(cast: object) -> Players:
    """``cast``, or the lesson's :func:`players` when it is None; anything else is refused."""
    if cast is None:
        return players()
    if not isinstance(cast, Players):
        raise ArgumentError(
            f"cast must be the players from mitm.players() or mitm.make_players() (or "
            f"nothing, for the lesson's), not {type(cast).__name__}."
        )
    return cast


def _leaf(leaf: object, what: str) -> LeafCert:
    if not isinstance(leaf, LeafCert):
        raise ArgumentError(
            f"{what} must be a LeafCert (a key and its certificate, such as players().bank or "
            f"ca.issue_cert('{BANK}')), not {type(leaf).__name__}."
        )
    return leaf


# --- the bank ---------------------------------------------------------------------------------


def login_request(password: str = PASSWORD, *, user: str = USER) -> bytes:
    """The victim's login: an HTTP POST of a form with the user name and (made-up) password.

    The form is URL-encoded (``urllib.parse.urlencode``), so ``&``, ``=`` or ``+`` in the
    password arrive as typed."""
    for name, value in (("password", password), ("user", user)):
        if type(value) is not str:
            raise ArgumentError(f"{name} must be text (str), not {type(value).__name__}.")
    body = urlencode({"user": user, "password": password}).encode()
    head = (
        f"POST /login HTTP/1.1\r\nHost: {BANK}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def bank_answer(request: bytes) -> bytes:
    """The bank's web application: ``GET /`` is the login page, ``POST /login`` logs in."""
    if type(request) is not bytes:
        raise ArgumentError(
            f"request must be bytes (an HTTP request), not {type(request).__name__}."
        )
    head, _, body = request.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0]
    if line.startswith(b"POST /login "):
        form = parse_qs(body.decode("utf-8", "replace"))
        user, password = form.get("user", [""])[0], form.get("password", [""])[0]
        if user == USER and password == PASSWORD:
            return f"welcome, {user}: your balance is 1,234.56 EUR\n".encode()
        return b"wrong user name or password\n"
    if line.startswith(b"GET / ") or line.startswith(b"GET /login "):
        return _LOGIN_PAGE
    return b"not found on this bank: try GET / or POST /login\n"


@contextmanager
def bank_server(
    cast: Players | None = None, *, leaf: LeafCert | None = None
) -> Iterator[tls.TLSServer]:
    """The real bank over HTTPS on 127.0.0.1 until the ``with`` block ends (lesson 07).

    ``tls.tls_server(bank certificate, http=True, handler=bank_answer)``. ``leaf``: another
    certificate for the bank (a new key after a rotation, see :func:`pinning_costs`).
    """
    cast = _cast(cast)
    served = cast.bank if leaf is None else _leaf(leaf, "leaf")
    with tls.tls_server(served, http=True, handler=bank_answer) as s:
        yield s


def _body(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


# --- the interceptor --------------------------------------------------------------------------


@dataclass(frozen=True)
class Interceptor:
    """The attacker's server: ``port`` (where the victim is redirected) and ``captured``, the
    plaintext requests it read (a live list; complete once the ``with`` block has ended)."""

    server: tls.TLSServer
    captured: list[bytes]

    @property
    def port(self) -> int:
        return self.server.port


@contextmanager
def interceptor(
    leaf: LeafCert, bank_port: int, *, trust: CA | x509.Certificate
) -> Iterator[Interceptor]:
    """The man in the middle (lesson 07): a TLS server with ``leaf`` (the attacker's
    certificate for bank.example) that reads each request and forwards it to the real bank.

    ``tls.tls_server(leaf, http=True, handler=forward)``; ``forward`` keeps the request in
    ``captured`` (the attacker reads it), then ``tls.connect(bank_port, request=...)`` to the
    real bank, which ``trust`` verifies like any client, and answers with the bank's answer.
    """
    leaf = _leaf(leaf, "leaf (the attacker's certificate)")
    if type(bank_port) is not int or not 0 < bank_port < 65536:
        raise ArgumentError(f"bank_port must be a port number from 1 to 65535, not {bank_port!r}.")
    if not isinstance(trust, (CA, x509.Certificate)):
        raise ArgumentError(
            f"trust must be the CA (or its certificate) the attacker checks the real bank "
            f"against, such as players().course_root, not {type(trust).__name__}."
        )
    captured: list[bytes] = []

    def forward(request: bytes) -> bytes:
        captured.append(request)  # the attacker reads the plaintext here
        answer = tls.connect(bank_port, hostname=BANK, trust=trust, request=request)
        if not answer.ok or answer.response is None:
            raise ServerError(f"The real bank did not answer the attacker: {answer}")
        # Only the bank's body goes back: the interceptor always answers 200 text/plain, even
        # when the bank answered otherwise (a simplification: a real proxy copies the status).
        return _body(answer.response)

    with tls.tls_server(leaf, http=True, handler=forward) as server:
        yield Interceptor(server, captured)


def insecure_client_context() -> ssl.SSLContext:
    """THE BAD EXAMPLE (scenario 1): a client that checks nothing. Never do this.

    ``check_hostname = False`` and ``verify_mode = ssl.CERT_NONE``: any certificate, for any
    name, from anyone, is accepted. The connection is encrypted, to whoever answered. The same
    mistake elsewhere: ``requests.get(url, verify=False)``, ``curl -k`` (``--insecure``),
    ``ssl._create_unverified_context()``. Use it only to see why it is wrong.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # must be turned off before CERT_NONE
    context.verify_mode = ssl.CERT_NONE  # accepts every certificate: the attacker's too
    return context


# --- pinning ----------------------------------------------------------------------------------


def curl_pinnedpubkey(*pins: str) -> str:
    """The same pins as curl's ``--pinnedpubkey`` wants them: ``sha256//<b64>;sha256//<b64>``."""
    return ";".join("sha256//" + pin.removeprefix("sha256/") for pin in _checked_pins(list(pins)))


def pinned_connect(
    port: int,
    *,
    hostname: str,
    trust: CA | x509.Certificate | Sequence[CA | x509.Certificate],
    pins: Sequence[str],
    request: bytes | None = None,
    timeout: float = _TIMEOUT,
) -> tls.Connection:
    """A client that pins (lesson 07): verify as usual, then require a pinned key, then send.

    ``tls.connect(..., pins=pins)``: after the handshake (chain and name verified against
    ``trust``), the SPKI pin of every certificate in the *verified* chain (leaf to root, as
    HPKP did, RFC 7469 §2.6) is compared with ``pins``; with no match, the client hangs up
    before sending ``request`` (``pinned`` is False). curl's ``--pinnedpubkey`` checks the
    leaf's key only. ``chain`` in the result is the verified chain.
    """
    seen = tls.connect(
        port, hostname=hostname, trust=trust, pins=pins, request=request, timeout=timeout
    )
    return dataclasses.replace(seen, chain=seen.verified_chain) if seen.verified_chain else seen


# --- the passive eavesdropper ----------------------------------------------------------------


@dataclass(frozen=True)
class Eavesdropped:
    """What a passive eavesdropper on the wire kept of the victim's login (lesson 07)."""

    victim_ok: bool  # the victim logged in to the real bank, as usual
    client_to_server: bytes = field(repr=False)  # every byte the victim sent: TLS records
    server_to_client: bytes = field(repr=False)  # every byte the bank sent
    password_seen: bool  # whether the password appears anywhere in those bytes

    def __str__(self) -> str:
        seen = "found" if self.password_seen else "not found"
        return (
            f"The eavesdropper kept {len(self.client_to_server)} bytes from the victim and "
            f"{len(self.server_to_client)} from the bank; the password: {seen} in them."
        )


def eavesdrop(cast: Players | None = None) -> Eavesdropped:
    """The victim logs in to the real bank through :func:`pkicourse.recording.relay`, a TCP
    relay that keeps every byte: what someone who can only watch the wire gets."""
    cast = _cast(cast)
    with bank_server(cast) as bank, relay(bank.port) as wire:
        seen = tls.connect(
            wire.port, hostname=BANK, trust=cast.course_root, request=login_request()
        )
    sent, received = bytes(wire.client_to_server), bytes(wire.server_to_client)
    password = PASSWORD.encode()
    return Eavesdropped(seen.ok, sent, received, password in sent or password in received)


# --- the six scenarios ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened in one scenario of :func:`play` (lesson 07).

    ``victim_ok``: the victim's client accepted the server it reached and logged in (through
    the attacker in scenarios 1 and 5). ``attacker_read``: the plaintext the attacker read, or
    None. ``verify_code`` / ``browser_error``: OpenSSL's verify code and Chrome's error for the
    same failure, when the victim's client refused a certificate (``browser_error`` as Chrome's
    warning page writes it, ``NET::ERR_CERT_AUTHORITY_INVALID``; its net log writes
    ``net::ERR_CERT_AUTHORITY_INVALID``). ``victim_response``: the
    answer the victim saw; ``challenge``: the CA's domain check (scenario 3);
    ``attacker_visits``: what the attacker's server saw of each visitor (``tls.Visit``: the
    request it read, or the error when the victim refused it).
    """

    scenario: int
    title: str
    victim_ok: bool
    attacker_read: bytes | None
    verify_code: int | None
    browser_error: str | None
    explanation: str
    victim_response: bytes | None = None
    challenge: acme.ChallengeResult | None = None
    attacker_visits: tuple[tls.Visit, ...] = ()
    seconds: float = 0.0

    @property
    def password_stolen(self) -> bool:
        """Whether the made-up password is among what the attacker read."""
        return self.attacker_read is not None and PASSWORD.encode() in self.attacker_read

    def __str__(self) -> str:
        code = "" if self.verify_code is None else f" OpenSSL verify code {self.verify_code}."
        chrome = f" Chrome: {self.browser_error}." if self.browser_error else ""
        read = "nothing" if not self.attacker_read else f"{len(self.attacker_read)} bytes"
        if self.password_stolen:
            read += ", the password among them"
        victim = "logged in" if self.victim_ok else "did not log in"
        return (
            f"{self.scenario}. {self.title}: the victim {victim}.{code}{chrome} The attacker "
            f"read {read}. {self.explanation}"
        )

    def _repr_html_(self) -> str:
        colour = "#B34700" if self.attacker_read else "#007A55"
        text = html.escape(str(self))
        read = ""
        if self.attacker_read:
            read = f"<pre>{html.escape(self.attacker_read.decode('utf-8', 'replace'))}</pre>"
        return f'<div style="color:{colour}">{text}</div>{read}'


class _Attack(NamedTuple):
    seen: tls.Connection  # what the victim's client found
    read: bytes | None  # the first request the attacker read
    visits: tuple[tls.Visit, ...]  # what the attacker's server saw


def _attack(
    cast: Players,
    leaf: LeafCert,
    trust: ssl.SSLContext | CA | x509.Certificate | list[x509.Certificate],
    pins: Sequence[str] | None = None,
) -> _Attack:
    """The bank and the attacker's interceptor run; the victim, redirected, logs in."""
    with bank_server(cast) as bank, interceptor(leaf, bank.port, trust=cast.course_root) as evil:
        if pins is None:
            seen = tls.connect(evil.port, hostname=BANK, trust=trust, request=login_request())
        else:
            assert not isinstance(trust, ssl.SSLContext)
            seen = pinned_connect(
                evil.port, hostname=BANK, trust=trust, pins=pins, request=login_request()
            )
    read = evil.captured[0] if evil.captured else None  # read once the threads have ended
    return _Attack(seen, read, tuple(evil.server.visits))


def _outcome(scenario: int, attack: _Attack, why: str) -> Outcome:
    seen = attack.seen
    return Outcome(
        scenario, SCENARIOS[scenario], seen.ok, attack.read, seen.verify_code,
        seen.browser_error, why, victim_response=_body(seen.response) if seen.response else None,
        attacker_visits=attack.visits,
    )  # fmt: skip


def _scenario_1(cast: Players) -> Outcome:
    attack = _attack(cast, cast.self_signed, insecure_client_context())
    return _outcome(1, attack, (
        "The client checked nothing, so it took the attacker's self-signed certificate: the "
        "channel was encrypted, to the attacker. It read the login, password included, and "
        "passed it on to the real bank, so the victim saw a normal answer."
    ))  # fmt: skip


def _scenario_2(cast: Players) -> Outcome:
    attack = _attack(cast, cast.self_signed, cast.course_root)
    return _outcome(2, attack, (
        "The certificate names bank.example, but it is signed by its own key and no root the "
        "victim trusts vouches for it. The client refused during the handshake, before "
        "sending the login: the attacker read nothing."
    ))  # fmt: skip


def _scenario_3(cast: Players) -> Outcome:
    account = keys.generate_private_key("ec-p256")  # the attacker's ACME account key
    with acme.challenge_server() as bank_web, acme.challenge_server() as attacker_web:
        validator = acme.DomainValidator(cast.issuing_ca, {BANK: bank_web.port})  # real DNS
        challenge = validator.new_challenge(BANK, account)
        attacker_web.publish(challenge.token, acme.key_authorization(challenge.token, account))
        result = validator.validate(challenge)  # the CA looks where DNS points: the bank
    csr = make_csr(keys.generate_private_key("ec-p256"), [BANK])
    try:
        cast.issuing_ca.issue(csr, account=acme.jwk_thumbprint(account))
    except NameNotValidatedError as error:
        refusal = _first_sentence(str(error)).removeprefix("Refused: ")  # not its advice
    else:
        raise CourseError("The CA signed bank.example for the attacker: it must not.")
    why = (
        f"The attacker published its key authorization on its own server, but the CA looks "
        f"where DNS points bank.example, the bank's server: {result.explanation} So the CA "
        f'refused to sign ("{refusal}"). With no certificate a trusted root vouches for, the '
        "attacker is back to scenario 2 or 4. (An attacker who could change what the CA itself "
        "sees of DNS or of Internet routing would pass http-01: that is why the Baseline "
        "Requirements make a CA repeat the check from several network vantage points, "
        "§3.2.2.9.)"
    )
    return Outcome(3, SCENARIOS[3], False, None, None, None, why, challenge=result)


def _first_sentence(text: str) -> str:
    """The text up to and including its first ". " (all of it if there is none)."""
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _scenario_4(cast: Players) -> Outcome:
    attack = _attack(cast, cast.forged, cast.course_root)
    return _outcome(4, attack, (
        "The certificate for bank.example is signed by Evil Proxy CA, which the victim does "
        "not trust; the attacker sent no root, so OpenSSL found no issuer it trusts (20; had "
        "it sent its root, 19). Refused before the login was sent: the attacker read nothing."
    ))  # fmt: skip


def _scenario_5(cast: Players) -> Outcome:
    trust = [cast.course_root.root_certificate, cast.evil_ca.root_certificate]
    attack = _attack(cast, cast.forged, trust)
    return _outcome(5, attack, (
        "Evil Proxy CA is in the victim's trust store, so its certificate for bank.example "
        "verifies like the bank's own. The attacker read the login, password included, and "
        "forwarded it; the victim saw the bank's normal answer. Corporate TLS proxies and "
        "mitmproxy work this way: their CA is installed on the clients."
    ))  # fmt: skip


def _scenario_6(cast: Players) -> Outcome:
    trust = [cast.course_root.root_certificate, cast.evil_ca.root_certificate]
    attack = _attack(cast, cast.forged, trust, pins=[spki_pin(cast.bank)])
    return _outcome(6, attack, (
        "Evil Proxy CA is trusted as in scenario 5 and the chain verifies, but the client "
        "pinned the bank's key and the certificate carries the attacker's key: no match, so "
        "it hung up before sending the login (curl --pinnedpubkey exits with code 90). "
        "Chrome would not have saved this victim: it skips its built-in pins when a chain "
        "ends at a locally installed root (Chrome Security FAQ), and since Chrome 72 no site "
        "can ask for a pin (HPKP, RFC 7469, removed). Pinning is for apps and tools."
    ))  # fmt: skip


_PLAYS: Mapping[int, Callable[[Players], Outcome]] = MappingProxyType(
    {1: _scenario_1, 2: _scenario_2, 3: _scenario_3, 4: _scenario_4, 5: _scenario_5,
     6: _scenario_6}
)  # fmt: skip


def play(scenario: int, cast: Players | None = None) -> Outcome:
    """Play one scenario (1-6, :data:`SCENARIOS`) over real sockets; every server is stopped
    and joined before it returns (lesson 07)."""
    if type(scenario) is not int or scenario not in _PLAYS:
        raise ArgumentError(f"scenario must be a number from 1 to 6, not {scenario!r}.")
    start = time.perf_counter()
    outcome = _PLAYS[scenario](_cast(cast))
    return dataclasses.replace(outcome, seconds=time.perf_counter() - start)


def play_all(cast: Players | None = None) -> list[Outcome]:
    """All six scenarios, in order (well under 3 s on a laptop)."""
    return [play(n, cast) for n in SCENARIOS]


@dataclass(frozen=True)
class OutcomeTable:
    """The scenarios side by side: a text table (``print``) and an HTML one (Jupyter)."""

    outcomes: list[Outcome]

    def rows(self) -> list[tuple[str, ...]]:
        return [
            (
                str(o.scenario),
                o.title,
                "logged in" if o.victim_ok else "no login",
                "—" if o.verify_code is None else str(o.verify_code),
                o.browser_error or "—",
                _what_was_read(o),
            )
            for o in self.outcomes
        ]  # fmt: skip

    _HEAD = ("#", "scenario", "victim", "OpenSSL code", "Chrome's error", "attacker read")

    def __str__(self) -> str:
        table = [self._HEAD, *self.rows()]
        widths = [max(len(row[i]) for row in table) for i in range(len(self._HEAD))]
        lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in table)
        return "\n".join(line.rstrip() for line in lines)

    def __repr__(self) -> str:  # a text-only front end shows the table, not every Outcome's bytes
        return str(self)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self._HEAD)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self.rows()
        )
        return f"<table><tr>{head}</tr>{body}</table>"


def _what_was_read(outcome: Outcome) -> str:
    if outcome.password_stolen:
        return "the password"
    return "something" if outcome.attacker_read else "nothing"


def outcomes_table(outcomes: Sequence[Outcome]) -> OutcomeTable:
    """A table of :func:`play_all`'s outcomes."""
    if isinstance(outcomes, (str, bytes)) or not isinstance(outcomes, Sequence):
        raise ArgumentError(f"give a list of outcomes (play_all()), not {type(outcomes).__name__}.")
    wrong = [type(o).__name__ for o in outcomes if not isinstance(o, Outcome)]
    if wrong:
        raise ArgumentError(
            f"each item must be an Outcome from play() or play_all(), not {wrong[0]}."
        )
    return OutcomeTable(list(outcomes))


# --- what pinning costs -----------------------------------------------------------------------


@dataclass(frozen=True)
class PinTrial:
    """One trial of :func:`pinning_costs`: what the client pinned, what the server showed,
    whether the pinned client went through (``ok``), and why. ``attacker``: the client met the
    attacker (a refusal is then the pin working), not the real bank (a refusal is the cost).
    ``str()`` marks a good outcome ✔ (the bank reached, the attacker stopped), a bad one ✘."""

    what: str
    ok: bool
    explanation: str
    connection: tls.Connection
    attacker: bool = False

    @property
    def good(self) -> bool:
        """True when the outcome is the one the bank's customers want: the real bank reached,
        or the attacker stopped."""
        return self.ok != self.attacker

    @property
    def verdict(self) -> str:
        """Good or bad, in words: "goes through", "attack stopped", "locked out"..."""
        if self.attacker:
            return "the attacker got through" if self.ok else "attack stopped"
        return "goes through" if self.ok else "locked out"

    def __str__(self) -> str:
        return f"{'✔' if self.good else '✘'} ({self.verdict}) {self.what}: {self.explanation}"


def _reissued(cast: Players, key: keys.PrivateKey) -> LeafCert:
    """The bank's new certificate for a new key (bank.example is validated for its account)."""
    account = acme.jwk_thumbprint(cast.bank_account_key)
    issuing = cast.issuing_ca
    return LeafCert(
        key, [issuing.issue(make_csr(key, [BANK]), account=account), issuing.certificate]
    )


def _try_pins(
    cast: Players, pins: list[str], leaf: LeafCert, trust: list[CA], *, attacker: bool = False
) -> tls.Connection:
    """The pinned client visits the bank (serving ``leaf``), or the attacker in front of it."""
    with bank_server(cast, leaf=None if attacker else leaf) as bank:
        if not attacker:
            return pinned_connect(bank.port, hostname=BANK, trust=trust, pins=pins)
        with interceptor(leaf, bank.port, trust=cast.course_root) as evil:
            return pinned_connect(evil.port, hostname=BANK, trust=trust, pins=pins)


def pinning_costs(cast: Players | None = None) -> list[PinTrial]:
    """Pinning against its cost, over real sockets (lesson 07).

    A pin on the bank's own key stops the attacker, and locks the real bank out the day it
    changes its key, for every client still holding the old pin. A *backup pin* (the hash of
    a spare key made in advance and kept offline; HPKP, RFC 7469, required one) lets the bank
    move to that key. A pin on the CA's key survives the bank's key changes, still stops a
    certificate from another CA (the attacker's), and breaks when the bank changes CA.
    """
    cast = _cast(cast)
    new_key, backup_key = keys.generate_private_key("ec-p256"), keys.generate_private_key("ec-p256")
    rotated, to_backup = _reissued(cast, new_key), _reissued(cast, backup_key)
    other_ca = CA.root("Other Public CA")  # signs from its intermediate, as public CAs do
    other_issuing = other_ca.create_intermediate("Other Issuing CA")
    root, leaf_pin, ca_pin = cast.course_root, spki_pin(cast.bank), spki_pin(cast.course_root)
    trials = [
        ("Pin the bank's key; the bank still uses it", [leaf_pin], cast.bank, [root], False,
         "the pinned key is there: the client goes through."),
        ("Pin the bank's key; the bank moves to a new key", [leaf_pin], rotated, [root], False,
         "a valid certificate from the right CA, but a key no client pinned: the real bank is "
         "locked out for every client that still holds only the old pin."),
        ("Pin the bank's key and a backup key; the bank moves to the backup key",
         [leaf_pin, spki_pin(backup_key)], to_backup, [root], False,
         "the backup pin matches the new key: the clients keep working."),
        ("Pin the CA's key (Course Root CA); the bank moves to a new key", [ca_pin], rotated,
         [root], False, "the root's key is in the verified chain: the client goes through."),
        ("Pin the CA's key; the attacker's CA is installed (scenario 5)", [ca_pin], cast.forged,
         [root, cast.evil_ca], True, "the chain ends at Evil Proxy CA, whose key is not pinned."),
        ("Pin the CA's key; the bank moves to another CA", [ca_pin],
         other_issuing.issue_cert(BANK), [root, other_ca], False,
         "the bank's new chain ends at a root whose key no client pinned: locked out."),
    ]  # fmt: skip
    return [
        PinTrial(what, seen.ok, why, seen, attacker)
        for what, pins, leaf, trust, attacker, why in trials
        for seen in [_try_pins(cast, pins, leaf, trust, attacker=attacker)]
    ]


# --- "proceed anyway?" ------------------------------------------------------------------------

_WARNING = """
<div style="border:1px solid #ccc;padding:12px;max-width:44em;font-family:sans-serif">
<div style="font-size:140%;color:#c5221f">⚠ Your connection is not private</div>
<p>Attackers might be trying to steal your information from <b>{host}</b> (for example,
passwords, messages, or credit cards).</p>
<p style="color:#5f6368;font-size:90%">{code}</p>
<p style="font-size:90%">This server could not prove that it is <b>{host}</b>; its security
certificate is not trusted by your computer's operating system. This may be caused by a
misconfiguration or an attacker intercepting your connection.</p></div>
"""
_HSTS = (
    '<p style="color:#5f6368;font-size:90%">This bank.example sends no HSTS header. For a site '
    "the browser knows uses HSTS (Strict-Transport-Security, RFC 6797: it visited before, or "
    "the site is on the preload list), a certificate error ends the connection (RFC 6797 §8.4) "
    "and Chrome shows the warning with no Proceed button (§12.1 advises no user recourse).</p>"
)


class ProceedAnyway(widgets.VBox):  # type: ignore[misc]
    """A browser-style warning for the attacker's self-signed bank.example (lesson 07).

    Made by :func:`proceed_anyway_widget`. ``back()`` (the "Back to safety" button) sends
    nothing; ``proceed()`` (the "Proceed to bank.example (unsafe)" button) logs in through the
    attacker and shows what it captured. Each visit starts the bank and the attacker and stops
    them (threads joined) before the method returns. A button whose action fails shows the
    error in the widget (``result``); the methods called directly raise it.
    """

    def __init__(self, cast: Players | None = None) -> None:
        self.cast = _cast(cast)
        first, _ = self._visit(proceed=False)  # the browser's first try: refused
        self.verify_code, self.browser_error = first.verify_code, first.browser_error
        self.captured: bytes | None = None
        self.proceeded = False  # the learner pressed "Proceed" at least once
        code = html.escape(self.browser_error or "")
        self.warning = widgets.HTML(_WARNING.format(host=BANK, code=code))
        self.back_button = widgets.Button(description="Back to safety", button_style="primary")
        self.proceed_button = widgets.Button(
            description=f"Proceed to {BANK} (unsafe)", button_style="danger",
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        self.result = widgets.HTML("")
        self.back_button.on_click(lambda _button: self._click(self.back))
        self.proceed_button.on_click(lambda _button: self._click(self.proceed))
        buttons = widgets.HBox([self.back_button, self.proceed_button])
        super().__init__(children=[self.warning, buttons, widgets.HTML(_HSTS), self.result])

    def _click(self, action: Callable[[], str]) -> None:
        """Run a button's action; show its error in the widget. (An error in a widget callback
        goes to JupyterLab's log, not to the cell: the learner would see nothing happen.)"""
        try:
            action()
        except Exception as error:  # any error: shown to the learner, in words
            self.captured = None
            self.result.value = (
                f'<p style="color:#c5221f"><b>That did not work: {type(error).__name__}</b>: '
                f"{html.escape(str(error))}</p>"
            )

    def _visit(self, *, proceed: bool) -> tuple[tls.Connection, bytes | None]:
        cast = self.cast
        with bank_server(cast) as bank:
            with interceptor(cast.self_signed, bank.port, trust=cast.course_root) as evil:
                if proceed:  # the browser remembers an exception for this certificate and host
                    trust = [cast.course_root.root_certificate, cast.self_signed.certificate]
                    seen = tls.connect(
                        evil.port, hostname=BANK, trust=trust, request=login_request()
                    )
                else:
                    seen = tls.connect(evil.port, hostname=BANK, trust=cast.course_root)
        return seen, (evil.captured[0] if evil.captured else None)

    def back(self) -> str:
        """The "Back to safety" button: no second connection, the login not sent. Returns the
        text (after an earlier "Proceed" it says that what the attacker read then stays read)."""
        self.captured = None
        text = "You went back. Your login was not sent: the attacker read nothing."
        if self.proceeded:
            text = (
                "You went back. This time your login was not sent; what the attacker read when "
                "you proceeded stays read (change that password)."
            )
        self.result.value = f'<p style="color:#007A55"><b>{html.escape(text)}</b></p>'
        return text

    def proceed(self) -> str:
        """The "Proceed ... (unsafe)" button: log in through the attacker. Returns the text."""
        seen, self.captured = self._visit(proceed=True)
        self.proceeded = True
        page = _body(seen.response or b"").decode("utf-8", "replace")
        read = (self.captured or b"").decode("utf-8", "replace")
        text = f"You saw the bank's answer: {page.strip()!r}. The attacker read:\n{read}"
        self.result.value = (
            f'<p style="color:#B34700"><b>You saw the bank\'s answer: '
            f"{html.escape(page.strip())}</b></p><p>The attacker read everything you sent "
            f"(a made-up test password):</p><pre>{html.escape(read)}</pre>"
        )
        return text


def proceed_anyway_widget(cast: Players | None = None) -> ProceedAnyway:
    """Chrome's warning for the attacker's self-signed bank.example, with its two choices."""
    return ProceedAnyway(cast)
