"""SafeExecute (pkicourse.grading.execute) with real kernels, driven the way nbgrader drives it:
``preprocess(nb, resources)`` with nbgrader-like resources, then nbgrader's own scoring.

Each test checks one defence of the threat model: a fresh folder, an unprivileged kernel,
IPython hooks reset before graded tests, and loops or dead kernels that cost seconds, not the
notebook. The cheats are first shown to work against plain nbgrader, so the tests can fail.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
from pkicourse.grading import execute  # noqa: E402
from pkicourse.grading.execute import ISOLATED, SafeExecute, choose_kernel_user  # noqa: E402


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


# Each cheat, and the kind of hook the reset reports (for the instructor's report).
KINDS = {
    "an AST transformer turning assert into pass": "AST transformers",
    "an input transformer that blanks every cell": "input transformers",
    "showtraceback disabled": "traceback display",
}
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
    assert _events(resources) == [(1, f"hooks reset ({KINDS[cheat]})")]


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


def test_choose_kernel_user(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_kernel_user("same") == ""
    assert choose_kernel_user("nobody") == "nobody"
    with pytest.raises(GradingError, match="no such user"):
        choose_kernel_user("no-such-user-here")
    if os.geteuid() != 0:
        assert choose_kernel_user("auto") == ""
        return
    assert choose_kernel_user("auto") == ISOLATED, "root: kernels isolated out of the box"
    # Without unshare: plain nobody, if nobody can run this Python (here it lives under 0700
    # /root, so it cannot, and the error says what to do).
    monkeypatch.setattr(execute, "_can_isolate", lambda: False)
    nobody = subprocess.run(
        ["runuser", "-u", "nobody", "--", sys.executable, "-c", "import pkicourse, ipykernel"],
        cwd="/",
        capture_output=True,
    )
    if nobody.returncode == 0:
        assert choose_kernel_user("auto") == "nobody"
    else:
        with pytest.raises(GradingError, match="unshare or setpriv is missing.*--kernel-user same"):
            choose_kernel_user("auto")


def test_the_mount_plan_covers_closed_folders_and_hidden_paths(tmp_path: Path) -> None:
    hidden = tmp_path / "gradebook"
    hidden.mkdir()
    home = Path(tempfile.mkdtemp())
    try:
        plan = dict(execute.mount_plan(home, [str(hidden), str(tmp_path / "absent")]))
    finally:
        home.rmdir()
    assert plan[str(hidden)] == [], "a hidden folder shows empty"
    assert str(tmp_path / "absent") not in plan
    python = Path(sys.base_prefix).resolve()
    closed = [p for p in reversed(python.parents) if not p.stat().st_mode & 0o001]
    if closed:  # pyenv's Python under 0700 /root: /root is covered, the Python kept
        assert plan[str(closed[0])] == [str(python)]
    with pytest.raises(GradingError, match="cannot be hidden"):
        execute.mount_plan(home, [sys.prefix])


# Run by the next test in two kernels at once (they meet in a shared folder): what each kernel
# can reach, and as whom the other runs.
PROBE_CELL = """
import json, os, pathlib, time
import cryptography, matplotlib, pkicourse
matplotlib.use("agg")
import matplotlib.pyplot as plt
plt.plot([1, 2, 3]); plt.savefig("plot.png")
pathlib.Path("answer.txt").write_text("42")
meet = pathlib.Path(MEET)
(meet / str(os.getpid())).write_text(str(os.getuid()))
deadline = time.monotonic() + 15
while len(os.listdir(meet)) < 2 and time.monotonic() < deadline:
    time.sleep(0.1)
others = {}
for pid in os.listdir(meet):
    if int(pid) != os.getpid():
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        others[int(pid)] = int(status.split("Uid:")[1].split()[0])
def reach(path):
    try:
        return sorted(os.listdir(path)) if os.path.isdir(path) else open(path).read()
    except OSError as error:
        return type(error).__name__
import subprocess
daemon = subprocess.Popen(["sleep", "300"], start_new_session=True).pid
signalled = []
for pid in others:
    try:
        os.kill(pid, 0)
        signalled.append(pid)
    except OSError:
        pass
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "daemon": daemon,
                  "others": list(others.values()), "signalled": signalled,
                  "files": sorted(os.listdir()), "paths": {p: reach(p) for p in PATHS}}))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="isolating kernels needs root")
def test_isolated_kernels_run_apart_and_see_no_secrets(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    if choose_kernel_user("auto") != ISOLATED:
        pytest.skip("no unshare or setpriv here")
    base = Path(tempfile.mkdtemp())  # under /tmp, readable by every user, unlike tmp_path
    try:
        base.chmod(0o755)
        for name in ("hidden", "visible", "private"):
            (base / name).mkdir()
            (base / name / "gradebook.db").write_text("manual_score")
        (base / "private").chmod(0o700)
        root_files = sorted(os.listdir("/root")) if os.path.isdir("/root") else []
        paths = [str(base / n / "gradebook.db") for n in ("hidden", "visible", "private")]
        paths += [str(base / "hidden"), "/root", "/root/.bashrc"]
        (base / "meet").mkdir()
        (base / "meet").chmod(0o777)
        cell = new_code_cell(f"PATHS = {paths!r}\nMEET = {str(base / 'meet')!r}\n" + PROBE_CELL)
        folder = tmp_path / "ana"
        folder.mkdir()
        hidden = [str(base / "hidden")]

        def grade(_: int) -> dict[str, Any]:
            nb, _, _ = _run([cell.copy()], folder, kernel_user=ISOLATED, hidden_paths=hidden)
            return dict(json.loads(nb.cells[0].outputs[-1].text))

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first, second = pool.map(grade, range(2))
    finally:
        shutil.rmtree(base)
    for seen, other in ((first, second), (second, first)):
        assert seen["uid"] == seen["gid"] and seen["uid"] not in (0, other["uid"])
        assert seen["groups"] == [] and seen["others"] == [other["uid"]], "both ran at once"
        assert seen["signalled"] == [], "a kernel cannot signal another"
        assert seen["files"] == ["answer.txt", "plot.png"]
        reached = seen["paths"]
        assert reached[paths[0]] == "FileNotFoundError" and reached[str(base / "hidden")] == []
        assert reached[paths[1]] == "manual_score", "ordinary readable files stay readable"
        assert reached[paths[2]] == "PermissionError", "a 0700 root folder"
        assert reached["/root/.bashrc"] == "FileNotFoundError"
        assert set(reached["/root"]) <= {".pyenv"} and set(root_files) - {".pyenv"}, reached
    assert "without encryption" not in capfd.readouterr().err, "the kernel's stderr is kept"
    for daemon in (first["daemon"], second["daemon"]):
        deadline = time.monotonic() + 3
        while Path(f"/proc/{daemon}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{daemon}").exists(), "a kernel's leftover process is killed"


@pytest.mark.skipif(os.geteuid() != 0, reason="isolating kernels needs root")
def test_a_sandbox_that_cannot_be_set_up_stops_grading_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not execute._can_isolate():
        pytest.skip("no unshare or setpriv here")
    missing = str(tmp_path / "missing")
    monkeypatch.setattr(execute, "mount_plan", lambda home, hidden: [(str(tmp_path), [missing])])
    with pytest.raises(GradingError, match=f"pkicourse sandbox: .*{missing}.*--kernel-user"):
        _run([new_code_cell("1")], tmp_path, kernel_user=ISOLATED)


@pytest.mark.skipif(os.geteuid() != 0, reason="isolating kernels needs root")
def test_an_isolated_kernel_starts_about_as_fast(tmp_path: Path) -> None:
    if choose_kernel_user("auto") != ISOLATED:
        pytest.skip("no unshare or setpriv here")
    seconds = {}
    for user in ("", ISOLATED, "", ISOLATED):
        _, _, seconds[user] = _run(
            [new_code_cell("import os; os.getuid()")], tmp_path, kernel_user=user
        )
    same, isolated = seconds[""], seconds[ISOLATED]
    print(f"a one-cell notebook: {same:.2f} s as the grader, {isolated:.2f} s isolated")
    assert isolated < same + 1
