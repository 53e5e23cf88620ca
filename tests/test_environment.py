"""Tests for pkicourse.environment (lesson 00-index)."""

from __future__ import annotations

import socket
import ssl
import time

import pytest

from pkicourse.environment import (
    EnvironmentReport,
    EnvironmentRow,
    _version_tuple,
    check_environment,
)

EXPECTED_ROWS = [
    "Python",
    "cryptography",
    "cryptography's OpenSSL",
    "ssl's OpenSSL",
    "TLS 1.3",
    "certifi root store",
    "openssl command (optional)",
    "ipywidgets",
    "matplotlib",
    "temporary folder",
]


@pytest.fixture(scope="module")
def report() -> EnvironmentReport:
    return check_environment()


def test_this_machine_is_ready(report: EnvironmentReport) -> None:
    assert report.ok, str(report)
    assert all(row.ok for row in report.rows)


def test_every_row_is_present(report: EnvironmentReport) -> None:
    assert [row.name for row in report.rows] == EXPECTED_ROWS


def test_versions_are_the_real_ones(report: EnvironmentReport) -> None:
    assert report.row("ssl's OpenSSL").value == ssl.OPENSSL_VERSION
    assert report.row("cryptography's OpenSSL").value.startswith("OpenSSL")
    assert _version_tuple(report.row("cryptography").value) >= (47,)


def test_certifi_holds_the_mozilla_root_store(report: EnvironmentReport) -> None:
    value = report.row("certifi root store").value
    count = int(value.split()[0])
    assert count > 100
    assert value.endswith("cacert.pem")


def test_html_shows_marks_and_no_empty_hint_column_when_ready(report: EnvironmentReport) -> None:
    page = report._repr_html_()
    assert "✔" in page and "✘" not in page
    assert "Ready" in page
    if not any(row.hint for row in report.rows):
        assert "what to do" not in page


def test_a_failing_row_renders_its_hint_and_fails_the_report() -> None:
    good = EnvironmentRow("Python", "3.11.7", True)
    bad = EnvironmentRow("cryptography", "41.0.0", False, "run `make lab` from the course folder")
    report = EnvironmentReport((good, bad))
    assert not report.ok
    page = report._repr_html_()
    assert "✘" in page and "✔" in page
    assert "run <code>make lab</code> from the course folder" in page
    assert "what to do" in page
    text = str(report)
    assert "✘ cryptography" in text and "make lab" in text and "1 problem" in text


def test_an_optional_row_with_a_hint_is_ok_but_shown() -> None:
    missing = EnvironmentRow("openssl command (optional)", "not found", True, "optional: ...")
    report = EnvironmentReport((missing,))
    assert report.ok
    assert missing.mark == "ℹ"
    assert "optional: ..." in report._repr_html_()


def test_hints_are_escaped() -> None:
    report = EnvironmentReport((EnvironmentRow("x", "<b>", False, "<script>"),))
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_row_lookup_names_the_rows_when_missing(report: EnvironmentReport) -> None:
    with pytest.raises(KeyError, match="TLS 1.3"):
        report.row("TLS 1.4")


def test_version_tuple() -> None:
    assert _version_tuple("42.0.5") == (42, 0, 5)
    assert _version_tuple("3.0rc1") == (3, 0)
    assert _version_tuple("41.0.7") < (42,)
    assert _version_tuple("unknown version") == ()


def test_fast_and_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("check_environment touched the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    started = time.perf_counter()
    check_environment()
    assert time.perf_counter() - started < 0.5
