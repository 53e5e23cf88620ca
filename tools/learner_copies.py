"""Generate the learner copies in notebooks/ from the nbgrader sources in course/source/.

    python tools/learner_copies.py            # write notebooks/NN-name.ipynb
    python tools/learner_copies.py --check    # exit 1 if notebooks/ drifted from the source

Each lesson's single source is `course/source/NN-name/NN-name.ipynb` (with solutions). nbgrader's
own `generate_assignment` strips the solutions and hidden tests; this script then makes one
addition: every graded test cell gets the `raises-exception` tag, because in the learner copy
those cells call a function whose body is still `raise NotImplementedError()`. JupyterLab reads
the tag: "Run All" runs on past an unsolved exercise instead of stopping there, so the rest of
the lesson still runs (tests/test_browser.py checks it). nbval reads it too, so the learner
copies also run under `pytest --nbval-lax`. And every multiple-choice self-check (a cell that
calls `ask(`) has its code folded (`source_hidden`): its code holds each option's explanation
and the answer, which would otherwise sit on screen right above the question. A click on the
fold shows it.

The generation runs in a temporary copy of the course folder, so it never touches the gradebook.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import nbformat

from pkicourse.errors import GradingError
from pkicourse.grading import run

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "course" / "source"
NOTEBOOKS = ROOT / "notebooks"
RAISES = "raises-exception"


def lesson_names() -> list[str]:
    """The lessons, in course order: the folders of course/source/."""
    return run.lesson_names(SOURCE)


def is_graded_test(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _tag_graded_tests(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code" and is_graded_test(cell):
            tags = cell.metadata.setdefault("tags", [])
            if RAISES not in tags:
                tags.append(RAISES)


def is_multiple_choice(cell: nbformat.NotebookNode) -> bool:
    """A self-check cell that calls ``ask(...)`` (its first line of code does)."""
    lines = [line for line in cell.source.splitlines() if line.strip()]
    code = [line for line in lines if not line.lstrip().startswith("#")]
    return cell.cell_type == "code" and bool(code) and code[0].startswith("ask(")


def _fold_multiple_choice(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if is_multiple_choice(cell):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


def generate(out_dir: Path) -> list[Path]:
    """Run nbgrader generate_assignment for every lesson; write the learner copies to out_dir.

    The release is the grader's own (`pkicourse.grading.run.release`): the same nbgrader
    configuration, and the sources copied without lesson output (`work/`, checkpoints)."""
    written = []
    with tempfile.TemporaryDirectory(prefix="pkicourse-nbgrader-") as tmp:
        try:
            released = run.release(SOURCE, lesson_names(), Path(tmp))
        except GradingError as error:
            raise SystemExit(str(error)) from None
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, nb in released.items():
            _tag_graded_tests(nb)
            _fold_multiple_choice(nb)
            target = out_dir / f"{name}.ipynb"
            nbformat.write(nb, target)
            written.append(target)
    return written


def drifted(generated_dir: Path) -> list[str]:
    """The learner copies in notebooks/ that differ from freshly generated ones.

    The notebooks are compared as JSON documents, so a new nbformat that only lays out the file
    differently is not drift; any change to a cell, its metadata or the notebook's is.
    """
    problems = []
    for fresh in sorted(generated_dir.glob("*.ipynb")):
        committed = NOTEBOOKS / fresh.name
        if not committed.exists():
            problems.append(f"{committed.relative_to(ROOT)} is missing")
        elif _json(committed) != _json(fresh):
            problems.append(f"{committed.relative_to(ROOT)} differs from its source")
    return problems


def _json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drift, write nothing")
    args = parser.parse_args(argv)
    if not args.check:
        for path in generate(NOTEBOOKS):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        problems = drifted(Path(tmp))
    for problem in problems:
        print(f"{problem}: run `make notebooks` and commit the result", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
