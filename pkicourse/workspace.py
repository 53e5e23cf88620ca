"""Where a lesson writes its files, and the clean-up at its end.

Every lesson that writes files keeps them in one folder beside the notebook, ``work/<lesson>/``,
so you can open them in JupyterLab's file browser (git ignores ``work/``). The lesson's last cell
removes the private keys it wrote, unless you choose to keep them: no unencrypted private key
outlives "Run All" by default.

    WORK = lesson_folder("01-asymmetric-keys")
    ...
    remove_private_keys(WORK, keep=False)

Lessons: 01-asymmetric-keys, 02-session-keys and every later lesson that writes files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from pkicourse.errors import InvalidChoiceError
from pkicourse.keys import _MAX_KEY_FILE_BYTES  # larger than any key file: not read

__all__ = ["WORK_FOLDER", "holds_private_key", "lesson_folder", "remove_private_keys"]

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
