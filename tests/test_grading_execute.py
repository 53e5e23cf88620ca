"""SafeExecute (pkicourse.grading.execute) with real kernels, driven the way nbgrader drives it:
``preprocess(nb, resources)`` with nbgrader-like resources, then nbgrader's own scoring.

Each test checks one defence of the threat model: a fresh folder, an unprivileged kernel,
IPython hooks reset before graded tests, and loops or dead kernels that cost seconds, not the
notebook. The cheats are first shown to work against plain nbgrader, so the tests can fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402
from nbgrader.utils import determine_grade  # noqa: E402

from pkicourse.errors import GradingError  # noqa: E402
from pkicourse.grading.execute import SafeExecute, choose_kernel_user  # noqa: E402


def _cell(source: str, *, test: bool = False, grade_id: str = "ex1") -> nbformat.NotebookNode:
    meta = {"schema_version": 3, "grade": test, "solution": not test, "locked": test}
    meta["grade_id"] = f"{grade_id}-tests" if test else grade_id
    if test:
        meta["points"] = 1
    return new_code_cell(textwrap.dedent(source), metadata={"nbgrader": meta})


def _run(
    cells: list[nbformat.NotebookNode],
    folder: Path,
    executor: type[Execute] = SafeExecute,
    **config: Any,
) -> tuple[nbformat.NotebookNode, dict[str, Any], float]:
    """Execute like nbgrader's autograde: resources name the notebook's folder."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    resources = {
        "metadata": {"path": str(folder)},
        "nbgrader": {"notebook": "lesson", "assignment": "01-x", "student": "ana"},
    }
    started = time.monotonic()
    nb, resources = executor(timeout=config.pop("timeout", 10), **config).preprocess(nb, resources)
    return nb, resources, time.monotonic() - started


def _errors(cell: nbformat.NotebookNode) -> list[str]:
    return [out.ename for out in cell.outputs if out.output_type == "error"]


def _score(cell: nbformat.NotebookNode) -> float:
    score, _ = determine_grade(cell)
    return float(score)


def _events(resources: dict[str, Any]) -> list[tuple[int, str]]:
    return [(e["cell"], e["what"]) for e in resources["pkicourse"]["events"]]


def test_an_honest_notebook_runs_normally_in_a_fresh_folder(tmp_path: Path) -> None:
    folder = tmp_path / "autograded" / "ana" / "01-x"
    (folder / "sub").mkdir(parents=True)
    (folder / "lesson.ipynb").write_text("{}")
    (folder / "other.ipynb").write_text("{}")
    (folder / "data.txt").write_text("beside the notebook")
    (folder / "sub" / "more.txt").write_text("in a subfolder")
    (folder / "link").symlink_to(tmp_path)
    cells = [
        _cell("x = 1\n%time y = 2"),
        _cell("%time assert x == 1 and y == 2", test=True),
        _cell(
            """
            import json, os, pathlib
            print(json.dumps({"cwd": os.getcwd(), "files": sorted(os.listdir()),
                              "data": pathlib.Path("data.txt").read_text(),
                              "env": {k: os.environ.get(k) for k in
                                      ("HOME", "TMPDIR", "IPYTHONDIR", "MPLCONFIGDIR")}}))
            """,
            grade_id="ex2",
        ),
    ]
    nb, resources, _ = _run(cells, folder)
    assert _events(resources) == []
    assert "Wall time" in nb.cells[0].outputs[0].text, "%time works in a solution cell"
    assert _errors(nb.cells[1]) == [] and "Wall time" in nb.cells[1].outputs[0].text
    assert _score(nb.cells[1]) == 1
    seen = json.loads(nb.cells[2].outputs[0].text)
    cwd = Path(seen["cwd"])
    assert seen["files"] == ["data.txt", "sub"], "no notebook, no symlink in the kernel's folder"
    assert seen["data"] == "beside the notebook"
    assert not cwd.is_relative_to(tmp_path), "the kernel must not run in the course folder"
    for name, value in seen["env"].items():
        assert Path(value).parent == cwd.parent and value != str(cwd), name
    assert not cwd.parent.exists(), "the kernel's folder is removed afterwards"
    assert sorted(p.name for p in folder.iterdir()) == [
        "data.txt",
        "lesson.ipynb",
        "link",
        "other.ipynb",
        "sub",
    ]


CHEATS = {
    "an AST transformer turning assert into pass": """
        import ast
        class _NoAsserts(ast.NodeTransformer):
            def visit_Assert(self, node):
                return ast.Pass()
        get_ipython().ast_transformers.append(_NoAsserts())
        """,
    "an input transformer that blanks every cell": """
        get_ipython().input_transformers_cleanup.append(lambda lines: [])
        """,
    "showtraceback disabled": """
        get_ipython().showtraceback = lambda *args, **kwargs: None
        """,
}


@pytest.mark.parametrize("cheat", CHEATS)
def test_a_hook_installed_by_student_code_is_reset_before_a_test(
    cheat: str, tmp_path: Path
) -> None:
    cells = [_cell(CHEATS[cheat]), _cell('assert False, "x"', test=True)]
    plain, _, _ = _run([c.copy() for c in cells], tmp_path, executor=Execute)
    kernel_errors = [o for o in plain.cells[1].outputs if "disabled" not in str(o.traceback)]
    assert kernel_errors == [], f"the cheat must work against plain nbgrader: {cheat}"
    nb, resources, _ = _run(cells, tmp_path)
    [error] = nb.cells[1].outputs
    assert (error.ename, error.evalue) == ("AssertionError", "x")
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert "assert False" in traceback, "the kernel's own traceback, not a stand-in"
    assert _score(nb.cells[1]) == 0
    assert _events(resources) == []


def test_a_kernel_that_does_not_acknowledge_the_reset_fails_its_tests(tmp_path: Path) -> None:
    cells = [
        _cell("del get_ipython().kernel.shell_handlers['pkicourse_restore_request']"),
        _cell("assert True", test=True),
        _cell("assert True", test=True, grade_id="ex2"),
    ]
    nb, resources, seconds = _run(cells, tmp_path)
    assert _errors(nb.cells[1]) == _errors(nb.cells[2]) == ["HooksTamperedError"]
    assert _score(nb.cells[1]) == _score(nb.cells[2]) == 0
    assert _events(resources) == [(1, "hooks tampered"), (2, "hooks tampered")]
    assert seconds < 12, "the second test does not wait again"


STUCK = {
    "an endless loop": ("while True:\n    pass", "timeout", "CellTimeoutError"),
    "a loop that catches KeyboardInterrupt": (
        "import time\nwhile True:\n    try:\n        time.sleep(1)\n"
        "    except KeyboardInterrupt:\n        pass",
        "killed",
        "CellTimeoutError",
    ),
    "os._exit": ("import os; os._exit(1)", "kernel died", "DeadKernelError"),
}


@pytest.mark.parametrize("case", STUCK)
def test_a_stuck_or_dead_kernel_costs_seconds_and_grading_goes_on(
    case: str, tmp_path: Path
) -> None:
    source, what, ename = STUCK[case]
    cells = [
        _cell("x = 1\nprint('set up')", grade_id="setup"),
        _cell(source),
        _cell("assert x == 1", test=True),
    ]
    nb, resources, seconds = _run(cells, tmp_path, timeout=2, interrupt_grace=1)
    print(f"{case}: the notebook took {seconds:.1f} s")
    assert seconds < 10
    assert [o.text for o in nb.cells[0].outputs] == ["set up\n"], "replayed silently"
    assert ename in _errors(nb.cells[1])
    assert _errors(nb.cells[2]) == [] and _score(nb.cells[2]) == 1
    [event] = resources["pkicourse"]["events"]
    assert (event["cell"], event["grade_id"], event["what"]) == (1, "ex1", what)
    assert set(event) == {"cell", "grade_id", "what", "seconds"}


def _nobody_can_run(code: str) -> bool:
    """Whether ``nobody`` can run this Python (asked with runuser; setpriv here once ran
    /usr/bin/python3.11 where this venv's Python could not be reached)."""
    if shutil.which("runuser") is None:
        pytest.skip("needs runuser")
    command = ["runuser", "-u", "nobody", "--", sys.executable, "-c", code]
    return subprocess.run(command, cwd="/", capture_output=True).returncode == 0


def test_choose_kernel_user() -> None:
    assert choose_kernel_user("same") == ""
    assert choose_kernel_user("nobody") == "nobody"
    with pytest.raises(GradingError, match="no such user"):
        choose_kernel_user("no-such-user-here")
    if os.geteuid() != 0:
        assert choose_kernel_user("auto") == ""
        return
    if _nobody_can_run("import pkicourse, ipykernel"):
        assert choose_kernel_user("auto") == "nobody"
    else:
        with pytest.raises(GradingError, match="--kernel-user same"):
            choose_kernel_user("auto")


# Run by the next test as root, in a child process: a 0700 folder stands in for the gradebook.
AS_NOBODY = """
import json, os, pathlib, sys, tempfile, time
from nbformat.v4 import new_code_cell, new_notebook
from pkicourse.grading.execute import SafeExecute, choose_kernel_user

base = pathlib.Path(sys.argv[1])
secret = base / "gradebook"
secret.mkdir(mode=0o700)
(secret / "gradebook.db").write_text("manual_score")
folder = base / "autograded"
folder.mkdir()
(folder / "lesson.ipynb").write_text("{}")
user = choose_kernel_user("auto")
code = '''
import json, os, pwd
try:
    open(%r).read()
    leaked = True
except PermissionError:
    leaked = False
print(json.dumps({"user": pwd.getpwuid(os.geteuid()).pw_name, "leaked": leaked,
                  "files": os.listdir(), "groups": os.getgroups()}))
''' % str(secret / "gradebook.db")
nb = new_notebook(cells=[new_code_cell(code)])
started = time.monotonic()
nb, _ = SafeExecute(kernel_user=user).preprocess(nb, {"metadata": {"path": str(folder)}})
seconds = time.monotonic() - started
print(json.dumps({"chosen": user, "seconds": seconds, "kernel": nb.cells[0].outputs[0].text}))
"""


def _readable_python_command() -> list[str]:
    """How to start a child where ``nobody`` can run this Python: directly, or (when the Python
    lives under a folder ``nobody`` cannot enter, like pyenv's under 0700 /root) in a private
    mount namespace where that folder is replaced by a tmpfs holding only the Python's part."""
    if _nobody_can_run(""):
        return [sys.executable]
    real = Path(sys.executable).resolve()
    closed = next(p for p in reversed(real.parents) if not os.stat(p).st_mode & 0o001)
    keep = real.relative_to(closed).parts[0]
    script = (
        'set -e; keep=$(mktemp -d); mount --bind "$1/$2" "$keep"; '
        'mount -t tmpfs -o mode=0755 tmpfs "$1"; mkdir "$1/$2"; '
        'mount --bind "$keep" "$1/$2"; shift 2; exec "$@"'
    )
    unshare = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "-"]
    return [*unshare, str(closed), keep, sys.executable]


@pytest.mark.skipif(os.geteuid() != 0, reason="running a kernel as nobody needs root")
def test_a_kernel_run_as_nobody_cannot_read_the_graders_folders(tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare")
    tmp_path.chmod(0o755)
    command = [*_readable_python_command(), "-c", AS_NOBODY, str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "mount" in done.stderr and "pkicourse" not in done.stderr:
        pytest.skip(f"cannot make this Python readable by nobody here: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    kernel = json.loads(result["kernel"])
    print(f"a kernel run as nobody: {result['seconds']:.1f} s for the notebook")
    assert result["chosen"] == "nobody"
    assert kernel == {"user": "nobody", "leaked": False, "files": [], "groups": []}
