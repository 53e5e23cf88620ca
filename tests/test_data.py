"""Tests for pkicourse.data: data/ is found from every place a lesson runs, and nowhere else.

Places: the checkout at any working folder (a source notebook, its learner copy, nbgrader's
release and autograded folders), and an installed copy of the package (what `pip install .`
on Binder and a wheel put in site-packages), run from a folder outside the repository.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pkicourse import data
from pkicourse.data import DATA_TIME, REAL_CHAINS, data_files, data_folder, data_path
from pkicourse.errors import ArgumentError, CourseError, DataFileNotFoundError, NotAPathError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PYTHON = sys.executable

# Prints where data_path finds a file, and data_files(); run in a fresh interpreter.
PROBE = (
    "import json, sys\n"
    "from pkicourse.data import data_files, data_path\n"
    "print(json.dumps({'path': str(data_path('real/roots/dst-root-ca-x3.pem')),"
    " 'files': data_files(), 'module': sys.modules['pkicourse.data'].__file__}))\n"
)


def _probe(cwd: Path, first_on_path: Path | None = None) -> dict[str, object]:
    """Run PROBE with ``cwd`` as the working folder (and ``first_on_path`` first on sys.path)."""
    code = (
        PROBE
        if first_on_path is None
        else f"import sys; sys.path.insert(0, {str(first_on_path)!r})\n" + PROBE
    )
    done = subprocess.run(
        [PYTHON, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_data_time_is_the_fixed_moment_of_the_spec() -> None:
    assert DATA_TIME == datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert DATA_TIME.utcoffset() is not None


# --- the checkout, from every working folder ----------------------------------------------------


def test_a_checkout_reads_the_top_level_data_folder() -> None:
    assert data_folder() == DATA
    assert data_path("README.md") == DATA / "README.md"
    path = data_path("real/roots/dst-root-ca-x3.pem")
    assert path == DATA / "real" / "roots" / "dst-root-ca-x3.pem" and path.is_file()


@pytest.mark.parametrize(
    "where",
    [
        "course/source/00-index",  # a source notebook
        "notebooks",  # its learner copy
        "course/release/03-certificates",  # nbgrader's release folder
        "course/autograded/learner/03-certificates",  # nbgrader's grading folders
        "course/submitted/learner/03-certificates",
    ],
)
def test_data_path_works_from_every_folder_a_lesson_runs_in(tmp_path: Path, where: str) -> None:
    # nbgrader's folders are made in a copy of their layout (they are not in the repository).
    cwd = ROOT / where if (ROOT / where).is_dir() else tmp_path / where
    cwd.mkdir(parents=True, exist_ok=True)
    found = _probe(cwd)
    assert found["path"] == str(DATA / "real" / "roots" / "dst-root-ca-x3.pem")
    assert found["files"] == data_files()


def test_the_working_folder_never_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder with its own data/ (a learner's) is not read instead of the course's.
    (tmp_path / "data" / "real" / "roots").mkdir(parents=True)
    fake = tmp_path / "data" / "real" / "roots" / "dst-root-ca-x3.pem"
    fake.write_text("not the course's file\n")
    (tmp_path / "data" / "README.md").write_text("# a learner's\n")
    monkeypatch.chdir(tmp_path)
    assert data_path("real/roots/dst-root-ca-x3.pem") == DATA / "real/roots/dst-root-ca-x3.pem"


# --- names: only files under data/ --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../pyproject.toml",
        "real/../../pyproject.toml",
        "/etc/passwd",
        "..",
        "",
        "C:/Windows/win.ini",
        "real\\..\\..\\pyproject.toml",
    ],
)
def test_names_outside_data_are_refused(name: str) -> None:
    with pytest.raises(DataFileNotFoundError, match="relative to data/") as caught:
        data_path(name)
    assert isinstance(caught.value, CourseError) and isinstance(caught.value, FileNotFoundError)


def test_a_name_inside_data_with_dot_segments_is_fine() -> None:
    assert data_path("./real/roots/dst-root-ca-x3.pem") == data_path(
        "real/roots/dst-root-ca-x3.pem"
    )


def test_a_name_that_is_not_text_is_refused() -> None:
    with pytest.raises(ArgumentError, match="as text"):
        data_path(Path("real/roots/dst-root-ca-x3.pem"))  # type: ignore[arg-type]


def test_a_missing_file_lists_what_is_there() -> None:
    with pytest.raises(DataFileNotFoundError) as caught:
        data_path("real/roots/no-such-root.pem")
    message = str(caught.value)
    assert "data/real/roots/no-such-root.pem" in message
    assert "dst-root-ca-x3.pem" in message and "geotrust-global-ca.pem" in message


def test_a_missing_folder_lists_the_deepest_folder_that_exists() -> None:
    with pytest.raises(DataFileNotFoundError, match=r"In data/real/ there is: broken/"):
        data_path("real/nowhere/x.pem")


def test_a_folder_is_not_a_file() -> None:
    with pytest.raises(DataFileNotFoundError, match="There is no file"):
        data_path("real/roots")


def test_data_files_lists_every_file_once_and_no_readme() -> None:
    names = data_files()
    on_disk = sorted(
        p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and not p.name.lower().startswith("readme") and "__" not in str(p)
    )
    assert names == on_disk
    assert "README.md" not in names and len(names) == len(set(names))
    assert all(data_path(name).is_file() for name in names)


def test_data_files_of_a_folder() -> None:
    assert data_files("real/chains") == [
        "real/chains/cryptography.io-2018.pem",
        "real/chains/www.cryptography.io-2014.pem",
    ]
    assert data_files("real/") == [n for n in data_files() if n.startswith("real/")]


def test_data_files_refuses_a_missing_folder_and_names_outside() -> None:
    with pytest.raises(DataFileNotFoundError, match="no folder 'data/real/nowhere'"):
        data_files("real/nowhere")
    with pytest.raises(DataFileNotFoundError, match="relative to data/"):
        data_files("../pkicourse")


def test_the_real_chains_name_files_that_exist_and_a_moment_inside_their_validity() -> None:
    from pkicourse.certificates import load_certificate, load_certificates

    assert set(REAL_CHAINS) == {"cryptography.io", "www.cryptography.io"}
    for chain in REAL_CHAINS.values():
        certs = [
            *load_certificates(data_path(chain.chain)),
            load_certificate(data_path(chain.root)),
        ]
        assert len(certs) == 3
        for cert in certs:
            assert cert.not_valid_before_utc < chain.at < cert.not_valid_after_utc
        assert certs[-1].subject == certs[-1].issuer == certs[-2].issuer  # the root issued it


def test_the_real_roots_have_left_todays_store() -> None:
    import certifi

    from pkicourse.certificates import load_certificate, load_certificates

    today = {cert.subject for cert in load_certificates(certifi.where())}
    for chain in REAL_CHAINS.values():
        assert load_certificate(data_path(chain.root)).subject not in today
    # The twin: a root still in the store is found there.
    still = load_certificate(data_path("real/roots/digicert-global-root-g3.pem"))
    assert still.subject in today


# --- shipped inside the package: pip install . (Binder) and a wheel ---------------------------


def _packages_config() -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return config["packages"], config["package-data"], config["package-dir"]


def test_every_data_folder_is_a_listed_package_with_all_its_files() -> None:
    packages, package_data, package_dir = _packages_config()
    assert package_dir == {"pkicourse._data": "data"}
    folders = [DATA, *sorted(p for p in DATA.rglob("*") if p.is_dir() and "__" not in p.name)]
    for folder in folders:
        package = ".".join(["pkicourse._data", *folder.relative_to(DATA).parts])
        assert package in packages, (
            f"{folder.relative_to(ROOT)} is not shipped: add {package!r} to [tool.setuptools] "
            f"packages and package-data in pyproject.toml"
        )
        assert package_data.get(package) == ["*"], f"package-data for {package} must be ['*']"


def _source_copy(tmp_path: Path) -> Path:
    """What `pip install .` builds from: the repository's package, data and metadata."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pkicourse", "data"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    return source


def _build_lib(source: Path, target: Path) -> None:
    """setuptools' build_py: exactly the files a wheel of ``source`` carries (no network)."""
    done = subprocess.run(
        [
            PYTHON,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "-d",
            str(target),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as installed: pkicourse/ with _data/ inside, in a folder outside the repo."""
    tmp = tmp_path_factory.mktemp("installed")
    target = tmp / "site-packages"
    _build_lib(_source_copy(tmp), target)
    return target


def test_the_installed_package_carries_every_data_file(installed: Path) -> None:
    shipped = installed / "pkicourse" / "_data"
    assert (shipped / "README.md").read_bytes() == (DATA / "README.md").read_bytes()
    for name in data_files():
        assert (shipped / name).read_bytes() == (DATA / name).read_bytes(), name


def test_an_installed_package_finds_its_own_data_from_outside_the_repo(
    installed: Path, tmp_path: Path
) -> None:
    found = _probe(tmp_path, first_on_path=installed)
    assert found["module"] == str(installed / "pkicourse" / "data.py")  # really the installed one
    assert found["path"] == str(installed / "pkicourse/_data/real/roots/dst-root-ca-x3.pem")
    assert found["files"] == data_files()


def test_an_installed_package_ignores_other_projects_data_beside_it(
    installed: Path, tmp_path: Path
) -> None:
    # site-packages polluted by other packages: a pyproject.toml and a data/ folder of theirs.
    polluted = tmp_path / "site-packages"
    shutil.copytree(installed, polluted)
    (polluted / "pyproject.toml").write_text('[project]\nname = "someone-else"\n')
    (polluted / "data" / "real" / "roots").mkdir(parents=True)
    (polluted / "data" / "README.md").write_text("# not the course's\n")
    found = _probe(tmp_path, first_on_path=polluted)
    assert found["path"] == str(polluted / "pkicourse/_data/real/roots/dst-root-ca-x3.pem")


def test_an_installed_package_without_its_data_says_how_to_fix_it(
    installed: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "site-packages"
    shutil.copytree(installed, broken)
    shutil.rmtree(broken / "pkicourse" / "_data")
    code = (
        f"import sys; sys.path.insert(0, {str(broken)!r})\n"
        "from pkicourse.data import data_path\n"
        "try:\n    data_path('README.md')\n"
        "except FileNotFoundError as e:\n    print(type(e).__name__, e)\n"
    )
    done = subprocess.run([PYTHON, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.startswith("DataFileNotFoundError") and "pip install ." in done.stdout


def _can_build_wheels() -> bool:
    """setuptools builds wheels itself from 70.1; before that it needs the `wheel` package."""
    return (
        importlib.util.find_spec("wheel") is not None
        or importlib.util.find_spec("setuptools.command.bdist_wheel") is not None
    )


@pytest.mark.skipif(
    not _can_build_wheels(), reason="needs the `wheel` package or setuptools >= 70.1 (offline)"
)
def test_a_built_wheel_and_pip_install_dot_carry_the_data(tmp_path: Path) -> None:
    source = _source_copy(tmp_path)
    pip = [PYTHON, "-m", "pip", "--disable-pip-version-check", "-q"]
    offline = ["--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*pip, "wheel", *offline, str(source), "-w", str(tmp_path / "dist")], check=True)
    (wheel,) = (tmp_path / "dist").glob("pkicourse-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"pkicourse/_data/{name}" for name in data_files()} <= names
    for how, what in (("wheel", str(wheel)), ("dot", str(source))):
        target = tmp_path / f"site-{how}"
        subprocess.run([*pip, "install", *offline, "--target", str(target), what], check=True)
        found = _probe(tmp_path, first_on_path=target)
        assert found["path"] == str(target / "pkicourse/_data/real/roots/dst-root-ca-x3.pem")


def test_module_has_no_side_effects_and_exports_what_it_says() -> None:
    assert sorted(data.__all__) == data.__all__
    for name in data.__all__:
        assert hasattr(data, name)


# --- provenance of data/real ---------------------------------------------------------------------


def _fetch_tool() -> object:
    spec = importlib.util.spec_from_file_location(
        "fetch_real_data", ROOT / "tools/fetch_real_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_real_file_comes_from_the_fetch_tool_and_is_in_the_readme() -> None:
    tool = _fetch_tool()
    made = {f"real/{name}" for name in [*tool.FROM_VECTORS, *tool.FROM_CERTIFI]}  # type: ignore[attr-defined]
    assert made == set(data_files("real"))
    readme = (DATA / "README.md").read_text()
    for name in made:
        assert f"`{name.removeprefix('real/')}`" in readme, (
            f"data/README.md does not describe {name}"
        )
    assert (
        readme.count("<!-- course-made: begin -->")
        == readme.count("<!-- course-made: end -->")
        == 1
    )


def test_the_fetch_tool_rebuilds_data_real_byte_for_byte_from_local_wheels(tmp_path: Path) -> None:
    # Offline: only where both wheels were downloaded before (PKICOURSE_WHEELS=folder).
    folder = Path(os.environ.get("PKICOURSE_WHEELS", tmp_path))
    if not list(folder.glob("cryptography_vectors-50.0.2-*.whl")) or not list(
        folder.glob("certifi-2020.6.20-*.whl")
    ):
        pytest.skip("set PKICOURSE_WHEELS to a folder with both wheels (pip download --no-deps)")
    done = subprocess.run(
        [PYTHON, str(ROOT / "tools/fetch_real_data.py"), "--wheels", str(folder), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
@pytest.mark.parametrize("name", sorted(REAL_CHAINS))
def test_openssl_verifies_each_real_chain_at_its_moment_and_not_today(
    name: str, tmp_path: Path
) -> None:
    from pkicourse.certificates import load_certificates, save_certificate

    chain = REAL_CHAINS[name]
    certs = load_certificates(data_path(chain.chain))
    leaf = save_certificate(certs[0], tmp_path / "leaf.pem")
    command = [
        "openssl", "verify", "-CAfile", str(data_path(chain.root)),
        "-untrusted", str(data_path(chain.chain)), "-verify_hostname", chain.hostname,
    ]  # fmt: skip
    at = ["-attime", str(int(chain.at.timestamp()))]
    ok = subprocess.run([*command, *at, str(leaf)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    today = subprocess.run([*command, str(leaf)], capture_output=True, text=True)
    assert today.returncode != 0 and "error 10 at 0 depth" in today.stdout + today.stderr
    wrong = subprocess.run(
        [*command[:-1], "not-" + chain.hostname, *at, str(leaf)], capture_output=True, text=True
    )
    assert wrong.returncode != 0 and "error 62" in wrong.stdout + wrong.stderr


def test_cryptographys_verifier_accepts_one_real_chain_and_refuses_the_root_without_keyusage() -> (
    None
):
    from cryptography import x509
    from cryptography.x509 import DNSName
    from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

    from pkicourse.certificates import load_certificate, load_certificates

    def verify(name: str) -> None:
        chain = REAL_CHAINS[name]
        leaf, *intermediates = load_certificates(data_path(chain.chain))
        store = Store([load_certificate(data_path(chain.root))])
        builder = PolicyBuilder().store(store).time(chain.at)
        builder.build_server_verifier(DNSName(chain.hostname)).verify(leaf, intermediates)

    verify("cryptography.io")
    with pytest.raises(VerificationError):
        verify("www.cryptography.io")
    # Why: that root has no keyUsage (RFC 5280 §4.2.1.3); the accepted chain's root has one.
    refused = load_certificate(data_path(REAL_CHAINS["www.cryptography.io"].root))
    with pytest.raises(x509.ExtensionNotFound):
        refused.extensions.get_extension_for_class(x509.KeyUsage)
    accepted = load_certificate(data_path(REAL_CHAINS["cryptography.io"].root))
    assert accepted.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


# --- a key passed by mistake is never shown (review 6) ------------------------------------------


def _key_pem() -> str:
    from pkicourse.keys import generate_private_key, private_key_pem

    return private_key_pem(generate_private_key("ed25519")).decode()


def _pieces(text: str) -> list[str]:
    return [text[i : i + 16] for i in range(len(text) - 15)]


@pytest.mark.parametrize("shape", ["as is", "stripped", "crlf", "body", "far too long"])
def test_pem_text_given_as_a_name_is_refused_without_showing_it(shape: str) -> None:
    pem = _key_pem()
    body = "".join(pem.splitlines()[1:-1])
    name = {
        "as is": pem,
        "stripped": pem.strip(),
        "crlf": pem.replace("\n", "\r\n"),
        "body": "\n".join(pem.splitlines()[1:-1]),
        "far too long": "real/" + "x" * 300,
    }[shape]
    for function in (data_path, data_files):
        with pytest.raises(NotAPathError, match="looks like PEM text") as caught:
            function(name)
        message = str(caught.value)
        assert "not shown" in message and "data_files()" in message
        assert not [piece for piece in _pieces(body) + _pieces(name) if piece in message]


def test_a_base64_line_given_as_a_name_is_not_shown() -> None:
    line = "".join(_key_pem().splitlines()[1:-1])  # a key's base64 on one line: no PEM markers
    for name in (line, "real/" + line, "../" + line):
        with pytest.raises(NotAPathError, match="base64") as caught:
            data_path(name)
        message = str(caught.value)
        assert "not shown" in message
        assert not [piece for piece in _pieces(line) if piece in message]
    # the twins: a harmless wrong name is shown, so the learner sees the typo
    with pytest.raises(DataFileNotFoundError, match="'data/real/roots/dst-root-ca-x4.pem'"):
        data_path("real/roots/dst-root-ca-x4.pem")
    with pytest.raises(DataFileNotFoundError, match=r"got '\.\./secret\.pem'"):
        data_path("../secret.pem")


def test_a_long_harmless_name_is_cut_short_in_the_message() -> None:
    name = "real/" + "no-such-file-" * 12 + ".pem"  # 165 characters, under the limit
    with pytest.raises(DataFileNotFoundError) as caught:
        data_path(name)
    message = str(caught.value)
    assert "'" + ("data/" + name)[:80] + "'…" in message and name not in message
