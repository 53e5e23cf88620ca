"""How long a lesson takes: one rule, applied to the lesson's source, stated the same everywhere.

    python tools/lesson_minutes.py           # a table: each lesson's main path and optional parts
    python tools/lesson_minutes.py --update  # write those figures into README.md and 00's map

The rule (a beginner's pace, main path only):
- reading prose: 180 words a minute (markdown cells);
- reading code: 27 non-blank lines a minute, plus 15 seconds per code cell to run it and
  look at what it prints;
- 1 minute per self-check (a cell that calls ``ask`` or ``check``);
- 7 minutes per graded exercise (read the task, write the code, run the tests, fix once);
- the total rounded to the nearest 5 minutes.

It was calibrated on the review of lessons 01 and 02 as first written: a beginner needed 60–75
minutes for each, and the rule gives them 68 and 70 (both round to 70), the middle of that
range. "Going deeper" parts (a markdown cell whose first line is ``## Going deeper``, up to the
next ``## `` heading that is not one) are optional and counted apart. Every place that states a
lesson's minutes (the lesson's first cell, the map in 00-index, README.md) must state this
figure: tests/test_lesson_minutes.py checks it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "course" / "source"

WORDS_PER_MINUTE = 180
CODE_LINES_PER_MINUTE = 27
MINUTES_PER_CODE_CELL = 0.25
MINUTES_PER_SELF_CHECK = 1.0
MINUTES_PER_EXERCISE = 7.0
GOING_DEEPER = re.compile(r"##\s+Going deeper\b", re.IGNORECASE)
_SELF_CHECK = re.compile(r"\b(ask|check)\(")


@dataclass
class Minutes:
    lesson: str
    main: int
    going_deeper: int
    exercises: int


def is_going_deeper_heading(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and bool(GOING_DEEPER.match(cell.source.lstrip()))


def _starts_main_section(cell: nbformat.NotebookNode) -> bool:
    first = cell.source.lstrip()
    return (
        cell.cell_type == "markdown" and first.startswith("## ") and not GOING_DEEPER.match(first)
    )


def split_going_deeper(
    nb: nbformat.NotebookNode,
) -> tuple[list[nbformat.NotebookNode], list[nbformat.NotebookNode]]:
    """The main path's cells and the optional Going-deeper cells, each in order."""
    main: list[nbformat.NotebookNode] = []
    deeper: list[nbformat.NotebookNode] = []
    optional = False
    for cell in nb.cells:
        if is_going_deeper_heading(cell):
            optional = True
        elif _starts_main_section(cell):
            optional = False
        (deeper if optional else main).append(cell)
    return main, deeper


def going_deeper_parts(nb: nbformat.NotebookNode) -> list[list[int]]:
    """The cell indices of each Going-deeper part, part by part."""
    parts: list[list[int]] = []
    optional = False
    for index, cell in enumerate(nb.cells):
        if is_going_deeper_heading(cell):
            optional = True
            parts.append([])
        elif _starts_main_section(cell):
            optional = False
        if optional:
            parts[-1].append(index)
    return parts


def cell_minutes(cell: nbformat.NotebookNode) -> float:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return 0.0  # a test cell is part of its exercise
    if meta.get("solution"):
        return MINUTES_PER_EXERCISE
    if cell.cell_type == "markdown":
        return len(re.findall(r"\w+", cell.source)) / WORDS_PER_MINUTE
    lines = sum(1 for line in cell.source.splitlines() if line.strip())
    minutes = lines / CODE_LINES_PER_MINUTE + MINUTES_PER_CODE_CELL
    if _SELF_CHECK.search(cell.source):
        minutes += MINUTES_PER_SELF_CHECK
    return minutes


def _round5(minutes: float) -> int:
    return max(5, 5 * round(minutes / 5))


def lesson_minutes(lesson: str) -> Minutes:
    nb = nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4)
    main, deeper = split_going_deeper(nb)
    exercises = sum(
        1 for cell in main if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    )
    deeper_minutes = sum(cell_minutes(cell) for cell in deeper)
    return Minutes(
        lesson=lesson,
        main=_round5(sum(cell_minutes(cell) for cell in main)),
        going_deeper=_round5(deeper_minutes) if deeper else 0,
        exercises=exercises,
    )


def lesson_names() -> list[str]:
    """The lessons, in course order (the folders of course/source/ that hold their notebook)."""
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").exists())


def _update_row(line: str, columns: dict[str, int], link: str | None) -> str:
    """One table row with the figures (and, once the lesson exists, the link) filled in."""
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    lesson = next((name for name in lesson_names() if name[:2] == cells[0]), None)
    if lesson is None:
        return line
    minutes = lesson_minutes(lesson)
    cells[columns["Minutes"]] = str(minutes.main)
    cells[columns["Going deeper"]] = str(minutes.going_deeper)
    title = re.sub(r"^\[(.*)\]\(.*\)$", r"\1", cells[1]).replace(" *(coming)*", "")
    cells[1] = f"[{title}]({link.format(lesson=lesson)})" if link else title
    return "| " + " | ".join(cells) + " |"


def update_tables(text: str, link: str) -> str:
    """Rewrite every lesson table in ``text`` (columns "Minutes" and "Going deeper...")."""
    out, columns = [], None
    for line in text.split("\n"):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|"):
            columns = None
        elif "Minutes" in cells:
            columns = {
                "Minutes": cells.index("Minutes"),
                "Going deeper": next(
                    i for i, cell in enumerate(cells) if cell.startswith("Going deeper")
                ),
            }
        elif columns and re.fullmatch(r"\d\d", cells[0]):
            line = _update_row(line, columns, link)
        out.append(line)
    return "\n".join(out)


def update() -> None:
    """Write each lesson's figures into README.md's table and the map in 00-index."""
    readme = ROOT / "README.md"
    readme.write_text(update_tables(readme.read_text(encoding="utf-8"), "notebooks/{lesson}.ipynb"))
    index = SOURCE / "00-index" / "00-index.ipynb"
    nb = nbformat.read(index, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = update_tables(cell.source, "{lesson}.ipynb")
    nbformat.write(nb, index)


def main() -> int:
    if "--update" in sys.argv[1:]:
        update()
    print(f"{'lesson':28} {'main path':>9} {'going deeper':>13} {'exercises':>9}")
    for name in lesson_names():
        m = lesson_minutes(name)
        print(f"{m.lesson:28} {m.main:>7} min {m.going_deeper:>9} min {m.exercises:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
