"""One rule for a lesson's minutes (tools/lesson_minutes.py), the same figure everywhere."""

from __future__ import annotations

import re

import nbformat
import pytest
from support import LESSONS, ROOT, SOURCE, lesson_minutes

MINUTES = {lesson: lesson_minutes.lesson_minutes(lesson) for lesson in LESSONS}


@pytest.mark.parametrize("lesson", LESSONS)
def test_main_path_is_about_45_minutes(lesson: str) -> None:
    minutes = MINUTES[lesson]
    print(f"{lesson}: main path {minutes.main} min, going deeper {minutes.going_deeper} min")
    assert minutes.main <= 50, f"{lesson}: {minutes.main} min; move depth into Going deeper"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lesson_states_its_own_figure(lesson: str) -> None:
    first = nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4).cells[0].source
    stated = re.findall(r"About (\d+) minutes", first)
    assert stated == [str(MINUTES[lesson].main)], f"{lesson} says {stated}"
    optional = re.findall(r"plus about (\d+) optional", first)
    assert optional == [str(MINUTES[lesson].going_deeper)], f"{lesson} says {optional} optional"


def _table_minutes(text: str, header: str) -> dict[str, int]:
    """{lesson number: minutes} from the markdown table with a column whose header starts so."""
    found: dict[str, int] = {}
    column = None
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|"):
            column = None
        elif any(cell.startswith(header) for cell in cells):
            column = next(i for i, cell in enumerate(cells) if cell.startswith(header))
        elif column is not None and re.fullmatch(r"\d\d", cells[0]) and cells[column].isdigit():
            found[cells[0]] = int(cells[column])
    return found


@pytest.mark.parametrize("where", ["README.md", "00-index"])
def test_the_map_and_the_readme_state_the_same_figures(where: str) -> None:
    if where == "README.md":
        text = (ROOT / "README.md").read_text(encoding="utf-8")
    else:
        nb = nbformat.read(SOURCE / where / f"{where}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for header, figure in [("Minutes", "main"), ("Going deeper", "going_deeper")]:
        table = _table_minutes(text, header)
        expected = {lesson[:2]: getattr(MINUTES[lesson], figure) for lesson in LESSONS}
        assert {k: v for k, v in table.items() if k in expected} == expected, header


def test_going_deeper_parts_are_counted_apart() -> None:
    """The twin: a Going-deeper part adds nothing to the main path, and a main heading ends it."""
    nb = nbformat.v4.new_notebook()
    words = " ".join(["word"] * 2000)
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_markdown_cell(f"## Going deeper: maths\n{words}"),
        nbformat.v4.new_markdown_cell(words),
        nbformat.v4.new_markdown_cell(f"## Summary\n{words}"),
    ]
    main, deeper = lesson_minutes.split_going_deeper(nb)
    assert [c.source[:10] for c in deeper] == ["## Going d", "word word "]
    assert lesson_minutes.going_deeper_parts(nb) == [[1, 2]]
    main_words = 1 + 1 + 2000  # "title", "Summary" and its text
    assert sum(map(lesson_minutes.cell_minutes, main)) == pytest.approx(
        main_words / lesson_minutes.WORDS_PER_MINUTE
    )


def test_update_fills_in_a_lesson_that_has_landed() -> None:
    """`--update` turns a "(coming)" row into a link with the rule's figures; others stay."""
    table = (
        "| # | Lesson | Minutes | Going deeper (optional) |\n"
        "|---|---|---|---|\n"
        "| 01 | Keys *(coming)* | – | – |\n"
        "| 99 | Later *(coming)* | – | – |\n"
    )
    updated = lesson_minutes.update_tables(table, "{lesson}.ipynb").splitlines()
    ones = MINUTES["01-asymmetric-keys"]
    assert updated[2] == (
        f"| 01 | [Keys](01-asymmetric-keys.ipynb) | {ones.main} | {ones.going_deeper} |"
    )
    assert updated[3] == "| 99 | Later *(coming)* | – | – |"
    again = lesson_minutes.update_tables("\n".join(updated), "{lesson}.ipynb")
    assert again.splitlines() == updated
