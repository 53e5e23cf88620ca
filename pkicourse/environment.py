"""Is this machine ready for the course? (lesson 00-index)

``check_environment()`` looks at what the lessons rely on: Python, ``cryptography`` and the
OpenSSL it was built with, the OpenSSL behind Python's ``ssl`` module (the two can differ),
TLS 1.3, certifi's copy of the Mozilla root store, the ``openssl`` command (optional), ipywidgets,
matplotlib and a writable temporary folder. It never touches the network, and takes a
fraction of a second. Each failing row says what to do.
"""

from __future__ import annotations

import html
import importlib
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EnvironmentReport", "EnvironmentRow", "check_environment"]

_INSTALL = "run `make lab` from the course folder: it installs everything the lessons need"


@dataclass(frozen=True)
class EnvironmentRow:
    """One thing checked: its name, what was found, whether it is fine, and what to do if not."""

    name: str
    value: str
    ok: bool
    hint: str = ""

    @property
    def mark(self) -> str:
        """✔ fine, ✘ needs fixing, ℹ fine but worth a note (an optional tool is missing)."""
        if not self.ok:
            return "✘"
        return "ℹ" if self.hint else "✔"


@dataclass(frozen=True)
class EnvironmentReport:
    """The rows of :func:`check_environment`; shows itself as a table in a notebook."""

    rows: tuple[EnvironmentRow, ...]

    @property
    def ok(self) -> bool:
        """True when every required row is fine (optional rows are always ``ok``)."""
        return all(row.ok for row in self.rows)

    def row(self, name: str) -> EnvironmentRow:
        """The row called ``name`` (KeyError if there is none)."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row called {name!r}; rows: {[row.name for row in self.rows]}")

    def _summary(self) -> str:
        if self.ok:
            return "✔ Ready: everything the course needs is here."
        failed = sum(not row.ok for row in self.rows)
        return f"✘ {failed} problem(s) to fix first: see the hints."

    def __str__(self) -> str:
        width = max((len(row.name) for row in self.rows), default=0)
        lines = [self._summary()]
        for row in self.rows:
            lines.append(f"{row.mark} {row.name:<{width}}  {row.value}")
            if row.hint:
                lines.append(f"  {'':<{width}}  → {row.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        td = '<td style="text-align:left">'  # JupyterLab right-aligns table cells by default
        show_hints = any(row.hint for row in self.rows)  # no empty column on a ready machine
        cells = "".join(
            f'<tr><td style="color:{_COLOURS[row.mark]}">{row.mark}</td>{td}{e(row.name)}</td>'
            f"{td}<code>{e(row.value)}</code></td>"
            + (f"{td}{_hint_html(row.hint)}</td>" if show_hints else "")
            + "</tr>"
            for row in self.rows
        )
        heads = ["", "check", "found"] + (["what to do"] if show_hints else [])
        head = "".join(f'<th style="text-align:left">{h}</th>' for h in heads)
        return (
            f"<p><b>{e(self._summary())}</b></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
        )


def _hint_html(hint: str) -> str:
    """Escape a hint and show its `commands` as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(hint))


_COLOURS = {"✔": "#2e7d32", "✘": "#c62828", "ℹ": "#1565c0"}


def _version_tuple(text: str) -> tuple[int, ...]:
    """ "42.0.5" -> (42, 0, 5); stops at the first part that is not a number ("3.0rc1")."""
    numbers = re.match(r"\d+(?:\.\d+)*", text)
    return tuple(int(part) for part in numbers.group().split(".")) if numbers else ()


def _module_version(name: str) -> str | None:
    """The version of an importable module, or None when it cannot be imported."""
    try:
        module = importlib.import_module(name)
    except Exception:  # a broken install can raise anything at import time
        return None
    return str(getattr(module, "__version__", "unknown version"))


def _check_python() -> EnvironmentRow:
    version = ".".join(str(part) for part in sys.version_info[:3])
    hint = "install Python 3.10 or newer (python.org), then " + _INSTALL
    ok = sys.version_info >= (3, 10)
    return EnvironmentRow("Python", version, ok, "" if ok else hint)


def _check_package(name: str, minimum: tuple[int, ...] = ()) -> EnvironmentRow:
    version = _module_version(name)
    wanted = name + (">=" + ".".join(map(str, minimum)) if minimum else "")
    hint = f"{_INSTALL} ({wanted}), or `python -m pip install --upgrade '{wanted}'`"
    if version is None:
        return EnvironmentRow(name, "not installed", False, hint)
    ok = _version_tuple(version) >= minimum
    return EnvironmentRow(name, version, ok, "" if ok else hint)


def _check_cryptography_openssl() -> EnvironmentRow:
    name = "cryptography's OpenSSL"
    try:
        from cryptography.hazmat.backends.openssl import backend
    except Exception:
        return EnvironmentRow(name, "unknown", False, "install cryptography first (row above)")
    return EnvironmentRow(name, backend.openssl_version_text(), True)


def _check_ssl_openssl() -> EnvironmentRow:
    ok = ssl.OPENSSL_VERSION_INFO >= (1, 1, 1)
    hint = "use a Python built with OpenSSL 1.1.1 or newer (python.org builds are)"
    return EnvironmentRow("ssl's OpenSSL", ssl.OPENSSL_VERSION, ok, "" if ok else hint)


def _check_tls13() -> EnvironmentRow:
    hint = "Python's ssl module lacks TLS 1.3: use a Python built with OpenSSL 1.1.1 or newer"
    if ssl.HAS_TLSv1_3:
        return EnvironmentRow("TLS 1.3", "available", True)
    return EnvironmentRow("TLS 1.3", "not available", False, hint)


def _check_certifi() -> EnvironmentRow:
    name, hint = "certifi root store", f"{_INSTALL} (certifi)"
    try:
        import certifi

        bundle = Path(certifi.where())
        count = bundle.read_text(encoding="ascii").count("-----BEGIN CERTIFICATE-----")
    except (ImportError, OSError, UnicodeDecodeError):
        return EnvironmentRow(name, "not found", False, hint)
    ok = count > 0
    return EnvironmentRow(name, f"{count} root certificates in {bundle}", ok, "" if ok else hint)


def _check_openssl_command() -> EnvironmentRow:
    name = "openssl command (optional)"
    hint = (
        "optional: lessons show `openssl` commands next to the Python; to run them too, "
        "install OpenSSL (apt install openssl, brew install openssl, or Git for Windows)"
    )
    path = shutil.which("openssl")
    if path is None:
        return EnvironmentRow(name, "not found", True, hint)
    try:
        done = subprocess.run(
            [path, "version"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return EnvironmentRow(name, f"{path} does not run", True, hint)
    return EnvironmentRow(name, done.stdout.strip(), True)


def _check_temp_folder() -> EnvironmentRow:
    folder = tempfile.gettempdir()
    hint = "make the temporary folder writable, or point TMPDIR at one that is"
    try:
        with tempfile.TemporaryDirectory() as scratch:
            probe = Path(scratch, "probe.txt")
            probe.write_text("pkicourse")
            ok = probe.read_text() == "pkicourse"
    except OSError:
        ok = False
    return EnvironmentRow(
        "temporary folder", f"{folder} (writable)" if ok else folder, ok, "" if ok else hint
    )


def check_environment() -> EnvironmentReport:
    """Check this machine for the course, without touching the network (lesson 00-index)."""
    return EnvironmentReport(
        (
            _check_python(),
            _check_package("cryptography", (47,)),
            _check_cryptography_openssl(),
            _check_ssl_openssl(),
            _check_tls13(),
            _check_certifi(),
            _check_openssl_command(),
            _check_package("ipywidgets", (8,)),
            _check_package("matplotlib", (3, 6)),
            _check_temp_folder(),
        )
    )
