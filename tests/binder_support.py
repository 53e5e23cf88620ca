"""The learner environment Binder builds, rebuilt here the way this machine can (issue 9).

repo2docker runs `pip install -r binder/requirements.txt`, then `binder/postBuild` from the
repository's root, then serves the repository with JupyterLab. Here: a fresh virtual environment
on this machine's Python, the same pip command on the same pinned file, from a warm package cache
(the pinned files downloaded once into WHEELS, hashes checked; pip itself caches nothing here),
the postBuild script run from the root of a copy of the repository's tracked files (a build never
touches the checkout), and JupyterLab started from that environment, serving that copy. What
this cannot reproduce is repo2docker's own base environment (conda-forge Python and OpenSSL): the
README says what differs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from support import ROOT, free_port

LOCK = ROOT / "binder" / "requirements.txt"
#: The warm package cache: the lock's files, downloaded once (beside the test environment, like
#: the hub test's proxy). pip's own cache keeps nothing here: the registry sends no cache headers.
WHEELS = Path(sys.prefix) / "binder-wheels"
#: Issue 9's targets on the 2-core machine, with a warm package cache.
MAX_INSTALL_S, MAX_SIZE_MB = 60.0, 500.0


@dataclass
class BinderEnv:
    """A built environment: where it is, the repository copy it serves, and the figures."""

    venv: Path
    repo: Path
    home: Path
    download_s: float
    pip_s: float
    post_build_s: float
    size_mb: float
    pinned: dict[str, str]

    @property
    def install_s(self) -> float:
        return self.pip_s + self.post_build_s

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def pins() -> dict[str, str]:
    """{normalized name: version} of every `name==version` line of binder/requirements.txt."""
    found = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", LOCK.read_text(encoding="utf-8"), re.M)
    return {canonicalize_name(name): version for name, version in found}


def size_mb(folder: Path) -> float:
    """Disk use of a folder in MiB, as `du -sm` counts it (blocks, each hard link once)."""
    seen, blocks = set(), 0
    for path in folder.rglob("*"):
        info = path.lstat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            blocks += info.st_blocks
    return blocks * 512 / 2**20


def copy_repository(target: Path) -> Path:
    """The repository's tracked files (what Binder checks out), copied to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def build(folder: Path) -> BinderEnv:
    """Build the learner environment in ``folder``/venv, timed; serve ``folder``/repo."""
    repo = copy_repository(folder / "repo")
    venv, home = folder / "venv", folder / "home"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": os.pathsep.join([str(venv / "bin"), os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    download_s = warm_cache(env)
    started = time.monotonic()
    local = ["--no-index", "--find-links", str(WHEELS)]
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *local]
    subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env, check=True)
    pip_s = time.monotonic() - started
    started = time.monotonic()
    # Binder runs postBuild as the learner, whose home (matplotlib's font cache) the image keeps.
    subprocess.run(
        ["bash", "binder/postBuild"], cwd=repo, env={**env, "HOME": str(home)}, check=True
    )
    post_build_s = time.monotonic() - started
    return BinderEnv(venv, repo, home, download_s, pip_s, post_build_s, size_mb(venv), pins())


def warm_cache(env: dict[str, str]) -> float:
    """Download every pinned file once (hashes checked) into WHEELS; the seconds it took (0 when
    this lock's files are already there)."""
    stamp = WHEELS / f"{hashlib.sha256(LOCK.read_bytes()).hexdigest()}.done"
    if stamp.exists():
        return 0.0
    started = time.monotonic()
    download = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(WHEELS)]
    subprocess.run([*download, "-r", str(LOCK)], env=env, check=True)
    stamp.touch()
    return time.monotonic() - started


def installed(env: BinderEnv) -> dict[str, str]:
    """{normalized name: version} of every distribution installed in the environment."""
    code = (
        "import importlib.metadata as m\n"
        "for d in m.distributions(): print(d.metadata['Name'], d.version)"
    )
    out = subprocess.run(
        [str(env.bin / "python"), "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {canonicalize_name(n): v for n, v in (line.split(" ", 1) for line in out.splitlines())}


@contextmanager
def lab(env: BinderEnv, token: str) -> Iterator[str]:
    """JupyterLab from the environment, serving the repository copy as Binder does, with the
    learner's home and JupyterLab's default settings; its URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(env.bin / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={env.repo}",
            "--LabApp.expose_app_in_browser=True",
        ],
        env={
            **os.environ,
            "HOME": str(env.home),
            "PATH": f"{env.bin}{os.pathsep}{os.environ['PATH']}",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "JupyterLab from the Binder environment did not start"
                    ) from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
