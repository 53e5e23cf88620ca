"""The local badssl gallery (pkicourse.gallery, lesson 06): real servers, real verdicts."""

from __future__ import annotations

import ssl
import threading
import time

import pytest
from cryptography import x509

from pkicourse import gallery, tls
from pkicourse.errors import ArgumentError, InvalidChoiceError, ServerError
from pkicourse.gallery import CASES, gallery_table, gallery_widget, open_gallery, visit, visit_all

ORDER = [
    "good", "expired", "not-yet-valid", "wrong.host", "self-signed", "untrusted-root",
    "incomplete-chain", "cn-only-no-san", "not-a-ca", "revoked", "static-rsa",
]  # fmt: skip


def _all_course_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("pkicourse")}


BEFORE = frozenset(_all_course_threads())  # other modules' threads are not the gallery's


def _course_threads() -> set[threading.Thread]:
    return _all_course_threads() - BEFORE


def test_the_cases_in_the_lessons_order() -> None:
    assert list(CASES) == ORDER
    for name, case in CASES.items():
        assert case.name == name
        assert case.hostname == f"{name}.badssl.test"
        assert case.python_ssl in ("accepted", "refused")
        # the columns are checked against live clients elsewhere: Python's ssl in
        # test_visit_all_matches_the_live_connections, Chromium in test_browser_gallery.py,
        # curl and s_client in test_real_clients.py
        assert case.chrome == "" or case.chrome.startswith("net::ERR_")
        assert case.what and case.explanation and case.curl and case.s_client


def test_visit_all_matches_the_live_connections_in_under_3_seconds() -> None:
    start = time.monotonic()
    verdicts = visit_all()
    seconds = time.monotonic() - start
    print(f"visit_all: {len(verdicts)} sites in {seconds:.2f} s")
    print(gallery_table(verdicts))
    assert seconds <= 3.0
    assert [v.case for v in verdicts] == ORDER
    for verdict in verdicts:
        case, live = CASES[verdict.case], verdict.connection
        # what Python's ssl really did at the live site against what CASES claims
        assert live.ok == (case.python_ssl == "accepted"), (verdict.case, live)
        assert live.verify_code == case.verify_code, (verdict.case, live)
        assert verdict.python_ssl_accepts == live.ok
        assert verdict.verify_code == live.verify_code
        if live.verify_code is not None:
            assert f"(code {live.verify_code})" in verdict.verdict
        # Chrome's error on the connection is the measured one (CASES), never a code mapping
        assert live.browser_error == (case.chrome or None), (verdict.case, live.browser_error)
    by_case = {v.case: v for v in verdicts}
    # cryptography's verifier: the good chain and the static-RSA chain (a fine certificate)
    assert {c for c, v in by_case.items() if v.cryptography_accepts} == {"good", "static-rsa"}
    assert by_case["good"].connection.response is not None
    assert b"Welcome to good.badssl.test" in by_case["good"].connection.response
    assert not _course_threads()


def test_cn_only_python_accepts_cryptography_and_strict_python_refuse() -> None:
    with open_gallery(["cn-only-no-san"]) as g:
        verdict = visit(g, "cn-only-no-san")
        assert verdict.python_ssl_accepts and verdict.verify_code is None
        assert not verdict.cryptography_accepts
        assert verdict.connection.browser_error == "net::ERR_CERT_COMMON_NAME_INVALID"
        leaf = g.sites["cn-only-no-san"].certificate
        with pytest.raises(x509.ExtensionNotFound):
            leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        # the same site once Python is told to read names from subjectAltName only
        context = ssl.create_default_context(cadata=g.root_pem.decode())
        context.hostname_checks_common_name = False
        strict = tls.connect(
            g.sites["cn-only-no-san"].port, hostname="cn-only-no-san.badssl.test", trust=context
        )
        assert not strict.ok and strict.verify_code == 62


def test_revoked_is_accepted_without_the_crl_and_refused_with_it() -> None:
    with open_gallery(["revoked"]) as g:
        site = g.sites["revoked"]
        serials = {entry.serial_number for entry in g.crl}
        assert site.certificate.serial_number in serials
        without = tls.connect(site.port, hostname="revoked.badssl.test", trust=g.root_certificate)
        assert without.ok
        verdict = visit(g, "revoked")
        assert not verdict.python_ssl_accepts and verdict.verify_code == 23
        assert not verdict.cryptography_accepts
        # Chromium loads this page (measured): no guessed ERR_CERT_REVOKED on the connection
        assert verdict.connection.browser_error is None and verdict.chrome == ""
        assert "ERR_CERT_REVOKED" not in str(verdict.connection)
        assert "CRLSets" in CASES["revoked"].explanation
        # the table says both clients were given the CRL, and whose CRL check refused it
        assert verdict.given_crl
        row = gallery_table([verdict]).rows()[0]
        assert row[1] == "refused (given the CRL)"
        assert "given the CRL" in row[3] and "course's CRL check" in row[3]
        assert "checks no revocation" in CASES["revoked"].explanation
        assert "given the CRL" in verdict._repr_html_()
    with open_gallery(["good"]) as g:
        good = visit(g, "good")
        assert not good.given_crl and gallery_table([good]).rows()[0][1] == "accepted"


def test_the_ban_on_common_names_cites_rfc_9525_section_2_and_rfc_9110() -> None:
    for case in ("cn-only-no-san", "wrong.host"):
        words = CASES[case].explanation
        assert "RFC 9525 §2" in words and "RFC 9110 §4.3.4" in words
    assert "9525 §6.3" not in CASES["cn-only-no-san"].explanation


def test_static_rsa_connects_once_the_client_offers_rsa_key_transport() -> None:
    with open_gallery(["static-rsa"]) as g:
        verdict = visit(g, "static-rsa")
        assert not verdict.python_ssl_accepts and verdict.verify_code is None
        allowed = tls.connect(
            g.sites["static-rsa"].port, hostname="static-rsa.badssl.test",
            trust=g.root_certificate, ciphers="AES128-GCM-SHA256",
        )  # fmt: skip
        assert allowed.ok, allowed
        assert (allowed.version, allowed.cipher) == ("TLSv1.2", "AES128-GCM-SHA256")
        assert allowed.group == tls.RSA_KEY_TRANSPORT
        # RFC 5246 §7.4.2: key transport needs keyEncipherment (Chromium refuses without it)
        leaf = g.sites["static-rsa"].certificate
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.key_encipherment


def test_the_certificates_are_what_each_case_says() -> None:
    with open_gallery() as g:
        chains = {case: site.chain for case, site in g.sites.items()}
        root = g.root_certificate
    assert len(chains["incomplete-chain"]) == 1  # the leaf alone
    assert chains["untrusted-root"][-1].subject == chains["untrusted-root"][-1].issuer
    assert chains["untrusted-root"][-1] != root
    assert chains["self-signed"][0].subject == chains["self-signed"][0].issuer
    issuer = chains["not-a-ca"][1]
    assert chains["not-a-ca"][0].issuer == issuer.subject
    assert not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    wrong = chains["wrong.host"][0].extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert wrong.value.get_values_for_type(x509.DNSName) == ["other.badssl.test"]
    for case in ("expired", "not-yet-valid"):
        leaf = chains[case][0]
        now = gallery._now()
        assert not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc


def test_the_gallery_stops_every_thread_even_when_the_body_raises() -> None:
    with pytest.raises(RuntimeError):
        with open_gallery(["good", "expired"]):
            assert len(_course_threads()) == 2
            raise RuntimeError("a failing cell")
    assert not _course_threads()


def test_unknown_cases_are_refused_with_the_choices() -> None:
    with pytest.raises(InvalidChoiceError, match="expired"):
        with open_gallery(["expird"]):
            pass
    with open_gallery(["good"]) as g:
        with pytest.raises(InvalidChoiceError, match="was not started"):
            visit(g, "expired")
        assert g.url("good") == f"https://good.badssl.test:{g.sites['good'].port}/"


def test_the_table_has_one_row_per_site_in_text_and_html() -> None:
    verdicts = visit_all()
    table = gallery_table(verdicts)
    text = str(table)
    assert len(text.splitlines()) == 1 + len(ORDER)
    assert "cn-only-no-san.badssl.test" in text and "net::ERR_CERT_INVALID" in text
    page = table._repr_html_()
    assert page.count("<tr>") == 1 + len(ORDER)
    assert "Chrome" in page and "Why" in page
    assert "✘ expired.badssl.test" in str(verdicts[1])
    assert "Chromium shows" in verdicts[0]._repr_html_()


def test_the_widget_shows_the_picked_site_and_leaves_nothing_running() -> None:
    widget = gallery_widget()
    assert "good.badssl.test" in widget.result.value
    widget.dropdown.value = "self-signed"
    assert "self-signed.badssl.test" in widget.result.value
    assert "code 18" in widget.result.value
    assert "net::ERR_CERT_AUTHORITY_INVALID" in widget.result.value
    assert widget.show("revoked").verify_code == 23
    assert not _course_threads()
    widget.close()


def test_a_failing_pick_shows_its_error_in_the_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = gallery_widget()

    def broken(gallery: object, case: str) -> object:
        raise ServerError("Nothing answers on that port: made-up failure for the test.")

    monkeypatch.setattr(gallery, "visit", broken)
    widget.dropdown.value = "expired"  # the callback must not raise into JupyterLab's log
    assert "could not be visited" in widget.result.value
    assert "made-up failure for the test" in widget.result.value
    with pytest.raises(ServerError):
        widget.show("good")  # called directly, it raises (and shows)
    assert not _course_threads()
    widget.close()


def test_wrong_arguments_are_course_errors() -> None:
    with pytest.raises(ArgumentError, match="open gallery"):
        visit(None, "good")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="verdicts"):
        gallery_table(None)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="visit"):
        gallery_table(["good"])  # type: ignore[list-item]
    with pytest.raises(ArgumentError, match="list of case names"):
        with open_gallery(7):  # type: ignore[arg-type]
            pass
    with open_gallery("good") as g:  # one name: that site, not its letters
        assert list(g.sites) == ["good"]
        assert visit(g, "good").python_ssl_accepts
    assert not _course_threads()


def test_the_kept_screenshot_is_a_small_png() -> None:
    """Lesson 06 shows Chromium's real interstitial (tests/test_browser_gallery.py saves it)."""
    from pkicourse.data import data_path

    png = data_path("browser/interstitial-self-signed.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) <= 150_000
