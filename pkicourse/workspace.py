"""Where a lesson writes its files, and the clean-up at its end.

Every lesson that writes files keeps them in one folder beside the notebook, ``work/<lesson>/``,
so you can open them in JupyterLab's file browser (git ignores ``work/``). The lesson's last cell
removes the private keys it wrote, unless you choose to keep them: no unencrypted private key
outlives "Run All" by default.

    WORK = lesson_folder("01-asymmetric-keys")
    ...
    remove_private_keys(WORK, keep=False)

Lessons: 01-asymmetric-keys, 02-session-keys and every later lesson that writes files.
``save_my_work()`` packs your notebooks and their files into one zip to download (Binder keeps
nothing when its session ends), private keys left out.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from pkicourse.errors import InvalidChoiceError
from pkicourse.keys import _MAX_KEY_FILE_BYTES  # larger than any key file: not read

__all__ = [
    "WORK_FOLDER",
    "holds_private_key",
    "lesson_folder",
    "remove_private_keys",
    "save_my_work",
]

WORK_FOLDER = "work"
_LESSON_NAME = re.compile(r"[0-9]{2}-[a-z0-9-]+")


def lesson_folder(lesson: str) -> Path:
    """``work/<lesson>/`` beside the notebook (the kernel's working folder), made if missing.

    The folder is readable by you only (mode 0700), like ``~/.ssh``.
    """
    if not isinstance(lesson, str) or not _LESSON_NAME.fullmatch(lesson):
        raise InvalidChoiceError(
            f"{lesson!r} is not a lesson name: give the notebook's name without .ipynb, "
            "for example '01-asymmetric-keys'."
        )
    folder = Path.cwd() / WORK_FOLDER / lesson
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    print(f"This lesson writes its files to {folder.relative_to(Path.cwd())}/")
    return folder


def holds_private_key(path: Path) -> bool:
    """Whether a file holds a private key, judged by its content, not its name.

    PEM (``-----BEGIN ... PRIVATE KEY-----``, OpenSSH's included, encrypted or not) or a DER
    private key. Lesson 01-asymmetric-keys shows why the name cannot decide.
    """
    if not path.is_file() or path.is_symlink() or path.stat().st_size > _MAX_KEY_FILE_BYTES:
        return False
    data = path.read_bytes()
    if b"PRIVATE KEY-----" in data:
        return True
    try:
        serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def remove_private_keys(folder: Path, *, keep: bool = False) -> list[Path]:
    """Delete every private key file under ``folder`` (unless ``keep``); say what was done.

    Other files (certificates, public keys, messages) stay. An empty folder is removed too.
    Returns the files removed.
    """
    if keep is not True and keep is not False:
        raise InvalidChoiceError(f"keep must be True or False, not {keep!r}.")
    folder = Path(folder)
    if not folder.is_dir():
        print(f"Nothing to clean up: {folder} does not exist.")
        return []
    keys = sorted(path for path in folder.rglob("*") if holds_private_key(path))
    if keep:
        print(f"Kept {len(keys)} private key file(s) in {folder}, as you asked:")
        print("\n".join(f"  {path.relative_to(folder)}" for path in keys))
        print("Delete them when you are done with them: never reuse a practice key for real.")
        return []
    for path in keys:
        path.unlink()
    others = sum(1 for path in folder.rglob("*") if path.is_file())
    print(f"Removed {len(keys)} private key file(s) from {folder}; {others} other file(s) stay.")
    if not any(folder.iterdir()):
        os.rmdir(folder)
        if folder.parent.name == WORK_FOLDER and not any(folder.parent.iterdir()):
            os.rmdir(folder.parent)
    return keys


def save_my_work(name: str = "my-work.zip") -> Path:
    """Zip the notebooks of this folder and their ``work/`` files, private keys left out.

    Run it in any lesson: the zip is written beside the notebooks (``zipfile``, nothing else);
    download it from JupyterLab's file browser (right-click › Download). Symbolic links and
    checkpoints are skipped; it says what it packed and what it left out. Returns the zip's path.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+\.zip", name):
        raise InvalidChoiceError(f"name must be a file name ending in .zip, not {name!r}.")
    here = Path.cwd()
    target = here / name
    files = [*sorted(here.glob("*.ipynb")), *sorted((here / WORK_FOLDER).rglob("*"))]
    packed, left_out = [], []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            if path.is_symlink() or not path.is_file() or ".ipynb_checkpoints" in path.parts:
                continue
            if holds_private_key(path):
                left_out.append(path.relative_to(here))
                continue
            archive.write(path, path.relative_to(here))
            packed.append(path)
    size = target.stat().st_size
    print(f"Saved {len(packed)} file(s) to {target} ({size / 1024:.0f} KiB), as they are on disk:")
    print("save your notebooks first (File › Save All). Then download it from the file browser")
    print("(right-click › Download) before the session ends.")
    if left_out:
        print(f"Left out {len(left_out)} private key file(s): keys are not carried around.")
        print("\n".join(f"  {path}" for path in left_out))
    return target
