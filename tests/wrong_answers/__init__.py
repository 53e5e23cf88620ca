"""The wrong-answer catalogue: for every graded exercise, plausible wrong answers that must fail.

Each lesson has a module ``lessonNN.py`` with ``LESSON`` (the lesson's name) and ``WRONG``:
``{grade_id of the solution cell: {what the mistake is: the whole replacement cell source}}``.
tests/test_wrong_answers.py injects them into the learner copy and checks that the visible tests
reject each one with a message, and that nbgrader's autograde gives it no points.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["catalogue"]


def catalogue() -> dict[str, dict[str, dict[str, str]]]:
    """{lesson: {grade_id: {mistake: code}}} for every lessonNN module here."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("lesson"):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            found[module.LESSON] = module.WRONG
    return found
