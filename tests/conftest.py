"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from grading_support import grade_course
from nbgrader.api import Gradebook


@pytest.fixture(scope="session")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gradebook]:
    """The whole course released, handed in by every test learner, and autograded."""
    course = tmp_path_factory.mktemp("course")
    for path in grade_course(course):
        with Gradebook(f"sqlite:///{path}") as gb:
            yield gb
