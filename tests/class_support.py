"""A synthetic class: one student per case the class grader must get right (issue 8).

``build_class(folder, lesson)`` writes each student's submission in nbgrader's layout,
``folder/<student>/<lesson>/<lesson>.ipynb``, made from the learner copy (notebooks/) with
answers taken from the source's solutions (course/source/), and returns what each student must
get: ``{student: Expect}``. Scores are computed from the points in the source's test cells,
never written as numbers here, so a change of points does not break the expectations.

The cases, with lesson 02 (ex1 and ex2 are worth different points, so a score tells which
exercise was counted):
- full / blank / partial (ex1 right, ex2 untouched) / wrong (the first wrong answer of each
  exercise in tests/wrong_answers/) / raising (each answer raises): the plain cases;
- endless loop: ``while True: pass`` at the top of ex1's cell, every answer right. The cell
  times out and is interrupted, so ex1's function is never defined and ex1's tests fail; the
  rest of the notebook is graded: the student gets ex2's points. The same expectation holds for
  a loop that catches KeyboardInterrupt (the kernel is killed after the grace, restarted, the
  earlier cells replayed); a kernel that dies by ``os._exit(1)`` at the end of ex2's cell loses
  ex2 only (the cell that killed the kernel is not replayed): ex1's points;
- an edited test cell (ex2's tests replaced by ``pass``, ex2's answer wrong): the cell is
  restored, so ex1's points only, and the edit is reported; a deleted test cell (ex1's tests
  gone, answers right): restored, full marks, reported; a pasted copy of ex1's test cell
  (answers right): full marks, reported, and the next student is graded as usual;
- the four cheats of the issue, each in ex2's answer cell, with ex1 answered right: an AST
  transformer that turns ``assert`` into ``pass`` (and, so that it really beats the lesson's
  tests, which also ``raise AssertionError`` and re-raise NotImplementedError, wraps every cell
  in ``try: ... except BaseException: pass``); an input transformer that blanks every cell; a
  ``bytes`` subclass whose ``__eq__`` is always true; code that looks for gradebook.db and the
  solutions (``../../../``, every folder up from the working folder, the grader's temporary
  folders ``/tmp/pkicourse-*`` and the folder holding the class, where the grades go), writes
  ``manual_score`` = full marks for its student and runs ex2's solution if it finds it. Each
  must score exactly ex1's points. (It does not search all of /tmp: a world-readable clone of
  the public repository there holds the public solutions, which students can read on the web
  anyway; the defence against those is a private source, not the grader);
- 10 MB of output in ex1's cell (answers right): full marks;
- corrupted JSON and a misnamed file: set aside with a reason, status "failed: ...", 0 points;
- another kernel name ("python3-custom" in the notebook's kernelspec, answers right): graded
  with the course's Python kernel, full marks.

Run ``python tests/class_support.py FOLDER [LESSON]`` to write the class and print the table.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from grading_support import CATALOGUE, learner_copy, solutions, with_answers
from support import SOURCE, nbgrader_meta

LESSON = "02-session-keys"


@dataclass(frozen=True)
class Expect:
    """What the grader must give one student for the lesson."""

    what: str  # the case, in words
    score: float  # points expected
    status: str  # "graded" or "failed" (the CSV's status starts with it)
    reason: str = ""  # for a set-aside submission: a regex its reason must match (any case)
    findings: tuple[str, ...] = ()  # test cells the report must name for this student
    files: tuple[str, ...] = field(default=())  # the submitted files, relative to the folder


def points(lesson: str) -> dict[str, float]:
    """{solution grade_id: the points of its test cell ``<id>-tests``}, from the source."""
    nb = nbformat.read(SOURCE / lesson / f"{lesson}.ipynb", as_version=4)
    tests = {
        str(nbgrader_meta(c)["grade_id"]): float(nbgrader_meta(c).get("points", 0) or 0)
        for c in nb.cells
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }
    return {grade_id: tests[f"{grade_id}-tests"] for grade_id in solutions(lesson)}


def _function_name(code: str) -> str:
    found = re.search(r"^def (\w+)\(", code, re.MULTILINE)
    assert found, f"no function in the solution:\n{code}"
    return found.group(1)


def _stub(learner: nbformat.NotebookNode, grade_id: str) -> str:
    """The learner copy's (unsolved) source of a solution cell."""
    for cell in learner.cells:
        if nbgrader_meta(cell).get("solution") and nbgrader_meta(cell).get("grade_id") == grade_id:
            return str(cell.source)
    raise AssertionError(f"no solution cell {grade_id} in the learner copy")


ENDLESS = "while True:  # an endless loop, the answer below is right\n    pass\n\n"

STUBBORN = """\
import time

while True:  # a loop that ignores interrupts
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass

"""

KILLER = "\n\nimport os\n\nos._exit(1)  # the kernel dies here\n"

TEN_MB = "\n\nfor _line in range(10_000):  # 10 MB of output\n    print('x' * 999)\n"

AST_CHEAT = """\
import ast as _ast


class _NoTests(_ast.NodeTransformer):
    \"\"\"assert -> pass, and every cell wrapped in try/except BaseException.\"\"\"

    def visit_Assert(self, node):
        return _ast.Pass()

    def visit_Module(self, node):
        self.generic_visit(node)
        handler = _ast.ExceptHandler(
            type=_ast.Name(id="BaseException", ctx=_ast.Load()), name=None, body=[_ast.Pass()]
        )
        node.body = [
            _ast.Try(body=node.body or [_ast.Pass()], handlers=[handler], orelse=[], finalbody=[])
        ]
        return _ast.fix_missing_locations(node)


get_ipython().ast_transformers.append(_NoTests())
"""

INPUT_CHEAT = """\
get_ipython().input_transformers_post.append(lambda lines: [])  # every later cell is blank
"""

BYTES_CHEAT = """\
class _Anything(bytes):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = bytes.__hash__


def {name}(*args, **kwargs):
    return _Anything(bytes(32))
"""

GRADEBOOK_CHEAT = """\
import glob as _glob
import json as _json
import os as _os
import sqlite3 as _sqlite3
import time as _time


def _found(name, limit_s=3.0):
    \"\"\"Every path ending in ``name``: up from here, ../../../, and under the roots.\"\"\"
    hits, here = [], _os.path.abspath(_os.getcwd())
    while True:
        hits.append(_os.path.join(here, name))
        if _os.path.dirname(here) == here:
            break
        here = _os.path.dirname(here)
    hits.append(_os.path.join("../../..", name))
    start, last = _time.monotonic(), name.split("/")[-1]
    for _root in [r for pattern in {roots!r} for r in _glob.glob(pattern)]:
        for root, dirs, files in _os.walk(_root):
            if _time.monotonic() - start > limit_s or root.count("/") > 12:
                dirs[:] = []
                continue
            if last in files and root.endswith(_os.path.dirname(name)):
                hits.append(_os.path.join(root, last))
    return sorted({{h for h in hits if _os.path.isfile(h)}})


_wrote = _read = 0
for _book in _found("gradebook.db"):
    try:
        with _sqlite3.connect(_book, timeout=1) as _db:
            _wrote += _db.execute(
                "UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells"
                " WHERE grade_cells.id = grade.cell_id), needs_manual_grade = 0"
                " WHERE notebook_id IN (SELECT sn.id FROM submitted_notebook sn"
                " JOIN submitted_assignment sa ON sn.assignment_id = sa.id"
                " WHERE sa.student_id = ?)",
                ({student!r},),
            ).rowcount
    except Exception:
        pass
for _path in _found("source/{lesson}/{lesson}.ipynb"):
    try:
        with open(_path) as _file:
            for _cell in _json.load(_file)["cells"]:
                if _cell["metadata"].get("nbgrader", {{}}).get("grade_id") == {grade_id!r}:
                    exec("".join(_cell["source"]), globals())
                    _read += 1
    except Exception:
        pass
print(f"cheat: {{_wrote}} grades written, {{_read}} solutions read")
"""


def _write(folder: Path, student: str, lesson: str, nb: nbformat.NotebookNode) -> Path:
    target = folder / student / lesson / f"{lesson}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def _test_cell_index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    for k, cell in enumerate(nb.cells):
        if nbgrader_meta(cell).get("grade_id") == f"{grade_id}-tests":
            return k
    raise AssertionError(f"no test cell {grade_id}-tests")


def build_class(
    folder: Path, lesson: str = LESSON, search: list[str] | None = None
) -> dict[str, Expect]:
    """Write the class into ``folder`` (``folder/<student>/<lesson>/...``); return
    ``{student: Expect}``. Students are numbered in the order nbgrader would grade them.

    ``search``: glob patterns of the folders the gradebook cheat walks through besides every
    folder up from its own (default: the grader's temporary folders, ``pkicourse-*`` in the
    temporary directory, and the folder holding ``folder``, where the grades usually go)."""
    roots = (
        search
        if search is not None
        else [
            str(Path(tempfile.gettempdir()) / "pkicourse-*"),
            str(folder.resolve().parent),
        ]
    )
    learner = learner_copy(lesson)
    right = solutions(lesson)
    worth = points(lesson)
    ex1, ex2 = list(right)[:2]
    full = sum(worth.values())
    wrong = {gid: next(iter(CATALOGUE[lesson][gid].values())) for gid in right}
    names = {gid: _function_name(code) for gid, code in right.items()}
    raising = {
        gid: f"def {name}(*args, **kwargs):\n    raise ValueError('my answer has a bug')\n"
        for gid, name in names.items()
    }

    def answers(**changed: str) -> nbformat.NotebookNode:
        return with_answers(learner, {**right, **changed})

    def cheat(code: str) -> nbformat.NotebookNode:
        return answers(**{ex2: _stub(learner, ex2) + "\n\n" + code})

    cases: list[tuple[str, Expect, nbformat.NotebookNode | bytes | None]] = []

    def add(name: str, expect: Expect, nb: nbformat.NotebookNode | bytes | None) -> None:
        cases.append((f"s{len(cases) + 1:02d}-{name}", expect, nb))

    add("full", Expect("every answer right", full, "graded"), answers())
    add("blank", Expect("the learner copy untouched", 0.0, "graded"), learner)
    add(
        "partial",
        Expect(f"{ex1} right, {ex2} untouched", worth[ex1], "graded"),
        answers(**{ex2: _stub(learner, ex2)}),
    )
    add(
        "wrong",
        Expect("a catalogued wrong answer in each exercise", 0.0, "graded"),
        answers(**wrong),
    )
    add("raising", Expect("every answer raises", 0.0, "graded"), answers(**raising))
    add(
        "endless-loop",
        Expect(f"while True: pass in {ex1}'s cell: {ex1} never defined", worth[ex2], "graded"),
        answers(**{ex1: ENDLESS + right[ex1]}),
    )
    add(
        "stubborn-loop",
        Expect(
            f"a loop catching KeyboardInterrupt in {ex1}'s cell: killed, {ex2} still graded",
            worth[ex2],
            "graded",
        ),
        answers(**{ex1: STUBBORN + right[ex1]}),
    )
    add(
        "killed-kernel",
        Expect(f"os._exit(1) at the end of {ex2}'s cell: {ex1} still counts", worth[ex1], "graded"),
        answers(**{ex2: right[ex2] + KILLER}),
    )
    edited = answers(**{ex2: wrong[ex2]})
    edited.cells[_test_cell_index(edited, ex2)].source = "pass  # the tests are gone"
    add(
        "edited-tests",
        Expect(
            f"{ex2}-tests replaced by pass, {ex2} wrong: restored",
            worth[ex1],
            "graded",
            findings=(f"{ex2}-tests",),
        ),
        edited,
    )
    deleted = answers()
    del deleted.cells[_test_cell_index(deleted, ex1)]
    add(
        "deleted-tests",
        Expect(
            f"{ex1}-tests deleted, answers right: restored",
            full,
            "graded",
            findings=(f"{ex1}-tests",),
        ),
        deleted,
    )
    pasted = answers()
    copy = nbformat.from_dict(pasted.cells[_test_cell_index(pasted, ex1)])
    copy["id"] = "pasted-copy"  # JupyterLab gives a pasted cell a new id
    pasted.cells.insert(_test_cell_index(pasted, ex2) + 1, copy)
    add(
        "pasted-tests",
        Expect(
            f"a copy of {ex1}-tests pasted after {ex2}-tests",
            full,
            "graded",
            findings=(f"{ex1}-tests",),
        ),
        pasted,
    )
    add(
        "after-pasted",
        Expect("every answer right, graded after the pasted copy", full, "graded"),
        answers(),
    )
    add(
        "cheat-ast",
        Expect(f"AST transformer (assert -> pass, try/except) + {ex1} right", worth[ex1], "graded"),
        cheat(AST_CHEAT),
    )
    add(
        "cheat-input",
        Expect(f"input transformer blanking every cell + {ex1} right", worth[ex1], "graded"),
        cheat(INPUT_CHEAT),
    )
    add(
        "cheat-bytes",
        Expect(
            f"bytes subclass with __eq__ always true in {ex2} + {ex1} right", worth[ex1], "graded"
        ),
        answers(**{ex2: BYTES_CHEAT.format(name=names[ex2])}),
    )
    student = f"s{len(cases) + 1:02d}-cheat-gradebook"
    add(
        "cheat-gradebook",
        Expect(
            f"writes manual_score into any gradebook.db, runs the solution of {ex2} + {ex1} right",
            worth[ex1],
            "graded",
        ),
        cheat(GRADEBOOK_CHEAT.format(student=student, lesson=lesson, grade_id=ex2, roots=roots)),
    )
    add(
        "big-output",
        Expect(f"10 MB of output in {ex1}'s cell, answers right", full, "graded"),
        answers(**{ex1: right[ex1] + TEN_MB}),
    )
    text = nbformat.writes(answers())
    add(
        "corrupted",
        Expect(
            "the notebook's JSON cut in half", 0.0, "failed", reason=r"json|corrupt|read|notebook"
        ),
        text[: len(text) // 2].encode(),
    )
    add(
        "misnamed",
        Expect(
            "the notebook saved as Untitled.ipynb", 0.0, "failed", reason=r"name|untitled|expected"
        ),
        None,
    )
    other_kernel = answers()
    other_kernel.metadata["kernelspec"] = {
        "name": "python3-custom",
        "display_name": "Python 3 (custom)",
        "language": "python",
    }
    add(
        "other-kernel",
        Expect("kernelspec python3-custom, answers right", full, "graded"),
        other_kernel,
    )

    expected: dict[str, Expect] = {}
    for name, expect, nb in cases:
        if isinstance(nb, bytes):
            target = folder / name / lesson / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(nb)
        elif nb is None:  # the misnamed one: a right notebook under another name
            target = folder / name / lesson / "Untitled.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(answers(), target)
        else:
            target = _write(folder, name, lesson, nb)
        rel = (str(target.relative_to(folder)),)
        expected[name] = Expect(
            expect.what, expect.score, expect.status, expect.reason, expect.findings, rel
        )
    return expected


def hashes(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``folder``."""

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for who, expect in build_class(out, *(sys.argv[2:3] or [LESSON])).items():
        print(
            json.dumps(
                {
                    "student": who,
                    "score": expect.score,
                    "status": expect.status,
                    "what": expect.what,
                }
            )
        )
