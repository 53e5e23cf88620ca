"""The class grader on a synthetic class: every case of issue 8 once, graded in one real run.

tests/class_support.py writes the class (one student per case, with the score each must get);
the fixture grades it with the real command, ``pkicourse-grade``, twice into the same --out
(the second run is a regrade), and the tests read what an instructor reads: grades.csv, the
gradebook, report.md, the feedback HTML and the printed output.
"""

from __future__ import annotations

import csv
import html
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from class_support import LESSON, Expect, build_class, hashes
from support import SOURCE, nbgrader_meta

pytest.importorskip("nbgrader")

GRADE = Path(sys.executable).parent / "pkicourse-grade"
TIMEOUT = 10  # seconds per cell, for both runs
# Who runs the kernels: "auto" (nobody when the tests run as root, as in CI) unless told.
KERNEL_USER = os.environ.get("PKICOURSE_TEST_KERNEL_USER", "auto")
FINDING = re.compile(r"(pasted|deleted|edited)[^;\n]*\bex\d+-tests\b", re.IGNORECASE)


@dataclass
class Run:
    seconds: float
    stdout: str
    stderr: str
    rows: dict[str, dict[str, str]]  # grades.csv, by student
    scores: dict[str, float | None]  # the gradebook's score per student (None: no submission)
    manual: list[tuple[str, str, float]]  # (student, grade id, manual score) of any set


@dataclass
class Graded:
    folder: Path  # the submissions
    out: Path
    expected: dict[str, Expect]
    before: dict[str, str]  # hashes of every submitted file before grading
    first: Run
    second: Run


def _grade(folder: Path, out: Path, *extra: str) -> Run:
    from nbgrader.api import Gradebook, MissingEntry

    # Relative paths, from the output's parent folder, as `make grade` passes them.
    here = out.parent
    command = [str(GRADE), os.path.relpath(folder, here), "--out", out.name, "--lessons", LESSON]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--timeout", str(TIMEOUT), "--kernel-user", KERNEL_USER, *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=here,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"pkicourse-grade failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    with (out / "grades.csv").open(newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    scores: dict[str, float | None] = {}
    manual = []
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "pkicourse") as book:
        for student in rows:
            try:
                submission = book.find_submission(LESSON, student)
            except MissingEntry:
                scores[student] = None
                continue
            scores[student] = float(submission.score)
            for notebook in submission.notebooks:
                manual += [
                    (student, g.name, g.manual_score)
                    for g in notebook.grades
                    if g.manual_score is not None
                ]
    return Run(seconds, done.stdout, done.stderr, rows, scores, manual)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    root = tmp_path_factory.mktemp("class")
    folder, out = root / "submitted", root / "grades"
    started = time.monotonic()
    expected = build_class(folder, LESSON)
    before = hashes(folder)
    built = time.monotonic() - started
    first = _grade(folder, out)
    second = _grade(folder, out, "--no-feedback")  # a regrade; the feedback is kept
    print(
        f"\nclass of {len(expected)} built in {built:.1f} s; graded in {first.seconds:.1f} s, "
        f"regraded in {second.seconds:.1f} s (cell timeout {TIMEOUT} s)"
    )
    return Graded(folder, out, expected, before, first, second)


def test_every_student_has_a_row(graded: Graded) -> None:
    assert sorted(graded.first.rows) == sorted(graded.expected), graded.first.stdout


def test_scores_and_statuses_in_grades_csv(graded: Graded) -> None:
    wrong = []
    for student, expect in graded.expected.items():
        row = graded.first.rows[student]
        status = row[f"{LESSON} status"]
        ok_status = status == "graded" if expect.status == "graded" else status.startswith("failed")
        if float(row[LESSON]) != expect.score or not ok_status:
            wrong.append(
                f"{student} ({expect.what}): got {row[LESSON]} / {status!r}, "
                f"expected {expect.score:g} / {expect.status!r}"
            )
    assert not wrong, "\n".join(wrong)


def test_scores_in_the_gradebook(graded: Graded) -> None:
    wrong = []
    for student, expect in graded.expected.items():
        got = graded.first.scores[student]
        if expect.status == "failed" and got in (None, 0.0):
            continue
        if got != expect.score:
            wrong.append(
                f"{student} ({expect.what}): gradebook says {got}, expected {expect.score:g}"
            )
    assert not wrong, "\n".join(wrong)


def test_no_manual_score_reaches_the_class_gradebook(graded: Graded) -> None:
    # s..-cheat-gradebook writes manual_score = full marks into every gradebook.db it can find
    assert graded.first.manual == [], graded.first.manual
    assert graded.second.manual == [], graded.second.manual


def test_set_aside_submissions_say_why(graded: Graded) -> None:
    report = (graded.out / "report.md").read_text()
    for student, expect in graded.expected.items():
        if expect.status != "failed":
            continue
        status = graded.first.rows[student][f"{LESSON} status"]
        assert re.search(expect.reason, status, re.IGNORECASE), f"{student}: {status!r}"
        assert status.removeprefix("failed:").strip() in _sections(report)[student], student


def _sections(report: str) -> dict[str, str]:
    """{student: the report's lines about that student}."""
    found: dict[str, str] = {}
    current = None
    for line in report.splitlines():
        head = re.match(r"^- \*\*(.+?)\*\*", line)
        if head:
            current = head.group(1)
            found[current] = ""
        elif current is not None and line.startswith("  "):
            found[current] += line + "\n"
        else:
            current = None
    return found


def test_report_names_edited_deleted_and_pasted_cells_of_those_students_only(
    graded: Graded,
) -> None:
    sections = _sections((graded.out / "report.md").read_text())
    for student, expect in graded.expected.items():
        said = sections.get(student, "")
        named = set(
            re.findall(r"\bex\d+-tests\b", " ".join(m.group(0) for m in FINDING.finditer(said)))
        )
        assert named == set(expect.findings), f"{student} ({expect.what}): the report says\n{said}"


def test_report_names_the_students_whose_hooks_were_reset(graded: Graded) -> None:
    """The transformer cheats score only their honest answer, and the instructor is told."""
    sections = _sections((graded.out / "report.md").read_text())
    for student, expect in graded.expected.items():
        reset = "hooks reset" in sections.get(student, "")
        assert reset == ("transformer" in expect.what), f"{student} ({expect.what})"


def test_no_submitted_file_is_modified(graded: Graded) -> None:
    assert hashes(graded.folder) == graded.before


def _hidden_lines() -> list[str]:
    nb = nbformat.read(SOURCE / LESSON / f"{LESSON}.ipynb", as_version=4)
    lines = []
    for cell in nb.cells:
        if not nbgrader_meta(cell).get("grade") or nbgrader_meta(cell).get("solution"):
            continue
        hidden = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
        if hidden:
            lines += [
                line.strip() for line in hidden.group(1).splitlines() if len(line.strip()) > 12
            ]
    assert lines, "the lesson has hidden tests"
    return lines


def _visible_text(page: Path) -> str:
    """The text of an HTML page as a reader sees it (tags removed, entities decoded)."""
    text = re.sub(r"<[^>]+>", "", page.read_text(errors="replace"))
    return html.unescape(text)


def test_feedback_holds_no_hidden_test(graded: Graded) -> None:
    hidden = _hidden_lines()
    pages = sorted((graded.out / "feedback").rglob("*.html"))
    graded_students = {s for s, e in graded.expected.items() if e.status == "graded"}
    assert {p.relative_to(graded.out / "feedback").parts[0] for p in pages} == graded_students
    visible = '_must_refuse(_key, [_stream[1], _stream[0]], "two records swapped")'
    for page in pages:
        text = _visible_text(page)
        assert visible in text, f"{page}: the visible tests are missing (is the text readable?)"
        shown = [line for line in hidden if line in text]
        assert not shown, f"{page} shows hidden tests: {shown[:3]}"


def test_grading_twice_gives_the_same_gradebook(graded: Graded) -> None:
    def table(run: Run) -> dict[str, tuple[str, str, float | None]]:
        return {
            s: (row[LESSON], row[f"{LESSON} status"], run.scores[s]) for s, row in run.rows.items()
        }

    assert table(graded.second) == table(graded.first)


def test_progress_and_summary_are_printed(graded: Graded) -> None:
    tasks = sum(e.status == "graded" for e in graded.expected.values())
    progress = graded.first.stderr
    assert re.search(rf"\b0/{tasks}\b", progress) and re.search(
        rf"\b{tasks}/{tasks}\b", progress
    ), progress[-2000:]
    assert "ETA" in progress and "failures" in progress
    summary = graded.first.stdout
    for student in graded.expected:
        assert re.search(rf"^{re.escape(student)}\s", summary, re.MULTILINE), summary
    assert "grades.csv" in summary and "report.md" in summary
