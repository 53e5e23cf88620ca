"""SafeExecute (pkicourse.grading.execute) against student code that keeps tests from running.

Each graded test cell is sent with a sentinel line at its end that fails with a fresh nonce: a
reply with exactly that error proves the test ran to its end. Each cheat below beat the hook
reset alone (shown here first, with the sentinel switched off), each scoring full marks with a
blank answer; with the sentinel it scores nothing and is reported. Also: honest tests keep their
outputs, and a notebook's whole run is bounded (time budget, replay limit).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")

from nbgrader.preprocessors import Execute  # noqa: E402
from test_grading_execute import _cell, _errors, _events, _run, _score  # noqa: E402

# Each cheat, installed by a solution cell: every one makes `assert 1 == 2` pass silently.
CHEATS = {
    "a forged restore reply and a transformer that blanks cells": """
        import ast
        kernel = get_ipython().kernel
        def forger(stream, ident, msg):
            content = {"status": "ok", "nonce": msg["content"].get("nonce"), "changed": []}
            kernel.session.send(stream, "pkicourse_restore_reply", content, parent=msg,
                                ident=ident)
        kernel.shell_handlers["pkicourse_restore_request"] = forger
        class Blank(ast.NodeTransformer):
            def visit_Module(self, node):
                return ast.Module(body=[ast.Pass()], type_ignores=[])
        get_ipython().ast_transformers.append(Blank())
        """,
    "do_execute wrapped on the kernel": """
        kernel = get_ipython().kernel
        real = kernel.do_execute
        def do_execute(code, *args, **kwargs):
            return real("pass" if "assert" in code else code, *args, **kwargs)
        kernel.do_execute = do_execute
        """,
    "CachingCompiler.ast_parse patched on the class": """
        import ast
        from IPython.core import compilerop
        real = compilerop.CachingCompiler.ast_parse
        def ast_parse(self, source, *args, **kwargs):
            tree = real(self, source, *args, **kwargs)
            if any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
                return real(self, "pass")
            return tree
        compilerop.CachingCompiler.ast_parse = ast_parse
        """,
    "a thread re-installing an AST transformer every 0.2 ms": """
        import ast, threading, time
        class NoAsserts(ast.NodeTransformer):
            def visit_Assert(self, node):
                return ast.Pass()
        cheat, shell = NoAsserts(), get_ipython()
        def again():
            while True:
                if cheat not in shell.ast_transformers:
                    shell.ast_transformers.append(cheat)
                time.sleep(0.0002)
        threading.Thread(target=again, daemon=True).start()
        """,
    "leading_indent's __code__ swapped": """
        from IPython.core import inputtransformer2
        def blank(lines):
            return ["pass\\n"] if any("assert" in line for line in lines) else lines
        inputtransformer2.leading_indent.__code__ = blank.__code__
        """,
}


@pytest.mark.parametrize("cheat", CHEATS)
def test_a_test_kept_from_running_scores_nothing_and_is_reported(
    cheat: str, tmp_path: Path
) -> None:
    cells = [_cell(CHEATS[cheat]), _cell('assert 1 == 2, "x"', test=True)]
    plain, _, _ = _run([c.copy() for c in cells], tmp_path, executor=Execute)
    assert _score(plain.cells[1]) == 1, f"the cheat must beat plain nbgrader: {cheat}"
    nb, resources, _ = _run(cells, tmp_path)
    assert _score(nb.cells[1]) == 0
    whats = {what for _, what in _events(resources)}
    if _errors(nb.cells[1]) == ["AssertionError"]:  # the hook reset undid it: the test ran
        assert any(w.startswith("hooks reset") for w in whats), whats
    else:  # the sentinel caught it
        assert _errors(nb.cells[1]) in (["TestNeutralizedError"], ["HooksTamperedError"])
        assert whats & {"tests neutralized", "hooks tampered"}, whats
    assert nb.cells[1].source == 'assert 1 == 2, "x"', "the notebook keeps the test's source"


def test_honest_tests_pass_or_fail_as_they_are(tmp_path: Path) -> None:
    cells = [
        _cell("def answer():\n    return 42"),
        _cell("print('checked')\nassert answer() == 42, 'x'", test=True),
        _cell("assert answer() == 41, 'the answer must be 41'", test=True, grade_id="ex2"),
        _cell("for _i in range(3):\n    assert answer() > _i", test=True, grade_id="ex3"),
        _cell("assert answer()  # a comment \\", test=True, grade_id="ex4"),
        _cell("if answer():\n    pass\n    # a last comment, indented", test=True, grade_id="ex5"),
        _cell("if True:\n    assert answer() == 0, 'indented'", test=True, grade_id="ex6"),
        _cell("%%capture\nassert answer() == 42", test=True, grade_id="ex7"),
        _cell("%time assert answer() == 42", test=True, grade_id="ex8"),
    ]
    nb, resources, _ = _run(cells, tmp_path)
    assert _events(resources) == []
    passed = nb.cells[1]
    assert [(o.output_type, o.get("text")) for o in passed.outputs] == [("stream", "checked\n")]
    assert [_score(nb.cells[i]) for i in range(1, 9)] == [1, 0, 1, 1, 1, 0, 1, 1]
    for index, message in ((2, "the answer must be 41"), (6, "indented")):
        [error] = nb.cells[index].outputs
        assert (error.ename, error.evalue) == ("AssertionError", message)
        traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
        assert "assert answer()" in traceback and "sentinel" not in traceback, traceback
    assert "Wall time" in "".join(o.get("text", "") for o in nb.cells[8].outputs)
    assert [c.source for c in nb.cells] == [c.source for c in cells]


# A loop that ignores the interrupt: its kernel is killed after the grace.
LOOP = """
import time
while True:
    try:
        time.sleep(1)
    except KeyboardInterrupt:
        pass
"""


def test_the_notebook_time_budget_bounds_the_whole_run(tmp_path: Path) -> None:
    cells = [
        _cell("x = 1", grade_id="setup"),
        _cell("import time; time.sleep(0.9)", grade_id="slow1"),
        _cell(LOOP, grade_id="loop"),  # killed: a new kernel replays the two cells above
        *[_cell("import time; time.sleep(0.9)", grade_id=f"slow{i}") for i in range(2, 10)],
        _cell("assert x == 1", test=True, grade_id="late"),
    ]
    budget = 7.0
    nb, resources, seconds = _run(
        cells, tmp_path, timeout=1, interrupt_grace=0.5, notebook_budget=budget
    )
    print(f"a {budget:.0f} s budget: the notebook took {seconds:.1f} s")
    assert seconds < budget + 4
    events = _events(resources)
    assert (2, "killed") in events and [w for _, w in events].count("time budget") == 1
    assert _errors(nb.cells[-1]) == ["NotebookTimeBudgetError"] and _score(nb.cells[-1]) == 0


def test_kills_and_replays_are_capped(tmp_path: Path) -> None:
    cells = [_cell("import time; time.sleep(0.5)", grade_id="setup")]
    for i in range(5):
        cells += [_cell(LOOP, grade_id=f"loop{i}"), _cell("assert 1", test=True, grade_id=f"t{i}")]
    nb, resources, seconds = _run(cells, tmp_path, timeout=1, interrupt_grace=0.5)
    print(f"five loops that ignore the interrupt: {seconds:.1f} s")
    events = _events(resources)
    assert [w for _, w in events] == ["killed"] * 4 + ["replay limit"]
    assert [_score(nb.cells[i]) for i in (2, 4, 6)] == [1, 1, 1], "after 3 replays"
    assert _errors(nb.cells[8]) == ["NotebookReplayLimitError"] and _score(nb.cells[8]) == 0
    assert _errors(nb.cells[10]) == ["NotebookReplayLimitError"]
