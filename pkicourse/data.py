"""The course's data files: certificates, CSRs, CRLs and keys the lessons read from ``data/``.

Lessons 03-certificates, 04-csr and 05-certificate-authorities open files with::

    from pkicourse.data import data_path
    chain = load_certificates(data_path("real/chains/cryptography.io-2018.pem"))

A lesson runs from different folders: its source (``course/source/NN/``), its learner copy
(``notebooks/``), nbgrader's folders (``course/release/NN/``, ``course/autograded/<s>/NN/``),
Binder (the course installed with ``pip install .``) and an installed wheel. So ``data_path``
never looks at the working folder: it finds ``data/`` from where this package itself is.

- From a checkout (``pip install -e .``, or run from the repository itself): the repository's
  top-level ``data/`` folder, beside the ``pkicourse/`` folder.
- Installed (``pip install .``, a wheel): the wheel carries the same files as the package folder
  ``pkicourse/_data/`` (``[tool.setuptools.package-dir]`` in pyproject.toml maps it to ``data/``).

``data/README.md`` says where every file came from and what is special about it.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from pkicourse.errors import ArgumentError, DataFileNotFoundError, NotAPathError

__all__ = ["DATA_TIME", "REAL_CHAINS", "RealChain", "data_files", "data_folder", "data_path"]

# The moment at which the course-made chains in data/course/ are checked (lessons 03–05): every
# course-made leaf is valid on this date except the expired and not-yet-valid cases.
DATA_TIME = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


class RealChain(NamedTuple):
    """A real chain from the public web, with a moment inside every certificate's validity.

    ``chain``: the leaf, then the intermediate a server sent (a file under data/); ``root``: the
    root it chains to (a file under data/); ``hostname``: a name in the leaf's SAN; ``at``: when to
    check it (the leaf has long expired). Lesson 05 validates these.
    """

    chain: str
    root: str
    hostname: str
    at: datetime


# Real chains (data/README.md says where each came from). Both roots have left Mozilla's store
# since: they are in certifi 2020.6.20 and not in today's certifi.
REAL_CHAINS: dict[str, RealChain] = {
    # Leaf 2018-09-26 → 2018-12-25, Let's Encrypt Authority X3 2016-03-17 → 2021-03-17,
    # DST Root CA X3 2000-09-30 → 2021-09-30. cryptography's verifier and openssl accept it.
    "cryptography.io": RealChain(
        chain="real/chains/cryptography.io-2018.pem",
        root="real/roots/dst-root-ca-x3.pem",
        hostname="cryptography.io",
        at=datetime(2018, 11, 1, 12, 0, tzinfo=timezone.utc),
    ),
    # Leaf 2014-10-15 → 2018-11-16, RapidSSL SHA256 CA - G3 2014-08-29 → 2022-05-20,
    # GeoTrust Global CA 2002-05-21 → 2022-05-21. `openssl verify -attime` accepts it, but the
    # root has no keyUsage extension: cryptography's verifier and `openssl verify -x509_strict`
    # (error 92) refuse it, as today's rules (RFC 5280 §4.2.1.3) require.
    "www.cryptography.io": RealChain(
        chain="real/chains/www.cryptography.io-2014.pem",
        root="real/roots/geotrust-global-ca.pem",
        hostname="www.cryptography.io",
        at=datetime(2016, 1, 1, 12, 0, tzinfo=timezone.utc),
    ),
}

_PACKAGE = Path(__file__).resolve().parent
_MAX_NAME_CHARS = 200  # far longer than any name under data/; longer text is not a file name
# 16 or more base64 characters: with both cases and a digit, a piece of a key or a certificate
# (see _looks_encoded), never a name the course uses. Not echoed in an error message.
_ENCODED_RUN = re.compile(r"[A-Za-z0-9+/=]{16,}")


def data_folder() -> Path:
    """The folder that holds the course's data: the checkout's ``data/``, else the installed copy.

    Lessons 03–05 (through ``data_path``). Raises DataFileNotFoundError when neither is there.
    """
    checkout = _PACKAGE.parent / "data"
    if _is_course_checkout(_PACKAGE.parent) and (checkout / "README.md").is_file():
        return checkout
    installed = _PACKAGE / "_data"
    if (installed / "README.md").is_file():
        return installed
    raise DataFileNotFoundError(
        f"The course's data folder is missing: neither {str(checkout)!r} (a checkout of the "
        f"course) nor {str(installed)!r} (an installed copy) is there. Reinstall the course "
        f"from its repository with `pip install .` (or `make lab`)."
    )


def _is_course_checkout(folder: Path) -> bool:
    """Whether ``folder`` is the course's repository (its pyproject.toml names pkicourse)."""
    try:
        return 'name = "pkicourse"' in (folder / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def data_path(name: str) -> Path:
    """The file ``data/<name>``, e.g. ``data_path("real/roots/dst-root-ca-x3.pem")``.

    Lessons 03-certificates, 04-csr and 05-certificate-authorities. ``name`` is relative to
    ``data/``, with ``/`` between folders; ``..`` and absolute names are refused. Works from any
    working folder (see the module's docstring). Raises DataFileNotFoundError, whose message
    lists what is there.
    """
    parts = _checked_parts(name, "data_path")
    folder = data_folder()
    path = folder.joinpath(*parts)
    if not path.is_file():
        raise DataFileNotFoundError(_not_found_message(name, folder, parts))
    return path


def data_files(folder: str = "") -> list[str]:
    """The names of the files under ``data/<folder>`` (all subfolders), sorted, for pickers.

    Lessons 03–05. Each name is what ``data_path`` takes (``"real/odd/big-oid.pem"``).
    README files are left out. Raises DataFileNotFoundError for a folder that is not there.
    """
    parts = _checked_parts(folder, "data_files") if folder else []
    root = data_folder()
    start = root.joinpath(*parts)
    if not start.is_dir():
        raise DataFileNotFoundError(_not_found_message(folder, root, parts, kind="folder"))
    return sorted(
        path.relative_to(root).as_posix()
        for path in start.rglob("*")
        if path.is_file() and not _skipped(path.relative_to(root))
    )


def _skipped(relative: Path) -> bool:
    """Not course data: READMEs, hidden files, Python files of the installed package folder."""
    name = relative.name
    return (
        name.lower().startswith("readme")
        or any(part.startswith((".", "__")) for part in relative.parts)
        or name.endswith((".py", ".pyc"))
    )


def _checked_parts(name: object, function_name: str) -> list[str]:
    """``name``'s folders and file name; a course error for ``..``, absolute names, non-text.

    PEM text passed by mistake (a key!) is refused without being shown.
    """
    if not isinstance(name, str):
        raise ArgumentError(
            f"{function_name} takes a name under data/ as text, such as "
            f"'real/roots/dst-root-ca-x3.pem', not {type(name).__name__}."
        )
    if _looks_like_pem(name) or _looks_encoded(name) or len(name) > _MAX_NAME_CHARS:
        raise NotAPathError(
            f"{function_name} takes a file name under data/, but that looks like PEM text or "
            f"base64 (a key or a certificate?) or is longer than any file name, so it is not "
            f"shown: give a name such as 'real/roots/dst-root-ca-x3.pem' (data_files() lists "
            f"every file)."
        )
    posix = PurePosixPath(name.replace("\\", "/"))
    if not name or posix.is_absolute() or ".." in posix.parts or ":" in name or "\0" in name:
        raise DataFileNotFoundError(
            f"{function_name} takes a name relative to data/, without '..' or a leading '/' "
            f"(the course reads only its own data folder), such as "
            f"'real/roots/dst-root-ca-x3.pem'; got {_quoted(name)}."
        )
    return [part for part in posix.parts if part not in ("", ".")]


def _looks_like_pem(text: str) -> bool:
    """Whether text given as a name is rather PEM (a BEGIN or END line, several lines)."""
    return any(marker in text for marker in ("-----", "\n", "\r"))


def _looks_encoded(text: str) -> bool:
    """Whether text holds a run of base64 with both cases and a digit or '+' (or 32 long): a
    piece of a key, not a name (``GlobalSignRootCA-R3.pem`` is a name; ``MC4CAQAwBQYDK2Vw`` is
    not).
    """
    return any(
        re.search("[a-z]", run)
        and re.search("[A-Z]", run)
        and (len(run) >= 32 or re.search("[0-9+]", run))
        for run in _ENCODED_RUN.findall(text)
    )


def _quoted(text: str, limit: int = 64) -> str:
    """``text`` quoted for an error message (at most ``limit`` characters), unless it could be
    key material: then only a short summary. certificates and csr use it for names too.
    """
    if _looks_like_pem(text):
        return "text that looks like PEM (a key or a certificate), not shown"
    if _looks_encoded(text):
        return f"a {len(text)}-character text that looks like base64 (maybe a key), not shown"
    return repr(text[:limit]) + ("…" if len(text) > limit else "")


def _not_found_message(name: str, root: Path, parts: list[str], *, kind: str = "file") -> str:
    """What is not there, and what is: the files of the deepest folder that exists."""
    folder = root
    for part in parts[:-1] if kind == "file" else parts:
        if not (folder / part).is_dir():
            break
        folder = folder / part
    there = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in folder.iterdir()
        if not _skipped(p.relative_to(root))
    )
    where = folder.relative_to(root).as_posix()
    shown = ", ".join(there[:30]) + (", …" if len(there) > 30 else "")
    label = "data/" if where == "." else f"data/{where}/"
    return (
        f"There is no {kind} {_quoted('data/' + name, 80)} (data is at {str(root)!r}). In {label} "
        f"there is: "
        f"{shown or 'nothing'}. Check the name; data_files() lists every file."
    )
