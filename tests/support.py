"""What several test modules share: where things are, the lessons, a free port on 127.0.0.1."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "course" / "source"
NOTEBOOKS = ROOT / "notebooks"

sys.path.insert(0, str(ROOT / "tools"))
import learner_copies  # noqa: E402  (tools/ is not a package)
import lesson_minutes  # noqa: E402, F401  (re-exported for the tests)

LESSONS = learner_copies.lesson_names()


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict[str, object]:
    """A cell's nbgrader metadata (grade_id, solution, grade, points...), {} for none."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


# The system's Chromium (Debian's package; never `playwright install`) and how the browser
# tests launch it headless (../shared/TOOLING-NOTES.md).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A port the OS says is free on 127.0.0.1 (for servers that must be told one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
