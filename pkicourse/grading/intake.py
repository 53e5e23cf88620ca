"""Find the submissions of a class, check them, and prepare a copy of each notebook to grade.

``gather(folder, lessons)`` finds one notebook per student and lesson; what it cannot place
becomes a :class:`SetAside` whose reason says what to do. ``prepare(sub, released)`` reads one
submitted notebook (never writing to it) and returns the notebook to grade, the findings for the
instructor's report, or the reason to set it aside.

Layouts ``gather`` accepts (a lesson is a folder name of course/source, its notebook is
``<lesson>.ipynb``):

1. nbgrader's: ``folder/<student>/<lesson>/<lesson>.ipynb`` (what ``nbgrader collect`` writes
   into ``course/submitted/``), with an optional ``timestamp.txt`` beside the notebook. ``folder``
   may also be the course folder holding ``submitted/``.
2. Downloads from a learning management system, the way nbgrader's ``zip_collect`` takes them:
   ``folder/downloaded/<lesson>/archive/`` (or ``folder/<lesson>/`` directly) holding ``.ipynb``
   files and/or ``.zip`` files (a whole "download all submissions" zip, or a student's own zip)
   and folders. The student comes from the file's path with a regular expression with a named
   group ``student_id`` (like nbgrader's ``FileNameCollector.named_regexp``), matched with
   ``re.match`` against the path relative to the lesson folder (or inside the zip), "/" between
   folders. Optional groups: ``file_id`` (the name the student gave the file: it must be
   ``<lesson>.ipynb``; without the group the file is taken as the lesson's notebook) and
   ``timestamp``. Runs of spaces in a student id become "_". The default patterns
   (:data:`DEFAULT_NAME_PATTERNS`, tried in turn) read the usual exports:

   - Canvas ("Download Submissions"): ``<lastfirst>_<user id>_<file id>_<file name>``, with
     ``LATE_`` before the user id for a late one, e.g.
     ``doejohn_123456_7890123_01-asymmetric-keys.ipynb``; the student id is Canvas's user id.
     Canvas renames a file handed in again ``01-asymmetric-keys-1.ipynb``: a ``-<digits>``
     before ``.ipynb`` is accepted in downloads.
   - Moodle ("Download all submissions"): ``<Full Name>_<participant id>_assignsubmission_file_``
     then ``/<file name>`` (one folder per student, Moodle's default since 3.1) or
     ``<file name>`` directly (without folders), e.g.
     ``John Doe_4242_assignsubmission_file_/01-asymmetric-keys.ipynb``. The student id is the
     full name ("John_Doe"): Moodle's participant number is drawn per assignment, so it would not
     match across lessons. With blind marking the names read ``Participant_4242`` and differ
     per lesson: reveal identities before downloading, or pass your own pattern.
   - Blackboard Learn ("Assignment File Download"):
     ``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>``, e.g.
     ``ps1_bitdiddle_attempt_2016-01-30-15-00-00_problem1.ipynb`` (nbgrader's own example); the
     student id is the username, the timestamp becomes ``2016-01-30 15:00:00``. Blackboard's
     ``.txt`` comment files are ignored, like every file that is neither ``.ipynb`` nor ``.zip``.

   ``name_pattern`` replaces the defaults with one pattern of yours.

Zip members are never extracted by their own names: a member that is kept is copied into a
private temporary folder (mode 0700) under a name ``gather`` chooses, so a member called
``../../x`` cannot write anywhere. ``__MACOSX`` and names starting with "." are ignored.

Findings and reasons name cells by grade id and position ("cell 23" is the 23rd cell of the
submitted notebook, counting from 1) and never quote student code.
"""

from __future__ import annotations

import atexit
import copy
import io
import json
import os
import re
import shutil
import stat
import tempfile
import uuid
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, cast

import nbformat

from pkicourse.errors import GradingError

__all__ = [
    "DEFAULT_NAME_PATTERNS",
    "MAX_NOTEBOOK_BYTES",
    "SetAside",
    "Submission",
    "gather",
    "prepare",
]

#: The largest submitted notebook read, in bytes (50 MB).
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
#: A code cell whose outputs take more than this (as JSON) loses them before grading.
MAX_CELL_OUTPUT_BYTES = 2 * 1024 * 1024
#: ... and outputs are dropped, biggest first, until all of them take at most this.
MAX_TOTAL_OUTPUT_BYTES = 8 * 1024 * 1024
_MAX_ZIP_DEPTH = 2

#: (name of the export, pattern): Canvas, Moodle, Blackboard Learn. See the module docstring.
DEFAULT_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "Canvas",
        r"(?:.*/)?[^/_]+_(?:LATE_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+)\Z",
    ),
    (
        "Moodle",
        r"(?:.*/)?(?P<student_id>[^/_]+)_\d+_assignsubmission_file_/?(?:.*/)?(?P<file_id>[^/]+)\Z",
    ),
    (
        "Blackboard",
        r"(?:.*/)?[^/]*_(?P<student_id>[^/_]+)_attempt_"
        r"(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file_id>[^/]+)\Z",
    ),
)

_SAFE_ID = re.compile(r"\w[\w.@+-]{0,99}\Z")
_BLACKBOARD_TIME = re.compile(r"(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)\Z")
_DOWNLOAD_AGAIN = "ask the student to download it again from JupyterLab (File > Download)"


@dataclass
class Submission:
    """One notebook to grade: ``path`` is the submitted file (read only)."""

    student: str
    lesson: str
    path: Path
    timestamp: str | None = None


@dataclass
class SetAside:
    """Something ``gather`` or ``prepare`` could not grade; ``reason`` says what to do.

    ``student`` is "" when the file's name does not say whose it is; ``lesson`` is None when its
    folder does not say which lesson it is.
    """

    student: str
    lesson: str | None
    path: Path
    reason: str


# ----------------------------------------------------------------------------- gather


@dataclass
class _Found:
    """A notebook that belongs to a student and a lesson, before the checks across files."""

    student: str
    lesson: str
    name: str  # the file name the student gave it
    where: Path  # the file, or the zip holding it
    shown: str  # how the report names it
    member: str | None = None  # the member of the zip
    data: bytes | None = None  # a zip member's bytes
    timestamp: str | None = None
    lms: bool = False
    rename_to: str = ""  # what to rename it to, when misnamed


@dataclass
class _Gathering:
    lessons: list[str]
    patterns: list[re.Pattern[str]]
    scratch: Path | None
    found: list[_Found] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    extracted: int = 0

    def aside(self, student: str, lesson: str | None, path: Path, reason: str) -> None:
        self.set_aside.append(SetAside(student, lesson, path, reason))


def gather(
    folder: Path,
    lessons: list[str],
    name_pattern: str | None = None,
    *,
    scratch: Path | None = None,
) -> tuple[list[Submission], list[SetAside]]:
    """Find every submitted notebook under ``folder``; return (submissions, set aside).

    ``scratch`` is where zip members are copied (a private temporary folder removed when the
    program ends, if not given). Raises GradingError when ``folder`` is not a folder or
    ``name_pattern`` is not a usable regular expression.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(
            f"no folder of submissions at {folder}: give the folder that holds one folder per "
            "student (nbgrader's submitted/) or the LMS downloads (downloaded/<lesson>/archive/)"
        )
    state = _Gathering(list(lessons), _patterns(name_pattern), scratch)
    _refuse_a_part_of_a_class(folder, state.lessons)
    submitted, downloaded = folder / "submitted", folder / "downloaded"
    if _is_dir(submitted) or _is_dir(downloaded):
        if _is_dir(submitted):
            _gather_nbgrader(state, submitted)
        if _is_dir(downloaded):
            _gather_downloads(state, downloaded)
        for child in _visible(folder):  # nothing beside them is read: say so
            if child.name not in ("submitted", "downloaded"):
                state.aside(
                    "",
                    None,
                    child,
                    "not read: beside submitted/ and downloaded/ nothing is; move it into "
                    "submitted/<student>/<lesson>/ or downloaded/<lesson>/ and grade again",
                )
    elif any(child.name in state.lessons for child in _visible(folder) if _is_dir(child)):
        _gather_downloads(state, folder)
    else:
        _gather_nbgrader(state, folder)
    return _settle(state)


def _refuse_a_part_of_a_class(folder: Path, lessons: list[str]) -> None:
    """A GradingError when ``folder`` is one lesson's or one student's folder, not the class's."""
    if folder.name in lessons:
        raise GradingError(
            f"{folder} is one lesson's folder: give the folder that holds it "
            f"({folder.parent}), so each file is read as {folder.name}'s"
        )
    children = [c for c in _visible(folder) if _is_dir(c)]
    if children and all(c.name in lessons and (c / f"{c.name}.ipynb").is_file() for c in children):
        raise GradingError(
            f"{folder} looks like one student's folder (<lesson>/<lesson>.ipynb): give the "
            f"folder that holds one such folder per student ({folder.parent})"
        )


def _patterns(name_pattern: str | None) -> list[re.Pattern[str]]:
    texts = [name_pattern] if name_pattern is not None else [p for _, p in DEFAULT_NAME_PATTERNS]
    compiled = []
    for text in texts:
        try:
            pattern = re.compile(text)
        except re.error as e:
            raise GradingError(f"--name-pattern is not a regular expression ({e}): fix it") from e
        if "student_id" not in pattern.groupindex:
            raise GradingError(
                "--name-pattern has no group (?P<student_id>...): add one around the part of "
                "the file name that names the student"
            )
        compiled.append(pattern)
    return compiled


def _is_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _visible(folder: Path) -> list[Path]:
    """The folder's entries, sorted, without dot files and macOS's __MACOSX."""
    return sorted(
        child
        for child in folder.iterdir()
        if not child.name.startswith(".") and child.name != "__MACOSX"
    )


def _show(name: str) -> str:
    """A file name as the report shows it: no control characters, not too long."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    return repr(text if len(text) <= 120 else text[:117] + "...")


def _unsafe_id(student: str) -> str:
    return (
        f"student id {_show(student)} is not safe as a folder name: rename it with letters, "
        "digits and . _ - @ + only (at most 100, not starting with a dot) and grade again"
    )


def _gather_nbgrader(state: _Gathering, root: Path) -> None:
    for student_dir in _visible(root):
        if student_dir.is_symlink():
            state.aside(
                "", None, student_dir, "a symbolic link, not followed: replace it by a folder"
            )
            continue
        if not student_dir.is_dir():
            state.aside(
                "",
                None,
                student_dir,
                f"a file where a student folder belongs: put it in {root.name}/<student>/"
                "<lesson>/ and grade again",
            )
            continue
        student = student_dir.name
        if not _SAFE_ID.match(student):
            state.aside(student, None, student_dir, _unsafe_id(student))
            continue
        for lesson_dir in _visible(student_dir):
            if lesson_dir.is_symlink():
                state.aside(student, None, lesson_dir, "a symbolic link, not followed")
            elif lesson_dir.is_dir():
                if lesson_dir.name not in state.lessons:
                    state.aside(student, None, lesson_dir, _unknown_lesson(state, lesson_dir))
                else:
                    _gather_lesson_folder(state, student, lesson_dir)
            elif lesson_dir.suffix == ".ipynb":
                state.aside(
                    student,
                    None,
                    lesson_dir,
                    f"a notebook outside a lesson folder: move it to {student}/<lesson>/"
                    "<lesson>.ipynb and grade again",
                )


def _unknown_lesson(state: _Gathering, folder: Path) -> str:
    return (
        f"unknown lesson folder {_show(folder.name)} (the lessons are "
        f"{', '.join(state.lessons)}): rename it to its lesson and grade again"
    )


def _gather_lesson_folder(state: _Gathering, student: str, folder: Path) -> None:
    lesson = folder.name
    timestamp = None
    stamp = folder / "timestamp.txt"
    if stamp.is_file() and not stamp.is_symlink() and stamp.stat().st_size < 200:
        text = stamp.read_text(encoding="utf-8", errors="replace").strip()
        timestamp = text or None
    for path in _visible(folder):
        if path.suffix != ".ipynb":
            continue
        if path.is_symlink() or not path.is_file():
            state.aside(student, lesson, path, "not a regular file (a link?): not followed")
            continue
        state.found.append(
            _Found(student, lesson, path.name, path, _show(path.name), timestamp=timestamp)
        )


def _gather_downloads(state: _Gathering, root: Path) -> None:
    for child in _visible(root):
        if child.is_symlink():
            state.aside("", None, child, "a symbolic link, not followed")
        elif child.is_dir():
            if child.name not in state.lessons:
                state.aside("", None, child, _unknown_lesson(state, child))
                continue
            archive = child / "archive"
            _walk_downloads(state, child.name, archive if _is_dir(archive) else child)
        elif child.suffix in (".ipynb", ".zip"):
            state.aside(
                "",
                None,
                child,
                f"not in a lesson folder: move it to {root.name}/<lesson>/ and grade again",
            )


def _walk_downloads(state: _Gathering, lesson: str, top: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        here = Path(dirpath)
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or path.suffix not in (".ipynb", ".zip"):
                continue
            rel = path.relative_to(top).as_posix()
            if path.is_symlink() or not path.is_file():
                state.aside("", lesson, path, "a symbolic link, not followed")
            elif path.suffix == ".zip":
                _open_zip(state, lesson, path, rel, None, 0)
            else:
                _match_download(state, lesson, path, rel, None, None)


def _match(state: _Gathering, rel: str) -> re.Match[str] | None:
    for pattern in state.patterns:
        match = pattern.match(rel)
        if match and match.group("student_id"):
            return match
    return None


def _match_download(
    state: _Gathering,
    lesson: str,
    where: Path,
    rel: str,
    member: str | None,
    data: bytes | None,
    student: str | None = None,
    timestamp: str | None = None,
) -> None:
    """A notebook in a download: find whose it is (from ``rel``, unless ``student`` is known)."""
    shown = _show(rel if member is None else f"{where.name}:{member}")
    name = PurePosixPath(rel).name
    if student is None:
        match = _match(state, rel)
        if match is None:
            state.aside(
                "",
                lesson,
                where,
                f"cannot tell whose notebook {shown} is: its name does not match the name "
                "pattern (Canvas, Moodle or Blackboard by default): rename it "
                "<student>/<lesson>.ipynb in submitted/, or pass --name-pattern, and grade again",
            )
            return
        groups = match.groupdict()
        student = re.sub(r"\s+", "_", groups["student_id"].strip())
        name = groups.get("file_id") or f"{lesson}.ipynb"
        timestamp = _timestamp(groups.get("timestamp"))
        if groups.get("file_id"):
            start, end = match.span("file_id")
            rename_to = rel[:start] + f"{lesson}.ipynb" + rel[end:]
        else:
            rename_to = f"{lesson}.ipynb"
    else:
        rename_to = str(PurePosixPath(rel).with_name(f"{lesson}.ipynb"))
    rename_to = _show(rename_to)
    if member is not None:
        rename_to += f" (extract it from {_show(where.name)} first)"
    if not _SAFE_ID.match(student):
        state.aside(student, lesson, where, _unsafe_id(student))
        return
    state.found.append(
        _Found(
            student,
            lesson,
            PurePosixPath(name).name,
            where,
            shown,
            member,
            data,
            timestamp,
            True,
            rename_to,
        )
    )


def _timestamp(text: str | None) -> str | None:
    if not text:
        return None
    blackboard = _BLACKBOARD_TIME.match(text)
    if blackboard:
        day, hours, minutes, seconds = blackboard.groups()
        return f"{day} {hours}:{minutes}:{seconds}"
    return text


def _safe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (
        name.startswith(("/", "\\"))
        or re.match(r"[A-Za-z]:", name)
        or any(part in ("..",) for part in parts)
    )


def _skipped_member(name: str) -> bool:
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _open_zip(
    state: _Gathering,
    lesson: str,
    where: Path,
    rel: str,
    data: bytes | None,
    depth: int,
    student: str | None = None,
    timestamp: str | None = None,
) -> None:
    """A zip: a student's own (its name says whose) or a whole download (each member's does)."""
    shown = _show(rel)
    if student is None:
        match = _match(state, rel)
        if match is not None:
            student = re.sub(r"\s+", "_", match.group("student_id").strip())
            timestamp = _timestamp(match.groupdict().get("timestamp"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if data is not None else where)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        state.aside(
            student or "",
            lesson,
            where,
            f"unreadable zip {shown} ({type(e).__name__}): download it again from the LMS "
            "and grade again",
        )
        return
    with archive:
        for info in archive.infolist():
            name = info.filename
            suffix = PurePosixPath(name.replace("\\", "/")).suffix
            if info.is_dir() or suffix not in (".ipynb", ".zip"):
                continue
            member_shown = _show(f"{rel}:{name}")
            if _safe_member(name) and _skipped_member(name):
                continue
            if not _safe_member(name):
                state.aside(
                    student or "",
                    lesson,
                    where,
                    f"zip member {member_shown} has an unsafe path (absolute or with ..): "
                    "not extracted; extract it by hand if it is a real submission",
                )
                continue
            if info.flag_bits & 0x1:
                state.aside(
                    student or "",
                    lesson,
                    where,
                    f"zip member {member_shown} is encrypted: ask for it without a password",
                )
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                state.aside(
                    student or "",
                    lesson,
                    where,
                    f"zip member {member_shown} is larger than "
                    f"{MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB: not extracted",
                )
                continue
            try:
                with archive.open(info) as stream:
                    content = stream.read(MAX_NOTEBOOK_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as e:
                state.aside(
                    student or "",
                    lesson,
                    where,
                    f"unreadable zip member {member_shown} ({type(e).__name__}): download it "
                    "again from the LMS and grade again",
                )
                continue
            if len(content) > MAX_NOTEBOOK_BYTES:
                state.aside(student or "", lesson, where, f"zip member {member_shown} is too big")
                continue
            inner = name.replace("\\", "/")
            if suffix == ".zip":
                if depth + 1 > _MAX_ZIP_DEPTH:
                    state.aside(
                        student or "",
                        lesson,
                        where,
                        f"zip member {member_shown} is a zip in a zip in a zip: extract it by hand",
                    )
                else:
                    _open_zip(state, lesson, where, inner, content, depth + 1, student, timestamp)
            else:
                _match_download(state, lesson, where, inner, name, content, student, timestamp)


def _settle(state: _Gathering) -> tuple[list[Submission], list[SetAside]]:
    """One notebook per student and lesson: the rest is set aside with what to do."""
    groups: dict[tuple[str, str], list[_Found]] = {}
    for item in state.found:
        groups.setdefault((item.student, item.lesson), []).append(item)
    submissions = []
    for (student, lesson), items in sorted(groups.items()):
        expected = f"{lesson}.ipynb"
        right = [item for item in items if _right_name(item, expected)]
        wrong = [item for item in items if not _right_name(item, expected)]
        if len(right) > 1:
            shown = ", ".join(item.shown for item in right)
            for item in right:
                state.aside(
                    student,
                    lesson,
                    item.where,
                    f"{len(right)} notebooks for one lesson ({shown}): keep the one to grade, "
                    "remove the others and grade again",
                )
        elif len(right) == 1:
            submissions.append(_submission(state, right[0]))
        for item in wrong:
            if right:
                reason = (
                    f"also handed in {item.shown} beside {expected}: only {expected} is graded; "
                    f"if {item.shown} holds the work, rename it to {expected} and grade again"
                )
            elif len(wrong) == 1:
                reason = (
                    f"misnamed: found {item.shown}, expected {expected!r}: rename it to "
                    f"{item.rename_to or expected} and grade again"
                )
            else:
                reason = (
                    f"misnamed: found {len(wrong)} notebooks, none named {expected!r}: rename "
                    f"the one to grade ({item.shown}?) to {expected} and grade again"
                )
            state.aside(student, lesson, item.where, reason)
    return submissions, state.set_aside


def _right_name(item: _Found, expected: str) -> bool:
    if item.name == expected:
        return True
    # Canvas renames a file handed in again: 01-asymmetric-keys-1.ipynb.
    stem = expected[: -len(".ipynb")]
    return item.lms and re.fullmatch(re.escape(stem) + r"-\d+\.ipynb", item.name) is not None


def _submission(state: _Gathering, item: _Found) -> Submission:
    if item.data is None:
        return Submission(item.student, item.lesson, item.where, item.timestamp)
    if state.scratch is None:
        state.scratch = Path(tempfile.mkdtemp(prefix="pkicourse-intake-"))
        atexit.register(shutil.rmtree, state.scratch, True)
    state.extracted += 1
    folder = state.scratch / f"{state.extracted:05d}"
    folder.mkdir(mode=0o700, parents=True)
    target = folder / f"{item.lesson}.ipynb"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(item.data)
    return Submission(item.student, item.lesson, target, item.timestamp)


# ----------------------------------------------------------------------------- prepare


def _grading(cell: Any) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader")
    return cast(dict[str, Any], meta) if isinstance(meta, dict) else {}


def _is_graded(meta: dict[str, Any]) -> bool:
    """A cell nbgrader tracks by its grade id (grade, solution or locked cell)."""
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked"))


def _is_locked(meta: dict[str, Any]) -> bool:
    """nbgrader's is_locked: overwritten from the source at autograde."""
    if meta.get("solution"):
        return False
    return bool(meta.get("grade") or meta.get("locked"))


def _kind(meta: dict[str, Any]) -> str:
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("solution"):
        return "answer"
    return "locked"


def _same_source(a: str, b: str) -> bool:
    def norm(text: str) -> list[str]:
        return [line.rstrip() for line in text.replace("\r\n", "\n").strip().splitlines()]

    return norm(a) == norm(b)


def _size(outputs: Any) -> int:
    return len(json.dumps(outputs, separators=(",", ":")))


def prepare(
    sub: Submission, released: nbformat.NotebookNode
) -> tuple[nbformat.NotebookNode | None, list[str], str | None]:
    """Check one submission against the lesson's released notebook.

    Returns (the notebook to grade or None, findings for the report, the reason to set it
    aside or None). The submitted file is only read.
    """
    findings: list[str] = []
    nb, reason = _read(sub.path)
    if nb is None:
        return None, findings, reason
    released_ids = [
        str(_grading(c)["grade_id"])
        for c in released.cells
        if _is_graded(_grading(c)) and "grade_id" in _grading(c)
    ]
    if released_ids and _another_notebook(nb, released):
        return (
            None,
            findings,
            f"not this lesson's notebook: none of its graded cells ({', '.join(released_ids)}) "
            f"is in it: ask the student for {sub.lesson}.ipynb",
        )
    _plain_copies(nb, released, released_ids, findings)
    _drop_big_outputs(nb, findings)  # before any cell is restored: positions as submitted
    _check_cells(nb, released, findings)
    _check_kernel(nb, released, findings)
    return nb, findings, None


def _another_notebook(nb: nbformat.NotebookNode, released: nbformat.NotebookNode) -> bool:
    """True when nothing in ``nb`` comes from the release: no graded cell with the release's
    grade id and checksum (lessons share grade ids such as ex1), no cell id of the release."""
    marks = {
        (_grading(c).get("grade_id"), _grading(c).get("checksum"))
        for c in released.cells
        if _is_graded(_grading(c))
    }
    if any((_grading(c).get("grade_id"), _grading(c).get("checksum")) in marks for c in nb.cells):
        return False
    released_cell_ids = {c.get("id") for c in released.cells} - {None}
    return not any(c.get("id") in released_cell_ids for c in nb.cells)


def _read(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    try:
        info = path.stat()
    except OSError as e:
        return None, f"cannot read the file ({type(e).__name__}): check the submissions folder"
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file: check the submissions folder"
    if info.st_size == 0:
        return None, "empty file (0 bytes): " + _DOWNLOAD_AGAIN
    if info.st_size > MAX_NOTEBOOK_BYTES:
        return None, (
            f"file too large ({info.st_size / 1024 / 1024:.0f} MB, the limit is "
            f"{MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB): ask the student to clear the outputs "
            "(Edit > Clear Outputs of All Cells), save and hand it in again"
        )
    with open(path, "rb") as stream:  # read only: the submitted file is never changed
        raw = stream.read(MAX_NOTEBOOK_BYTES + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, (
            f"not a notebook: the file is not UTF-8 text (byte {e.start}): " + _DOWNLOAD_AGAIN
        )
    if not text.strip():
        return None, "empty file (only blanks): " + _DOWNLOAD_AGAIN
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return None, (
            f"not a notebook: the file is not JSON (line {e.lineno}, column {e.colno}): "
            + _DOWNLOAD_AGAIN
        )
    except RecursionError:
        return None, "not a notebook: the JSON is nested too deeply: " + _DOWNLOAD_AGAIN
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("cells", data.get("worksheets")), list)
        or not isinstance(data.get("nbformat"), int)
    ):
        return None, (
            "not a notebook: JSON, but not a Jupyter notebook (no cells or nbformat): "
            + _DOWNLOAD_AGAIN
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nb = nbformat.reads(text, as_version=4, capture_validation_error={})
            nbformat.validate(nb)
        except nbformat.ValidationError as e:
            # Only the place and the rule: the error's own text may quote the student's cells.
            where = "/".join(str(p) for p in getattr(e, "absolute_path", []))
            rule = getattr(e, "validator", None)
            if where and isinstance(rule, str):
                detail = f"nbformat validation fails at {where} ({rule})"
            else:
                detail = "a key a notebook needs is missing or of the wrong kind"
            return None, f"not a valid notebook: {detail}: " + _DOWNLOAD_AGAIN
        except Exception as e:  # nbformat's readers raise many kinds on damaged files
            return None, f"not a valid notebook ({type(e).__name__}): " + _DOWNLOAD_AGAIN
    return cast(nbformat.NotebookNode, nb), None


def _plain_copies(
    nb: nbformat.NotebookNode,
    released: nbformat.NotebookNode,
    released_ids: list[str],
    findings: list[str],
) -> None:
    """Keep one cell per grade id (the one in the release's order); the others become plain."""
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        meta = _grading(cell)
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if not _is_graded(meta):
            continue
        if not isinstance(grade_id, str) or grade_id not in released_ids:
            _make_plain(cell)
            findings.append(
                f"cell {index + 1} carries grading metadata of a cell this lesson does not "
                "have: graded as plain code"
            )
            continue
        positions.setdefault(grade_id, []).append(index)
    kept: dict[str, int] = {}
    last = -1
    for grade_id in released_ids:
        places = positions.get(grade_id)
        if not places:
            continue
        after = [p for p in places if p > last]
        keep = after[0] if after else places[0]
        kept[grade_id] = keep
        last = keep
    released_meta = {
        str(_grading(c)["grade_id"]): _grading(c)
        for c in released.cells
        if _is_graded(_grading(c)) and "grade_id" in _grading(c)
    }
    for grade_id, places in positions.items():
        for index in places:
            cell = nb.cells[index]
            if index == kept[grade_id]:
                continue
            kind = {"test": "graded", "answer": "answer", "locked": "locked"}[
                _kind(released_meta[grade_id])
            ]
            _make_plain(cell)
            findings.append(
                f"pasted copy of {kind} cell {grade_id} (cell {index + 1}) graded as plain code"
            )


def _make_plain(cell: Any) -> None:
    cell.metadata.pop("nbgrader", None)
    for flag in ("deletable", "editable"):
        cell.metadata.pop(flag, None)


def _find(nb: nbformat.NotebookNode, cell: Any) -> int | None:
    """Where a released cell is in the submission: by grade id, else by cell id."""
    meta = _grading(cell)
    if _is_graded(meta) and "grade_id" in meta:
        for index, mine in enumerate(nb.cells):
            if _is_graded(_grading(mine)) and _grading(mine).get("grade_id") == meta["grade_id"]:
                return index
        return None
    cell_id = cell.get("id")
    if cell_id:
        for index, mine in enumerate(nb.cells):
            if mine.get("id") == cell_id:
                return index
    return None


def _check_cells(
    nb: nbformat.NotebookNode, released: nbformat.NotebookNode, findings: list[str]
) -> None:
    """Report edited test and locked cells, restore deleted ones, put back changed flags."""
    for position, cell in enumerate(released.cells):
        meta = _grading(cell)
        if not _is_graded(meta) or "grade_id" not in meta:
            continue
        grade_id = str(meta["grade_id"])
        kind = _kind(meta)
        index = _find(nb, cell)
        if index is None:
            if kind == "answer":
                findings.append(
                    f"deleted answer cell {grade_id}: not restored (the answer may be in "
                    "another cell)"
                )
                continue
            _restore(nb, released, position)
            findings.append(f"deleted {kind} cell {grade_id}: restored")
            continue
        mine = nb.cells[index]
        flags = ("grade", "solution", "locked", "points")
        if any(_grading(mine).get(k) != meta.get(k) for k in flags):
            for k in flags:
                if k in meta:
                    mine.metadata.nbgrader[k] = copy.deepcopy(meta[k])
                else:
                    mine.metadata.nbgrader.pop(k, None)
            findings.append(f"grading flags of {kind} cell {grade_id} changed: restored")
        if _is_locked(meta) and (
            mine.cell_type != cell.cell_type or not _same_source(mine.source, cell.source)
        ):
            findings.append(f"edited {kind} cell {grade_id}: restored from the source")


def _restore(nb: nbformat.NotebookNode, released: nbformat.NotebookNode, position: int) -> None:
    """Put the released cell back after the nearest preceding released cell still present."""
    cell = copy.deepcopy(released.cells[position])
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    taken = {c.get("id") for c in nb.cells}
    if nb.nbformat == 4 and nb.nbformat_minor < 5:
        cell.pop("id", None)
    elif cell.get("id") in taken or not cell.get("id"):
        cell["id"] = uuid.uuid4().hex[:8]
    at = 0
    for earlier in range(position - 1, -1, -1):
        found = _find(nb, released.cells[earlier])
        if found is not None:
            at = found + 1
            break
    nb.cells.insert(at, cell)


def _check_kernel(
    nb: nbformat.NotebookNode, released: nbformat.NotebookNode, findings: list[str]
) -> None:
    spec = nb.metadata.get("kernelspec")
    name = spec.get("name") if isinstance(spec, dict) else None
    if name == "python3":
        return
    if isinstance(name, str) and re.fullmatch(r"[\w.+-]{1,40}", name):
        shown = repr(name)
    else:
        shown = "(none)" if name is None else "(an unusual name)"
    nb.metadata["kernelspec"] = copy.deepcopy(
        released.metadata.get(
            "kernelspec",
            {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        )
    )
    findings.append(f"kernel {shown} replaced by python3")


def _drop_big_outputs(nb: nbformat.NotebookNode, findings: list[str]) -> None:
    sizes = [
        (_size(cell.outputs), index)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.get("outputs")
    ]
    total = sum(size for size, _ in sizes)
    for size, index in sorted(sizes, reverse=True):
        if size <= MAX_CELL_OUTPUT_BYTES and total <= MAX_TOTAL_OUTPUT_BYTES:
            break
        nb.cells[index].outputs = []
        nb.cells[index].execution_count = None
        total -= size
        findings.append(
            f"output of cell {index + 1} ({size / 1024 / 1024:.1f} MB) dropped before grading"
        )
