"""pkicourse.mitm: the six man-in-the-middle scenarios over real sockets (lesson 07).

Each refusal has its twin that succeeds (the bank itself; the attacker's CA once trusted), so a
refusal is shown to come from the check, not from a broken server. curl checks the pins too.
"""

from __future__ import annotations

import ast
import base64
import datetime
import hashlib
import inspect
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pkicourse import keys, mitm, tls
from pkicourse.ca import CA
from pkicourse.errors import ArgumentError, ServerError

BANK = mitm.BANK


@pytest.fixture(scope="module")
def cast() -> mitm.Players:
    return mitm.make_players()


def _pem(*certificates: object) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)  # type: ignore[attr-defined]


# --- the six scenarios ------------------------------------------------------------------------


def test_play_all_plays_the_six_scenarios_in_under_3_seconds(cast: mitm.Players) -> None:
    threads_before = set(threading.enumerate())
    start = time.perf_counter()
    outcomes = mitm.play_all(cast)
    seconds = time.perf_counter() - start
    print(f"\nplay_all: {seconds:.3f} s")
    print(mitm.outcomes_table(outcomes))
    assert seconds <= 3.0, f"play_all took {seconds:.2f} s (limit 3 s)"
    assert [o.scenario for o in outcomes] == [1, 2, 3, 4, 5, 6]
    assert set(threading.enumerate()) == threads_before, "a server thread was left running"
    got = {o.scenario: (o.victim_ok, o.password_stolen, o.verify_code) for o in outcomes}
    assert got == {
        1: (True, True, None),
        2: (False, False, 18),
        3: (False, False, None),
        4: (False, False, 20),
        5: (True, True, None),
        6: (False, False, None),
    }


def test_scenario_1_the_client_that_checks_nothing_gives_the_password_away(
    cast: mitm.Players,
) -> None:
    outcome = mitm.play(1, cast)
    assert outcome.victim_ok and outcome.attacker_read is not None
    assert b"password=" + mitm.PASSWORD.encode() in outcome.attacker_read
    assert outcome.victim_response is not None and outcome.victim_response.startswith(b"welcome")


def test_insecure_client_context_accepts_anyone_for_any_name(cast: mitm.Players) -> None:
    """The bad example takes a certificate from nobody it trusts, for another name, expired."""
    context = mitm.insecure_client_context()
    assert context.verify_mode == ssl.CERT_NONE and context.check_hostname is False
    stranger = CA.root("Nobody You Know").issue_cert(
        "elsewhere.example", not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), days=1
    )
    with tls.tls_server(stranger, http=True, handler=lambda _request: b"hello") as server:
        seen = tls.connect(
            server.port, hostname=BANK, trust=context, request=b"GET / HTTP/1.1\r\n\r\n"
        )
        careful = tls.connect(server.port, hostname=BANK, trust=cast.course_root)
    assert seen.ok and seen.response is not None and seen.response.endswith(b"hello")
    assert not careful.ok and careful.verify_code is not None


def test_scenario_2_self_signed_is_refused_before_anything_is_sent(cast: mitm.Players) -> None:
    outcome = mitm.play(2, cast)
    assert not outcome.victim_ok and outcome.attacker_read is None
    assert outcome.verify_code == 18
    assert outcome.browser_error == "NET::ERR_CERT_AUTHORITY_INVALID"


def test_scenario_3_the_real_ca_looks_at_the_banks_server_and_refuses(
    cast: mitm.Players,
) -> None:
    outcome = mitm.play(3, cast)
    assert outcome.challenge is not None and not outcome.challenge.ok
    assert outcome.challenge.http_status == 404  # the bank's server has no such token
    assert "refused to sign" in outcome.explanation and outcome.attacker_read is None
    assert "record_validated" not in outcome.explanation  # the CA's advice is not the story
    assert not cast.issuing_ca.is_validated(BANK)  # nobody got bank.example for everyone
    assert not cast.course_root.validated_names  # the root signs intermediates only


def test_scenario_4_the_attackers_own_ca_is_refused_20_or_19_when_it_sends_its_root(
    cast: mitm.Players,
) -> None:
    outcome = mitm.play(4, cast)
    assert (outcome.verify_code, outcome.attacker_read) == (20, None)
    chain = _pem(cast.forged.certificate, cast.evil_ca.certificate)  # the root sent too
    with tls.tls_server((chain, cast.forged.private_key_pem)) as server:
        seen = tls.connect(server.port, hostname=BANK, trust=cast.course_root)
    assert seen.verify_code == 19  # as the scenario's explanation says


def test_scenario_5_the_installed_rogue_ca_reads_and_forwards(cast: mitm.Players) -> None:
    outcome = mitm.play(5, cast)
    assert outcome.victim_ok and outcome.password_stolen
    assert outcome.victim_response == b"welcome, alice: your balance is 1,234.56 EUR\n"
    assert "password" in str(outcome) and "<pre>" in outcome._repr_html_()


def test_scenario_6_pinning_stops_scenario_5(cast: mitm.Players) -> None:
    outcome = mitm.play(6, cast)
    assert not outcome.victim_ok and outcome.attacker_read is None
    assert outcome.verify_code is None  # the chain verified (Evil Proxy CA is trusted) ...
    assert outcome.browser_error is None and outcome.victim_response is None
    [visit] = outcome.attacker_visits  # ... the handshake ended, then the client hung up
    assert visit.request in (None, b"") and not outcome.password_stolen


def test_play_refuses_an_unknown_scenario() -> None:
    for wrong in (0, 7, "1", 1.0):
        with pytest.raises(ArgumentError, match="from 1 to 6"):
            mitm.play(wrong)  # type: ignore[arg-type]


def test_players_is_made_once_and_the_bank_was_validated_for_its_account_only() -> None:
    assert mitm.players() is mitm.players()
    cast = mitm.players()
    assert "CN=Course Root CA" in cast.course_root.certificate.subject.rfc4514_string()
    assert "CN=Evil Proxy CA" in cast.evil_ca.certificate.subject.rfc4514_string()
    assert cast.issuing_ca.validation_methods[BANK] == "http-01"
    assert not cast.issuing_ca.is_validated(BANK)  # an account's validation, not everyone's


def test_a_root_does_not_sign_the_banks_certificate_its_intermediate_does(
    cast: mitm.Players,
) -> None:
    """BR §6.1.7: a public root's key signs no subscriber certificate; the bank sends both."""
    leaf, intermediate = cast.bank.chain
    root = cast.course_root.certificate
    assert leaf.issuer == intermediate.subject == cast.issuing_ca.certificate.subject
    assert intermediate.issuer == root.subject and leaf.issuer != root.subject
    basic = intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert basic.ca
    with mitm.bank_server(cast) as bank:
        seen = tls.connect(bank.port, hostname=BANK, trust=root)  # the root alone is trusted
    assert seen.ok and seen.chain[:2] == [leaf, intermediate]
    assert "CN=Course Issuing CA" in intermediate.subject.rfc4514_string()


# --- the bank ---------------------------------------------------------------------------------


def test_bank_server_answers_the_login_page_and_the_login(cast: mitm.Players) -> None:
    get = b"GET / HTTP/1.1\r\nHost: bank.example\r\nConnection: close\r\n\r\n"
    with mitm.bank_server(cast) as bank:
        page = tls.connect(bank.port, hostname=BANK, trust=cast.course_root, request=get)
        login = tls.connect(
            bank.port, hostname=BANK, trust=cast.course_root, request=mitm.login_request()
        )
        wrong = tls.connect(
            bank.port, hostname=BANK, trust=cast.course_root,
            request=mitm.login_request("guess"),
        )  # fmt: skip
    assert page.response is not None and b"log in" in page.response
    assert login.response is not None and b"welcome, alice" in login.response
    assert wrong.response is not None and b"wrong user name or password" in wrong.response


def test_the_interceptor_reads_the_request_and_forwards_it_to_the_bank(
    cast: mitm.Players,
) -> None:
    """A course tls_server whose handler reads the plaintext and passes it on to the bank."""
    trust = [cast.course_root.certificate, cast.evil_ca.certificate]
    with mitm.bank_server(cast) as bank:
        with mitm.interceptor(cast.forged, bank.port, trust=cast.course_root) as evil:
            seen = tls.connect(evil.port, hostname=BANK, trust=trust, request=mitm.login_request())
            assert isinstance(evil.server, tls.TLSServer) and evil.port == evil.server.port
    assert seen.ok and seen.chain[0] == cast.forged.certificate  # the attacker's certificate
    assert seen.response is not None and b"welcome, alice" in seen.response  # the bank's answer
    assert evil.captured == [mitm.login_request()]  # read in plaintext by the attacker
    assert [v.request for v in bank.visits] == [mitm.login_request()]  # and passed on as is


def test_mitm_has_no_tls_client_code_of_its_own_but_the_bad_example() -> None:
    """pinned_connect is tls.connect(pins=...): the one context made here is the bad example.

    A style check on the source (SPEC7: no TLS code of its own); the behaviour is tested above.
    """
    tree = ast.parse(Path(mitm.__file__).read_text())
    own = {"wrap_socket", "wrap_bio", "SSLContext", "create_default_context", "MemoryBIO"}
    own |= {"create_connection", "_create_unverified_context", "do_handshake", "sendall", "recv"}
    found: dict[str, set[str]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for call in ast.walk(function):
            if isinstance(call, ast.Call):
                name = getattr(call.func, "attr", getattr(call.func, "id", ""))
                if name in own:
                    found.setdefault(function.name, set()).add(name)
    assert found == {"insecure_client_context": {"SSLContext"}}, found
    source = Path(mitm.__file__).read_text()
    for text in ("wrap_socket(", "wrap_bio(", "_sslobj", "get_verified_chain"):
        assert text not in source, f"mitm.py has {text!r}: pkicourse.tls does the TLS"
    assert "tls.connect(" in inspect.getsource(mitm.pinned_connect)


def test_spki_pin_is_the_one_in_tls() -> None:
    assert mitm.spki_pin is tls.spki_pin


def test_pinned_connect_tells_the_pin_verdict(cast: mitm.Players) -> None:
    trust = [cast.course_root, cast.evil_ca]
    with mitm.bank_server(cast) as bank:
        with mitm.interceptor(cast.forged, bank.port, trust=cast.course_root) as evil:
            stopped = mitm.pinned_connect(
                evil.port, hostname=BANK, trust=trust, pins=[mitm.spki_pin(cast.bank)],
                request=mitm.login_request(),
            )  # fmt: skip
        through = mitm.pinned_connect(
            bank.port, hostname=BANK, trust=trust, pins=[mitm.spki_pin(cast.bank)],
            request=mitm.login_request(),
        )  # fmt: skip
    assert (stopped.ok, stopped.pinned, stopped.browser_error) == (False, False, None)
    assert "match none of the pins" in stopped.explanation and evil.captured == []
    assert stopped.chain == [cast.forged.certificate, cast.evil_ca.certificate]  # verified
    assert (through.ok, through.pinned) == (True, True)
    assert through.response is not None and b"welcome, alice" in through.response
    assert through.chain == [*cast.bank.chain, cast.course_root.certificate]


# --- pins -------------------------------------------------------------------------------------


def test_spki_pin_is_sha256_of_the_subject_public_key_info(cast: mitm.Players) -> None:
    key = cast.bank.private_key
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode()
    for item in (cast.bank, cast.bank.certificate, key, key.public_key()):
        assert mitm.spki_pin(item) == expected
    assert mitm.spki_pin(cast.forged) != expected
    assert mitm.curl_pinnedpubkey(expected) == "sha256//" + expected.removeprefix("sha256/")
    with pytest.raises(ArgumentError):
        mitm.spki_pin(b"not a key")  # type: ignore[arg-type]
    curl_form = mitm.curl_pinnedpubkey(expected)
    for wrong in ("sha256/x", curl_form, expected + "=", expected.encode(), [expected]):
        with pytest.raises(ArgumentError, match="not a pin"):
            mitm.pinned_connect(1, hostname=BANK, trust=cast.course_root, pins=[wrong])  # type: ignore[list-item]


def test_a_pin_may_start_with_a_slash() -> None:
    """base64 uses '/': a pin such as 'sha256//abc...' is a real pin, not curl's form."""
    pin = "sha256//" + base64.b64encode(bytes(32)).decode()[1:]
    assert len(pin) == 51 and mitm._is_pin(pin)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_spki_pin_agrees_with_the_openssl_recipe(cast: mitm.Players, tmp_path: Path) -> None:
    cert = tmp_path / "bank.pem"
    cert.write_bytes(_pem(cast.bank.certificate))
    recipe = (
        f"openssl x509 -in {cert} -pubkey -noout | openssl pkey -pubin -outform der"
        " | openssl dgst -sha256 -binary | base64"
    )
    out = subprocess.run(["sh", "-c", recipe], capture_output=True, text=True, check=True)
    assert mitm.spki_pin(cast.bank) == "sha256/" + out.stdout.strip()


def test_pinned_connect_refuses_an_untrusted_chain_before_looking_at_pins(
    cast: mitm.Players,
) -> None:
    with mitm.bank_server(cast, leaf=cast.self_signed) as server:
        seen = mitm.pinned_connect(
            server.port, hostname=BANK, trust=cast.course_root,
            pins=[mitm.spki_pin(cast.self_signed)],
        )  # fmt: skip
    assert (seen.ok, seen.verify_code) == (False, 18)
    with pytest.raises(ArgumentError):
        mitm.pinned_connect(1, hostname=BANK, trust=cast.course_root, pins="sha256/x")


def test_pinned_connect_to_nothing_is_a_server_error(cast: mitm.Players) -> None:
    with mitm.bank_server(cast) as server:
        port = server.port
    with pytest.raises(ServerError):
        mitm.pinned_connect(
            port, hostname=BANK, trust=cast.course_root, pins=[mitm.spki_pin(cast.bank)]
        )


def test_pinning_costs_rotation_backup_pin_and_ca_pin(cast: mitm.Players) -> None:
    trials = mitm.pinning_costs(cast)
    print("\n" + "\n".join(str(t) for t in trials))
    assert [t.ok for t in trials] == [True, False, True, True, False, False]
    assert [t.attacker for t in trials] == [False, False, False, False, True, False]
    assert [t.verdict for t in trials] == [
        "goes through", "locked out", "goes through", "goes through", "attack stopped",
        "locked out",
    ]  # fmt: skip
    assert str(trials[4]).startswith("✔ (attack stopped) ")  # ✔: good for the customers
    assert str(trials[1]).startswith("✘ (locked out) ")
    assert str(trials[0]).startswith("✔ (goes through) ")
    assert [t.good for t in trials] == [True, False, True, True, True, False]
    for trial in trials:  # the real bank's chains: leaf, intermediate, root (BR §6.1.7)
        if not trial.attacker and trial.connection.verify_code is None:
            assert len(trial.connection.chain) == 3, trial.what
    assert trials[1].connection.verify_code is None  # a valid chain, refused by the pin only


def test_a_new_certificate_for_the_same_key_keeps_its_pin(cast: mitm.Players) -> None:
    again = mitm._reissued(cast, cast.bank.private_key)
    assert again.certificate.serial_number != cast.bank.certificate.serial_number
    assert mitm.spki_pin(again) == mitm.spki_pin(cast.bank)


# --- "proceed anyway?" ------------------------------------------------------------------------


def test_proceed_anyway_widget_back_sends_nothing_proceed_gives_the_password_away(
    cast: mitm.Players,
) -> None:
    threads_before = set(threading.enumerate())
    widget = mitm.proceed_anyway_widget(cast)
    assert (widget.verify_code, widget.browser_error) == (18, "NET::ERR_CERT_AUTHORITY_INVALID")
    assert "Your connection is not private" in widget.warning.value
    assert "NET::ERR_CERT_AUTHORITY_INVALID" in widget.warning.value
    assert widget.proceed_button.description == "Proceed to bank.example (unsafe)"
    widget.back_button.click()
    assert widget.captured is None and "login was not sent" in widget.result.value
    assert "This time" not in widget.result.value
    assert set(threading.enumerate()) == threads_before
    widget.proceed_button.click()
    assert widget.captured is not None and mitm.PASSWORD.encode() in widget.captured
    assert "welcome, alice" in widget.result.value and mitm.PASSWORD in widget.result.value
    assert set(threading.enumerate()) == threads_before, "servers must stop after each click"
    widget.back_button.click()
    assert widget.captured is None
    assert "This time your login was not sent" in widget.result.value  # it was sent before
    assert "stays read" in widget.result.value
    assert any("HSTS" in getattr(child, "value", "") for child in widget.children)


def test_an_error_in_a_button_shows_in_the_widget(
    cast: mitm.Players, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A widget callback's error would go to JupyterLab's log: the widget shows it instead."""
    widget = mitm.proceed_anyway_widget(cast)

    def bank_is_down(*, proceed: bool) -> None:
        raise ServerError("Nothing answers on port 1: start the bank first.")

    monkeypatch.setattr(widget, "_visit", bank_is_down)
    widget.proceed_button.click()  # no exception escapes the click
    assert "ServerError" in widget.result.value and "start the bank first" in widget.result.value
    assert widget.captured is None
    with pytest.raises(ServerError):  # called directly, the method still raises
        widget.proceed()
    widget.back_button.click()
    assert "login was not sent" in widget.result.value


# --- curl, a real client ----------------------------------------------------------------------


def _curl(
    port: int, cafile: Path, *extra: str, path: str = "/"
) -> subprocess.CompletedProcess[str]:
    command = [
        "curl", "--silent", "--show-error", "--max-time", "5", "--noproxy", "*",
        "--cacert", str(cafile), "--resolve", f"{BANK}:{port}:127.0.0.1", *extra,
        f"https://{BANK}:{port}{path}",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_curl_pinnedpubkey_accepts_the_bank_and_refuses_the_interceptor(
    cast: mitm.Players, tmp_path: Path
) -> None:
    course = tmp_path / "course-root.pem"
    course.write_bytes(_pem(cast.course_root.certificate))
    both = tmp_path / "course-and-evil.pem"  # scenario 5: the rogue CA installed as well
    both.write_bytes(_pem(cast.course_root.certificate, cast.evil_ca.certificate))
    pin = mitm.curl_pinnedpubkey(mitm.spki_pin(cast.bank))
    form = f"user=alice&password={mitm.PASSWORD}"
    with mitm.bank_server(cast) as bank:
        real = _curl(bank.port, course, "--pinnedpubkey", pin)
        with mitm.interceptor(cast.forged, bank.port, trust=cast.course_root) as evil:
            login = ("--data", form)
            pinned = _curl(evil.port, both, "--pinnedpubkey", pin, *login, path="/login")
            not_trusted = _curl(evil.port, course, *login, path="/login")  # scenario 4
            unpinned = _curl(evil.port, both, *login, path="/login")  # scenario 5
    codes = (real, pinned, not_trusted, unpinned)
    print(
        "\ncurl exit codes (bank, pinned, rogue CA not trusted, unpinned):",
        [c.returncode for c in codes],
    )
    assert real.returncode == 0 and "log in" in real.stdout, real.stderr
    assert pinned.returncode == 90, pinned.stderr  # CURLE_SSL_PINNEDPUBKEYNOTMATCH
    assert not_trusted.returncode == 60, not_trusted.stderr  # CURLE_PEER_FAILED_VERIFICATION
    assert unpinned.returncode == 0 and unpinned.stdout.startswith("welcome, alice")
    assert len(evil.captured) == 1 and form.encode() in evil.captured[0]  # only the unpinned


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_curl_pins_the_ca_key_only_as_a_leaf_pin(cast: mitm.Players, tmp_path: Path) -> None:
    """curl's --pinnedpubkey compares the leaf's key only: a CA pin refuses the real bank."""
    course = tmp_path / "course-root.pem"
    course.write_bytes(_pem(cast.course_root.certificate))
    pin = mitm.curl_pinnedpubkey(mitm.spki_pin(cast.course_root))
    with mitm.bank_server(cast) as bank:
        result = _curl(bank.port, course, "--pinnedpubkey", pin)
    assert result.returncode == 90, result.stderr


def test_an_unused_key_type_still_pins(cast: mitm.Players) -> None:
    rsa_key = keys.generate_private_key("rsa-2048")
    assert mitm.spki_pin(rsa_key).startswith("sha256/") and len(mitm.spki_pin(rsa_key)) == 51
    other = CA.root("Other")
    assert mitm.spki_pin(other) == mitm.spki_pin(other.certificate)


# --- what the attacker's server saw; the passive eavesdropper ----------------------------------


def test_the_attackers_server_sees_the_refusal_or_the_request(cast: mitm.Players) -> None:
    refused, stolen, pinned = (mitm.play(n, cast) for n in (2, 5, 6))
    assert [v.ok for v in refused.attacker_visits] == [False]
    assert "unknown_ca" in (refused.attacker_visits[0].error or "")
    assert [v.request for v in stolen.attacker_visits] == [stolen.attacker_read]
    assert [bool(v.request) for v in pinned.attacker_visits] == [False]  # hung up, sent nothing


def test_the_passive_eavesdropper_sees_only_ciphertext(cast: mitm.Players) -> None:
    threads_before = set(threading.enumerate())
    wire = mitm.eavesdrop(cast)
    assert wire.victim_ok and not wire.password_seen
    assert len(wire.client_to_server) > len(mitm.login_request())  # it was all there, encrypted
    assert wire.client_to_server[:1] == b"\x16"  # a TLS handshake record comes first
    assert b"alice" not in wire.client_to_server and b"welcome" not in wire.server_to_client
    assert set(threading.enumerate()) == threads_before
    words = str(wire)
    assert f"kept {len(wire.client_to_server)} bytes from the victim" in words
    assert f"{len(wire.server_to_client)} from the bank" in words and "not found" in words
    assert len(repr(wire)) < 200  # the bytes are left out of the repr (Jupyter shows it)


def test_the_outcomes_table_in_text_and_html(cast: mitm.Players) -> None:
    outcomes = [mitm.play(n, cast) for n in (1, 2)]
    table = mitm.outcomes_table(outcomes)
    assert table.rows() == [
        ("1", mitm.SCENARIOS[1], "logged in", "—", "—", "the password"),
        ("2", mitm.SCENARIOS[2], "no login", "18", "NET::ERR_CERT_AUTHORITY_INVALID", "nothing"),
    ]
    lines = str(table).splitlines()
    assert len(lines) == 3 and lines[0].split()[:2] == ["#", "scenario"]
    assert repr(table) == str(table)  # a text-only front end: the table, not the bytes
    page = table._repr_html_()
    assert page.count("<tr>") == 3 and "<td>NET::ERR_CERT_AUTHORITY_INVALID</td>" in page
    refused = outcomes[1]
    assert "<pre>" not in refused._repr_html_() and "verify code 18" in str(refused)


def test_pinned_connect_to_a_silent_server_times_out_with_a_server_error(
    cast: mitm.Players,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        start = time.perf_counter()
        with pytest.raises(ServerError, match="did not answer within 0.3 s"):
            mitm.pinned_connect(
                port, hostname=BANK, trust=cast.course_root, pins=[mitm.spki_pin(cast.bank)],
                timeout=0.3,
            )  # fmt: skip
    assert time.perf_counter() - start < 2
    with pytest.raises(ArgumentError, match="port"):
        mitm.pinned_connect(
            0, hostname=BANK, trust=cast.course_root, pins=[mitm.spki_pin(cast.bank)]
        )


# --- wrong arguments get words ----------------------------------------------------------------


def test_wrong_arguments_are_course_errors_with_words(cast: mitm.Players) -> None:
    pin = [mitm.spki_pin(cast.bank)]
    cases = [
        (lambda: mitm.play(1, "x"), "cast must be the players"),  # type: ignore[arg-type]
        (lambda: mitm.play_all(cast.bank), "cast must be the players"),  # type: ignore[arg-type]
        (lambda: mitm.pinning_costs(1), "cast must be the players"),  # type: ignore[arg-type]
        (lambda: mitm.eavesdrop("cast"), "cast must be the players"),  # type: ignore[arg-type]
        (lambda: mitm.proceed_anyway_widget([]), "cast must be the players"),  # type: ignore[arg-type]
        (lambda: mitm.bank_server("x").__enter__(), "cast must be the players"),  # type: ignore[arg-type]
        (lambda: mitm.bank_server(cast, leaf=cast.bank.certificate).__enter__(), "LeafCert"),  # type: ignore[arg-type]
        (lambda: mitm.interceptor(b"x", 1, trust=cast.course_root).__enter__(), "LeafCert"),  # type: ignore[arg-type]
        (lambda: mitm.interceptor(cast.forged, "1", trust=cast.course_root).__enter__(), "port"),  # type: ignore[arg-type]
        (lambda: mitm.interceptor(cast.forged, 1, trust="root").__enter__(), "trust must be"),  # type: ignore[arg-type]
        (lambda: mitm.login_request(42), "password must be text"),  # type: ignore[arg-type]
        (lambda: mitm.login_request(user=None), "user must be text"),  # type: ignore[arg-type]
        (lambda: mitm.bank_answer("GET / HTTP/1.1"), "request must be bytes"),  # type: ignore[arg-type]
        (lambda: mitm.outcomes_table(None), "list of outcomes"),  # type: ignore[arg-type]
        (lambda: mitm.outcomes_table(["1"]), "must be an Outcome"),  # type: ignore[list-item]
        (lambda: mitm.pinned_connect(1, hostname=BANK, trust=cast.course_root, pins=pin,
                                     request="x"), "request must be bytes"),  # type: ignore[arg-type]
        (lambda: mitm.pinned_connect(1, hostname=BANK, trust=cast.course_root, pins=pin,
                                     timeout=-1), "timeout must be a positive"),
    ]  # fmt: skip
    for call, words in cases:
        with pytest.raises(ArgumentError, match=words):
            call()


def test_the_login_form_is_url_encoded(cast: mitm.Players, monkeypatch: pytest.MonkeyPatch) -> None:
    """A password with &, = or + arrives as typed: the form is URL-encoded."""
    odd = "a&b=c+d %"
    request = mitm.login_request(odd)
    assert b"password=a%26b%3Dc%2Bd+%25" in request
    assert b"wrong user name or password" in mitm.bank_answer(request)
    monkeypatch.setattr(mitm, "PASSWORD", odd)  # the bank now expects the odd password
    assert mitm.bank_answer(request).startswith(b"welcome, alice")
    monkeypatch.undo()
    with mitm.bank_server(cast) as bank:
        seen = tls.connect(
            bank.port, hostname=BANK, trust=cast.course_root, request=mitm.login_request()
        )
    assert seen.response is not None and b"welcome, alice" in seen.response
    head, _, body = mitm.login_request().partition(b"\r\n\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
