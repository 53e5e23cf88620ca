"""Tests for pkicourse.acme (lesson 05): real HTTP on 127.0.0.1, real keys, no mocks.

Every "it works" has a "fails when X is wrong" twin: the real owner passes, the impostor fails in
each way it could try, and the servers always stop.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.server
import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from pkicourse.acme import (
    CHALLENGE_PATH,
    Challenge,
    ChallengeResult,
    DomainValidator,
    challenge_server,
    jwk,
    jwk_thumbprint,
    key_authorization,
)
from pkicourse.ca import CA
from pkicourse.csr import make_csr
from pkicourse.errors import (
    ArgumentError,
    ChallengeError,
    NameNotValidatedError,
    WrongKeyTypeError,
)

B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def _get(port: int, path: str, method: str = "GET") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _assert_closed(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pkicourse-challenge-server"]


@pytest.fixture(scope="module")
def owner_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def impostor_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


# --- RFC 7638 thumbprints -----------------------------------------------------------------------

# RFC 7638 §3.1: the RSA key and its thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
    "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
# RFC 8037 Appendix A.2 / A.3: the Ed25519 public key and its thumbprint.
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_rsa_thumbprint_is_rfc7638s_example() -> None:
    key = rsa.RSAPublicNumbers(65537, _b64url_int(RFC7638_N)).public_key()
    assert jwk(key) == {"e": "AQAB", "kty": "RSA", "n": RFC7638_N}
    assert jwk_thumbprint(key) == RFC7638_THUMBPRINT
    # the twin: another exponent (so another key) gives another thumbprint
    assert jwk_thumbprint(rsa.RSAPublicNumbers(3, _b64url_int(RFC7638_N)).public_key()) != (
        RFC7638_THUMBPRINT
    )


def test_ed25519_thumbprint_is_rfc8037s_example() -> None:
    raw = base64.urlsafe_b64decode(RFC8037_X + "=")
    key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    assert jwk(key) == {"crv": "Ed25519", "kty": "OKP", "x": RFC8037_X}
    assert jwk_thumbprint(key) == RFC8037_THUMBPRINT
    flipped = ed25519.Ed25519PublicKey.from_public_bytes(bytes([raw[0] ^ 1]) + raw[1:])
    assert jwk_thumbprint(flipped) != RFC8037_THUMBPRINT


def _leading_zero_ec_key(curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    """A key whose x coordinate starts with a zero byte (about one in 256)."""
    for secret in range(1, 5000):
        key = ec.derive_private_key(secret, curve)
        if key.public_key().public_numbers().x.bit_length() <= curve.key_size - 8:
            return key
    raise AssertionError("no key with a short x coordinate found")


@pytest.mark.parametrize(
    ("curve", "name", "size"), [(ec.SECP256R1(), "P-256", 32), (ec.SECP384R1(), "P-384", 48)]
)
def test_ec_thumbprint_uses_fixed_length_coordinates(
    curve: ec.EllipticCurve, name: str, size: int
) -> None:
    key = _leading_zero_ec_key(curve).public_key()
    numbers = key.public_numbers()
    members = jwk(key)
    assert list(members) == ["crv", "kty", "x", "y"]
    assert members["crv"] == name and members["kty"] == "EC"
    assert len(base64.urlsafe_b64decode(members["x"] + "==")) == size  # zero byte kept
    assert _b64url_int(members["x"]) == numbers.x and _b64url_int(members["y"]) == numbers.y
    # written out independently: the canonical JSON, SHA-256, base64url without padding
    x = base64.urlsafe_b64encode(numbers.x.to_bytes(size, "big")).rstrip(b"=").decode()
    y = base64.urlsafe_b64encode(numbers.y.to_bytes(size, "big")).rstrip(b"=").decode()
    canonical = f'{{"crv":"{name}","kty":"EC","x":"{x}","y":"{y}"}}'.encode()
    digest = hashlib.sha256(canonical).digest()
    assert jwk_thumbprint(key) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    # the twin: a minimal-length x (the zero byte dropped) gives another thumbprint
    short_x = base64.urlsafe_b64encode(numbers.x.to_bytes(size - 1, "big")).rstrip(b"=").decode()
    wrong = f'{{"crv":"{name}","kty":"EC","x":"{short_x}","y":"{y}"}}'.encode()
    assert (
        jwk_thumbprint(key)
        != base64.urlsafe_b64encode(hashlib.sha256(wrong).digest()).rstrip(b"=").decode()
    )


def test_the_json_is_canonical_sorted_and_without_spaces() -> None:
    key = rsa.RSAPublicNumbers(65537, _b64url_int(RFC7638_N)).public_key()
    spaced = json.dumps({"kty": "RSA", "n": RFC7638_N, "e": "AQAB"})  # unsorted, with spaces
    digest = base64.urlsafe_b64encode(hashlib.sha256(spaced.encode()).digest()).rstrip(b"=")
    assert digest.decode() != jwk_thumbprint(key)  # why RFC 7638 fixes the form


@pytest.mark.parametrize(
    "make",
    [
        lambda: ec.generate_private_key(ec.SECP256R1()),
        lambda: ec.generate_private_key(ec.SECP384R1()),
        lambda: rsa.generate_private_key(65537, 2048),
        ed25519.Ed25519PrivateKey.generate,
    ],
    ids=["p-256", "p-384", "rsa-2048", "ed25519"],
)
def test_thumbprint_properties(make: object) -> None:
    key = make()  # type: ignore[operator]
    thumbprint = jwk_thumbprint(key)
    assert thumbprint == jwk_thumbprint(key.public_key())  # a private key gives its public half's
    assert len(thumbprint) == 43 and B64URL.fullmatch(thumbprint)  # 32 bytes, no "=" padding
    assert thumbprint != jwk_thumbprint(make())  # type: ignore[operator]


def test_keys_that_cannot_be_account_keys_are_refused() -> None:
    with pytest.raises(WrongKeyTypeError, match="RSA, EC"):
        jwk_thumbprint(x25519.X25519PrivateKey.generate())  # key agreement only: cannot sign
    with pytest.raises(WrongKeyTypeError, match="str"):
        jwk_thumbprint("-----BEGIN PUBLIC KEY-----")


# --- key authorizations and tokens ---------------------------------------------------------------


def test_key_authorization_is_token_dot_thumbprint(owner_key: ec.EllipticCurvePrivateKey) -> None:
    token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"  # RFC 8555 §8.3's example token
    assert key_authorization(token, owner_key) == f"{token}.{jwk_thumbprint(owner_key)}"
    other = ec.generate_private_key(ec.SECP256R1())
    assert key_authorization(token, other) != key_authorization(token, owner_key)


@pytest.mark.parametrize("token", ["", "a=", "a/b", "a+b", "../x", "tok en", "é", b"abc", None])
def test_a_token_is_base64url_only(token: object, owner_key: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(ChallengeError, match="base64url"):
        key_authorization(token, owner_key)  # type: ignore[arg-type]


def test_tokens_are_fresh_base64url_with_128_bits(owner_key: ec.EllipticCurvePrivateKey) -> None:
    validator = DomainValidator(CA.root(), {})
    tokens = {validator.new_challenge("bank.example", owner_key).token for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert B64URL.fullmatch(token) and len(token) >= 22  # 22 base64url chars = 132 bits
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16


def test_a_challenge_knows_its_path_and_account(owner_key: ec.EllipticCurvePrivateKey) -> None:
    challenge = DomainValidator(CA.root(), {}).new_challenge("Bank.Example.", owner_key)
    assert challenge.domain == "bank.example"
    assert challenge.type == "http-01" and challenge.status == "pending"
    assert challenge.path == CHALLENGE_PATH + challenge.token
    assert challenge.url == f"http://bank.example/.well-known/acme-challenge/{challenge.token}"
    assert challenge.account_thumbprint == jwk_thumbprint(owner_key)


def test_new_challenge_refuses_wildcards_and_non_names(
    owner_key: ec.EllipticCurvePrivateKey,
) -> None:
    validator = DomainValidator(CA.root(), {})
    with pytest.raises(ChallengeError, match="dns-01"):
        validator.new_challenge("*.bank.example", owner_key)
    for bad in ("", "bank..example", "bank example", "bank.example/x", 42):
        with pytest.raises(ArgumentError):
            validator.new_challenge(bad, owner_key)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="record_validated"):
        DomainValidator(object(), {})  # type: ignore[arg-type]


# --- the real owner passes; the CA then issues ---------------------------------------------------


def _owner_passes(ca: CA, owner_key: ec.EllipticCurvePrivateKey) -> ChallengeResult:
    with challenge_server() as server:
        validator = DomainValidator(ca, {"bank.example": server.port})
        challenge = validator.new_challenge("bank.example", owner_key.public_key())
        server.publish(challenge.token, key_authorization(challenge.token, owner_key))
        result = validator.validate(challenge)
        assert challenge.status == "valid"
        assert server.requests[-1].host == "bank.example"  # the CA asked for the domain
        assert server.requests[-1].path == challenge.path and server.requests[-1].status == 200
    return result


def test_the_real_owner_passes(owner_key: ec.EllipticCurvePrivateKey) -> None:
    ca = CA.root()
    result = _owner_passes(ca, owner_key)
    assert result.ok and bool(result) and result.reason == "valid" and result.http_status == 200
    assert "validated" in result.explanation and str(result).startswith("✔ bank.example")
    assert ca.validation_methods == {"bank.example": "http-01"}
    assert "✔" in result._repr_html_()


def test_after_the_owner_passes_the_ca_issues_and_not_before(
    owner_key: ec.EllipticCurvePrivateKey,
) -> None:
    ca = CA.root()
    server_key = ec.generate_private_key(ec.SECP256R1())  # the certificate's key, not the account's
    csr = make_csr(server_key, ["bank.example"])
    with pytest.raises(NameNotValidatedError):  # the twin: no domain check yet, no certificate
        ca.issue(csr)
    assert _owner_passes(ca, owner_key).ok
    with pytest.raises(NameNotValidatedError):  # the pass belongs to the owner's account only
        ca.issue(csr)
    certificate = ca.issue(csr, account=jwk_thumbprint(owner_key))
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["bank.example"]
    assert certificate.public_key() == server_key.public_key()
    assert certificate.issuer == ca.certificate.subject
    with pytest.raises(NameNotValidatedError):  # validated bank.example only, not shop.example
        ca.issue(
            make_csr(server_key, ["bank.example", "shop.example"]),
            account=jwk_thumbprint(owner_key),
        )


def test_trailing_whitespace_is_ignored_but_nothing_else(
    owner_key: ec.EllipticCurvePrivateKey,
) -> None:
    ca = CA.root()
    with challenge_server() as server:
        validator = DomainValidator(ca, {"bank.example": server.port})
        good = validator.new_challenge("bank.example", owner_key)
        server.publish(good.token, key_authorization(good.token, owner_key) + "\r\n \n")
        assert validator.validate(good).ok  # RFC 8555 §8.3: trailing whitespace is ignored
        bad = validator.new_challenge("bank.example", owner_key)
        server.publish(bad.token, " " + key_authorization(bad.token, owner_key))
        assert validator.validate(bad).reason == "wrong-key-authorization"


# --- the impostor fails, in every way it can try -------------------------------------------------


def test_the_impostors_own_server_is_not_where_the_domain_points(
    owner_key: ec.EllipticCurvePrivateKey, impostor_key: ec.EllipticCurvePrivateKey
) -> None:
    ca = CA.root()
    with challenge_server() as bank, challenge_server() as impostor_server:
        validator = DomainValidator(ca, {"bank.example": bank.port})  # DNS: the bank's server
        challenge = validator.new_challenge("bank.example", impostor_key.public_key())
        # the impostor publishes a perfect key authorization... on the server it controls
        impostor_server.publish(challenge.token, key_authorization(challenge.token, impostor_key))
        result = validator.validate(challenge)
        assert impostor_server.requests == []  # the CA never asked the impostor's server
        assert bank.requests[-1].status == 404
    assert not result and result.reason == "http-status" and result.http_status == 404
    assert "404" in result.explanation and challenge.status == "invalid"
    assert ca.validated_names == set()
    with pytest.raises(NameNotValidatedError):  # so the CA will not sign the impostor's CSR
        ca.issue(make_csr(impostor_key, ["bank.example"]), account=jwk_thumbprint(impostor_key))
    # the twin: had DNS pointed at the impostor's server, it would have passed (DNS matters)
    with challenge_server() as impostor_server:
        hijacked = DomainValidator(ca, {"bank.example": impostor_server.port})
        challenge = hijacked.new_challenge("bank.example", impostor_key)
        impostor_server.publish(challenge.token, key_authorization(challenge.token, impostor_key))
        assert hijacked.validate(challenge).ok


def test_the_owners_key_authorization_does_not_validate_the_impostors_account(
    owner_key: ec.EllipticCurvePrivateKey, impostor_key: ec.EllipticCurvePrivateKey
) -> None:
    ca = CA.root()
    with challenge_server() as bank:
        validator = DomainValidator(ca, {"bank.example": bank.port})
        challenge = validator.new_challenge("bank.example", impostor_key)
        # the bank's server answers the token, but with the bank's account key: wrong account
        bank.publish(challenge.token, key_authorization(challenge.token, owner_key))
        result = validator.validate(challenge)
    assert not result and result.reason == "wrong-key-authorization"
    assert "another account key" in result.explanation
    assert jwk_thumbprint(owner_key) in result.explanation  # what it found, which is public
    assert ca.validated_names == set()


def test_a_key_authorization_for_another_token_fails(
    owner_key: ec.EllipticCurvePrivateKey,
) -> None:
    ca = CA.root()
    with challenge_server() as bank:
        validator = DomainValidator(ca, {"bank.example": bank.port})
        old = validator.new_challenge("bank.example", owner_key)
        new = validator.new_challenge("bank.example", owner_key)
        bank.publish(new.token, key_authorization(old.token, owner_key))  # yesterday's answer
        result = validator.validate(new)
        assert result.reason == "wrong-key-authorization" and "another token" in result.explanation
        not_one = validator.new_challenge("bank.example", owner_key)
        bank.publish(not_one.token, "hello")
        assert "not a key authorization" in validator.validate(not_one).explanation
    assert ca.validated_names == set()


def test_no_server_listening_is_connection_refused(owner_key: ec.EllipticCurvePrivateKey) -> None:
    with challenge_server() as server:
        port = server.port
    ca = CA.root()
    validator = DomainValidator(ca, {"bank.example": port})
    result = validator.validate(validator.new_challenge("bank.example", owner_key))
    assert not result and result.reason == "connection-refused"
    assert "connection refused" in result.explanation and str(port) in result.explanation
    assert ca.validated_names == set()


def test_no_dns_record_fails(owner_key: ec.EllipticCurvePrivateKey) -> None:
    validator = DomainValidator(CA.root(), {"bank.example": 1})
    result = validator.validate(validator.new_challenge("shop.example", owner_key))
    assert result.reason == "no-dns-record" and "DNS" in result.explanation
    for port in ("80", 0, 70000, 80.0):
        broken = DomainValidator(CA.root(), {"bank.example": port})  # type: ignore[dict-item]
        with pytest.raises(ArgumentError, match="port number"):
            broken.validate(broken.new_challenge("bank.example", owner_key))


def test_a_server_that_never_answers_times_out_in_about_2_s(
    owner_key: ec.EllipticCurvePrivateKey,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
        validator = DomainValidator(CA.root(), {"bank.example": silent.getsockname()[1]})
        challenge = validator.new_challenge("bank.example", owner_key)
        started = time.perf_counter()
        result = validator.validate(challenge)
        elapsed = time.perf_counter() - started
    assert result.reason == "timeout" and "timeout" in result.explanation
    assert 1.5 < elapsed < 3.5


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(302)
        self.send_header("Location", "http://elsewhere.example/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def redirect_port() -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    thread.join()
    server.server_close()


def test_a_redirect_is_not_followed(
    redirect_port: int, owner_key: ec.EllipticCurvePrivateKey
) -> None:
    validator = DomainValidator(CA.root(), {"bank.example": redirect_port})
    result = validator.validate(validator.new_challenge("bank.example", owner_key))
    assert result.reason == "http-status" and result.http_status == 302
    assert "redirect" in result.explanation and "elsewhere.example" in result.explanation


class _Answer(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the server's ``answer``: (status, body)."""

    def do_GET(self) -> None:  # noqa: N802
        status, text = self.server.answer  # type: ignore[attr-defined]
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "ok"), [(200, True), (203, True), (500, False), (403, False)])
def test_any_2xx_success_counts_other_statuses_fail(
    status: int, ok: bool, owner_key: ec.EllipticCurvePrivateKey
) -> None:
    """BR 3.2.2.4.19 asks for a successful (2xx) response with the key authorization."""
    ca = CA.root()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer)
    validator = DomainValidator(ca, {"bank.example": server.server_address[1]})
    challenge = validator.new_challenge("bank.example", owner_key)
    server.answer = (status, key_authorization(challenge.token, owner_key))  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        result = validator.validate(challenge)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert result.ok is ok and result.http_status == status
    assert result.reason == ("valid" if ok else "http-status")
    assert ca.validated_names == ({"bank.example"} if ok else set())


# --- a validation belongs to the account that passed it (RFC 8555 §7.1.4) -----------------------


def test_the_validator_records_the_accounts_thumbprint(
    owner_key: ec.EllipticCurvePrivateKey,
) -> None:
    ca = CA.root()
    assert _owner_passes(ca, owner_key).ok
    assert ca.validated_for == {"bank.example": {jwk_thumbprint(owner_key)}}
    assert ca.is_validated("bank.example", jwk_thumbprint(owner_key))


def test_the_hacker_fails_at_the_same_ca_even_after_the_bank_passed(
    owner_key: ec.EllipticCurvePrivateKey, impostor_key: ec.EllipticCurvePrivateKey
) -> None:
    """Lesson 05: the bank validates bank.example; the hacker, at the SAME CA, gets nothing."""
    ca = CA.root()
    bank_account, hacker_account = jwk_thumbprint(owner_key), jwk_thumbprint(impostor_key)
    hacker_csr = make_csr(ec.generate_private_key(ec.SECP256R1()), ["bank.example"])
    bank_csr = make_csr(ec.generate_private_key(ec.SECP256R1()), ["bank.example"])
    with challenge_server() as bank, challenge_server() as hacker_server:
        validator = DomainValidator(ca, {"bank.example": bank.port})
        mine = validator.new_challenge("bank.example", owner_key)
        bank.publish(mine.token, key_authorization(mine.token, owner_key))
        assert validator.validate(mine).ok  # the bank passes, for its own account
        theirs = validator.new_challenge("bank.example", impostor_key)
        hacker_server.publish(theirs.token, key_authorization(theirs.token, impostor_key))
        assert validator.validate(theirs).reason == "http-status"  # DNS points to the bank: 404
    assert ca.validated_names == {"bank.example"}  # validated... for the bank's account only
    with pytest.raises(NameNotValidatedError) as caught:
        ca.issue(hacker_csr, account=hacker_account)
    assert hacker_account in str(caught.value) and "RFC 8555 §7.1.4" in str(caught.value)
    # the twin: the bank's account is issued its certificate at the same CA
    certificate = ca.issue(bank_csr, account=bank_account)
    assert certificate.public_key() == bank_csr.public_key()


# --- a challenge is checked once, by the CA that made it -----------------------------------------


def test_a_challenge_is_checked_only_once(owner_key: ec.EllipticCurvePrivateKey) -> None:
    ca = CA.root()
    with challenge_server() as server:
        validator = DomainValidator(ca, {"bank.example": server.port})
        challenge = validator.new_challenge("bank.example", owner_key)
        server.publish(challenge.token, key_authorization(challenge.token, owner_key))
        assert validator.validate(challenge).ok
        with pytest.raises(ChallengeError, match="only once"):
            validator.validate(challenge)
        failed = validator.new_challenge("bank.example", owner_key)
        assert not validator.validate(failed).ok  # nothing published: 404
        server.publish(failed.token, key_authorization(failed.token, owner_key))
        with pytest.raises(ChallengeError, match="new one"):
            validator.validate(failed)  # invalid is final (RFC 8555 §7.1.6)
    assert ca.validation_methods == {"bank.example": "http-01"}


def test_a_challenge_from_another_ca_is_refused(owner_key: ec.EllipticCurvePrivateKey) -> None:
    mine = DomainValidator(CA.root(), {})
    theirs = DomainValidator(CA.root(), {})
    with pytest.raises(ChallengeError, match="never handed out"):
        mine.validate(theirs.new_challenge("bank.example", owner_key))
    forged = Challenge("bank.example", "abc", jwk_thumbprint(owner_key))
    with pytest.raises(ChallengeError, match="never handed out"):
        mine.validate(forged)
    with pytest.raises(ArgumentError):
        mine.validate("abc")  # type: ignore[arg-type]


# --- the challenge server: what it serves, and that it always stops -----------------------------


def test_the_server_serves_only_challenge_paths() -> None:
    with challenge_server({"tok_en-1": "answer"}) as server:
        assert _get(server.port, CHALLENGE_PATH + "tok_en-1") == (200, b"answer")
        assert server.url("tok_en-1") == f"http://127.0.0.1:{server.port}{CHALLENGE_PATH}tok_en-1"
        for path in (
            "/",
            "/index.html",
            CHALLENGE_PATH,
            CHALLENGE_PATH + "other",
            CHALLENGE_PATH + "tok_en-1?x=1",
            CHALLENGE_PATH + "tok_en-1/",
            "/.well-known/acme-challenge/../acme-challenge/tok_en-1",
            "/x" + CHALLENGE_PATH + "tok_en-1",
        ):
            assert _get(server.port, path)[0] == 404, path
        assert _get(server.port, CHALLENGE_PATH + "tok_en-1", "POST")[0] == 501
        server.remove("tok_en-1")
        assert _get(server.port, CHALLENGE_PATH + "tok_en-1")[0] == 404
        assert [r.status for r in server.requests][:2] == [200, 404]


def test_publish_checks_its_arguments() -> None:
    with challenge_server() as server:
        with pytest.raises(ChallengeError, match="base64url"):
            server.publish("../etc", "x")
        with pytest.raises(ArgumentError, match="str"):
            server.publish("abc", b"x")  # type: ignore[arg-type]
    with pytest.raises(ChallengeError):
        with challenge_server({"a=b": "x"}):
            pass
    assert _server_threads() == []


def test_the_server_logs_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    with challenge_server({"abc": "x"}) as server:
        _get(server.port, CHALLENGE_PATH + "abc")
        _get(server.port, "/nothing")
        _get(server.port, "/", "DELETE")
        with socket.create_connection(("127.0.0.1", server.port)) as raw:
            raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            raw.recv(100)
    assert capfd.readouterr() == ("", "")


def test_the_server_stops_after_the_block() -> None:
    before = set(threading.enumerate())
    with challenge_server({"abc": "x"}) as server:
        assert len(_server_threads()) == 1
        assert _get(server.port, CHALLENGE_PATH + "abc")[0] == 200
    assert set(threading.enumerate()) == before
    _assert_closed(server.port)


def test_the_server_stops_when_the_block_raises() -> None:
    before = set(threading.enumerate())
    with pytest.raises(KeyError):
        with challenge_server() as server:
            port = server.port
            _get(port, "/")
            raise KeyError("the learner's code failed")
    assert set(threading.enumerate()) == before
    _assert_closed(port)


def test_the_server_stops_quickly_with_an_idle_visitor_connected() -> None:
    before = set(threading.enumerate())
    with challenge_server() as server:
        idle = socket.create_connection(("127.0.0.1", server.port))  # connects, sends nothing
        started = time.perf_counter()
    elapsed = time.perf_counter() - started
    idle.close()
    assert elapsed < 3.0  # the handler gives up on a silent visitor after 2 s
    assert set(threading.enumerate()) == before
