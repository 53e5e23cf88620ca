"""The class grader's own steps, without kernels: the private source, the check against the
public learner copies, the merge into the class gradebook, the tables it prints, make clean.

(tests/test_class_grading.py grades a whole synthetic class end to end.)
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from support import NOTEBOOKS, ROOT

from pkicourse.errors import GradingError
from pkicourse.grading import cli, run

LESSON = "00-index"


def _learner(lesson: str = LESSON) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)


def test_a_release_equal_to_the_learner_copy_raises_no_warning() -> None:
    assert run.compare_with_learner_copies({LESSON: _learner()}, NOTEBOOKS) == []


def test_a_changed_visible_cell_is_named_and_the_private_release_recommended() -> None:
    nb = _learner()
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown")
    nb.cells[index].source += "\nA parameter changed by the instructor."
    [warning] = run.compare_with_learner_copies({LESSON: nb}, NOTEBOOKS)
    assert f"cell {index} differs" in warning and f"release/{LESSON}" in warning


def test_a_missing_graded_cell_says_the_cells_differ() -> None:
    nb = _learner()
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "ex1"]
    [warning] = run.compare_with_learner_copies({LESSON: nb}, NOTEBOOKS)
    assert "graded cell ids differ" in warning


def test_new_private_source_copies_the_lessons_privately(tmp_path: Path) -> None:
    target = tmp_path / "private"
    said = cli.new_private_source(target)
    assert f"--source {target}" in said
    assert oct(target.stat().st_mode & 0o777) == "0o700"
    lessons = sorted(p.name for p in (ROOT / "course" / "source").iterdir() if p.is_dir())
    assert sorted(p.name for p in target.iterdir()) == lessons
    with pytest.raises(GradingError, match="exists already"):
        cli.new_private_source(target)


def test_new_private_source_refuses_a_folder_inside_the_repository() -> None:
    with pytest.raises(GradingError, match="inside the course repository"):
        cli.new_private_source(ROOT / "private-solutions")
    assert not (ROOT / "private-solutions").exists()


def test_the_command_says_what_to_do_with_a_bad_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(ROOT / "no-such-folder")]) == 2
    assert "is not a folder: give the folder of submissions" in capsys.readouterr().err
    assert cli.main([]) == 2
    assert "say which folder holds the submissions" in capsys.readouterr().err


def test_check_source_releases_a_private_source_and_names_changed_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private = tmp_path / "private"
    cli.new_private_source(private)
    path = private / LESSON / f"{LESSON}.ipynb"
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown")
    nb.cells[index].source += "\nChanged by the instructor."
    nbformat.write(nb, path)
    out = tmp_path / "out"
    argv = ["--check-source", "--source", str(private), "--out", str(out), "--lessons", LESSON]
    assert cli.main(argv) == 0
    said = capsys.readouterr().out
    assert f"cell {index} differs" in said and str(out / "release" / LESSON) in said
    assert (out / "release" / LESSON / f"{LESSON}.ipynb").is_file()
    assert oct(out.stat().st_mode & 0o777) == "0o700", "grades and releases stay private"


def test_an_empty_folder_or_an_unknown_student_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = str(tmp_path / "out")
    assert cli.main([str(empty), "--out", out, "--lessons", LESSON]) == 2
    assert "found no submission in" in capsys.readouterr().err
    folder = tmp_path / "class" / "ana" / LESSON
    folder.mkdir(parents=True)
    nbformat.write(_learner(), folder / f"{LESSON}.ipynb")
    argv = [str(tmp_path / "class"), "--out", out, "--lessons", LESSON, "--student", "zed"]
    assert cli.main(argv) == 2
    assert "no submission from zed" in capsys.readouterr().err
    assert cli.main([str(tmp_path / "class" / "ana"), "--out", out]) == 2
    assert "looks like one student's folder" in capsys.readouterr().err


def test_make_clean_never_deletes_grades() -> None:
    recipe = subprocess.run(
        ["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "rm -rf" in recipe, recipe
    for kept in ("grades", "gradebook.db", "course/submitted", "course/autograded"):
        assert kept not in recipe, f"make clean would delete {kept}: {recipe}"


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A master course folder with lesson 00 released (as the grader's first step makes it)."""
    folder = tmp_path_factory.mktemp("master")
    run.release(ROOT / "course" / "source", [LESSON], folder)
    return folder


def _scores(out: Path) -> dict[str, tuple[float, str]]:
    rows = csv.DictReader(io.StringIO((out / "grades.csv").read_text()))
    return {r["student"]: (float(r[LESSON]), r[f"{LESSON} status"]) for r in rows}


def test_merge_takes_auto_scores_keeps_manual_ones_and_records_each_status(
    master: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    ana = run.Outcome("ana", LESSON, "graded", grades={"ex1-tests": (2.0, 2.0, False)})
    bob = run.Outcome("bob", LESSON, "failed: not a notebook: the file is not JSON")
    run.merge(master, out, [ana, bob])
    run.export(out, [LESSON], [], [])
    assert _scores(out) == {"ana": (2.0, "graded"), "bob": (0.0, bob.status)}

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", run.COURSE_ID) as book:
        grade = book.find_grade("ex2-tests", LESSON, LESSON, "ana")
        grade.manual_score = 1.0  # the instructor's own judgement
        book.db.commit()
    regraded = run.Outcome("ana", LESSON, "graded", grades={"ex1-tests": (0.0, 2.0, False)})
    run.merge(master, out, [regraded])  # ana only: bob's row and status stay
    rows = run.export(out, [LESSON], [], [])
    assert _scores(out) == {"ana": (1.0, "graded"), "bob": (0.0, bob.status)}
    table = run.summary_table(rows, [LESSON])
    assert table.splitlines()[0].split() == ["student", "00", "total", "max"]
    assert "bob" in table and " !" in table, "a failed lesson is marked in the summary"
    assert "bob" in (out / "report.md").read_text()


def test_the_progress_bar_shows_done_total_time_left_and_failures() -> None:
    stream = io.StringIO()
    show = run.progress_printer(stream)
    show(0, 4, 0)
    show(3, 4, 1)
    last = stream.getvalue().splitlines()[-1]
    assert "3/4" in last and "ETA" in last and "failures 1" in last


def _grade_or_die(master: Path, out: Path, student: str, lesson: str, options: object) -> object:
    """A stand-in for grade_one: the student "killer" kills its worker process."""
    import os

    if student == "killer":
        os._exit(1)
    return run.Outcome(student, lesson, "graded")


def test_a_dying_worker_fails_only_its_own_task(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(run, "grade_one", _grade_or_die)  # forked workers see it
    options = run.Options(submissions=tmp_path, out=tmp_path, source=tmp_path, jobs=2)
    tasks = [(s, LESSON) for s in ("ana", "bob", "killer", "cy", "dee", "eve")]
    outcomes = {o.student: o.status for o in run._run_pool(tmp_path, options, tasks)}
    assert outcomes.pop("killer").startswith("failed: its grading process died")
    assert outcomes == dict.fromkeys(["ana", "bob", "cy", "dee", "eve"], "graded")


def test_feedback_drops_hidden_test_lines_wherever_they_are_printed(tmp_path: Path) -> None:
    hidden_line = "assert _secret_check(42) == 'kept out of feedback'"
    test = nbformat.v4.new_code_cell(
        "assert True, 'visible'\n### BEGIN HIDDEN TESTS\n" + hidden_line + "\n### END HIDDEN TESTS"
    )
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
    printer = nbformat.v4.new_code_cell("print('\\n'.join(In))")  # a student's later cell
    printer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="X19zZWNyZXRf\n")]
    test.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"x\n{hidden_line}\n")]
    path = tmp_path / "graded.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[test, printer]), path)
    run._without_hidden_code(path)
    text = path.read_text()
    assert "_secret_check" not in text and "HIDDEN" not in text
    assert "X19zZWNyZXRf" not in text, "a later cell's output (In, base64) is dropped"
    assert "visible" in text, "the visible test stays"


def test_a_submission_secret_is_kept_only_as_a_small_regular_file(tmp_path: Path) -> None:
    honest, linked = tmp_path / "honest", tmp_path / "linked"
    honest.mkdir()
    linked.mkdir()
    (honest / "submission_secret.txt").write_text("0123abcd")
    (linked / "submission_secret.txt").symlink_to(ROOT / "pyproject.toml")
    piped = tmp_path / "piped"
    piped.mkdir()
    os.mkfifo(piped / "submission_secret.txt")  # would block a plain open() for ever
    assert run._keep_secret(honest, tmp_path / "keep-honest") is None
    assert "not a regular file" in str(run._keep_secret(linked, tmp_path / "keep-linked"))
    assert "not a regular file" in str(run._keep_secret(piped, tmp_path / "keep-piped"))
    assert (tmp_path / "keep-honest" / "submission_secret.txt").read_text() == "0123abcd"
    assert not (tmp_path / "keep-linked").exists(), "a link is never followed"


def test_a_terminated_run_removes_its_private_folder(tmp_path: Path) -> None:
    """SIGTERM (a hub stopping the server, `timeout`) cleans up like Ctrl-C."""
    import signal
    import sys
    import time

    folder = tmp_path / "class" / "ana" / LESSON
    folder.mkdir(parents=True)
    nbformat.write(_learner(), folder / f"{LESSON}.ipynb")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    command = [sys.executable, "-m", "pkicourse.grading", str(tmp_path / "class")]
    command += ["--out", str(tmp_path / "out"), "--lessons", LESSON, "--kernel-user", "same"]
    env = {**os.environ, "TMPDIR": str(scratch)}
    grading = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(scratch.glob("pkicourse-grade-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(scratch.glob("pkicourse-grade-*")), "the run made its private folder"
    grading.send_signal(signal.SIGTERM)
    assert grading.wait(timeout=120) != 0, "a stopped run does not claim success"
    assert not list(scratch.glob("pkicourse-grade-*")), "the private folder is removed"
