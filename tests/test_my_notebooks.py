"""tools/my_notebooks.py: the learner's own copies in my-notebooks/ survive course updates.

Every test works in a temporary copy of notebooks/ (the "course") and a temporary my-notebooks/;
the real folders are only read. A course update is simulated by editing the temporary course copy,
a learner by editing the temporary my-notebooks/ copy, both with nbformat.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from support import NOTEBOOKS, ROOT

sys.path.insert(0, str(ROOT / "tools"))  # tools/ is not a package (support.py does the same)
import my_notebooks  # noqa: E402

Edit = Callable[[nbformat.NotebookNode], None]


class Course:
    """A temporary course folder and learner folder, and what a run of the tool printed."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.course, self.mine, self._capsys = (
            tmp_path / "notebooks",
            tmp_path / "my-notebooks",
            capsys,
        )
        self.course.mkdir()
        for path in NOTEBOOKS.glob("*.ipynb"):
            shutil.copyfile(path, self.course / path.name)

    def run(self, *args: str) -> str:
        """Run the tool (as `make lab` does, or with --update ...); what it printed."""
        self._capsys.readouterr()
        assert (
            my_notebooks.main(["--course", str(self.course), "--mine", str(self.mine), *args]) == 0
        )
        return self._capsys.readouterr().out

    def edit(self, path: Path, change: Edit) -> None:
        nb = nbformat.read(path, as_version=4)
        change(nb)
        nbformat.write(nb, path)

    def course_update(self, lesson: str, change: Edit) -> None:
        self.edit(self.course / f"{lesson}.ipynb", change)

    def learner_edit(self, lesson: str, change: Edit) -> None:
        self.edit(self.mine / f"{lesson}.ipynb", change)

    def mine_nb(self, lesson: str) -> nbformat.NotebookNode:
        nb = nbformat.read(self.mine / f"{lesson}.ipynb", as_version=4)
        nbformat.validate(nb)  # what the tool writes, JupyterLab can open
        return nb

    def kept(self, lesson: str) -> list[Path]:
        return sorted(self.mine.glob(f"{lesson}.mine-*.ipynb"))


@pytest.fixture
def course(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Course:
    return Course(tmp_path, capsys)


def cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def guess_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Lesson 03's guess: `my_guess = None  # ← your guess: True or False`, then check(...)."""
    label = "after a renewal with the same key"
    return next(c for c in nb.cells if label in c.source and "check(" in c.source)


def answer(grade_id: str, text: str) -> Edit:
    def change(nb: nbformat.NotebookNode) -> None:
        cell(nb, grade_id).source = text

    return change


def retitle(nb: nbformat.NotebookNode) -> None:
    nb.cells[0].source += "\n\nNew in this version of the course."
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A paragraph the course added."))


MY_EX1 = 'def matches_host(cert, hostname):\n    return "my own answer"\n'
GUESS_LINE = "my_guess = None  # ← your guess: True or False"


def test_the_first_run_copies_every_lesson_and_the_next_changes_nothing(course: Course) -> None:
    before = {p.name: p.read_bytes() for p in course.course.iterdir()}
    out = course.run()
    assert "Made your own copies of the lessons in my-notebooks/" in out
    lessons = sorted(p.name for p in course.mine.glob("*.ipynb"))
    assert lessons == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) and len(lessons) == 9
    for name in lessons:
        assert (course.mine / name).read_bytes() == before[name]
    assert sorted(json.loads((course.mine / ".course-versions.json").read_text())) == lessons
    course.learner_edit("03-certificates", answer("ex1", MY_EX1))
    mine = (course.mine / "03-certificates.ipynb").read_bytes()
    assert course.run() == "", "nothing changed in the course: nothing to say"
    assert (course.mine / "03-certificates.ipynb").read_bytes() == mine
    assert {p.name: p.read_bytes() for p in course.course.iterdir()} == before, "notebooks/ is read"


def test_a_course_update_is_announced_and_the_learners_copy_is_untouched(course: Course) -> None:
    course.run()
    course.learner_edit("03-certificates", answer("ex1", MY_EX1))
    mine = (course.mine / "03-certificates.ipynb").read_bytes()
    course.course_update("03-certificates", retitle)
    for _ in range(2):  # said on every run until taken
        out = course.run()
        assert "The course has updated lessons you worked in" in out
        assert "  03-certificates\n" in out and "make update-lessons LESSON=03-certificates" in out
        assert (course.mine / "03-certificates.ipynb").read_bytes() == mine
    assert course.kept("03-certificates") == []
    assert "04-csr" not in out, "the twin: an unchanged lesson is not announced"


def test_taking_the_update_keeps_theirs_and_carries_their_answers(course: Course) -> None:
    course.run()
    # The learner answers exercise 1 and the guess of 03, and both exercises of 04.
    course.learner_edit("03-certificates", answer("ex1", MY_EX1))

    def guess(nb: nbformat.NotebookNode) -> None:
        guess_cell(nb).source = guess_cell(nb).source.replace(GUESS_LINE, "my_guess = True")

    course.learner_edit("03-certificates", guess)
    course.learner_edit(
        "04-csr", answer("ex1", "def review_csr(csr, ordered_names):\n    return []\n")
    )
    course.learner_edit("04-csr", answer("ex2", "def csr_for_renewal(a, b):\n    return 'mine'\n"))
    theirs = {n: (course.mine / f"{n}.ipynb").read_bytes() for n in ("03-certificates", "04-csr")}
    # The course updates 03 (new text, a new starter for the exercise they did not start) and 04
    # (exercise 2 replaced by another).
    new_starter = (
        'def check_issuer(cert, candidate):\n    """New docstring."""\n    # YOUR CODE HERE\n'
    )

    def update_03(nb: nbformat.NotebookNode) -> None:
        retitle(nb)
        cell(nb, "ex2").source = new_starter

    course.course_update("03-certificates", update_03)
    course.course_update(
        "04-csr", lambda nb: cell(nb, "ex2").metadata.nbgrader.update(grade_id="ex3")
    )

    out = course.run("--update")
    for lesson, mine in theirs.items():
        [kept] = course.kept(lesson)
        assert kept.read_bytes() == mine, "their copy is kept as it was"
        assert f"yours is kept as {kept.name}" in out
    new = course.mine_nb("03-certificates")
    assert new.cells[1].source == "A paragraph the course added."
    assert new.cells[0].source.endswith("New in this version of the course.")
    assert cell(new, "ex1").source == MY_EX1
    assert cell(new, "ex2").source == new_starter, "an exercise not started takes the new starter"
    assert (
        "my_guess = True\n" in guess_cell(new).source and GUESS_LINE not in guess_cell(new).source
    )
    assert "carried over: exercise ex1" in out and "carried over: guess my_guess" in out
    assert "carried over: exercise ex2" not in out.split("04-csr")[0]
    new_04 = course.mine_nb("04-csr")
    assert cell(new_04, "ex1").source.endswith("return []\n")
    assert "NOT carried over" in out and "exercise ex2 (no longer in the lesson)" in out
    assert "# YOUR CODE HERE" in cell(new_04, "ex3").source
    assert "The course has updated" not in course.run(), "taken: no longer announced"
    # The lesson the course did not touch kept its copy.
    assert course.kept("05-certificate-authorities") == []


def test_one_lesson_can_be_taken_alone(course: Course) -> None:
    course.run()
    for lesson in ("03-certificates", "04-csr"):
        course.learner_edit(lesson, answer("ex1", "def f():\n    return 1\n"))
        course.course_update(lesson, retitle)
    out = course.run("--update", "03")
    assert len(course.kept("03-certificates")) == 1 and course.kept("04-csr") == []
    assert "04-csr" not in out
    assert "  04-csr\n" in course.run(), "04 is still waiting"
    with pytest.raises(SystemExit, match="No single lesson called '0'; the lessons: 00-index"):
        course.run("--update", "0")


def test_a_copy_the_learner_never_edited_is_updated_silently(course: Course) -> None:
    course.run()

    def ran_it(nb: nbformat.NotebookNode) -> None:  # outputs and counts are not the learner's
        code = next(c for c in nb.cells if c.cell_type == "code")
        code.execution_count = 1
        code.outputs = [nbformat.v4.new_output("stream", text="hello\n")]

    course.learner_edit("05-certificate-authorities", ran_it)
    course.course_update("05-certificate-authorities", retitle)
    out = course.run()
    assert "05-certificate-authorities.ipynb: the course updated it; you had not edited" in out
    assert "The course has updated lessons you worked in" not in out
    mine = course.mine / "05-certificate-authorities.ipynb"
    assert mine.read_bytes() == (course.course / mine.name).read_bytes()
    assert course.kept("05-certificate-authorities") == []


def test_a_deleted_lesson_is_copied_again_and_a_new_lesson_is_copied_in(course: Course) -> None:
    course.run()
    (course.mine / "07-mitm.ipynb").unlink()
    new_lesson = course.course / "09-ocsp.ipynb"
    shutil.copyfile(course.course / "08-putting-it-together.ipynb", new_lesson)
    out = course.run()
    assert "my-notebooks/07-mitm.ipynb: copied from the course (you had deleted it" in out
    assert "my-notebooks/09-ocsp.ipynb: copied from the course (a new lesson)" in out
    for name in ("07-mitm.ipynb", "09-ocsp.ipynb"):
        assert (course.mine / name).read_bytes() == (course.course / name).read_bytes()


def test_a_corrupt_record_is_kept_and_nothing_is_lost(course: Course) -> None:
    course.run()
    course.learner_edit("03-certificates", answer("ex1", MY_EX1))
    mine = (course.mine / "03-certificates.ipynb").read_bytes()
    (course.mine / ".course-versions.json").write_text('{"00-index.ipynb": {"cou')
    out = course.run()
    assert ".course-versions.json could not be read" in out
    [broken] = course.mine.glob(".course-versions.broken-*.json")
    assert broken.read_text() == '{"00-index.ipynb": {"cou'
    assert (course.mine / "03-certificates.ipynb").read_bytes() == mine
    assert "  03-certificates\n" in out, "which version it came from is unknown: offered"
    assert "  04-csr\n" not in out, "the twin: a copy equal to the course's is simply recorded"
    record = json.loads((course.mine / ".course-versions.json").read_text())
    assert len(record) == 8 and "03-certificates.ipynb" not in record, "03 stays offered"
    course.run("--update", "03-certificates")
    assert cell(course.mine_nb("03-certificates"), "ex1").source == MY_EX1


def test_a_broken_learner_notebook_is_reported_and_kept(course: Course) -> None:
    course.run()
    broken = course.mine / "03-certificates.ipynb"
    text = broken.read_bytes()[:5000]  # a learner's editor cut it short
    broken.write_bytes(text)
    course.course_update("03-certificates", retitle)
    out = course.run()
    assert "my-notebooks/03-certificates.ipynb cannot be read as a notebook (JSONDecodeError" in out
    assert "Nothing was changed" in out and "make update-lessons LESSON=03-certificates" in out
    assert broken.read_bytes() == text
    out = course.run("--update", "03-certificates")
    [kept] = course.kept("03-certificates")
    assert kept.read_bytes() == text
    assert "NOT carried over" in out and "cannot be read as a notebook" in out
    assert course.mine_nb("03-certificates").cells[1].source == "A paragraph the course added."
    assert course.run() == "", "mended: nothing more to say"


def test_make_update_lessons_runs_the_tool(tmp_path: Path) -> None:
    """The Makefile's target, on the real notebooks/ (only read) and a temporary my-notebooks/."""
    mine, real_existed = tmp_path / "my-notebooks", (ROOT / "my-notebooks").exists()
    make = ["make", "-s", f"VENV={sys.prefix}", f"-o{sys.prefix}/.lab", f"MY_NOTEBOOKS={mine}"]
    out = subprocess.run(
        [*make, "update-lessons", "LESSON=03-certificates"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Made your own copies" in out and "03-certificates.ipynb: now the course's" in out
    assert len(list(mine.glob("03-certificates.mine-*.ipynb"))) == 1
    assert (ROOT / "my-notebooks").exists() == real_existed, "the real my-notebooks/ is left alone"


def test_without_the_record_an_old_starter_is_not_carried_over_a_new_one(course: Course) -> None:
    """The record lost, the course changes an exercise's starter: the learner's copy still holds
    the old starter (it raises NotImplementedError), which must not replace the new one; a draft
    that still raises is named, and kept in the .mine copy."""
    course.run()
    course.learner_edit("03-certificates", retitle)  # the learner worked in the lesson
    (course.mine / ".course-versions.json").unlink()
    new_starter = (
        "def matches_host(cert, hostname):\n    # a better hint\n    raise NotImplementedError()"
    )
    course.course_update("03-certificates", answer("ex1", new_starter))
    out = course.run("--update", "03-certificates")
    assert cell(course.mine_nb("03-certificates"), "ex1").source == new_starter
    assert "NOT carried over" in out and "exercise ex1 (unfinished" in out
    [kept] = course.kept("03-certificates")
    assert "raise NotImplementedError()" in cell(nbformat.read(kept, as_version=4), "ex1").source


@pytest.mark.parametrize(
    "entry",
    [{"course": "x", "cells": "y", "answers": []}, {"course": 1}, [], "x"],
    ids=["answers-a-list", "course-a-number", "a-list", "a-string"],
)
def test_a_hand_edited_record_entry_is_set_aside_not_a_crash(course: Course, entry: object) -> None:
    course.run()
    course.learner_edit("03-certificates", answer("ex1", MY_EX1))
    (course.mine / ".course-versions.json").write_text(json.dumps({"03-certificates.ipynb": entry}))
    out = course.run("--update", "03-certificates")
    assert ".course-versions.json could not be read" in out
    assert cell(course.mine_nb("03-certificates"), "ex1").source == MY_EX1
