"""An instructor's grading run, end to end, with nbgrader's autograder (tests/grading_support.py).

- alice solved everything: full marks;
- bob handed in the learner copy untouched: zero;
- mallory deleted the asserts in every test cell, hoping to pass: nbgrader restores locked test
  cells from the source, so she still gets zero.
"""

from __future__ import annotations

import pytest
from grading_support import Gradebooks
from support import LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_solved_lesson_gets_full_marks(gradebook: Gradebooks, lesson: str) -> None:
    submission = gradebook.find_submission(lesson, "alice")
    print(f"{lesson}: alice {submission.score}/{submission.max_score}")
    assert submission.max_score >= 3
    assert submission.score == submission.max_score


@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_copy_gets_zero(gradebook: Gradebooks, lesson: str) -> None:
    assert gradebook.find_submission(lesson, "bob").score == 0


@pytest.mark.parametrize("lesson", LESSONS)
def test_deleting_the_tests_does_not_help(gradebook: Gradebooks, lesson: str) -> None:
    assert gradebook.find_submission(lesson, "mallory").score == 0
