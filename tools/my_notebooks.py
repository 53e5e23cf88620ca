"""Your own copies of the lessons, in my-notebooks/: `git pull` never touches your answers.

    python tools/my_notebooks.py                    # `make lab` runs this first
    python tools/my_notebooks.py --update [LESSON]  # `make update-lessons [LESSON=03-certificates]`

notebooks/ holds the course's versions (committed, updated by `git pull`); my-notebooks/ (ignored
by git) holds yours, copied from notebooks/ on the first run. `my-notebooks/.course-versions.json`
records, for each lesson, the sha256 of the course's file your copy came from, a fingerprint of
its cells' sources then (outputs ignored), and one of each exercise answer cell. On every run:

- a lesson missing from my-notebooks/ (new in the course, or one you deleted) is copied in;
- a lesson the course changed since your copy: if you never edited your copy it is replaced, else
  it is left alone and you are told the command that takes the new version.

Taking the new version (`--update`) keeps yours as `NN-name.mine-YYYYMMDD-HHMMSS.ipynb` and carries
your answers into the new one: each exercise answer cell you changed (nbgrader `solution` cells,
matched by `grade_id`) and each guess `name = None  # ← your guess` you filled in (matched by the
`check("label", ...)` in its cell). Nothing is ever deleted; notebooks/ is only read.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ".course-versions.json"
CHECK_LABEL = re.compile(r"""check\(\s*("[^"]*"|'[^']*')""")  # check("label", my_guess, ...)
STARTER = "raise NotImplementedError()"  # the last line of every exercise's starter code
GUESS = re.compile(r"^(\w+)\s*=\s*None\s*#\s*←.*$", re.MULTILINE)  # my_guess = None  # ← ...


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def read(path: Path) -> dict:
    """A notebook's JSON, each cell's source as one string; ValueError saying why it is not one.

    Plain json, not nbformat: importing nbformat takes seconds, and this runs before every lab.
    """
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            cell["source"] = "".join(cell["source"])  # a notebook file stores a list of lines
            if not isinstance(cell["cell_type"], str) or not isinstance(cell["metadata"], dict):
                raise TypeError("a cell without a type or metadata")
    except (OSError, ValueError, LookupError, TypeError) as err:  # a learner can break a file
        raise ValueError(
            f"{path.name} cannot be read as a notebook ({type(err).__name__}: {err})"
        ) from err
    return nb


def write(nb: dict, path: Path) -> None:
    """Write a notebook the way Jupyter does (nbformat's layout: indent 1, sorted keys)."""
    for cell in nb["cells"]:
        cell["source"] = cell["source"].splitlines(keepends=True)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def answer_cells(nb: dict) -> dict[str, dict]:
    """The exercise answer cells (nbgrader solution cells), by grade_id."""
    found = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            found[meta["grade_id"]] = cell
    return found


def guess_lines(nb: dict) -> dict[tuple[str, str], str]:
    """Each guess the learner can fill in, by (check label, variable): its line now."""
    found = {}
    for cell in nb["cells"]:
        label = CHECK_LABEL.search(cell["source"]) if cell["cell_type"] == "code" else None
        for name, rest in (
            re.findall(r"^(\w+)(\s*=.*)$", cell["source"], re.MULTILINE) if label else []
        ):
            found.setdefault((label.group(1), name), name + rest)  # the first assignment
    return found


def fingerprint(nb: dict) -> str:
    """The cells' types and sources: what a learner writes (outputs and counts left out)."""
    return sha256(json.dumps([[cell["cell_type"], cell["source"]] for cell in nb["cells"]]))


def record_of(course_file: Path) -> dict:
    """What the record keeps of the course's version of a lesson (see the module docstring)."""
    nb = read(course_file)
    return {
        "course": sha256(course_file.read_bytes()),
        "cells": fingerprint(nb),
        "answers": {gid: sha256(cell["source"]) for gid, cell in answer_cells(nb).items()},
    }


def carry_answers(old: dict, new: dict, recorded: dict) -> tuple[list[str], list[str]]:
    """Put the learner's answers from ``old`` into ``new``: (carried over, could not be)."""
    carried, lost, originals = [], [], recorded.get("answers", {})
    new_answers = answer_cells(new)
    for gid, cell in answer_cells(old).items():
        if sha256(cell["source"]) == originals.get(gid):
            continue  # never started
        if STARTER in cell["source"] and gid in new_answers:  # a draft, or an old starter
            lost.append(f"exercise {gid} (unfinished: it still raises NotImplementedError)")
            continue
        if gid not in new_answers:
            lost.append(f"exercise {gid} (no longer in the lesson)")
        elif new_answers[gid]["source"] != cell["source"]:
            new_answers[gid]["source"] = cell["source"]
            carried.append(f"exercise {gid}")
    theirs = guess_lines(old)
    for cell in new["cells"]:
        label = CHECK_LABEL.search(cell["source"]) if cell["cell_type"] == "code" else None
        lines = cell["source"].split("\n")
        for i, placeholder in enumerate(GUESS.fullmatch(text) if label else None for text in lines):
            if not placeholder:
                continue
            what = f"guess {placeholder.group(1)} for {label.group(1)}"
            line = theirs.pop((label.group(1), placeholder.group(1)), "")
            if not line or GUESS.fullmatch(line):
                continue  # no guess made
            try:
                ast.parse(line)
            except SyntaxError:
                lost.append(f"{what} (not one whole line of Python)")
                continue
            lines[i] = line
            carried.append(what)
        cell["source"] = "\n".join(lines)
    for (label, name), line in theirs.items():
        if "←" in line and not GUESS.fullmatch(line):
            lost.append(f"guess {name} for {label} (that self-check changed)")
    return carried, lost


def keep_aside(path: Path, tag: str) -> Path:
    """Rename ``path`` to ``<stem>.<tag>-YYYYMMDD-HHMMSS<suffix>``, never over an existing file."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept, n = path.with_name(f"{path.stem}.{tag}-{stamp}{path.suffix}"), 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.stem}.{tag}-{stamp}-{n}{path.suffix}")
    return path.rename(kept)


def _well_formed(entry: object) -> bool:
    """A lesson's entry as record_of writes it (a hand-edited one may be anything)."""
    return (
        isinstance(entry, dict)
        and all(isinstance(entry.get(key), str) for key in ("course", "cells"))
        and isinstance(entry.get("answers"), dict)
        and all(isinstance(v, str) for v in entry["answers"].values())
    )


def load_record(mine: Path) -> dict:
    path = mine / RECORD
    if not path.exists():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or not all(_well_formed(v) for v in record.values()):
            raise ValueError("it is not a table of lessons")
    except (OSError, ValueError) as err:
        kept = keep_aside(path, "broken")
        print(
            f"{mine.name}/{RECORD} could not be read ({err}); kept as {kept.name}.\n"
            "Your notebooks are untouched. Lessons that differ from the course's version are "
            "listed below as updated, since the record of which version you had is gone."
        )
        return {}
    return record


def save_record(mine: Path, record: dict) -> None:
    tmp = mine / f"{RECORD}.tmp"
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(mine / RECORD)


def sync(course: Path, mine: Path, record: dict) -> list[str]:
    """Copy in missing lessons, replace unedited ones the course changed; the others it changed."""
    first, pending = not any(mine.glob("*.ipynb")), []
    mine.mkdir(parents=True, exist_ok=True)
    for course_file in sorted(course.glob("[0-9][0-9]-*.ipynb")):
        name, copy, known = course_file.name, mine / course_file.name, record.get(course_file.name)
        if not copy.exists():
            shutil.copyfile(course_file, copy)
            record[name] = record_of(course_file)
            if not first:
                why = "you had deleted it: a fresh copy" if known else "a new lesson"
                print(f"{mine.name}/{name}: copied from the course ({why}).")
            continue
        try:
            theirs = read(copy)
        except ValueError as err:
            print(
                f"{mine.name}/{err}.\nNothing was changed: mend it in a text editor, or run "
                f"`make update-lessons LESSON={copy.stem}` to keep it as "
                f"{copy.stem}.mine-<date>.ipynb and start again from the course's version."
            )
            continue
        if known and known.get("course") == sha256(course_file.read_bytes()):
            continue  # the course has not changed this lesson since the copy
        if fingerprint(theirs) == (known or record_of(course_file)).get("cells"):
            shutil.copyfile(course_file, copy)  # nothing of the learner's to lose (outputs only)
            record[name] = record_of(course_file)
            if known:
                print(f"{mine.name}/{name}: the course updated it; you had not edited it: updated.")
        else:
            pending.append(copy.stem)
    if first:
        print(
            f"Made your own copies of the lessons in {mine.name}/: work there. Git ignores that "
            f"folder, so `git pull` never touches your answers; the course's versions stay in "
            f"{course.name}/."
        )
    return pending


def take_new_version(course_file: Path, copy: Path, record: dict) -> None:
    """Keep the learner's copy aside; put in the course's version, with their answers."""
    new = read(course_file)
    try:
        carried, lost = carry_answers(read(copy), new, record.get(course_file.name, {}))
    except ValueError as err:
        carried, lost = [], [f"your answers: {err}"]
    kept = keep_aside(copy, "mine")
    write(new, copy)
    record[course_file.name] = record_of(course_file)
    print(f"{copy.parent.name}/{copy.name}: now the course's current version.")
    print(f"  yours is kept as {kept.name} (with everything else you wrote, and its outputs)")
    for what in carried:
        print(f"  carried over: {what}")
    for what in lost:
        print(f"  NOT carried over (copy it from {kept.name}): {what}")


def resolve(wanted: list[str], names: list[str]) -> list[str]:
    """Lesson names from what the learner typed: 03-certificates, 03-certificates.ipynb or 03."""
    found = []
    for text in wanted:
        stem = text.removesuffix(".ipynb")
        matches = [n for n in names if n == stem] or [n for n in names if n.startswith(stem)]
        if len(matches) != 1:
            raise SystemExit(f"No single lesson called {text!r}; the lessons: {' '.join(names)}")
        found.append(matches[0])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=ROOT / "notebooks", help="the course's")
    parser.add_argument("--mine", type=Path, default=ROOT / "my-notebooks", help="the learner's")
    parser.add_argument("--update", nargs="*", metavar="LESSON", help="take the new version")
    args = parser.parse_args(argv)
    course, mine = args.course, args.mine
    record = load_record(mine)
    pending = sync(course, mine, record)
    if args.update is not None:
        names = [path.stem for path in sorted(course.glob("[0-9][0-9]-*.ipynb"))]
        updates = resolve(args.update, names) if args.update else pending
        for stem in updates:
            take_new_version(course / f"{stem}.ipynb", mine / f"{stem}.ipynb", record)
            save_record(mine, record)
        if updates:
            print("If JupyterLab has one open: File > Reload Notebook from Disk.")
        else:
            print("Every lesson you worked in is the course's current version: nothing to take.")
    elif pending:
        print(
            "\nThe course has updated lessons you worked in (your copies are untouched):\n"
            + "".join(f"  {stem}\n" for stem in pending)
            + "To take the new version (yours is kept as NN-name.mine-<date>.ipynb and your "
            "answers are carried over into the new one):\n"
            + "  make update-lessons                            # every lesson listed\n"
            + f"  make update-lessons LESSON={pending[0]}\n"
            + "Stop JupyterLab first (Ctrl+C), or run it in JupyterLab's terminal as\n"
            + "  make -C .. update-lessons\n"
            + "Without make: python tools/my_notebooks.py --update [LESSON]\n"
        )
    save_record(mine, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
