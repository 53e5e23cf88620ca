"""Binder's learner environment, built here from binder/ as repo2docker would (issue 9).

The environment is built once per test session (conftest.binder_env: a fresh virtual
environment, `pip install -r binder/requirements.txt`, then binder/postBuild from the root of a
copy of the repository); tests/test_browser.py runs every lesson in a JupyterLab started from it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import quote

import pytest
from binder_support import LOCK, MAX_INSTALL_S, MAX_SIZE_MB, BinderEnv, installed, pins
from support import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import binder_lock  # noqa: E402
from packaging.requirements import Requirement  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402

#: Tools for instructors and tests: a learner's environment must not carry them.
NOT_FOR_LEARNERS = {
    "nbgrader",
    "pytest",
    "nbval",
    "playwright",
    "hypothesis",
    "ruff",
    "mypy",
    "jupyterhub",
    "uv",
    "pip-tools",
}


def test_install_is_fast_and_small(
    binder_env: BinderEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():  # the figures belong in the test log, passed or not
        print(
            f"\nBinder environment: download of the pinned files {binder_env.download_s:.1f} s "
            "(0 when already cached), then with that warm cache: "
            f"pip -r binder/requirements.txt {binder_env.pip_s:.1f} s + "
            f"postBuild {binder_env.post_build_s:.1f} s = install {binder_env.install_s:.1f} s "
            f"(target {MAX_INSTALL_S:.0f}); {binder_env.size_mb:.0f} MiB (target "
            f"{MAX_SIZE_MB:.0f}); {len(binder_env.pinned)} packages pinned"
        )
    print(
        f"install {binder_env.install_s:.1f} s (target {MAX_INSTALL_S:.0f}), "
        f"{binder_env.size_mb:.0f} MiB (target {MAX_SIZE_MB:.0f}), {len(binder_env.pinned)} pinned"
    )
    assert binder_env.install_s <= MAX_INSTALL_S, (
        f"installing the Binder environment took {binder_env.install_s:.0f} s "
        f"(target {MAX_INSTALL_S:.0f} s with a warm cache)"
    )
    assert binder_env.size_mb <= MAX_SIZE_MB, (
        f"the Binder environment takes {binder_env.size_mb:.0f} MiB (target {MAX_SIZE_MB:.0f})"
    )


def test_environment_is_exactly_the_lock_and_the_course(binder_env: BinderEnv) -> None:
    """Every package is the pinned version, pip sees no conflict, and the course itself is
    installed as a package (not editable) with its data."""
    have = installed(binder_env)
    extra = set(have) - set(binder_env.pinned) - {"pkicourse", "pip"}
    assert not extra, f"installed but not pinned in binder/requirements.txt: {sorted(extra)}"
    wrong = {n: (v, have.get(n)) for n, v in binder_env.pinned.items() if have.get(n) != v}
    assert not wrong, f"not the pinned version (pinned, installed): {wrong}"
    check = subprocess.run(
        [str(binder_env.bin / "python"), "-m", "pip", "check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    where = subprocess.run(
        [
            str(binder_env.bin / "python"),
            "-c",
            "import pkicourse.data as d; print(d.data_folder()); print(d.__file__)",
        ],
        cwd=binder_env.repo / "notebooks",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(str(binder_env.venv) in line for line in where), where
    leftovers = [p.name for p in binder_env.repo.iterdir() if p.name.endswith(".egg-info")]
    assert not (binder_env.repo / "build").exists() and not leftovers, "postBuild left its build"
    settings = binder_env.venv / "share/jupyter/lab/settings/overrides.json"
    assert settings.read_text() == (ROOT / "binder/overrides.json").read_text()


def test_the_lock_pins_everything_a_learner_needs_and_nothing_else() -> None:
    locked = pins()
    text = LOCK.read_text(encoding="utf-8")
    assert f"# {len(locked)} packages." in text, "the header's count is not the lock's"
    assert f"Input sha256 {binder_lock.input_digest()}" in text, (
        "pyproject.toml's dependencies, lab extra or build requirements, or the lock tool, "
        "changed since binder/requirements.txt was made: run make binder-lock"
    )
    requirement_lines = [
        line for line in text.splitlines() if line and not line[0].isspace() and line[0] != "#"
    ]
    unpinned = [line for line in requirement_lines if not re.match(r"^\S+==\S+ \\$", line)]
    assert not unpinned, f"lines without an exact pin and hashes: {unpinned}"
    for wanted in [*binder_lock.learner_requirements(), *binder_lock.BASE]:
        requirement = Requirement(wanted)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{wanted} (pyproject.toml) is not in the lock: run make binder-lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"the lock pins {name}=={locked[name]}, outside {wanted} (pyproject.toml): "
            "run make binder-lock"
        )
    for name in ("cryptography", "jupyterlab", "ipywidgets", "ipykernel", "matplotlib"):
        assert name in locked, f"{name} matters to the lessons and must be pinned"
    assert not NOT_FOR_LEARNERS & set(locked), NOT_FOR_LEARNERS & set(locked)
    runtime = (ROOT / "binder/runtime.txt").read_text().strip()
    assert f"for\n# Python {runtime.removeprefix('python-')}" in text, (
        "the lock was made for another Python than binder/runtime.txt: run make binder-lock"
    )


def binder_link() -> str:
    """The Binder link, made from the repository's address in pyproject.toml's [project.urls]:
    JupyterLab opening the first lesson."""
    project = binder_lock.tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    match = re.fullmatch(
        r"https://github\.com/([\w.-]+)/([\w.-]+?)/?", project["urls"]["Repository"]
    )
    assert match, "[project.urls] Repository must be the repository's GitHub address"
    path = quote("lab/tree/notebooks/00-index.ipynb", safe="")
    return f"https://mybinder.org/v2/gh/{match[1]}/{match[2]}/HEAD?urlpath={path}"


def test_the_readme_badge_and_link_come_from_the_repository_address() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_link()})"
    assert badge in readme, (
        f"README.md must carry the Binder badge made from pyproject.toml:\n{badge}"
    )
    links = re.findall(r"https://mybinder\.org/v2/[^)\s]+", readme)
    assert links and set(links) == {binder_link()}, f"a Binder link differs from {binder_link()}"
    assert (ROOT / "notebooks" / "00-index.ipynb").is_file()
