"""The project's promises about itself: one README test command, Binder in step, no side effects."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README and "make lab" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_package_is_typed_and_exports_names() -> None:
    assert (ROOT / "pkicourse" / "py.typed").exists()
    for module in sorted((ROOT / "pkicourse").glob("[a-z]*.py")):
        text = module.read_text(encoding="utf-8")
        assert "__all__" in text, f"{module.name} has no __all__"
        assert re.search(r"^\"\"\".+", text), f"{module.name} has no docstring"
    assert not (ROOT / "pkicourse" / "utils.py").exists()


def test_importing_the_package_has_no_side_effects() -> None:
    """No network, no pyplot, no key generation at import: each module imports in a blink."""
    modules = sorted(p.stem for p in (ROOT / "pkicourse").glob("[a-z]*.py"))
    code = (
        "import socket, sys, time\n"
        "def refuse(*a, **k): raise AssertionError('network touched at import')\n"
        "socket.socket.connect = refuse; socket.getaddrinfo = refuse\n"
        f"for name in {modules!r}:\n"
        "    __import__('pkicourse.' + name)\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_lower_bound_of_cryptography_is_declared() -> None:
    deps = PYPROJECT["project"]["dependencies"]
    assert any(re.fullmatch(r"cryptography>=4\d\.\d+", d) for d in deps), deps
    assert PYPROJECT["project"]["requires-python"] == ">=3.10"
