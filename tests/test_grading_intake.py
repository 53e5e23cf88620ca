"""pkicourse.grading.intake: finding submissions and checking them before grading (no kernels).

The released notebook is the committed learner copy of lesson 01: nbgrader's generate_assignment
output plus a tag. Submissions are made from it the way students make them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from support import NOTEBOOKS

from pkicourse.errors import GradingError
from pkicourse.grading import intake
from pkicourse.grading.intake import SetAside, Submission, gather, prepare

LESSON = "01-asymmetric-keys"
OTHER = "02-session-keys"
LESSONS = [LESSON, OTHER]
NAME = f"{LESSON}.ipynb"
SECRET = "MY_SECRET_ANSWER_0xC0FFEE"  # student code that must never reach a finding


@pytest.fixture(scope="module")
def released() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / NAME, as_version=4)


def grade_ids(nb: nbformat.NotebookNode) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    ]


def index_of(nb: nbformat.NotebookNode, grade_id: str) -> int:
    for k, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return k
    raise AssertionError(f"no cell {grade_id}")


def answered(released: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The learner copy with code of the student's own in each answer cell."""
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = f"# my answer\n{SECRET} = 1\n"
    return nb


def write(path: Path, nb: nbformat.NotebookNode | bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        path.write_bytes(nb)
    elif isinstance(nb, str):
        path.write_text(nb, encoding="utf-8")
    else:
        nbformat.write(nb, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checked(
    path: Path, released: nbformat.NotebookNode
) -> tuple[nbformat.NotebookNode | None, list[str], str | None]:
    """prepare() on a file, asserting that the file's bytes are unchanged and no finding or
    reason quotes student code."""
    before = digest(path)
    mode = path.stat().st_mode
    nb, findings, reason = prepare(Submission("alice", LESSON, path, None), released)
    assert digest(path) == before, "prepare changed the submitted file"
    assert path.stat().st_mode == mode
    for text in [*findings, reason or ""]:
        assert SECRET not in text and "assert" not in text, text
    if nb is not None:
        nbformat.validate(nb)
    return nb, findings, reason


def reasons(items: list[SetAside]) -> dict[tuple[str, str | None], str]:
    return {(item.student, item.lesson): item.reason for item in items}


# ----------------------------------------------------------------------------- gather: nbgrader


def test_nbgrader_layout_found_and_bad_folders_set_aside(tmp_path, released):
    sub = tmp_path / "course" / "submitted"
    write(sub / "alice" / LESSON / NAME, released)
    (sub / "alice" / LESSON / "timestamp.txt").write_text("2026-11-27 10:00:00.123 UTC\n")
    write(sub / "alice" / OTHER / f"{OTHER}.ipynb", released)
    write(sub / "bob" / LESSON / "lesson1.ipynb", released)  # misnamed, alone
    write(sub / "carol" / "01-asymetric-keys" / NAME, released)  # unknown lesson folder
    write(sub / "dave" / LESSON / NAME, released)
    write(sub / "dave" / LESSON / "Untitled.ipynb", released)  # an extra notebook
    write(sub / "dave" / LESSON / ".ipynb_checkpoints" / "x.ipynb", released)  # ignored
    write(sub / "eve smith" / LESSON / NAME, released)  # unsafe student id
    write(sub / "-rf" / LESSON / NAME, released)  # unsafe student id
    write(sub / ".hidden" / LESSON / NAME, released)  # dot folder: ignored
    write(sub / "frank" / LESSON / "a.ipynb", released)  # two notebooks, neither right
    write(sub / "frank" / LESSON / "b.ipynb", released)

    for folder in (tmp_path / "course", sub):  # the course folder or its submitted/
        found, aside = gather(folder, LESSONS)
        assert [(s.student, s.lesson) for s in found] == [
            ("alice", LESSON),
            ("alice", OTHER),
            ("dave", LESSON),
        ]
        assert found[0].path == sub / "alice" / LESSON / NAME
        assert found[0].timestamp == "2026-11-27 10:00:00.123 UTC"
        assert found[1].timestamp is None
        why = reasons(aside)
        assert why[("bob", LESSON)] == (
            f"misnamed: found 'lesson1.ipynb', expected '{NAME}': rename it to {NAME} and "
            "grade again"
        )
        assert why[("carol", None)].startswith("unknown lesson folder '01-asymetric-keys'")
        assert LESSON in why[("carol", None)]
        assert "only 01-asymmetric-keys.ipynb is graded" in why[("dave", LESSON)]
        assert "'Untitled.ipynb'" in why[("dave", LESSON)]
        assert "not safe as a folder name" in why[("eve smith", None)]
        assert "not safe as a folder name" in why[("-rf", None)]
        frank = [a.reason for a in aside if a.student == "frank"]
        assert len(frank) == 2 and all("none named" in r for r in frank)
        assert not any(a.student == ".hidden" for a in aside)
        assert len(aside) == 7


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(GradingError, match="no folder of submissions"):
        gather(tmp_path / "nowhere", LESSONS)


def test_bad_name_pattern_is_an_error(tmp_path):
    with pytest.raises(GradingError, match="not a regular expression"):
        gather(tmp_path, LESSONS, "(")
    with pytest.raises(GradingError, match="student_id"):
        gather(tmp_path, LESSONS, r"(?P<who>\w+)")


# ----------------------------------------------------------------------------- gather: downloads


def nb_bytes(nb: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nb).encode()


def test_lms_downloads_canvas_moodle_blackboard(tmp_path, released):
    archive = tmp_path / "downloaded" / LESSON / "archive"
    data = nb_bytes(released)
    # Canvas: lastfirst_userid_attachmentid_filename, LATE_ before a late one's user id.
    write(archive / f"doejohn_123456_7890123_{NAME}", data)
    write(archive / f"roesmary_LATE_223344_7890124_{LESSON}-1.ipynb", data)  # handed in again
    write(archive / "smithann_334455_7890125_Untitled1.ipynb", data)  # misnamed
    # Moodle, one folder per student (the default) and without folders.
    write(archive / "John Doe_4242_assignsubmission_file_" / NAME, data)
    write(archive / f"Zoë Ångström_4243_assignsubmission_file_{NAME}", data)
    # Blackboard Learn (nbgrader's zip_collect example), with its comment file.
    write(archive / f"HW1_bitdiddle_attempt_2016-01-30-15-00-00_{NAME}", data)
    write(archive / "HW1_bitdiddle_attempt_2016-01-30-15-00-00.txt", b"no comment")
    write(archive / "notes.ipynb", data)  # whose?
    write(archive / "__MACOSX" / f"._doejohn_123456_7890123_{NAME}", b"\x00\x05")
    write(archive / f".doejohn_123456_7890123_{NAME}", b"junk")

    found, aside = gather(tmp_path, LESSONS)
    got = {(s.student, s.lesson): s for s in found}
    assert sorted(got) == sorted(
        [
            ("123456", LESSON),
            ("223344", LESSON),
            ("John_Doe", LESSON),
            ("Zoë_Ångström", LESSON),
            ("bitdiddle", LESSON),
        ]
    )
    for sub in found:
        assert sub.path.parent.is_relative_to(archive) and sub.path.read_bytes() == data
    assert got[("bitdiddle", LESSON)].timestamp == "2016-01-30 15:00:00"
    assert got[("123456", LESSON)].timestamp is None
    why = reasons(aside)
    assert why[("334455", LESSON)] == (
        "misnamed: found 'smithann_334455_7890125_Untitled1.ipynb', expected "
        f"'{NAME}': rename it to 'smithann_334455_7890125_{NAME}' and grade again"
    )
    assert "does not match the name pattern" in why[("", LESSON)]
    assert len(aside) == 2


def test_lms_lesson_folder_directly_and_name_pattern(tmp_path, released):
    write(tmp_path / LESSON / f"s1234567-{NAME}", released)
    write(tmp_path / "03-unknown" / f"s1-{NAME}", released)
    pattern = r"(?P<student_id>s\d+)-(?P<file_id>.+)"
    found, aside = gather(tmp_path, LESSONS, pattern)
    assert [(s.student, s.lesson) for s in found] == [("s1234567", LESSON)]
    assert reasons(aside)[("", None)].startswith("unknown lesson folder '03-unknown'")
    # the defaults do not read that name
    found, aside = gather(tmp_path, LESSONS)
    assert found == [] and "does not match" in reasons(aside)[("", LESSON)]


def test_zips_are_read_safely(tmp_path, released):
    data = nb_bytes(released)
    top = tmp_path / "class"
    archive = top / "downloaded" / LESSON / "archive"
    archive.mkdir(parents=True)
    # a whole Canvas download, with macOS litter and members that try to escape
    with zipfile.ZipFile(archive / "submissions.zip", "w") as z:
        z.writestr(f"doejohn_123456_7890123_{NAME}", data)
        z.writestr(f"__MACOSX/._doejohn_123456_7890123_{NAME}", b"\x00\x05")
        z.writestr(f"../../evil_999_1_{NAME}", data)
        z.writestr(f"/tmp/abs_998_1_{NAME}", data)
        z.writestr(f"..\\..\\win_997_1_{NAME}", data)
        # a student who handed in a zip of their own, inside the download
        inner = tmp_path / "inner.zip"
        with zipfile.ZipFile(inner, "w") as student_zip:
            student_zip.writestr(f"work/{NAME}", data)
            student_zip.writestr(f"work/.ipynb_checkpoints/{LESSON}-checkpoint.ipynb", data)
        z.write(inner, "roesmary_223344_7890124_work.zip")
    # a student's own zip beside it (Canvas name), and a damaged one
    with zipfile.ZipFile(archive / "smithann_334455_7890125_handin.zip", "w") as z:
        z.writestr(NAME, data)
    write(archive / "kingkim_445566_7890126_handin.zip", b"PK\x03\x04 not really a zip")

    scratch = tmp_path / "scratch"
    found, aside = gather(top, LESSONS, scratch=scratch)
    assert sorted(s.student for s in found) == ["123456", "223344", "334455"]
    for sub in found:
        assert sub.path.is_relative_to(scratch) and sub.path.name == NAME
        assert sub.path.read_bytes() == data
        assert sub.path.stat().st_mode & 0o077 == 0
    why = reasons(aside)
    unsafe = [a.reason for a in aside if "unsafe path" in a.reason]
    assert len(unsafe) == 3
    assert "unreadable zip" in why[("445566", LESSON)]
    assert "download it again" in why[("445566", LESSON)]
    assert len(aside) == 4
    # nothing was written outside the scratch folder
    names = {p.name for p in tmp_path.rglob("*")}
    assert not any(n.startswith(("evil", "abs", "win")) for n in names)
    assert not any(
        n.startswith(("evil", "abs", "win")) for n in (p.name for p in Path("/tmp").iterdir())
    )
    assert sorted(p.name for p in scratch.rglob("*.ipynb")) == [NAME] * 3


def test_zip_without_a_scratch_folder_uses_a_private_temporary_one(tmp_path, released):
    archive = tmp_path / LESSON
    archive.mkdir()
    with zipfile.ZipFile(archive / "all.zip", "w") as z:
        z.writestr(f"HW1_bitdiddle_attempt_2016-01-30-15-00-00_{NAME}", nb_bytes(released))
    found, aside = gather(tmp_path, LESSONS)
    assert aside == [] and len(found) == 1
    assert found[0].timestamp == "2016-01-30 15:00:00"
    assert found[0].path.parent.parent.stat().st_mode & 0o077 == 0
    assert not found[0].path.is_relative_to(tmp_path)


def test_two_notebooks_for_one_student_and_lesson(tmp_path, released):
    write(tmp_path / "submitted" / "123456" / LESSON / NAME, released)
    write(tmp_path / "downloaded" / LESSON / f"doejohn_123456_7890123_{NAME}", released)
    found, aside = gather(tmp_path, LESSONS)
    assert found == []
    assert len(aside) == 2
    assert all(a.reason.startswith("2 notebooks for one lesson") for a in aside)
    assert all("keep the one to grade" in a.reason for a in aside)


# ----------------------------------------------------------------------------- prepare


def test_untouched_copy_has_no_findings(tmp_path, released):
    path = write(tmp_path / NAME, released)
    nb, findings, reason = checked(path, released)
    assert (findings, reason) == ([], None)
    assert nb == released


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{\n  "cells": [\n      oops\n',
            "not a notebook: the file is not JSON (line 3, column 7): ask the student to "
            "download it again from JupyterLab (File > Download)",
        ),
        (b"", "empty file (0 bytes): ask the student"),
        (b"\xff\xfe\x00garbage", "not a notebook: the file is not UTF-8 text"),
        ('["a", "list"]', "not a notebook: JSON, but not a Jupyter notebook"),
        ('{"cells": [], "metadata": {}}', "not a notebook: JSON, but not a Jupyter notebook"),
        (
            '{"cells": [{"cell_type": "code", "source": 5, "metadata": {}, "outputs": [], '
            '"execution_count": null, "id": "a"}], "metadata": {}, '
            '"nbformat": 4, "nbformat_minor": 5}',
            "not a valid notebook: nbformat validation fails at cells/0/source",
        ),
        (
            '{"cells": [{"cell_type": "code", "source": 5}], "metadata": {}, '
            '"nbformat": 4, "nbformat_minor": 5}',
            "not a valid notebook: a key a notebook needs is missing",
        ),
    ],
)
def test_unreadable_notebooks_are_set_aside(tmp_path, released, content, expected):
    path = write(tmp_path / NAME, content)
    nb, findings, reason = checked(path, released)
    assert nb is None and findings == []
    assert reason is not None and reason.startswith(expected), reason


def test_huge_file_is_set_aside_without_reading_it(tmp_path, released):
    path = tmp_path / NAME
    with open(path, "wb") as f:
        f.truncate(intake.MAX_NOTEBOOK_BYTES + 1)  # sparse: costs nothing
    nb, _, reason = checked(path, released)
    assert nb is None and reason is not None and reason.startswith("file too large")


def test_another_lessons_notebook_is_set_aside(tmp_path, released):
    other = nbformat.read(NOTEBOOKS / "00-index.ipynb", as_version=4)
    nb, _, reason = checked(write(tmp_path / NAME, other), released)
    assert nb is None and reason is not None
    assert reason.startswith("not this lesson's notebook: none of its graded cells (ex1")


@pytest.mark.parametrize(
    ("kernelspec", "shown"),
    [
        ({"name": "ir", "display_name": "R", "language": "R"}, "'ir'"),
        (
            {"name": "python3-custom", "display_name": "Py", "language": "python"},
            "'python3-custom'",
        ),
        (None, "(none)"),
        ({"name": "x; import os " * 10, "display_name": "?"}, "(an unusual name)"),
    ],
)
def test_another_kernel_is_replaced(tmp_path, released, kernelspec, shown):
    nb = copy.deepcopy(released)
    if kernelspec is None:
        del nb.metadata["kernelspec"]
    else:
        nb.metadata["kernelspec"] = kernelspec
    graded, findings, reason = checked(write(tmp_path / NAME, nb), released)
    assert reason is None and graded is not None
    assert findings == [f"kernel {shown} replaced by python3"]
    assert graded.metadata["kernelspec"] == released.metadata["kernelspec"]


def test_pasted_test_cell_becomes_plain_code_for_that_student_only(tmp_path, released):
    pasted = answered(released)
    tests = pasted.cells[index_of(pasted, "ex1-tests")]
    copy_below = copy.deepcopy(tests)
    copy_below["id"] = "pasted-1"
    pasted.cells.append(copy_below)
    copy_above = copy.deepcopy(pasted.cells[index_of(pasted, "ex2")])  # the answer, pasted above
    copy_above["id"] = "pasted-2"
    pasted.cells.insert(3, copy_above)
    nb, findings, reason = checked(write(tmp_path / "mallory" / NAME, pasted), released)
    assert reason is None and nb is not None
    last = len(pasted.cells)
    assert findings == [
        "pasted copy of answer cell ex2 (cell 4) graded as plain code",
        f"pasted copy of graded cell ex1-tests (cell {last}) graded as plain code",
    ]
    # one cell per grade id, in the release's order; the copies kept their code
    assert grade_ids(nb) == grade_ids(released)
    assert "nbgrader" not in nb.cells[-1].metadata and nb.cells[-1].source == tests.source
    assert "nbgrader" not in nb.cells[3].metadata and SECRET in nb.cells[3].source
    assert index_of(nb, "ex2") > index_of(nb, "ex1-tests")
    # another student's notebook is not affected
    honest = write(tmp_path / "alice" / NAME, answered(released))
    _, findings, reason = checked(honest, released)
    assert (findings, reason) == ([], None)


def test_deleted_test_cell_is_restored_in_place(tmp_path, released):
    nb = answered(released)
    where = index_of(nb, "ex2-tests")
    del nb.cells[where]
    graded, findings, reason = checked(write(tmp_path / NAME, nb), released)
    assert reason is None and graded is not None
    assert findings == ["deleted test cell ex2-tests: restored"]
    restored = graded.cells[index_of(graded, "ex2-tests")]
    original = released.cells[index_of(released, "ex2-tests")]
    assert index_of(graded, "ex2-tests") == index_of(graded, "ex2") + 1
    assert restored.source == original.source and restored.metadata == original.metadata
    assert restored.outputs == [] and len(graded.cells) == len(released.cells)


def test_deleted_test_cell_and_its_answer(tmp_path, released):
    nb = answered(released)
    start = index_of(nb, "ex1")
    del nb.cells[start : start + 2]  # the answer and its tests
    graded, findings, _ = checked(write(tmp_path / NAME, nb), released)
    assert graded is not None
    assert findings == [
        "deleted answer cell ex1: not restored (the answer may be in another cell)",
        "deleted test cell ex1-tests: restored",
    ]
    # right after the released cell that came before the answer
    before = released.cells[start - 1]["id"]
    ids = [c.get("id") for c in graded.cells]
    assert index_of(graded, "ex1-tests") == ids.index(before) + 1


def test_edited_test_cell_is_reported(tmp_path, released):
    nb = answered(released)
    cell = nb.cells[index_of(nb, "ex1-tests")]
    cell.source = f"{SECRET} = 2  # no more asserts"
    cell.metadata.nbgrader["points"] = 100
    graded, findings, reason = checked(write(tmp_path / NAME, nb), released)
    assert reason is None and graded is not None
    assert findings == [
        "grading flags of test cell ex1-tests changed: restored",
        "edited test cell ex1-tests: restored from the source",
    ]
    # nbgrader restores the source; the points are put back here
    assert graded.cells[index_of(graded, "ex1-tests")].metadata.nbgrader["points"] == 2
    # trailing blanks are not an edit
    nb = answered(released)
    nb.cells[index_of(nb, "ex1-tests")].source += "\n\n"
    _, findings, _ = checked(write(tmp_path / "b.ipynb", nb), released)
    assert findings == []


def test_big_outputs_are_dropped(tmp_path, released):
    nb = answered(released)
    target = index_of(nb, "ex1")
    nb.cells[target].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="x" * (10 * 1024 * 1024))
    ]
    small = nbformat.v4.new_output("stream", name="stdout", text="fine\n")
    other = next(k for k in range(target - 1, 0, -1) if nb.cells[k].cell_type == "code")
    nb.cells[other].outputs = [small]
    path = write(tmp_path / NAME, nb)
    graded, findings, reason = checked(path, released)
    assert reason is None and graded is not None
    assert findings == [f"output of cell {target + 1} (10.0 MB) dropped before grading"]
    assert graded.cells[target].outputs == [] and graded.cells[other].outputs == [small]
    assert len(json.dumps(graded)) < 2 * 1024 * 1024


def test_unknown_grading_metadata_becomes_plain(tmp_path, released):
    nb = answered(released)
    stray = nbformat.v4.new_code_cell("x = 1")
    stray.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "ex9-tests",
        "locked": True,
        "points": 5,
        "solution": False,
        "schema_version": 3,
    }
    nb.cells.append(stray)
    graded, findings, _ = checked(write(tmp_path / NAME, nb), released)
    assert graded is not None and "nbgrader" not in graded.cells[-1].metadata
    assert findings == [
        f"cell {len(nb.cells)} carries grading metadata of a cell this lesson does not have: "
        "graded as plain code"
    ]
