"""The wrong-answer catalogue (tests/wrong_answers/): exercise quality as a tested property.

For every graded exercise, at least three plausible wrong answers. Each is injected into the
learner copy; the visible test cell below it must reject it with an AssertionError that says in
words what is wrong, and nbgrader's autograde (hidden tests included) must give it no points.
The twin: the full solution passes every visible test and gets full marks (tests/test_grading.py).
"""

from __future__ import annotations

import tempfile

import nbformat
import pytest
from grading_support import (
    CATALOGUE,
    Gradebooks,
    Injection,
    injections,
    learner_copy,
    solutions,
    with_answers,
)
from nbclient import NotebookClient
from support import LESSONS, nbgrader_meta

MIN_WRONG_ANSWERS = 3
MIN_MESSAGE = 20

CASES = [
    pytest.param(lesson, injection, answers, id=f"{lesson}-{injection.student}")
    for lesson in LESSONS
    for injection, answers in injections(lesson)
]


def _test_cell_ids(nb: nbformat.NotebookNode) -> dict[str, str]:
    """{solution grade_id: grade_id of the graded test cell right after it}."""
    ids = {}
    for cell, after in zip(nb.cells, nb.cells[1:], strict=False):
        if nbgrader_meta(cell).get("solution") and nbgrader_meta(after).get("grade"):
            ids[str(nbgrader_meta(cell)["grade_id"])] = str(nbgrader_meta(after)["grade_id"])
    return ids


def _run(nb: nbformat.NotebookNode) -> dict[str, list[nbformat.NotebookNode]]:
    """Execute in a scratch folder; {grade_id: the cell's error outputs} for nbgrader cells."""
    with tempfile.TemporaryDirectory(prefix="pkicourse-wrong-") as tmp:
        NotebookClient(
            nb, timeout=60, allow_errors=True, resources={"metadata": {"path": tmp}}
        ).execute()
    return {
        str(nbgrader_meta(cell)["grade_id"]): [
            out for out in cell.get("outputs", []) if out.output_type == "error"
        ]
        for cell in nb.cells
        if nbgrader_meta(cell).get("grade_id")
    }


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_a_catalogue(lesson: str) -> None:
    wrong = CATALOGUE.get(lesson, {})
    for grade_id in solutions(lesson):
        assert len(wrong.get(grade_id, {})) >= MIN_WRONG_ANSWERS, (
            f"{lesson} {grade_id}: write at least {MIN_WRONG_ANSWERS} wrong answers in "
            f"tests/wrong_answers/lesson{lesson[:2]}.py"
        )
    unknown = set(wrong) - set(solutions(lesson))
    assert not unknown, f"{lesson}: the catalogue names exercises that do not exist: {unknown}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_full_solution_passes_the_visible_tests(lesson: str) -> None:
    """The twin: with the right answers, no cell of the learner copy fails."""
    errors = _run(with_answers(learner_copy(lesson), solutions(lesson)))
    assert {gid: outs for gid, outs in errors.items() if outs} == {}


@pytest.mark.parametrize(("lesson", "injection", "answers"), CASES)
def test_visible_tests_reject_each_wrong_answer_in_words(
    lesson: str, injection: Injection, answers: dict[str, str]
) -> None:
    nb = with_answers(learner_copy(lesson), answers)
    tests = _test_cell_ids(nb)
    # The lesson runs up to the last test cell that judges a wrong answer; what follows cannot
    # change a verdict (the scratch folder, private keys included, goes afterwards).
    judged = {tests[grade_id] for grade_id in injection.mistakes}
    last = max(
        i for i, cell in enumerate(nb.cells) if nbgrader_meta(cell).get("grade_id") in judged
    )
    nb.cells = nb.cells[: last + 1]
    errors = _run(nb)
    problems = []
    for grade_id, mistake in injection.mistakes.items():
        outs = errors[tests[grade_id]]
        if not outs:
            problems.append(f"{grade_id} '{mistake}': the visible tests passed it")
        elif outs[0].ename != "AssertionError" or len(outs[0].evalue.strip()) < MIN_MESSAGE:
            problems.append(
                f"{grade_id} '{mistake}': failed with {outs[0].ename}: {outs[0].evalue!r}, "
                f"not an AssertionError that says what is wrong"
            )
        else:
            print(f"{lesson} {grade_id} '{mistake}' -> {outs[0].evalue.strip()[:100]}")
    assert problems == []


@pytest.mark.parametrize(("lesson", "injection", "answers"), CASES)
def test_grading_gives_each_wrong_answer_no_points(
    gradebook: Gradebooks, lesson: str, injection: Injection, answers: dict[str, str]
) -> None:
    tests = _test_cell_ids(learner_copy(lesson))
    scored = {
        f"{grade_id} '{mistake}'": gradebook.find_grade(
            tests[grade_id], lesson, lesson, injection.student
        ).score
        for grade_id, mistake in injection.mistakes.items()
    }
    assert scored and all(score == 0 for score in scored.values()), scored
