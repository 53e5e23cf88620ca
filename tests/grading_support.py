"""One grading run of the whole course, shared by the grading and wrong-answer tests.

The course is released with nbgrader, and these learners hand in every lesson:
- alice solved everything (her notebook is the source, solutions included);
- bob handed in the learner copy untouched;
- mallory handed in the untouched copy with every test cell's asserts deleted;
- wrong1, wrong2, ...: the learner copy with the k-th wrong answer of the lesson's catalogue
  (tests/wrong_answers/) in each exercise that has one, and the right answer elsewhere.
Then every submission is autograded: the lessons are shared among two processes, each with
its own course folder and gradebook, read as one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Grade, Gradebook, SubmittedAssignment
from nbgrader.apps import NbGraderAPI
from support import LESSONS, NOTEBOOKS, SOURCE, nbgrader_meta
from wrong_answers import catalogue

from pkicourse.grading import run as grading_run

CATALOGUE = catalogue()
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)


@dataclass
class Injection:
    """A submission with wrong answers: which mistake went into which exercise."""

    student: str
    lesson: str
    mistakes: dict[str, str] = field(default_factory=dict)  # grade_id -> mistake


def solutions(lesson: str) -> dict[str, str]:
    """{grade_id: the source's solution cell without the nbgrader markers}."""
    nb = nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4)
    return {
        str(nbgrader_meta(c)["grade_id"]): _MARKER.sub("", c.source)
        for c in nb.cells
        if nbgrader_meta(c).get("solution")
    }


def with_answers(learner: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the learner copy whose solution cells hold the given code."""
    nb = nbformat.from_dict(learner)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[str(grade_id)]
    return nb


def injections(lesson: str) -> list[tuple[Injection, dict[str, str]]]:
    """The k-th wrong answer of every exercise, for k = 1, 2, ...: (who, the cells' code)."""
    wrong = CATALOGUE.get(lesson, {})
    right = solutions(lesson)
    rounds = max((len(mistakes) for mistakes in wrong.values()), default=0)
    made = []
    for k in range(rounds):
        injection = Injection(student=f"wrong{k + 1}", lesson=lesson)
        answers = dict(right)
        for grade_id, mistakes in wrong.items():
            if k < len(mistakes):
                name, code = list(mistakes.items())[k]
                injection.mistakes[grade_id] = name
                answers[grade_id] = code
        made.append((injection, answers))
    return made


def learner_copy(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)


def _hand_in(course: Path, student: str, lesson: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / lesson
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{lesson}.ipynb")


def _without_asserts(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade"):
            cell.source = "pass  # tests removed"
    return nb


def grade_lessons(course: Path, lessons: list[str]) -> Path:
    """Release, hand in and autograde ``lessons`` in the course folder ``course``; return the
    gradebook's path."""
    releases = grading_run.release(SOURCE, lessons, course)
    config = grading_run.nbgrader_config(course)
    # Kernels talk over unix sockets in this course folder: with TCP, a port chosen for one
    # kernel could be taken (by another grading process's kernel or a lesson's server) before
    # the kernel binds it ("Address already in use").
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(course / "kernel")
    api = NbGraderAPI(config=config)
    for lesson, released in releases.items():
        students = {
            "alice": nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4),
            "bob": released,
            "mallory": _without_asserts(released),
        }
        for injection, answers in injections(lesson):
            students[injection.student] = with_answers(released, answers)
        for student, nb in students.items():
            _hand_in(course, student, lesson, nb)
            result = api.autograde(lesson, student, force=True, create=True)
            assert result["success"], result["log"]
    return course / "gradebook.db"


class Gradebooks:
    """Several gradebooks read as one: each lesson is looked up in the one that graded it."""

    def __init__(self, books: dict[str, Gradebook]) -> None:
        self._books = books  # lesson -> its gradebook

    def find_submission(self, assignment: str, student: str) -> SubmittedAssignment:
        return self._books[assignment].find_submission(assignment, student)

    def find_grade(self, grade_id: str, notebook: str, assignment: str, student: str) -> Grade:
        return self._books[assignment].find_grade(grade_id, notebook, assignment, student)


def grade_course(folder: Path, workers: int = 2) -> Iterator[Gradebooks]:
    """Grade every lesson, the lessons shared among ``workers`` processes (each autograde is a
    kernel running a lesson: two cores grade two lessons at once); yield the gradebooks."""
    shares = [LESSONS[k::workers] for k in range(workers)]
    runs = []
    for k, lessons in enumerate(shares):
        course = folder / f"course{k}"
        course.mkdir()
        command = [sys.executable, str(Path(__file__)), str(course), *lessons]
        runs.append((course, lessons, subprocess.Popen(command, cwd=Path(__file__).parent)))
    books: dict[str, Gradebook] = {}
    with ExitStack() as stack:
        for course, lessons, run in runs:
            assert run.wait() == 0, f"grading {lessons} failed: see the output above"
            book = stack.enter_context(Gradebook(f"sqlite:///{course / 'gradebook.db'}"))
            books.update(dict.fromkeys(lessons, book))
        yield Gradebooks(books)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # one worker of grade_course: python grading_support.py COURSE LESSON...
    grade_lessons(Path(sys.argv[1]), sys.argv[2:])
