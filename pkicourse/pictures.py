"""Pictures for the lessons: padlocks, keys, handshakes and measured speeds.

The note's own pictures are missing, so the course draws its own. Every function returns a
:class:`matplotlib.figure.Figure` built directly (never ``pyplot``, no global settings touched);
make it the last expression of a notebook cell and ``%matplotlib inline`` shows it.

Lessons: 01-asymmetric-keys (:func:`draw_lock_and_key`, :func:`draw_users`),
02-session-keys (:func:`draw_key_transport`, :func:`draw_ecdhe`, :func:`draw_speeds`,
:func:`draw_who_knows_what`), 03 to 05 (:func:`draw_chain_of_trust`),
05-certificate-authorities (:func:`draw_root_store`) and 06-tls-handshake
(:func:`draw_handshake`, which draws the flights :func:`pkicourse.handshake.step_through`
recorded).

Colours come from the Okabe-Ito palette, which stays readable with colour blindness; every
colour is backed by a word or a mark (✔ / ✘), never used alone.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography import x509
from cryptography.x509.oid import NameOID
from matplotlib.figure import Figure
from matplotlib.patches import (
    Circle,
    FancyArrowPatch,
    FancyBboxPatch,
    Polygon,
    Rectangle,
    Wedge,
)
from matplotlib.ticker import FuncFormatter

from pkicourse.errors import InvalidChoiceError
from pkicourse.handshake import Flight, HandshakeError, Record

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from pkicourse.session_keys import SpeedResult
    from pkicourse.truststore import StoreSummary

__all__ = [
    "draw_chain_of_trust",
    "draw_ecdhe",
    "draw_handshake",
    "draw_key_transport",
    "draw_lock_and_key",
    "draw_root_store",
    "draw_speeds",
    "draw_users",
    "draw_who_knows_what",
]

# Okabe-Ito colours.
_INK = "#222222"
_GREY = "#8C8C8C"
_ORANGE = "#E69F00"
_SKY = "#56B4E9"
_GREEN = "#009E73"
_BLUE = "#0072B2"
_VERMILLION = "#D55E00"
_PURPLE = "#CC79A7"
_YELLOW = "#F0E442"
_USER_COLOURS = (_ORANGE, _SKY, _GREEN, _PURPLE, _YELLOW, _VERMILLION)
_PAPER = "#FFFFFF"
_NOTE = "#F4F4F4"
_GOOD_FILL = "#CCEBE3"  # light bluish green
_BAD_FILL = "#F6D5C0"  # light vermillion

_BROWSER_X = 1.4
_SERVER_X = 7.6


# --- drawing pieces -----------------------------------------------------------------------


def _canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A blank figure whose data coordinates are inches: (0, 0) bottom left."""
    fig = Figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _draw_padlock(ax: Axes, x: float, y: float, size: float, color: str, *, closed: bool) -> None:
    """A padlock whose body is centred on (x, y); open locks have a raised shackle."""
    body_height, radius, thickness = 0.8 * size, 0.3 * size, 0.11 * size
    top = y + body_height / 2
    centre_y = top + 0.2 * size + (0.0 if closed else 0.22 * size)
    shackle: dict[str, Any] = {"facecolor": _GREY, "edgecolor": _INK, "lw": 1.0, "zorder": 2}
    ax.add_patch(Wedge((x, centre_y), radius, 0, 180, width=thickness, **shackle))
    leg_height = centre_y - top + 0.05
    ax.add_patch(Rectangle((x + radius - thickness, top - 0.05), thickness, leg_height, **shackle))
    left_bottom = top - 0.05 if closed else centre_y - 0.1 * size
    left_leg = Rectangle((x - radius, left_bottom), thickness, centre_y - left_bottom, **shackle)
    ax.add_patch(left_leg)
    ax.add_patch(
        FancyBboxPatch(
            (x - size / 2, y - body_height / 2),
            size,
            body_height,
            boxstyle=f"round,pad=0,rounding_size={0.12 * size}",
            facecolor=color,
            edgecolor=_INK,
            lw=1.2,
            zorder=3,
        )
    )
    ax.add_patch(Circle((x, y + 0.08 * size), 0.09 * size, color=_INK, zorder=4))
    slot = [(x - 0.04 * size, y + 0.06 * size), (x + 0.04 * size, y + 0.06 * size)]
    slot += [(x + 0.07 * size, y - 0.22 * size), (x - 0.07 * size, y - 0.22 * size)]
    ax.add_patch(Polygon(slot, color=_INK, zorder=4))


def _draw_key(ax: Axes, x: float, y: float, size: float, color: str) -> None:
    """A key lying flat, centred on (x, y), ``size`` long."""
    style: dict[str, Any] = {"facecolor": color, "edgecolor": _INK, "lw": 1.2}
    ax.add_patch(Rectangle((x - 0.2 * size, y - 0.045 * size), 0.7 * size, 0.09 * size, **style))
    ax.add_patch(Rectangle((x + 0.3 * size, y - 0.18 * size), 0.07 * size, 0.14 * size, **style))
    ax.add_patch(Rectangle((x + 0.42 * size, y - 0.15 * size), 0.07 * size, 0.11 * size, **style))
    ax.add_patch(Circle((x - 0.32 * size, y), 0.18 * size, zorder=3, **style))
    ax.add_patch(Circle((x - 0.37 * size, y), 0.06 * size, color="white", zorder=4))


def _draw_person(ax: Axes, x: float, y: float, size: float, color: str, name: str) -> None:
    """A head and shoulders centred on (x, y), with the name underneath."""
    style: dict[str, Any] = {"facecolor": color, "edgecolor": _INK, "lw": 1.2}
    ax.add_patch(Wedge((x, y - 0.25 * size), 0.32 * size, 0, 180, **style))
    ax.add_patch(Circle((x, y + 0.25 * size), 0.17 * size, **style))
    ax.text(x, y - 0.4 * size, name, ha="center", va="top", fontsize=13, weight="bold")


def _draw_box(ax: Axes, x: float, y: float, text: str, **style: Any) -> None:
    """Text in a rounded box centred on (x, y)."""
    box = {"boxstyle": "round,pad=0.35", "facecolor": _NOTE, "edgecolor": _INK, "lw": 1.0}
    box.update(style.pop("box", {}))
    options: dict[str, Any] = {"ha": "center", "va": "center", "fontsize": 10, "zorder": 5}
    options.update(style)
    ax.text(x, y, text, bbox=box, **options)


def _draw_arrow(
    ax: Axes, start: tuple[float, float], end: tuple[float, float], **style: Any
) -> None:
    """An arrow from ``start`` to ``end``; ``style`` may set color, lw, arrowstyle."""
    options: dict[str, Any] = {"arrowstyle": "-|>", "mutation_scale": 18, "color": _INK, "lw": 1.8}
    options.update(style)
    ax.add_patch(FancyArrowPatch(start, end, shrinkA=0, shrinkB=0, zorder=4, **options))


def _draw_paper(ax: Axes, x: float, y: float, text: str, *, fontsize: float = 11) -> None:
    """A small sheet of paper carrying a message, centred on (x, y)."""
    _draw_box(
        ax, x, y, text, family="monospace", fontsize=fontsize, box={"facecolor": _PAPER, "pad": 0.5}
    )


def _sequence_canvas(height: float, title: str) -> tuple[Figure, Axes]:
    """A canvas with a title and two lifelines, "browser" (left) and "server" (right)."""
    fig, ax = _canvas(9.0, height)
    ax.text(4.5, height - 0.3, title, ha="center", va="center", fontsize=13, weight="bold")
    for x, name, colour in ((_BROWSER_X, "browser", _SKY), (_SERVER_X, "server", _ORANGE)):
        ax.plot([x, x], [1.0, height - 0.9], color=_GREY, lw=1.2, ls="--", zorder=1)
        _draw_box(ax, x, height - 0.85, name, fontsize=12, weight="bold", box={"facecolor": colour})
    return fig, ax


def _draw_message(
    ax: Axes, y: float, text: str, *, to_server: bool, color: str = _INK, both_ways: bool = False
) -> None:
    """A labelled arrow between the lifelines at height ``y``."""
    start, end = (_BROWSER_X, _SERVER_X) if to_server else (_SERVER_X, _BROWSER_X)
    style = "<|-|>" if both_ways else "-|>"
    _draw_arrow(
        ax, (start, y), (end, y), color=color, arrowstyle=style, lw=2.4 if both_ways else 1.8
    )
    ax.text((start + end) / 2, y + 0.07, text, ha="center", va="bottom", fontsize=10.5)


def _draw_carried_padlock(ax: Axes, y: float, *, to_server: bool, closed: bool) -> None:
    """A small padlock riding on a message arrow, just after it leaves the sender."""
    x = _BROWSER_X + 0.55 if to_server else _SERVER_X - 0.55
    _draw_padlock(ax, x, y + 0.2, 0.3, _ORANGE, closed=closed)


def _draw_caption(ax: Axes, text: str) -> None:
    """A wrapped caption in a pale box along the bottom of a 9-inch-wide canvas."""
    wrapped = textwrap.fill(text, width=105)
    _draw_box(
        ax, 4.5, 0.5, wrapped, fontsize=9.5, box={"facecolor": "#FFF8E0", "edgecolor": _ORANGE}
    )


# --- lesson 01 ---------------------------------------------------------------------------


def draw_lock_and_key() -> Figure:
    """The public key is an open padlock anyone can snap shut; only the private key opens it.

    Lesson 01-asymmetric-keys: the note's "Public lock (anyone can lock it) & Private Key".
    """
    fig, ax = _canvas(9.0, 3.6)
    titles = ("Public key = an open padlock", "A locked message", "The private key opens it")
    captions = (
        "Hand out copies to anyone:\nanyone can snap one shut.",
        "Safe to send over the internet:\nnobody else can read it.",
        "Kept secret by its owner,\nnever sent anywhere.",
    )
    for x, title, caption in zip((1.5, 4.5, 7.5), titles, captions, strict=True):
        ax.text(x, 3.3, title, ha="center", va="center", fontsize=12, weight="bold")
        ax.text(x, 0.55, caption, ha="center", va="center", fontsize=10.5, color="#444444")
    _draw_padlock(ax, 1.5, 1.6, 1.0, _SKY, closed=False)
    _draw_paper(ax, 4.25, 1.95, "hello")
    _draw_padlock(ax, 4.8, 1.45, 0.7, _SKY, closed=True)
    _draw_key(ax, 6.85, 1.9, 1.0, _SKY)
    _draw_paper(ax, 8.3, 1.9, "hello")
    for x, label in ((3.0, "anyone\nlocks"), (6.0, "only the\nowner opens")):
        _draw_arrow(ax, (x - 0.45, 1.9), (x + 0.45, 1.9))
        ax.text(x, 2.05, label, ha="center", va="bottom", fontsize=9.5)
    return fig


def draw_users(
    names: Sequence[str] = ("alice", "bob", "carol"), recipient: str | None = None
) -> Figure:
    """Several users, each with their own pair: anyone can lock for bob, only bob opens it.

    Lesson 01-asymmetric-keys: the note's "Multiple users". ``recipient`` is whom the message
    at the bottom is locked for (default: the second name).
    """
    names = list(names)
    if not 1 <= len(names) <= 6 or len(set(names)) != len(names):
        raise InvalidChoiceError(
            f"draw_users needs 1 to 6 different names, got {names!r}: pass e.g. ('alice', 'bob')."
        )
    recipient = recipient if recipient is not None else names[min(1, len(names) - 1)]
    if recipient not in names:
        raise InvalidChoiceError(
            f"recipient {recipient!r} is not one of {names!r}: choose one of them."
        )
    colours = dict(zip(names, _USER_COLOURS[: len(names)], strict=True))
    width = max(9.0, 2.0 * len(names) + 1.0)
    fig, ax = _canvas(width, 5.6)
    ax.text(0.3, 5.3, "Each user has their own key pair", va="center", fontsize=12, weight="bold")
    for i, name in enumerate(names):
        x = width / 2 + (i - (len(names) - 1) / 2) * 2.0
        _draw_person(ax, x, 4.55, 0.8, colours[name], name)
        _draw_padlock(ax, x - 0.45, 3.3, 0.5, colours[name], closed=False)
        _draw_key(ax, x + 0.45, 3.4, 0.6, colours[name])
        ax.text(x - 0.45, 2.95, "public", ha="center", va="center", fontsize=9)
        ax.text(x + 0.45, 2.95, "private", ha="center", va="center", fontsize=9)
    ax.plot([0.2, width - 0.2], [2.65, 2.65], color=_GREY, lw=1.0)
    ax.text(
        0.3,
        2.35,
        f"Anyone can lock a message for {recipient} with {recipient}'s public key."
        f" Only {recipient}'s private key opens it:",
        va="center",
        fontsize=11,
    )
    _draw_paper(ax, 0.9, 1.3, "hi")
    _draw_padlock(ax, 1.3, 1.05, 0.5, colours[recipient], closed=True)
    _draw_arrow(ax, (1.8, 1.3), (2.6, 1.3))
    step = (width - 4.2) / max(len(names) - 1, 1)
    for i, name in enumerate(names):
        x = 3.4 + i * step
        opens = name == recipient
        _draw_key(ax, x, 1.5, 0.6, colours[name])
        ax.text(x, 0.95, f"{name}'s\nprivate key", ha="center", va="center", fontsize=10)
        mark, colour = ("✔ opens it", _GREEN) if opens else ("✘ does not fit", _VERMILLION)
        ax.text(x, 0.4, mark, ha="center", va="center", fontsize=11, weight="bold", color=colour)
    return fig


# --- lesson 02 ---------------------------------------------------------------------------


def draw_key_transport() -> Figure:
    """The note's story: the browser sends a session key locked with the server's public key.

    Lesson 02-session-keys. This is RSA key transport (TLS 1.2 ``TLS_RSA_*`` suites); the
    caption says that TLS 1.3 replaced it with ECDHE (see :func:`draw_ecdhe`).
    """
    fig, ax = _sequence_canvas(6.0, "The note's story: RSA key transport")
    _draw_message(ax, 4.55, "ClientHello: “hello, let's talk TLS”", to_server=True)
    _draw_message(ax, 3.85, "certificate with the server's public key", to_server=False)
    _draw_carried_padlock(ax, 3.85, to_server=False, closed=False)
    _draw_box(ax, _BROWSER_X, 3.25, "makes a random\nsymmetric session key")
    _draw_key(ax, 2.65, 3.25, 0.45, _GREEN)
    _draw_message(ax, 2.5, "session key, locked with the server's public key", to_server=True)
    _draw_carried_padlock(ax, 2.5, to_server=True, closed=True)
    _draw_box(ax, _SERVER_X, 1.95, "opens it with its\nprivate key")
    _draw_key(ax, 6.65, 1.95, 0.45, _ORANGE)
    _draw_message(
        ax,
        1.3,
        "all data encrypted with the session key (AES)",
        to_server=True,
        color=_GREEN,
        both_ways=True,
    )
    _draw_caption(
        ax,
        "This is how TLS 1.2 worked with TLS_RSA_* cipher suites. Its weakness: whoever records "
        "the traffic and later steals the server's private key can open the session key, and "
        "with it every recorded conversation. TLS 1.3 removed key transport: both sides agree "
        "on the key with ephemeral ECDHE instead (next picture).",
    )
    return fig


def draw_ecdhe() -> Figure:
    """TLS 1.3's key agreement: ephemeral X25519 shares, the same secret, HKDF, forward secrecy.

    Lesson 02-session-keys: what replaced the note's story.
    """
    fig, ax = _sequence_canvas(6.6, "TLS 1.3: ephemeral key agreement (ECDHE)")
    left, right = _BROWSER_X, _SERVER_X
    _draw_box(ax, left, 5.05, "new ephemeral key pair:\nprivate a, public A")
    _draw_box(ax, right, 5.05, "new ephemeral key pair:\nprivate b, public B")
    _draw_message(ax, 4.35, "ClientHello + key share: public A", to_server=True)
    _draw_message(
        ax, 3.65, "ServerHello + key share: public B\n+ certificate, signed", to_server=False
    )
    _draw_box(ax, left, 2.95, "X25519(a, B) = secret S\nHKDF(S) → session keys")
    _draw_box(ax, right, 2.95, "X25519(b, A) = same S\nHKDF(S) → session keys")
    for x, secret in ((left, "a"), (right, "b")):
        _draw_box(
            ax,
            x,
            2.15,
            f"deletes {secret}",
            color=_VERMILLION,
            weight="bold",
            box={"facecolor": _BAD_FILL, "edgecolor": _VERMILLION},
        )
    ax.text(
        4.5, 2.95, "same secret,\nnever sent", ha="center", va="center", fontsize=10, color=_GREEN
    )
    _draw_message(
        ax,
        1.45,
        "all data encrypted with the session keys (AES-GCM)",
        to_server=True,
        color=_GREEN,
        both_ways=True,
    )
    _draw_caption(
        ax,
        "An eavesdropper sees only A and B, and cannot compute S from them. a and b never leave "
        "their computers and are deleted after the handshake, so even the server's stolen "
        "long-term key cannot open recorded sessions: forward secrecy. The server's long-term "
        "key only signs, to prove who it is.",
    )
    return fig


def _format_speed(megabytes_per_second: float) -> str:
    if megabytes_per_second >= 100:
        return f"{megabytes_per_second:,.0f} MB/s"
    if megabytes_per_second >= 1:
        return f"{megabytes_per_second:.1f} MB/s"
    return f"{megabytes_per_second:.3g} MB/s"


def draw_speeds(results: Sequence[SpeedResult]) -> Figure:
    """Horizontal log-scale bars of megabytes per second, one per measured operation.

    Lesson 02-session-keys: why TLS uses a symmetric session key for the data. Pass the list
    from :func:`pkicourse.session_keys.measure_speeds`.
    """
    if not results:
        raise InvalidChoiceError("draw_speeds needs at least one result: pass measure_speeds().")
    speeds = [result.megabytes_per_second for result in results]
    if min(speeds) <= 0:
        raise InvalidChoiceError(
            "every speed must be above 0 MB/s to go on a log scale: measure again."
        )
    fastest = max(speeds)
    fig = Figure(figsize=(8.5, 1.3 + 0.55 * len(results)), layout="constrained")
    ax = fig.add_subplot()
    rows = range(len(results))
    colours = [(_BLUE, _VERMILLION, _GREEN, _ORANGE, _PURPLE, _SKY)[i % 6] for i in rows]
    ax.barh(rows, speeds, color=colours, height=0.6)
    ax.set_xscale("log")
    ax.set_xlim(min(speeds) / 3, fastest * 40)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.10g}"))
    ax.set_yticks(list(rows), [result.operation for result in results], fontsize=11)
    ax.invert_yaxis()
    for row, speed in enumerate(speeds):
        label = _format_speed(speed)
        if "agreement" in results[row].operation:  # happens once per connection, not per byte
            label += "  (once per connection: 32 bytes per agreement)"
        elif speed < fastest:
            label += f"  ({fastest / speed:,.0f}× slower)"
        ax.text(speed * 1.2, row, label, va="center", fontsize=10)
    ax.set_xlabel("megabytes per second (log scale: each step is 10× faster)")
    ax.set_title("Measured on this computer", fontsize=12, weight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _draw_grid_cell(
    ax: Axes, corner: tuple[float, float], size: tuple[float, float], knows: bool, gid: str
) -> None:
    """One coloured cell of the who-knows-what grid with its ✔ or ✘ (text gid ``gid``)."""
    fill, colour, mark = (_GOOD_FILL, _GREEN, "✔") if knows else (_BAD_FILL, _VERMILLION, "✘")
    ax.add_patch(Rectangle(corner, *size, facecolor=fill, edgecolor="white", lw=2))
    x, y = corner[0] + size[0] / 2, corner[1] + size[1] / 2
    text = ax.text(x, y, mark, ha="center", va="center", fontsize=15, weight="bold", color=colour)
    text.set_gid(gid)


def draw_who_knows_what(
    rows: Mapping[str, Mapping[str, bool]], title: str = "Who knows what?"
) -> Figure:
    """A grid of parties (rows) and secrets (columns): ✔ knows it, ✘ does not.

    Lesson 02-session-keys: e.g. ``{"browser": {"session key": True}, "eavesdropper":
    {"session key": False}}``. A secret missing from a row counts as not known. Each mark's
    text has the gid ``"party/secret"``, so a test can find it.
    """
    if not rows:
        raise InvalidChoiceError(
            "draw_who_knows_what needs at least one party: pass {'browser': {...}}."
        )
    secrets = list(dict.fromkeys(secret for known in rows.values() for secret in known))
    if not secrets:
        raise InvalidChoiceError("draw_who_knows_what needs at least one secret in the rows.")
    longest = max(len(party) for party in rows)
    label_width, cell_width, cell_height, header = 0.4 + 0.1 * longest, 1.6, 0.5, 0.75
    width = label_width + cell_width * len(secrets) + 0.2
    height = 0.5 + header + cell_height * len(rows) + 0.15
    fig, ax = _canvas(width, height)
    ax.text(width / 2, height - 0.28, title, ha="center", va="center", fontsize=13, weight="bold")
    top = height - 0.5 - header
    for j, secret in enumerate(secrets):
        x = label_width + (j + 0.5) * cell_width
        heading = textwrap.fill(secret, width=16)
        ax.text(x, top + 0.1, heading, ha="center", va="bottom", fontsize=10.5, weight="bold")
    for i, (party, known) in enumerate(rows.items()):
        y = top - (i + 0.5) * cell_height
        ax.text(label_width - 0.15, y, party, ha="right", va="center", fontsize=11, weight="bold")
        for j, secret in enumerate(secrets):
            corner = (label_width + j * cell_width, y - cell_height / 2)
            knows = bool(known.get(secret, False))
            _draw_grid_cell(ax, corner, (cell_width, cell_height), knows, f"{party}/{secret}")
    return fig


# --- lessons 03 to 05: certificates -------------------------------------------------------

_KEY_COLOURS = (_ORANGE, _SKY, _GREEN, _PURPLE, _YELLOW, _BLUE)
_BOX_LEFT, _BOX_WIDTH, _BOX_HEIGHT, _BOX_STEP = 0.9, 5.6, 1.15, 1.75


def _full_cn(name: x509.Name) -> str:
    """The common name, or the whole name when it has none."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string() or "(empty name)"


def _subject_cn(name: x509.Name) -> str:
    """The common name (or the whole name when it has none), shortened to fit a box."""
    return textwrap.shorten(_full_cn(name), width=44, placeholder="…")


def _role(index: int, count: int, self_issued: bool) -> str:
    if index == 0:
        return (
            "Server (leaf) certificate"
            if count > 1 or not self_issued
            else "Self-signed certificate"
        )
    return "Root CA certificate" if self_issued else "Intermediate CA certificate"


def _draw_certificate_box(
    ax: Axes, y: float, lines: tuple[str, str, str], key_colour: str, signer_colour: str
) -> None:
    """A certificate: its role, subject and issuer; its public key; the issuer's signature."""
    ax.add_patch(
        FancyBboxPatch(
            (_BOX_LEFT, y - _BOX_HEIGHT / 2), _BOX_WIDTH, _BOX_HEIGHT,
            boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=_PAPER, edgecolor=_INK, lw=1.3,
        )
    )  # fmt: skip
    role, subject, issuer = lines
    x = _BOX_LEFT + 0.15
    ax.text(x, y + 0.33, role, fontsize=11, weight="bold", va="center")
    ax.text(x, y + 0.0, f"subject: {subject}", fontsize=9.5, va="center")
    ax.text(x, y - 0.3, f"issuer:  {issuer}", fontsize=9.5, va="center")
    right = _BOX_LEFT + _BOX_WIDTH
    _draw_key(ax, right - 0.75, y + 0.3, 0.55, key_colour)
    ax.text(right - 0.75, y + 0.05, "public key", fontsize=8.5, ha="center", va="center")
    _draw_box(
        ax, right - 0.75, y - 0.3, "signature", fontsize=8.5,
        box={"facecolor": signer_colour, "boxstyle": "round,pad=0.2"},
    )  # fmt: skip


def _draw_missing_issuer(ax: Axes, y: float, issuer: str) -> None:
    """A dashed box for an issuer the chain does not contain."""
    ax.add_patch(
        FancyBboxPatch(
            (_BOX_LEFT, y - _BOX_HEIGHT / 2), _BOX_WIDTH, _BOX_HEIGHT,
            boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=_NOTE, edgecolor=_GREY,
            lw=1.3, ls="--",
        )
    )  # fmt: skip
    text = f"{issuer}\nnot in this chain: the client must find it in its trust store, or fail"
    ax.text(_BOX_LEFT + _BOX_WIDTH / 2, y, text, ha="center", va="center", fontsize=9.5)


def _draw_signed_by(ax: Axes, y_low: float, y_high: float, label: str) -> None:
    """The "signed by" arrow from a certificate up to its issuer."""
    x = _BOX_LEFT + 1.0
    _draw_arrow(ax, (x, y_low + _BOX_HEIGHT / 2), (x, y_high - _BOX_HEIGHT / 2))
    ax.text(x + 0.12, (y_low + y_high) / 2, label, fontsize=10, va="center", style="italic")


def _draw_verifies(ax: Axes, y_child: float, y_issuer: float, issuer: str) -> None:
    """From the issuer's public key round to the child's signature: "verifies"."""
    x = _BOX_LEFT + _BOX_WIDTH
    start, end = (x - 0.35, y_issuer + 0.3), (x - 0.3, y_child - 0.3)
    _draw_arrow(ax, start, end, connectionstyle="arc3,rad=-0.45", color=_BLUE, lw=1.5)
    text = "\n".join([*_name_lines(f"{issuer}'s"), "public key verifies", "this signature"])
    ax.text(x + 0.75, (y_child + y_issuer) / 2, text, fontsize=9, color=_BLUE, va="center")


def _name_lines(name: str) -> list[str]:
    """A name wrapped on at most two lines; a longer one keeps its end (the CA's own words)."""
    lines = textwrap.wrap(name, width=24, break_long_words=True)
    if len(lines) <= 2:
        return lines
    return textwrap.wrap("…" + name[-45:], width=24, break_long_words=True)[-2:]


def _draw_trust_mark(ax: Axes, y: float, trusted: bool, self_signed: bool) -> None:
    if trusted:
        words, colour, fill = "✔ in the trust store", _GREEN, _GOOD_FILL
    else:
        words, colour, fill = "✘ not in the trust store", _VERMILLION, _BAD_FILL
    x = _BOX_LEFT + _BOX_WIDTH + 1.45
    box = {"facecolor": fill, "edgecolor": colour}
    _draw_box(ax, x, y + 0.25, words, color=colour, weight="bold", box=box)
    if self_signed:
        note = "self-signed: its own key\nverifies its signature"
        ax.text(x, y - 0.3, note, ha="center", va="center", fontsize=8.5, color="#444444")


def _draw_bracket(ax: Axes, y_low: float, y_high: float, words: str, colour: str) -> None:
    """A bracket left of the boxes from ``y_low`` to ``y_high`` (box centres), with words."""
    x, bottom, top = _BOX_LEFT - 0.2, y_low - _BOX_HEIGHT / 2, y_high + _BOX_HEIGHT / 2
    ax.plot([x + 0.1, x, x, x + 0.1], [bottom, bottom, top, top], color=colour, lw=2)
    ax.text(
        x - 0.12, (bottom + top) / 2, words, rotation=90, ha="right", va="center",
        fontsize=9.5, color=colour, weight="bold", multialignment="center",
    )  # fmt: skip


def _sent_count(certs: Sequence[x509.Certificate], sent: int | None) -> int:
    top_self_issued = certs[-1].subject == certs[-1].issuer
    default = len(certs) - 1 if top_self_issued and len(certs) > 1 else len(certs)
    if sent is None:
        return default
    if isinstance(sent, bool) or not isinstance(sent, int) or not 1 <= sent <= len(certs):
        raise InvalidChoiceError(
            f"sent must be how many certificates the server sends, leaf first: 1 to "
            f"{len(certs)} for this chain, got {sent!r}."
        )
    return sent


def draw_chain_of_trust(
    chain: Sequence[x509.Certificate], *, trusted: bool = True, sent: int | None = None
) -> Figure:
    """A chain of certificates: who signed whom, and which public key verifies which signature.

    Lessons 03-certificates, 04-csr and 05-certificate-authorities. ``chain``: leaf first, then
    its issuers (``Verdict.chain`` or a PEM bundle's certificates). ``trusted``: whether the top
    certificate is in the client's trust store (marked "✔ in the trust store"). ``sent``: how
    many certificates, from the leaf, the server sends (a bracket "sent by the server");
    by default all but a self-signed root, which the client takes from its own store (a
    second bracket "the client's trust store" when ``trusted``). A top certificate that is
    not self-signed gets a dashed box for its missing issuer. Each certificate's public key
    has its own colour; its signature box has its issuer's colour.
    """
    certs = list(chain)
    if not 1 <= len(certs) <= 5 or not all(isinstance(c, x509.Certificate) for c in certs):
        raise InvalidChoiceError(
            "draw_chain_of_trust needs 1 to 5 x509.Certificate objects, leaf first."
        )
    count = _sent_count(certs, sent)
    top_self_issued = certs[-1].subject == certs[-1].issuer
    boxes = len(certs) + (0 if top_self_issued else 1)
    height = 0.9 + _BOX_STEP * (boxes - 1) + _BOX_HEIGHT
    fig, ax = _canvas(9.6, height)
    ax.text(
        4.8, height - 0.3, "Chain of trust", ha="center", va="center", fontsize=13, weight="bold"
    )
    ys = [0.2 + _BOX_HEIGHT / 2 + i * _BOX_STEP for i in range(boxes)]
    colours = [_KEY_COLOURS[i % len(_KEY_COLOURS)] for i in range(boxes)]
    for i, cert in enumerate(certs):
        self_issued = cert.subject == cert.issuer
        signer = colours[i] if self_issued else colours[i + 1] if i + 1 < len(certs) else _GREY
        lines = (
            _role(i, len(certs), self_issued),
            _subject_cn(cert.subject),
            _subject_cn(cert.issuer),
        )
        _draw_certificate_box(ax, ys[i], lines, colours[i], signer)
        if i + 1 < boxes:
            _draw_signed_by(ax, ys[i], ys[i + 1], "signed by")
        if i + 1 < len(certs):
            _draw_verifies(ax, ys[i], ys[i + 1], _full_cn(cert.issuer))
    _draw_bracket(ax, ys[0], ys[count - 1], "sent by\nthe server", _INK)
    if top_self_issued:
        _draw_trust_mark(ax, ys[-1], trusted, self_signed=True)
        if trusted and count < len(certs):
            _draw_bracket(ax, ys[-1], ys[-1], "the client's\ntrust store", _GREEN)
    else:
        _draw_missing_issuer(ax, ys[-1], _subject_cn(certs[-1].issuer))
    return fig


def draw_root_store(summary: StoreSummary) -> Figure:
    """Who runs the roots of a trust store, their key types and when they expire.

    Lesson 05-certificate-authorities: pass ``truststore.summary()``. Three bar charts: roots
    per operator (the subject's O; the rest summed as "others"), per key type and size, and
    per expiry year.
    """
    if summary.count < 1:
        raise InvalidChoiceError("draw_root_store needs a summary of at least one root.")
    fig = Figure(figsize=(12.0, 4.8))  # fixed margins: constrained layout takes 0.5 s here
    grid = {"left": 0.17, "right": 0.98, "bottom": 0.2, "top": 0.86, "wspace": 0.3}
    operators_ax, keys_ax, years_ax = fig.subplots(
        1, 3, width_ratios=(1.2, 0.9, 1.2), gridspec_kw=grid
    )
    fig.suptitle(f"{summary.count} trusted roots ({summary.source})", fontsize=13, weight="bold")
    names = [textwrap.shorten(name, 28, placeholder="…") for name, _ in summary.operators]
    counts = [n for _, n in summary.operators]
    operators_ax.barh(range(len(names)), counts, color=_SKY)
    operators_ax.set_yticks(range(len(names)), names, fontsize=9)
    operators_ax.invert_yaxis()
    operators_ax.set_xlabel("roots")
    operators_ax.set_title("Who runs them (subject O)", fontsize=11)
    kinds = list(summary.key_types)
    colours = [_ORANGE if kind.startswith("RSA") else _GREEN for kind in kinds]
    keys_ax.bar(range(len(kinds)), list(summary.key_types.values()), color=colours)
    keys_ax.set_xticks(range(len(kinds)), kinds, rotation=35, ha="right", fontsize=9)
    keys_ax.set_ylabel("roots")
    keys_ax.set_title("Key type and size", fontsize=11)
    years = list(summary.expiry_years)
    years_ax.bar(years, list(summary.expiry_years.values()), color=_PURPLE)
    years_ax.set_xlabel("year the root expires (not_valid_after)")
    years_ax.set_ylabel("roots")
    years_ax.set_title("When they expire", fontsize=11)
    for ax in (operators_ax, keys_ax, years_ax):
        ax.spines[["top", "right"]].set_visible(False)
    return fig


# --- lesson 06: a real handshake, flight by flight ----------------------------------------

_CLIENT_X, _HANDSHAKE_SERVER_X, _LINE_X = 1.5, 7.5, 2.05
_LINE_STEP, _FLIGHT_GAP = 0.25, 0.5
_ENCRYPTED = _BLUE


class _Line(NamedTuple):
    """One line of text over a flight's arrow: what a reader of the wire can tell."""

    text: str
    encrypted: bool
    alert: bool


def _size_list(sizes: Sequence[int]) -> str:
    shown = [str(size) for size in sizes[:5]]
    return " + ".join(shown + (["…"] if len(sizes) > 5 else []))


def _record_lines(records: Sequence[Record], tls13: bool) -> list[_Line]:
    """A line per plaintext record; consecutive encrypted records of one type share a line."""
    lines: list[_Line] = []
    i = 0
    while i < len(records):
        record = records[i]
        if record.encrypted:
            group = [record]
            while i + len(group) < len(records):
                following = records[i + len(group)]
                if not following.encrypted or following.content_type != record.content_type:
                    break
                group.append(following)
            i += len(group)
            lines.append(_Line(_encrypted_words(group, tls13), encrypted=True, alert=False))
            continue
        i += 1
        if record.content_type == 20:
            note = "dummy, for old middleboxes" if tls13 else "encrypts from here on"
            lines.append(_Line(f"ChangeCipherSpec ({note}), {record.size} bytes", False, False))
        elif record.alert is not None:
            lines.append(_Line(f"alert: {record.alert}, {record.size} bytes", False, True))
        else:
            lines.append(_Line(f"{record.what}, {record.size} bytes", False, False))
    return lines


def _encrypted_words(group: Sequence[Record], tls13: bool) -> str:
    sizes = [record.size for record in group]
    if not tls13 and group[0].content_type == 22 and len(group) == 1:  # TLS 1.2: Finished
        return f"encrypted: Finished (first after ChangeCipherSpec), {sizes[0]} bytes"
    if len(group) == 1:
        return f"encrypted: 1 record, {sizes[0]} bytes, contents hidden"
    return f"encrypted: {len(group)} records, {_size_list(sizes)} bytes, contents hidden"


def _is_tls13(flights: Sequence[Flight]) -> bool:
    """TLS 1.3 sends its handshake in application_data records, or asks again (HRR)."""
    records = [record for flight in flights for record in flight.records]
    return any(r.content_type == 23 or "HelloRetryRequest" in r.messages for r in records)


def _handshake_title(flights: Sequence[Flight], tls13: bool, failed: bool) -> str:
    messages = {m for flight in flights for record in flight.records for m in record.messages}
    version = "TLS 1.3" if tls13 else "TLS 1.2" if "ServerHello" in messages else "TLS"
    retry = " with a HelloRetryRequest" if "HelloRetryRequest" in messages else ""
    if failed:
        return f"A {version} handshake that failed{retry}"
    return f"A real {version} handshake{retry}, flight by flight"


def _flights_of(flights: object) -> tuple[list[Flight], str | None]:
    """The flights to draw, and the failure in a few words when given a HandshakeError."""
    if isinstance(flights, HandshakeError):
        return list(flights.flights), _failure_words(flights)
    if isinstance(flights, (list, tuple)) and all(isinstance(f, Flight) for f in flights):
        if flights:
            return list(flights), None
    raise InvalidChoiceError(
        "draw_handshake needs the flights of a handshake: pass step_through(...), or the "
        "HandshakeError it raised (or its .flights)."
    )


def _failure_words(error: HandshakeError) -> str:
    """Who refused and OpenSSL's verify code, or the first sentence of the error."""
    text = str(error)
    code = re.search(r"\(OpenSSL verify code [^)]*\)", text)
    if error.verify_code is not None and code is not None:
        return f"Handshake failed. {text.split(':')[0]} {code.group(0)}"
    return "Handshake failed. " + text.split(". ")[0].rstrip(".") + "."


def _draw_lifelines(ax: Axes, top: float, bottom: float) -> None:
    for x, name, colour in ((_CLIENT_X, "client", _SKY), (_HANDSHAKE_SERVER_X, "server", _ORANGE)):
        ax.plot([x, x], [bottom, top - 0.2], color=_GREY, lw=1.2, ls="--", zorder=1)
        _draw_box(ax, x, top, name, fontsize=12, weight="bold", box={"facecolor": colour})


def _draw_encryption_starts(ax: Axes, y: float, sender: str) -> None:
    """A dashed rule above the sender's first encrypted line, tagged in the sender's margin."""
    ax.plot([_CLIENT_X, _HANDSHAKE_SERVER_X], [y, y], color=_ENCRYPTED, lw=1.0, ls=(0, (4, 3)))
    x, align = (
        (_CLIENT_X - 0.15, "right") if sender == "client" else (_HANDSHAKE_SERVER_X + 0.15, "left")
    )
    tag = ax.text(
        x, y, f"the {sender}\nencrypts\nfrom here", ha=align, va="center", fontsize=8.5,
        color=_ENCRYPTED, weight="bold",
    )  # fmt: skip
    tag.set_gid(f"starts/{sender}")


def _draw_flight(
    ax: Axes, index: int, flight: Flight, top: float, tls13: bool, started: set[str]
) -> float:
    """One flight: its lines from ``top`` down, then its arrow; returns the next top."""
    lines = _record_lines(flight.records, tls13)
    alert = any(line.alert for line in lines)
    y = top
    for j, line in enumerate(lines):
        if line.encrypted and flight.sender not in started:
            started.add(flight.sender)
            _draw_encryption_starts(ax, y + _LINE_STEP / 2, flight.sender)
        colour = _VERMILLION if line.alert else _ENCRYPTED if line.encrypted else _INK
        text = ax.text(
            _LINE_X, y, line.text, va="center", fontsize=9.5, color=colour,
            weight="bold" if line.alert else "normal",
        )  # fmt: skip
        text.set_gid(f"flight{index}/line{j}")
        if line.encrypted:
            _draw_padlock(ax, _LINE_X - 0.17, y - 0.02, 0.16, _SKY, closed=True)
        y -= _LINE_STEP
    to_server = flight.sender == "client"
    start, end = (_CLIENT_X, _HANDSHAKE_SERVER_X) if to_server else (_HANDSHAKE_SERVER_X, _CLIENT_X)
    colour = _VERMILLION if alert else _ENCRYPTED if flight.encrypted else _INK
    arrow = FancyArrowPatch(
        (start, y), (end, y), arrowstyle="-|>", mutation_scale=16, color=colour,
        lw=2.4 if alert else 1.6, shrinkA=0, shrinkB=0, zorder=4,
    )  # fmt: skip
    arrow.set_gid(f"flight{index}")
    ax.add_patch(arrow)
    count = f"{len(flight.records)} record{'s' if len(flight.records) != 1 else ''}"
    total = ax.text(
        (start + end) / 2, y - 0.05, f"flight {index + 1}: {flight.size} bytes, {count}",
        ha="center", va="top", fontsize=8.5, color=colour if alert else "#555555", style="italic",
    )  # fmt: skip
    total.set_gid(f"flight{index}/total")
    return y - _FLIGHT_GAP


def _draw_handshake_legend(ax: Axes, y: float, failure: str | None) -> None:
    _draw_padlock(ax, 0.45, y, 0.2, _SKY, closed=True)
    legend = (
        "blue with a padlock: encrypted, only client and server can read it (in TLS 1.3 "
        "its type is hidden too); black: plaintext, anyone on the path reads it"
    )
    ax.text(0.7, y, textwrap.fill(legend, 100), va="center", fontsize=8.5, color="#444444")
    if failure is not None:
        words = textwrap.fill(textwrap.shorten(failure, 330, placeholder="…"), 105)
        failed = ax.text(0.3, y - 0.3, words, va="top", fontsize=8.5, color=_VERMILLION)
        failed.set_gid("failure")


def draw_handshake(
    flights: Sequence[Flight] | HandshakeError, *, title: str | None = None
) -> Figure:
    """A sequence diagram of a real handshake: one arrow per flight, what each carries.

    Lesson 06-tls-handshake. ``flights``: what :func:`pkicourse.handshake.step_through`
    returned, or the :class:`~pkicourse.handshake.HandshakeError` it raised (or its
    ``.flights``). Each arrow goes from the side that sent the flight; above it, one line per
    plaintext record (the handshake messages, with their sizes), encrypted records in blue
    with a padlock (their type and contents are hidden); a dashed blue rule where each side
    starts to encrypt; under the arrow, the flight's bytes. An alert is red.
    """
    drawn, failure = _flights_of(flights)
    tls13 = _is_tls13(drawn)
    lines = sum(len(_record_lines(flight.records, tls13)) for flight in drawn)
    bottom = 1.1 if failure else 0.5
    height = 1.25 + lines * _LINE_STEP + len(drawn) * _FLIGHT_GAP + bottom
    fig, ax = _canvas(9.0, height)
    heading = title if title is not None else _handshake_title(drawn, tls13, failure is not None)
    ax.text(4.5, height - 0.3, heading, ha="center", va="center", fontsize=13, weight="bold")
    _draw_lifelines(ax, height - 0.8, bottom)
    top, started = height - 1.25, set[str]()
    for index, flight in enumerate(drawn):
        top = _draw_flight(ax, index, flight, top, tls13, started)
    _draw_handshake_legend(ax, bottom - 0.2, failure)
    return fig
