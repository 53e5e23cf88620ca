"""Refresh binder/requirements.txt: every package Binder installs, pinned, from one lock.

    make binder-lock                # or: python tools/binder_lock.py

What a learner needs and nothing more: the package's own dependencies and its `lab` extra (read
from pyproject.toml, the one place they are declared), plus its build requirements (postBuild
builds the course package without build isolation). No grading or test tool. Also pinned: the
Jupyter packages repo2docker's base environment puts beside JupyterLab (BASE), so that they
agree with the pinned JupyterLab (notebook 7.4 requires jupyterlab<4.5).

The lock is made by `uv pip compile` for the Python named in binder/runtime.txt on Linux x86-64
(what Binder runs), whatever this machine's Python is, with every transitive package pinned
(`==`) and the hashes of every file of each pinned release, so pip on Binder checks what it
downloads.

repo2docker installs its own base environment first (conda-forge Python and OpenSSL, JupyterLab
and a few more), then `pip install -r binder/requirements.txt`: the pins here win over the base
environment's versions. tests/test_binder.py builds a fresh environment from this file and runs
every lesson in it.
"""

from __future__ import annotations

import hashlib
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
#: The Linux platform uv resolves wheels for, a floor: Binder's images are Ubuntu (glibc 2.39).
PLATFORM = "x86_64-manylinux_2_28"
#: What repo2docker's base environment for Python 3.11 installs beside JupyterLab (its frozen
#: environment.py-3.11 lock): notebook 7.4.7, jupyter-resource-usage, jupyter-offlinenotebook.
#: jupyterhub-singleuser stays as the base has it (its requirements are met by the pins).
BASE = ["notebook>=7", "jupyter-resource-usage", "jupyter-offlinenotebook"]
UV_VERSION = "0.13.9"  # installed beside this Python when missing


def binder_python() -> str:
    """The Python version in binder/runtime.txt ("python-3.11" -> "3.11")."""
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    if not match:
        raise SystemExit(f"binder/runtime.txt must say python-3.X, not {text!r}")
    return match.group(1)


def learner_requirements() -> list[str]:
    """The package's dependencies, its `lab` extra, and what postBuild builds it with."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    lab = project["optional-dependencies"]["lab"]
    return [*project["dependencies"], *lab, *pyproject["build-system"]["requires"]]


def lock_input() -> str:
    """Everything the lock is made from; its sha256 goes in the lock's header, so a test can
    tell, offline, that pyproject.toml (or this tool) changed since the last refresh."""
    lines = [*learner_requirements(), *BASE]
    return "\n".join(
        [*lines, f"python {binder_python()}", f"platform {PLATFORM}", f"uv {UV_VERSION}"]
    )


def input_digest() -> str:
    return hashlib.sha256(lock_input().encode()).hexdigest()


def main() -> int:
    uv = Path(sys.executable).parent / "uv"
    version = ""
    if uv.exists():
        version = subprocess.run([str(uv), "--version"], capture_output=True, text=True).stdout
    if version.split()[1:2] != [UV_VERSION]:
        pip = [sys.executable, "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"]
        subprocess.run(pip, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        wanted = Path(tmp) / "requirements.in"
        wanted.write_text("\n".join([*learner_requirements(), *BASE]) + "\n", encoding="utf-8")
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
        f"# {pinned} packages. Input sha256 {input_digest()}\n"
    )
    LOCK.write_text(header + body, encoding="utf-8")
    print(f"wrote {LOCK.relative_to(ROOT)}: {pinned} packages pinned for Python {binder_python()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
