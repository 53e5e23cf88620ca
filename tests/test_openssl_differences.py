"""The course on an OpenSSL newer than this machine's: real bytes from OpenSSL 3.5 and later.

Binder's Python links conda-forge's OpenSSL (3.5.4 in repo2docker's base environment when this
was written), whose default TLS 1.3 group is the post-quantum hybrid X25519MLKEM768 (codepoint
0x11EC): a ClientHello of about 1.5 KB with two key shares, a ServerHello of about 1.2 KB. This
machine's Python links OpenSSL 3.0 (X25519, a ClientHello of about 0.5 KB). The lessons must
not depend on the difference.

tests/data_openssl35/ holds real flights made by pyOpenSSL on the OpenSSL that ``cryptography``
bundles (4.0.3 here; see its README), and the gallery's verdicts from a client on it. These
tests feed them to the course's parsers (``tls._group``, handshake.py's record reader,
``pictures.draw_handshake``, recording.py), to lesson 06's exercise 1 (the solution and every
catalogued wrong answer), and compare ``gallery.CASES`` with the verdicts. No pyOpenSSL needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from wrong_answers import lesson06

from pkicourse import pictures, tls
from pkicourse.ca import CA
from pkicourse.errors import ArgumentError
from pkicourse.gallery import CASES
from pkicourse.handshake import HANDSHAKE_TYPES, Flight, _Reader, _Version
from pkicourse.keys import private_key_from_pem
from pkicourse.recording import (
    CannotDecryptError,
    Recording,
    _exchange_words,
    steal_and_decrypt,
    what_the_thief_sees,
)

HERE = Path(__file__).parent
DATA = HERE / "data_openssl35"
LESSON_06 = HERE.parent / "course" / "source" / "06-tls-handshake" / "06-tls-handshake.ipynb"
X25519MLKEM768, X25519 = 0x11EC, 0x001D


@cache
def _fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "handshakes.json").read_text())
    return data


def _case(name: str) -> dict[str, Any]:
    case: dict[str, Any] = _fixture()["cases"][name]
    return case


def _raw(name: str) -> list[tuple[str, bytes]]:
    return [(f["sender"], bytes.fromhex(f["hex"])) for f in _case(name)["flights"]]


def _flights(name: str, *, handshake_only: bool = True) -> list[Flight]:
    """The recorded flights read by handshake.py's record reader, as step_through reads them."""
    version = _Version()
    readers = {who: _Reader(who, version) for who in ("client", "server")}  # type: ignore[arg-type]
    raw = _raw(name)
    if handshake_only:
        raw = raw[: _case(name)["handshake_flights"]]
    return [readers[who].flight(data) for who, data in raw]


def _sent_by(name: str, who: str) -> bytes:
    return b"".join(data for sender, data in _raw(name) if sender == who)


def _recording(name: str) -> Recording:
    case = _case(name)
    return Recording(
        version=case["version"],
        cipher=case["cipher"],
        group=tls._group(_sent_by(name, "server"), case["cipher"]) or "",
        client_to_server=_sent_by(name, "client"),
        server_to_client=_sent_by(name, "server"),
        sent_request=_fixture()["request"].encode(),
        received_response=_fixture()["answer"].encode(),
        order=tuple((who, len(data)) for who, data in _raw(name)),
    )


def _extensions(body: bytes, at: int) -> dict[int, bytes]:
    found, end = {}, at + 2 + int.from_bytes(body[at : at + 2], "big")
    at += 2
    while at + 4 <= end:
        kind = int.from_bytes(body[at : at + 2], "big")
        size = int.from_bytes(body[at + 2 : at + 4], "big")
        found[kind] = body[at + 4 : at + 4 + size]
        at += 4 + size
    return found


def _first_message(flight: bytes) -> bytes:
    """The body of the first handshake message of a flight (it fits in its first record here)."""
    assert flight[0] == 22, "the flight starts with a handshake record"
    return flight[9 : 9 + int.from_bytes(flight[6:9], "big")]


def _client_key_shares(name: str) -> list[tuple[int, int]]:
    """(group, size of its key_exchange) for each key share of the first ClientHello."""
    body = _first_message(_raw(name)[0][1])
    at = 35 + body[34]  # version, random, session id
    at += 2 + int.from_bytes(body[at : at + 2], "big")  # cipher suites
    at += 1 + body[at]  # compression methods
    shares = _extensions(body, at)[0x0033]
    found, at = [], 2  # client_shares' own 2-byte length first
    while at + 4 <= len(shares):
        group, size = (
            int.from_bytes(shares[at : at + 2], "big"),
            int.from_bytes(shares[at + 2 : at + 4]),
        )
        found.append((group, size))
        at += 4 + size
    return found


def _server_key_share(name: str) -> tuple[int, int]:
    body = _first_message(next(data for who, data in _raw(name) if who == "server"))
    share = _extensions(body, 35 + body[34] + 3)[0x0033]
    return int.from_bytes(share[:2], "big"), int.from_bytes(share[2:4], "big")


# --- the fixture itself -------------------------------------------------------------------------


def test_the_fixture_comes_from_openssl_3_5_or_later() -> None:
    found = re.match(r"OpenSSL (\d+)\.(\d+)", _fixture()["openssl"])
    assert found, _fixture()["openssl"]
    assert (int(found[1]), int(found[2])) >= (3, 5)
    assert _case("tls13_default")["group"] == "X25519MLKEM768"  # what OpenSSL itself said


# --- the key-exchange group, read from the server's bytes ------------------------------------


@pytest.mark.parametrize(
    ("case", "group"),
    [
        ("tls13_default", "X25519MLKEM768"),
        ("tls13_hello_retry", "secp384r1"),  # the second ServerHello's, not the retry's
        ("tls12_ecdhe", "X25519"),
        ("tls12_rsa_key_transport", tls.RSA_KEY_TRANSPORT),
    ],
)
def test_connect_reads_the_group_from_real_server_bytes(case: str, group: str) -> None:
    assert tls._group(_sent_by(case, "server"), _case(case)["cipher"]) == group
    if _case(case)["group"]:  # OpenSSL's own name for it (lower case "x25519" in TLS 1.2)
        assert group.lower() == _case(case)["group"].lower()


def test_the_hybrid_key_shares_are_as_big_as_lesson_02_says() -> None:
    # lesson 02 (Going deeper): a client key share of 1184 + 32 bytes; the server answers with
    # an ML-KEM ciphertext (1088 bytes) and its X25519 share (32 bytes)
    assert _client_key_shares("tls13_default") == [(X25519MLKEM768, 1184 + 32), (X25519, 32)]
    assert _server_key_share("tls13_default") == (X25519MLKEM768, 1088 + 32)
    client_hello = _raw("tls13_default")[0][1]
    assert 1400 < len(client_hello) < 1700, "a ClientHello of about 1.5 KB, in one record"
    assert tls.GROUPS[X25519MLKEM768] == "X25519MLKEM768"


def test_the_retry_asks_for_the_servers_group_after_two_key_shares() -> None:
    assert _client_key_shares("tls13_hello_retry") == [(X25519MLKEM768, 1216), (X25519, 32)]
    second_hello = _flights("tls13_hello_retry")[2]
    assert [r.what for r in second_hello.records] == ["ChangeCipherSpec", "ClientHello"]


# --- handshake.py's reader and draw_handshake ---------------------------------------------------


def _shape(flights: list[Flight]) -> list[tuple[str, list[str]]]:
    return [(f.sender, [r.what.split(" (")[0] for r in f.records]) for f in flights]


def test_the_tls13_flights_are_those_lesson_06_describes() -> None:
    # lesson 06's Picture text: flight 2 = ServerHello, a dummy ChangeCipherSpec, four encrypted
    # records; flight 3 = ChangeCipherSpec and one encrypted record; flight 4 = two tickets
    encrypted = "encrypted application_data"
    assert _shape(_flights("tls13_default")) == [
        ("client", ["ClientHello"]),
        ("server", ["ServerHello", "ChangeCipherSpec"] + [encrypted] * 4),
        ("client", ["ChangeCipherSpec", encrypted]),
        ("server", [encrypted] * 2),
    ]
    assert all(r.size < 2**14 + 5 for f in _flights("tls13_default") for r in f.records)


def test_the_hello_retry_and_tls12_flights() -> None:
    retry = _shape(_flights("tls13_hello_retry"))
    assert retry[:3] == [
        ("client", ["ClientHello"]),
        ("server", ["HelloRetryRequest", "ChangeCipherSpec"]),
        ("client", ["ChangeCipherSpec", "ClientHello"]),
    ]
    assert _shape(_flights("tls12_ecdhe"))[1] == (
        "server",
        ["ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"],
    )
    rsa_flights = _flights("tls12_rsa_key_transport")
    assert _shape(rsa_flights)[1:3] == [
        ("server", ["ServerHello", "Certificate", "ServerHelloDone"]),
        ("client", ["ClientKeyExchange", "ChangeCipherSpec", "encrypted handshake"]),
    ]
    # lesson 06's PRE_MASTER_BYTES: read off the client's second flight, as the lesson does
    assert int.from_bytes(rsa_flights[2].data[9:11], "big") == 256  # RSA-2048


def test_a_refusal_ends_with_the_clients_alert_in_the_clear() -> None:
    last = _flights("tls13_refused")[-1]
    assert last.sender == "client" and [r.alert for r in last.records] == ["unknown_ca"]
    assert not last.records[0].encrypted  # lesson 06: "an eavesdropper reads unknown_ca"


@pytest.mark.parametrize(
    ("case", "title"),
    [
        ("tls13_default", "A real TLS 1.3 handshake, flight by flight"),
        (
            "tls13_hello_retry",
            "A real TLS 1.3 handshake with a HelloRetryRequest, flight by flight",
        ),
        ("tls12_rsa_key_transport", "A real TLS 1.2 handshake, flight by flight"),
    ],
)
def test_draw_handshake_draws_real_flights(case: str, title: str) -> None:
    figure = pictures.draw_handshake(_flights(case))
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert title in texts
    first = _raw(case)[0][1]
    assert f"ClientHello, {len(first)} bytes" in texts  # one record, its real size
    assert any(t.startswith(f"flight 1: {len(first)} bytes") for t in texts)


# --- recording.py ---------------------------------------------------------------------------------


def test_a_stolen_key_opens_no_hybrid_recording_and_the_words_say_why() -> None:
    recording = _recording("tls13_default")
    assert [f.sender for f in recording.flights()][:4] == ["client", "server", "client", "server"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(CannotDecryptError) as refused:
        steal_and_decrypt(recording, key)
    words = str(refused.value)
    assert "(X25519MLKEM768)" in words and "ML-KEM-768" in words and "ECDHE (X25519)" in words
    assert "forward secrecy" in words
    seen = what_the_thief_sees(recording)
    assert "bank.example" in seen[0] and "hidden (TLS 1.3 encrypts it)" in seen[2]
    assert seen[-1].endswith("nothing more (forward secrecy).")


def test_tls12_ecdhe_from_a_new_openssl_is_refused_as_ecdhe() -> None:
    with pytest.raises(CannotDecryptError, match=r"TLS 1\.2 connection used \(EC\)DHE"):
        steal_and_decrypt(_recording("tls12_ecdhe"), rsa.generate_private_key(65537, 2048))


def test_rsa_key_transport_from_a_new_openssl_opens_with_the_stolen_key() -> None:
    # OpenSSL 3.5+ still offers TLS 1.2 RSA key transport (AES128-GCM-SHA256) when asked to,
    # at its default security level, and negotiates the extended master secret
    key = private_key_from_pem(_fixture()["rsa_key_transport_server_key"])
    assert isinstance(key, rsa.RSAPrivateKey)
    opened = steal_and_decrypt(_recording("tls12_rsa_key_transport"), key)
    assert opened.extended_master_secret
    assert opened.client_plaintext == _fixture()["request"].encode()
    assert opened.server_plaintext == _fixture()["answer"].encode()


@pytest.mark.parametrize(
    ("group", "has", "lacks"),
    [
        ("X25519MLKEM768", ["ECDHE (X25519)", "ML-KEM-768:", "both secrets"], []),
        ("SecP256r1MLKEM768", ["ECDHE (P-256)", "ML-KEM-768:"], ["X25519"]),
        ("SecP384r1MLKEM1024", ["ECDHE (P-384)", "ML-KEM-1024:"], ["X25519"]),
        ("MLKEM768", ["ML-KEM-768 alone", "that secret"], ["ECDHE"]),
        ("X25519", ["(EC)DHE key pair"], ["ML-KEM"]),
        ("secp384r1", ["(EC)DHE key pair"], ["ML-KEM"]),
    ],
)
def test_forward_secrecy_words_fit_each_group(group: str, has: list[str], lacks: list[str]) -> None:
    words = _exchange_words(group)
    assert all(part in words for part in has), words
    assert not any(part in words for part in lacks), words


# --- lesson 06, exercise 1, on a newer OpenSSL's bytes --------------------------------------------


def _solution_source() -> str:
    nb = nbformat.read(LESSON_06, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1")
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


def _readable_messages(source: str) -> Callable[[bytes, str], object]:
    namespace: dict[str, Any] = {"HANDSHAKE_TYPES": HANDSHAKE_TYPES}
    exec(source, namespace)  # the lesson's own solution, or a catalogued wrong answer
    function: Callable[[bytes, str], object] = namespace["readable_messages"]
    return function


def _expected(flights: list[Flight], sender: str) -> list[str]:
    return [
        "ServerHello" if m == "HelloRetryRequest" else m
        for f in flights
        if f.sender == sender
        for r in f.records
        if r.content_type == 22 and not r.encrypted
        for m in r.messages
    ]


def _wire(flights: list[Flight], sender: str, disguise: bool = False) -> bytes:
    out = b""
    for flight in flights:
        at = 0
        for record in flight.records if flight.sender == sender else ():
            chunk = flight.data[at : at + record.size]
            at += record.size
            if disguise and record.encrypted and record.content_type == 22:
                chunk = b"\x16\x03\x03\x00\x10" + b"\x04\x00\x00\x0c" + bytes(range(12))
            out += chunk
    return out


def _packed(flight: Flight) -> bytes:
    fragment, at = b"", 0
    for record in flight.records:
        fragment += flight.data[at + 5 : at + record.size]
        at += record.size
    return b"\x16\x03\x03" + len(fragment).to_bytes(2, "big") + fragment


def _checks() -> list[tuple[str, bytes, str, list[str]]]:
    """(what, wire, version, expected): the visible tests' kinds of check, on the fixture."""
    found = []
    for case, version in [
        ("tls13_default", "TLSv1.3"),
        ("tls13_hello_retry", "TLSv1.3"),
        ("tls12_ecdhe", "TLSv1.2"),
        ("tls12_rsa_key_transport", "TLSv1.2"),
    ]:
        flights = _flights(case)
        for sender in ("client", "server"):
            found.append(
                (f"{case} {sender}", _wire(flights, sender), version, _expected(flights, sender))
            )
            if version == "TLSv1.2":
                found.append(
                    (
                        f"{case} {sender} disguised",
                        _wire(flights, sender, disguise=True),
                        version,
                        _expected(flights, sender),
                    )
                )
        if version == "TLSv1.2":
            found.append(
                (f"{case} packed", _packed(flights[1]), version, _expected([flights[1]], "server"))
            )
    return found


def _answers(source: str) -> list[tuple[str, object]]:
    function = _readable_messages(source)
    results: list[tuple[str, object]] = []
    for what, wire, version, _ in _checks():
        try:
            results.append((what, function(wire, version)))
        except Exception as error:  # a wrong answer may crash: that is failing too
            results.append((what, f"raised {type(error).__name__}"))
    return results


def test_exercise_1_solution_reads_a_newer_openssls_bytes() -> None:
    wanted = {what: expected for what, _, _, expected in _checks()}
    for what, got in _answers(_solution_source()):
        assert got == wanted[what], (
            f"{what}: the solution read {got}, an eavesdropper reads {wanted[what]}"
        )
    assert wanted["tls13_hello_retry client"] == ["ClientHello", "ClientHello"]


@pytest.mark.parametrize("mistake", sorted(lesson06.WRONG["ex1"]))
def test_exercise_1_wrong_answers_stay_wrong_on_a_newer_openssls_bytes(mistake: str) -> None:
    wanted = {what: expected for what, _, _, expected in _checks()}
    answers = _answers(lesson06.WRONG["ex1"][mistake])
    wrong = [what for what, got in answers if got != wanted[what]]
    assert wrong, f"{mistake!r} reads every OpenSSL 3.5+ handshake right: no mistake there"


# --- the gallery: Python ssl's verdicts and OpenSSL codes, measured on a newer OpenSSL ---------


def test_gallery_cases_hold_on_a_newer_openssl() -> None:
    measured = json.loads((DATA / "gallery.json").read_text())
    assert re.match(r"OpenSSL (3\.[5-9]|[4-9]\.)", measured["openssl"]), measured["openssl"]
    assert set(measured["verdicts"]) == set(CASES)
    for name, case in CASES.items():
        seen = measured["verdicts"][name]
        assert (seen["verdict"], seen["verify_code"]) == (case.python_ssl, case.verify_code), name


# --- what the helpers say when a learner reaches for the new group --------------------------------


def test_ecdh_curve_cannot_pick_an_ml_kem_group_and_says_so() -> None:
    leaf = CA.root("ML-KEM words Root").issue_cert("bank.example")
    for name in ("X25519MLKEM768", "ML-KEM-768"):
        with pytest.raises(ArgumentError, match="cannot choose an ML-KEM group"):
            with tls.tls_server(leaf, ecdh_curve=name):
                pass
    with pytest.raises(ArgumentError, match="knows no group 'bogus'"):
        with tls.tls_server(leaf, ecdh_curve="bogus"):
            pass
