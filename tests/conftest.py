"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from binder_support import BinderEnv, build
from grading_support import Gradebooks, grade_course


@pytest.fixture(scope="session")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gradebooks]:
    """The whole course released, handed in by every test learner, and autograded."""
    yield from grade_course(tmp_path_factory.mktemp("grading"), workers=4)


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> BinderEnv:
    """The learner environment built from binder/ (pins, then postBuild), timed and measured."""
    return build(tmp_path_factory.mktemp("binder"))  # tests/test_binder.py prints the figures
