"""How fast a class is graded: plain sequential nbgrader against `pkicourse-grade` (issue 8).

    python benchmarks/grading.py [--students 2] [--timeout 30] [--kernel-user auto]

1. Builds a small honest class: every lesson handed in by ``full`` (every answer right) and
   ``partial`` (the first exercise right, the rest untouched), and with ``--students 3`` also
   ``blank`` (the learner copy untouched), from the learner copies and the sources' solutions.
2. (a) Plain nbgrader, the README's way: the lessons released (not timed), then one
   ``nbgrader autograde <lesson> --force --Execute.timeout=T`` per lesson, one after another.
3. (b) ``pkicourse-grade`` in one run (release, intake, parallel autograde, merge, export and the
   feedback, all timed), the same cell timeout.
4. Prints per lesson the seconds per submission of both, the totals, the speed-up, and the
   estimate for 30 students x all lessons: (b)'s fixed cost (until its progress bar starts,
   and after it ends) plus 30 x the seconds of grading per submission of each lesson (the
   grading wall time shared among the lessons by their tasks' own times).

Both sides must give the same scores (else exit 1). Targets on the 2-core machine: a speed-up of
at least 1.7 and at most 10 minutes for 30 students x all lessons; exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from grading_support import learner_copy, solutions, with_answers  # noqa: E402
from support import LESSONS, SOURCE  # noqa: E402

from pkicourse.grading import run as grading_run  # noqa: E402

BIN = Path(sys.executable).parent
MIN_SPEEDUP, MAX_CLASS_S, CLASS_SIZE = 1.7, 600.0, 30
STUDENTS = ("full", "partial", "blank")


def build(folder: Path, students: list[str]) -> None:
    """``folder/<student>/<lesson>/<lesson>.ipynb`` for every student and lesson."""
    for lesson in LESSONS:
        learner, right = learner_copy(lesson), solutions(lesson)
        made = {
            "full": with_answers(learner, right),
            "partial": with_answers(learner, dict(list(right.items())[:1])),
            "blank": learner,
        }
        for student in students:
            target = folder / student / lesson / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(made[student], target)


def plain_nbgrader(course: Path, submitted: Path, timeout: int) -> dict[str, float]:
    """(a): release every lesson, then autograde lesson by lesson; {lesson: seconds}."""
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'pkicourse'\n"
        "c.CourseDirectory.db_url = 'sqlite:///gradebook.db'\n"
        "c.OverwriteCells.add_missing_cells = True\n"
    )
    grading_run.release(SOURCE, LESSONS, course)
    shutil.copytree(submitted, course / "submitted")
    env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    seconds = {}
    for lesson in LESSONS:
        command = [str(BIN / "nbgrader"), "autograde", lesson, "--force"]
        started = time.monotonic()
        done = subprocess.run(
            [*command, f"--Execute.timeout={timeout}"],
            cwd=course,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds[lesson] = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"nbgrader autograde {lesson} failed:\n{done.stderr[-3000:]}")
    return seconds


def ours(submitted: Path, out: Path, timeout: int, kernel_user: str) -> dict[str, float]:
    """(b): one pkicourse-grade run; {"total", "before", "grading", "after"} in seconds."""
    command = [str(BIN / "pkicourse-grade"), str(submitted), "--out", str(out)]
    options = ["--timeout", str(timeout), "--kernel-user", kernel_user]
    started = time.monotonic()
    run = subprocess.Popen(
        [*command, *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stderr is not None
    first = last = None
    for line in run.stderr:  # the progress bar: one line per update when not on a terminal
        if "grading [" in line:
            now = time.monotonic() - started
            first = now if first is None else first
            last = now
    stdout = run.stdout.read() if run.stdout else ""
    if run.wait() != 0 or first is None or last is None:
        sys.exit(f"pkicourse-grade failed ({run.returncode}):\n{stdout[-3000:]}")
    total = time.monotonic() - started
    return {"total": total, "before": first, "grading": last - first, "after": total - last}


def scores_plain(course: Path) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        return {
            (s.student.id, s.assignment.name): float(s.score)
            for a in book.assignments
            for s in a.submissions
        }


def scores_ours(out: Path) -> dict[tuple[str, str], float]:
    import csv

    with (out / "grades.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        bad = [lesson for lesson in LESSONS if row[f"{lesson} status"] != "graded"]
        if bad:
            sys.exit(f"pkicourse-grade did not grade {row['student']}: {bad}")
    return {(row["student"], lesson): float(row[lesson]) for row in rows for lesson in LESSONS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=2, choices=[1, 2, 3])
    parser.add_argument("--timeout", type=int, default=30, help="cell timeout, both sides")
    parser.add_argument("--kernel-user", default="auto", help="pkicourse-grade --kernel-user")
    args = parser.parse_args()
    students = list(STUDENTS[: args.students])
    with tempfile.TemporaryDirectory(prefix="pkicourse-bench-grading-") as tmp:
        work = Path(tmp)
        build(work / "submitted", students)
        n = len(students)
        print(
            f"{n} students ({', '.join(students)}) x {len(LESSONS)} lessons, cell timeout "
            f"{args.timeout} s, {os.cpu_count()} cores"
        )
        plain = plain_nbgrader(work / "course", work / "submitted", args.timeout)
        mine = ours(work / "submitted", work / "grades", args.timeout, args.kernel_user)
        theirs, got = scores_plain(work / "course"), scores_ours(work / "grades")
        status = json.loads((work / "grades" / "status.json").read_text())
    differ = sorted(k for k in theirs if theirs[k] != got.get(k))
    task_s = {lesson: sum(status[s][lesson]["seconds"] for s in students) for lesson in LESSONS}
    share = {lesson: task_s[lesson] / sum(task_s.values()) for lesson in LESSONS}
    per_sub = {lesson: mine["grading"] * share[lesson] / n for lesson in LESSONS}

    print(f"\n{'lesson':<28} {'(a) nbgrader s/sub':>19} {'(b) ours s/sub':>15} {'(b) task s':>11}")
    for lesson in LESSONS:
        print(
            f"{lesson:<28} {plain[lesson] / n:>19.1f} {per_sub[lesson]:>15.1f} "
            f"{task_s[lesson] / n:>11.1f}"
        )
    a_total = sum(plain.values())
    speedup = a_total / mine["total"]
    subs = n * len(LESSONS)
    fixed = mine["before"] + mine["after"]
    estimate = fixed + CLASS_SIZE * sum(per_sub.values())
    print(
        f"\n(a) plain nbgrader: {a_total:6.1f} s for {subs} submissions, "
        f"{a_total / subs:.2f} s each (release not counted)"
    )
    print(
        f"(b) pkicourse-grade: {mine['total']:6.1f} s for {subs} submissions, "
        f"{mine['total'] / subs:.2f} s each (release {mine['before']:.1f} s, grading "
        f"{mine['grading']:.1f} s, export {mine['after']:.1f} s)"
    )
    print(f"speed-up: {speedup:.2f}x (target >= {MIN_SPEEDUP})")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (other work on the machine slows both sides)")
    print(
        f"estimate for {CLASS_SIZE} students x {len(LESSONS)} lessons: {estimate:.0f} s = "
        f"{estimate / 60:.1f} min (target <= {MAX_CLASS_S / 60:.0f} min)"
    )
    failed = []
    if differ:
        shown = ", ".join(
            f"{s}/{x}: (a) {theirs[s, x]:g}, (b) {got.get((s, x))}" for s, x in differ
        )
        failed.append(f"scores differ between (a) and (b): {shown}")
    if speedup < MIN_SPEEDUP:
        failed.append(f"speed-up {speedup:.2f} < {MIN_SPEEDUP}")
    if estimate > MAX_CLASS_S:
        failed.append(f"estimate {estimate:.0f} s > {MAX_CLASS_S:.0f} s")
    for problem in failed:
        print(f"MISSED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
