"""Tests for pkicourse.pictures: every picture is a real Figure that renders to PNG, fast."""

from __future__ import annotations

import ast
import functools
import io
import ssl
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from cryptography import x509
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.text import Text

from pkicourse import pictures, truststore
from pkicourse.ca import CA
from pkicourse.errors import InvalidChoiceError
from pkicourse.handshake import Flight, HandshakeError, step_through
from pkicourse.session_keys import SpeedResult
from pkicourse.truststore import StoreSummary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SPEEDS = [
    SpeedResult("AES-256-GCM seal", 200_000_000, 0.1),
    SpeedResult("RSA-2048 OAEP encrypt", 190 * 1_000, 0.05),
    SpeedResult("RSA-2048 OAEP decrypt", 190 * 100, 0.1),
]

WHO_KNOWS = {
    "browser": {"session key": True, "server's private key": False},
    "server": {"session key": True, "server's private key": True},
    "eavesdropper": {"session key": False, "server's private key": False},
}


@functools.cache
def _chain() -> tuple[x509.Certificate, ...]:
    """A leaf, its intermediate and its root, from pkicourse.ca."""
    root = CA.root("Picture Root CA")
    issuing = root.create_intermediate("Picture Issuing CA")
    leaf = issuing.issue_cert("bank.example")
    return (leaf.certificate, issuing.certificate, root.certificate)


@functools.cache
def _store() -> StoreSummary:
    return truststore.summary()


DRAWINGS: dict[str, Callable[[], Figure]] = {
    "lock_and_key": pictures.draw_lock_and_key,
    "users": lambda: pictures.draw_users(["alice", "bob", "carol"]),
    "key_transport": pictures.draw_key_transport,
    "ecdhe": pictures.draw_ecdhe,
    "speeds": lambda: pictures.draw_speeds(SPEEDS),
    "who_knows_what": lambda: pictures.draw_who_knows_what(WHO_KNOWS),
    "chain_of_trust": lambda: pictures.draw_chain_of_trust(_chain()),
    "root_store": lambda: pictures.draw_root_store(_store()),
    "handshake": lambda: pictures.draw_handshake(_flights()),
}


def _render_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _mark_of(fig: Figure, gid: str) -> str:
    texts = [text for ax in fig.axes for text in ax.texts if text.get_gid() == gid]
    assert len(texts) == 1, f"expected one mark with gid {gid!r}"
    return texts[0].get_text()


def _all_text(fig: Figure) -> str:
    return "\n".join(text.get_text() for text in fig.findobj(Text))


@pytest.fixture(scope="module", autouse=True)
def _warm_up_fonts() -> None:
    """The first render loads fonts; time the pictures, not the font cache or their inputs."""
    _render_png(pictures.draw_who_knows_what({"a": {"b": True}}))
    _store()  # reads every root of the trust store once
    _flights()  # a real handshake


@pytest.mark.parametrize("name", list(DRAWINGS))
def test_picture_is_a_figure_that_renders_to_png_quickly(name: str) -> None:
    started = time.perf_counter()
    fig = DRAWINGS[name]()
    png = _render_png(fig)
    seconds = time.perf_counter() - started
    assert isinstance(fig, Figure)
    assert fig.axes
    assert png.startswith(PNG_MAGIC)
    assert seconds < 1.0, f"{name} took {seconds:.2f} s (target: under 0.3 s)"


def test_pictures_leave_matplotlib_global_state_alone() -> None:
    pyplot_loaded_before = "matplotlib.pyplot" in sys.modules
    settings_before = matplotlib.rcParams.copy()  # .copy() does not resolve the backend
    for draw in DRAWINGS.values():
        draw()
    assert matplotlib.rcParams.copy() == settings_before
    if not pyplot_loaded_before:
        assert "matplotlib.pyplot" not in sys.modules
    tree = ast.parse(Path(pictures.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert not any("pyplot" in name for name in imported)


def test_who_knows_what_marks_each_cell() -> None:
    fig = pictures.draw_who_knows_what(WHO_KNOWS)
    assert _mark_of(fig, "browser/session key") == "✔"
    assert _mark_of(fig, "server/server's private key") == "✔"


def test_who_knows_what_marks_unknown_and_missing_cells_with_a_cross() -> None:
    fig = pictures.draw_who_knows_what({"browser": {"session key": True}, "eve": {"data": True}})
    assert _mark_of(fig, "browser/session key") == "✔"
    assert _mark_of(fig, "browser/data") == "✘"  # missing from the row: not known
    assert _mark_of(fig, "eve/session key") == "✘"


def test_who_knows_what_rejects_an_empty_grid() -> None:
    with pytest.raises(InvalidChoiceError):
        pictures.draw_who_knows_what({})


def test_draw_speeds_has_one_bar_per_result_with_labels() -> None:
    fig = pictures.draw_speeds(SPEEDS)
    (ax,) = fig.axes
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 1 and len(bars[0]) == len(SPEEDS)
    assert ax.get_xscale() == "log"
    assert "2,000 MB/s" in _all_text(fig)  # 200 MB in 0.1 s


def test_draw_speeds_rejects_an_empty_list() -> None:
    with pytest.raises(InvalidChoiceError):
        pictures.draw_speeds([])


def test_draw_users_marks_only_the_recipient_key_as_opening() -> None:
    fig = pictures.draw_users(["alice", "bob", "carol"], recipient="carol")
    text = _all_text(fig)
    assert text.count("✔ opens it") == 1
    assert text.count("✘ does not fit") == 2
    assert "lock a message for carol with carol's public key" in text


def test_draw_users_rejects_an_unknown_recipient_and_repeated_names() -> None:
    with pytest.raises(InvalidChoiceError):
        pictures.draw_users(["alice", "bob"], recipient="mallory")
    with pytest.raises(InvalidChoiceError):
        pictures.draw_users(["bob", "bob"])


def test_sequence_diagrams_tell_their_story() -> None:
    transport = _all_text(pictures.draw_key_transport())
    assert "ClientHello" in transport and "TLS 1.3" in transport and "ECDHE" in transport
    ecdhe = _all_text(pictures.draw_ecdhe())
    assert "HKDF" in ecdhe and "forward secrecy" in ecdhe


def test_key_agreement_is_not_called_slower_per_byte() -> None:
    """X25519 runs once per connection: its bar says so instead of 'N× slower'."""
    results = [
        SpeedResult("AES-256-GCM seal", 10_000_000, 0.01),
        SpeedResult("RSA-2048 OAEP decrypt", 10_000, 0.01),
        SpeedResult("X25519 agreement", 3_200, 0.01),
    ]
    texts = [t.get_text() for t in pictures.draw_speeds(results).axes[0].texts]
    assert any("RSA" not in t and "once per connection" in t for t in texts)
    assert sum("× slower" in t for t in texts) == 1  # RSA only


def test_chain_of_trust_shows_who_signed_whom_and_which_key_verifies() -> None:
    text = _all_text(pictures.draw_chain_of_trust(_chain()))
    for name in ("bank.example", "Picture Issuing CA", "Picture Root CA"):
        assert name in text
    assert text.count("signed by") == 2
    assert text.count("public key verifies") == 2
    assert "Picture Issuing CA's\npublic key verifies" in text
    assert "✔ in the trust store" in text and "self-signed" in text
    assert "Server (leaf) certificate" in text and "Root CA certificate" in text


def test_chain_of_trust_marks_an_untrusted_root_and_a_missing_issuer() -> None:
    untrusted = _all_text(pictures.draw_chain_of_trust(_chain(), trusted=False))
    assert "✘ not in the trust store" in untrusted and "✔" not in untrusted
    leaf_only = _all_text(pictures.draw_chain_of_trust(_chain()[:1]))
    assert "not in this chain" in leaf_only and "Picture Issuing CA" in leaf_only
    assert "in the trust store" not in leaf_only.replace("in its trust store", "")
    assert "public key verifies" not in leaf_only  # no key to draw it from


def test_chain_of_trust_shows_what_the_server_sends_and_what_the_client_has() -> None:
    text = _all_text(pictures.draw_chain_of_trust(_chain()))
    assert "sent by\nthe server" in text and "the client's\ntrust store" in text
    untrusted = _all_text(pictures.draw_chain_of_trust(_chain(), trusted=False))
    assert "sent by\nthe server" in untrusted and "the client's" not in untrusted
    everything = pictures.draw_chain_of_trust(_chain(), sent=3)  # a server that sends its root
    assert "the client's" not in _all_text(everything)


def test_chain_of_trust_sent_must_fit_the_chain() -> None:
    for wrong in (0, 4, True, "2"):
        with pytest.raises(InvalidChoiceError, match="sent must be"):
            pictures.draw_chain_of_trust(_chain(), sent=wrong)  # type: ignore[arg-type]
    assert pictures.draw_chain_of_trust(_chain(), sent=2)  # the twin: a count that fits


def test_chain_of_trust_long_issuer_names_are_not_cut_ambiguously() -> None:
    root = CA.root("pkicourse Lesson 05 CA")
    issuing = root.create_intermediate("pkicourse Lesson 05 Issuing CA")
    leaf = issuing.issue_cert("bank.example").certificate
    fig = pictures.draw_chain_of_trust([leaf, issuing.certificate, root.certificate])
    labels = [t.get_text() for t in fig.findobj(Text) if "verifies\nthis" in t.get_text()]
    assert labels == [
        "pkicourse Lesson 05\nIssuing CA's\npublic key verifies\nthis signature",
        "pkicourse Lesson 05 CA's\npublic key verifies\nthis signature",
    ]
    very_long = "An Exceptionally Long Certificate Authority Name For Testing Issuing CA"
    assert pictures._name_lines(very_long)[-1].endswith("Issuing CA")
    assert len(pictures._name_lines(very_long)) == 2


def test_chain_of_trust_rejects_what_is_not_a_chain() -> None:
    with pytest.raises(InvalidChoiceError):
        pictures.draw_chain_of_trust([])
    with pytest.raises(InvalidChoiceError):
        pictures.draw_chain_of_trust(["bank.example"])  # type: ignore[list-item]


def test_root_store_has_a_bar_per_operator_key_type_and_year() -> None:
    summary = _store()
    fig = pictures.draw_root_store(summary)
    operators, key_types, years = fig.axes
    for ax, expected in (
        (operators, len(summary.operators)),
        (key_types, len(summary.key_types)),
        (years, len(summary.expiry_years)),
    ):
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == 1 and len(bars[0]) == expected
    assert f"{summary.count} trusted roots" in fig.get_suptitle()


def test_root_store_rejects_an_empty_store() -> None:
    with pytest.raises(InvalidChoiceError):
        pictures.draw_root_store(truststore.summary([]))


# --- lesson 06: draw_handshake, from real flights ----------------------------------------------


@functools.cache
def _handshake_ca() -> CA:
    return CA.root("Handshake Picture CA")


@functools.cache
def _step(
    *,
    maximum: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
    curve: str | None = None,
    key_type: str = "ec",
    trusted: bool = True,
) -> list[Flight] | HandshakeError:
    """Real flights from handshake.step_through (or the HandshakeError it raised)."""
    ca = _handshake_ca()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("bank.example", key_type=key_type).configure_cert(server)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    (ca if trusted else CA.root("A Stranger CA")).configure_trust(client)
    if maximum is not None:
        server.maximum_version = maximum
    if ciphers is not None:
        server.set_ciphers(ciphers)
        client.set_ciphers(ciphers)
    if curve is not None:
        server.set_ecdh_curve(curve)
    try:
        return step_through(client, server, hostname="bank.example")
    except HandshakeError as error:
        return error


def _flights(**options: Any) -> list[Flight]:
    flights = _step(**options)
    assert isinstance(flights, list), f"the handshake failed: {flights}"
    return flights


def _lines(fig: Figure, flight: int) -> list[Text]:
    texts = [t for t in fig.findobj(Text) if str(t.get_gid()).startswith(f"flight{flight}/line")]
    return sorted(texts, key=lambda t: str(t.get_gid()))


def _arrow(fig: Figure, flight: int) -> FancyArrowPatch:
    (arrow,) = [p for p in fig.findobj(FancyArrowPatch) if p.get_gid() == f"flight{flight}"]
    return arrow


def _goes_right(arrow: FancyArrowPatch) -> bool:
    (x0, _), (x1, _) = arrow._posA_posB  # type: ignore[misc]
    return bool(x1 > x0)


def _padlocks(fig: Figure) -> int:
    """Each drawn padlock has one keyhole: an ink circle inside its body."""
    return sum(1 for p in fig.findobj(Circle) if p.get_radius() < 0.02)


def _check_renders_quietly(fig: Figure) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning from Agg
        assert _render_png(fig).startswith(PNG_MAGIC)


def test_handshake_tls13_has_an_arrow_per_flight_in_the_right_direction() -> None:
    flights = _flights()
    started = time.perf_counter()
    fig = pictures.draw_handshake(flights)
    assert time.perf_counter() - started < 0.5  # drawing; rendering is timed above
    _check_renders_quietly(fig)
    for i, flight in enumerate(flights):
        assert _goes_right(_arrow(fig, i)) == (flight.sender == "client"), f"flight {i}"
        total = _mark_of(fig, f"flight{i}/total")
        assert f"{flight.size} bytes" in total and f"flight {i + 1}:" in total
    assert [t.get_text() for t in _lines(fig, 0)] == [f"ClientHello, {flights[0].size} bytes"]
    server = [t.get_text() for t in _lines(fig, 1)]
    assert server[0].startswith("ServerHello, ")
    assert "dummy, for old middleboxes" in server[1]
    encrypted = [r.size for r in flights[1].records if r.encrypted]
    assert server[2] == (
        f"encrypted: {len(encrypted)} records, {' + '.join(map(str, encrypted))} bytes, "
        "contents hidden"
    )
    assert "A real TLS 1.3 handshake" in _all_text(fig)


def test_handshake_marks_encrypted_lines_and_where_encryption_starts() -> None:
    flights = _flights()
    fig = pictures.draw_handshake(flights)
    lines = [t for i in range(len(flights)) for t in _lines(fig, i)]
    encrypted = [t for t in lines if t.get_text().startswith("encrypted:")]
    plain = [t for t in lines if not t.get_text().startswith("encrypted:")]
    assert encrypted and plain
    assert {t.get_color() for t in encrypted} == {pictures._ENCRYPTED}
    assert pictures._ENCRYPTED not in {t.get_color() for t in plain}
    assert _padlocks(fig) == len(encrypted) + 1  # one per encrypted line, one in the legend
    assert _mark_of(fig, "starts/server") == "the server\nencrypts\nfrom here"
    assert _mark_of(fig, "starts/client") == "the client\nencrypts\nfrom here"
    assert "🔒" not in _all_text(fig)  # a drawn padlock, not a glyph the font may lack


@pytest.mark.parametrize(
    ("name", "options", "server_messages"),
    [
        ("ECDHE", {}, ["ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"]),
        (
            "RSA key transport",
            {"ciphers": "AES128-GCM-SHA256", "key_type": "rsa"},
            ["ServerHello", "Certificate", "ServerHelloDone"],
        ),
    ],
)
def test_handshake_tls12_shows_the_plaintext_certificate_and_each_finished(
    name: str, options: dict[str, Any], server_messages: list[str]
) -> None:
    flights = _flights(maximum=ssl.TLSVersion.TLSv1_2, **options)
    fig = pictures.draw_handshake(flights)
    _check_renders_quietly(fig)
    assert "A real TLS 1.2 handshake" in _all_text(fig)
    server = [t.get_text().split(",")[0] for t in _lines(fig, 1)]
    assert server == server_messages, name
    client = [t.get_text() for t in _lines(fig, 2)]
    assert client[0].startswith("ClientKeyExchange, ")
    assert client[1].startswith("ChangeCipherSpec (encrypts from here on)")
    assert client[2].startswith("encrypted: Finished")
    assert [_goes_right(_arrow(fig, i)) for i in range(len(flights))] == [
        True,
        False,
        True,
        False,
    ]
    assert _padlocks(fig) == 3  # the client's Finished, the server's, the legend's


def test_handshake_with_a_hello_retry_request() -> None:
    flights = _flights(curve="secp384r1")
    fig = pictures.draw_handshake(flights)
    _check_renders_quietly(fig)
    assert "HelloRetryRequest" in fig.axes[0].texts[0].get_text()
    assert _lines(fig, 1)[0].get_text().startswith("HelloRetryRequest, ")
    second = [t.get_text() for t in _lines(fig, 2)]
    assert second[1].startswith("ClientHello, ") and _goes_right(_arrow(fig, 2))
    assert not any(t.startswith("encrypted") for t in second)  # the second hello is plaintext


@pytest.mark.parametrize("maximum", [None, ssl.TLSVersion.TLSv1_2])
def test_handshake_failure_draws_the_alert_in_red(maximum: ssl.TLSVersion | None) -> None:
    error = _step(maximum=maximum, trusted=False)
    assert isinstance(error, HandshakeError)
    fig = pictures.draw_handshake(error)
    _check_renders_quietly(fig)
    last = len(error.flights) - 1
    alert = _lines(fig, last)[-1]
    assert alert.get_text() == "alert: unknown_ca, 7 bytes"
    assert alert.get_color() == pictures._VERMILLION
    assert (
        matplotlib.colors.to_hex(_arrow(fig, last).get_edgecolor()) == pictures._VERMILLION.lower()
    )
    assert _goes_right(_arrow(fig, last)), "the client sends the alert"
    assert "that failed" in _all_text(fig)
    assert "OpenSSL verify code 20" in _mark_of(fig, "failure")
    only_flights = pictures.draw_handshake(error.flights)  # the twin: no words of the failure
    assert "failure" not in {t.get_gid() for t in only_flights.findobj(Text)}
    assert _lines(only_flights, last)[-1].get_color() == pictures._VERMILLION  # still red
    ok = pictures.draw_handshake(_flights(maximum=maximum))
    assert pictures._VERMILLION not in {t.get_color() for t in ok.findobj(Text)}


def test_handshake_title_and_arguments() -> None:
    flights = _flights()
    assert fig_title(pictures.draw_handshake(flights, title="bank.example")) == "bank.example"
    for wrong in ([], "ClientHello", [b"\x16"], None):
        with pytest.raises(InvalidChoiceError, match="step_through"):
            pictures.draw_handshake(wrong)  # type: ignore[arg-type]


def test_handshake_title_names_no_version_when_none_was_agreed() -> None:
    ca = _handshake_ca()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("bank.example").configure_cert(server)
    server.maximum_version = ssl.TLSVersion.TLSv1_2
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.minimum_version = ssl.TLSVersion.TLSv1_3
    with pytest.raises(HandshakeError) as caught:
        step_through(client, server, hostname="bank.example")
    fig = pictures.draw_handshake(caught.value)
    assert fig_title(fig) == "A TLS handshake that failed"
    assert _lines(fig, 1)[-1].get_text() == "alert: protocol_version, 7 bytes"
    assert not _goes_right(_arrow(fig, 1)), "the server sends this alert"
    assert "server's side" in _mark_of(fig, "failure")


def fig_title(fig: Figure) -> str:
    return fig.axes[0].texts[0].get_text()
