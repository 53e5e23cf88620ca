"""An instructor's grading run, end to end, with nbgrader's own autograder.

Three learners hand in every lesson:
- alice solved everything (her notebook is the source, solutions included): full marks;
- bob handed in the learner copy untouched: zero;
- mallory handed in the untouched copy but deleted the asserts in every test cell, hoping
  to pass: nbgrader restores locked test cells from the source, so she still gets zero.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from support import LESSONS, SOURCE, learner_copies


def _hand_in(course: Path, student: str, lesson: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / lesson
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{lesson}.ipynb")


def _without_asserts(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell.source = "pass  # tests removed"
    return nb


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gradebook]:
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(SOURCE, course / "source")
    api = learner_copies.nbgrader_api(course)
    for lesson in LESSONS:
        assert api.generate_assignment(lesson, force=True)["success"]
        learner_copy = course / "release" / lesson / f"{lesson}.ipynb"
        _hand_in(course, "alice", lesson, nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", 4))
        _hand_in(course, "bob", lesson, nbformat.read(learner_copy, 4))
        _hand_in(course, "mallory", lesson, _without_asserts(nbformat.read(learner_copy, 4)))
        for student in ("alice", "bob", "mallory"):
            result = api.autograde(lesson, student, force=True, create=True)
            assert result["success"], result["log"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        yield gb


@pytest.mark.parametrize("lesson", LESSONS)
def test_solved_lesson_gets_full_marks(gradebook: Gradebook, lesson: str) -> None:
    submission = gradebook.find_submission(lesson, "alice")
    print(f"{lesson}: alice {submission.score}/{submission.max_score}")
    assert submission.max_score >= 3
    assert submission.score == submission.max_score


@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_copy_gets_zero(gradebook: Gradebook, lesson: str) -> None:
    assert gradebook.find_submission(lesson, "bob").score == 0


@pytest.mark.parametrize("lesson", LESSONS)
def test_deleting_the_tests_does_not_help(gradebook: Gradebook, lesson: str) -> None:
    assert gradebook.find_submission(lesson, "mallory").score == 0
