"""Refresh binder/requirements.txt: every package Binder installs, pinned, from one lock.

    make binder-lock                # or: python tools/binder_lock.py

What a learner needs and nothing more: the package's own dependencies and its `lab` extra (read
from pyproject.toml, the one place they are declared), plus setuptools, with which postBuild
builds the course package. No grading or test tool. The lock is made by `uv pip compile` for
the Python named in binder/runtime.txt on Linux x86-64 (what Binder runs), whatever this
machine's Python is, with every transitive package pinned (`==`) and the hashes of every file
of each pinned release, so pip on Binder checks what it downloads.

repo2docker installs its own base environment first (conda-forge Python and OpenSSL, JupyterLab
and a few more), then `pip install -r binder/requirements.txt`: the pins here win over the base
environment's versions. tests/test_binder.py builds a fresh environment from this file and runs
every lesson in it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
LOCK = BINDER / "requirements.txt"
#: The Linux platform uv resolves wheels for: Binder's images are Ubuntu (glibc 2.35).
PLATFORM = "x86_64-manylinux_2_28"
#: postBuild builds the course package without build isolation, with this pinned setuptools.
BUILD = ["setuptools>=68"]


def binder_python() -> str:
    """The Python version in binder/runtime.txt ("python-3.11" -> "3.11")."""
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    if not match:
        raise SystemExit(f"binder/runtime.txt must say python-3.X, not {text!r}")
    return match.group(1)


def learner_requirements() -> list[str]:
    """The package's dependencies, its `lab` extra, and what postBuild builds it with."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["lab"], *BUILD]


def main() -> int:
    uv = Path(sys.executable).parent / "uv"
    if not uv.exists():
        raise SystemExit(f"{uv} is missing: `make binder-lock` installs it")
    with tempfile.TemporaryDirectory() as tmp:
        wanted = Path(tmp) / "requirements.in"
        wanted.write_text("\n".join(learner_requirements()) + "\n", encoding="utf-8")
        command = [
            str(uv),
            "pip",
            "compile",
            str(wanted),
            "--python-version",
            binder_python(),
            "--python-platform",
            PLATFORM,
            "--generate-hashes",
            "--no-header",
            "--no-annotate",
            "--quiet",
            "--index-url",
            "https://pypi.org/simple",
            "--output-file",
            str(Path(tmp) / "lock.txt"),
        ]
        subprocess.run(command, check=True)
        body = (Path(tmp) / "lock.txt").read_text(encoding="utf-8")
    pinned = len(re.findall(r"^\S+==\S+", body, flags=re.MULTILINE))
    header = (
        "# Every package Binder installs for the course, pinned: written by `make binder-lock`\n"
        "# (tools/binder_lock.py) from pyproject.toml's dependencies and `lab` extra, for\n"
        f"# Python {binder_python()} (binder/runtime.txt) on Linux x86-64. Do not edit by hand.\n"
        f"# {pinned} packages.\n"
    )
    LOCK.write_text(header + body, encoding="utf-8")
    print(f"wrote {LOCK.relative_to(ROOT)}: {pinned} packages pinned for Python {binder_python()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
