"""``pkicourse-grade``: grade a whole class in one command (docs/INSTRUCTORS.md).

pkicourse-grade SUBMISSIONS                 # every lesson, every student found
pkicourse-grade SUBMISSIONS --student bob   # regrade one (late) student; the rest stay
pkicourse-grade --new-private-source DIR    # a private copy of the solutions and tests
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from pkicourse.errors import GradingError
from pkicourse.grading import run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pkicourse-grade",
        description="Grade a class: release every lesson, check the submissions, autograde "
        "them in parallel, and write one gradebook row per student.",
    )
    parser.add_argument(
        "submissions",
        nargs="?",
        type=Path,
        help="submitted/<student>/<lesson>/<lesson>.ipynb (nbgrader collect), or an LMS "
        "download: <lesson>/ folders of .ipynb or .zip files named after the student",
    )
    parser.add_argument("--out", type=Path, default=Path("grades"), help="default: grades/")
    parser.add_argument(
        "--source",
        type=Path,
        default=run.ROOT / "course" / "source",
        help="the lessons' nbgrader sources (default: the course's public course/source/)",
    )
    parser.add_argument("--lessons", help="comma-separated lessons (default: all)")
    parser.add_argument(
        "--student", action="append", dest="students", help="grade only this student (repeat)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2 * (os.cpu_count() or 1), help="parallel kernels"
    )
    parser.add_argument("--timeout", type=int, default=30, help="seconds per cell (default 30)")
    parser.add_argument(
        "--kernel-user",
        default="auto",
        help="who runs the students' kernels: auto (nobody when the grader is root), "
        "same, or a user name",
    )
    parser.add_argument("--name-pattern", help="regex with (?P<student_id>...) for LMS files")
    parser.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    parser.add_argument(
        "--check-source",
        action="store_true",
        help="only release the lessons from --source into OUT/release/ and compare them with "
        "the public learner copies (run it before handing out a private source)",
    )
    parser.add_argument(
        "--new-private-source",
        type=Path,
        metavar="DIR",
        help="copy course/source/ to DIR (outside this repository) for a graded class",
    )
    return parser


def new_private_source(target: Path) -> str:
    """Copy the public source to ``target``; return what to do next."""
    source = run.ROOT / "course" / "source"
    if target.exists():
        raise GradingError(f"{target} exists already: choose a new folder")
    if target.resolve().is_relative_to(run.ROOT.resolve()):
        raise GradingError(
            f"{target} is inside the course repository, where a commit could publish it: "
            "choose a folder outside it"
        )
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("work", ".ipynb_checkpoints"))
    target.chmod(0o700)
    return (
        f"Private source written to {target}. Change the hidden tests (between ### BEGIN "
        "HIDDEN TESTS and ### END HIDDEN TESTS) and, if you like, exercise parameters; then "
        f"grade with --source {target}. If you changed cells students see, hand out the "
        "release the grader writes to OUT/release/ instead of notebooks/."
    )


def _check_source(args: argparse.Namespace) -> int:
    """--check-source: release, compare with the learner copies, say what to hand out."""
    options = run.Options(
        submissions=Path("."),
        out=args.out.resolve(),
        source=args.source.resolve(),
        lessons=args.lessons.split(",") if args.lessons else None,
        check_only=True,
    )
    result = run.grade_class(options, run.progress_printer())
    for warning in result["warnings"]:
        print(f"warning: {warning}")
    if not result["warnings"]:
        print(f"{options.source}: every lesson's release matches the public learner copies.")
    print(f"Released to {options.out / 'release'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command. A SIGTERM (a hub stopping the server, `timeout`...) ends the run the way
    Ctrl-C does, so the private folder with the solutions and gradebook copies is removed."""
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    before = signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, before)


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.new_private_source:
            print(new_private_source(args.new_private_source))
            return 0
        if args.check_source:
            return _check_source(args)
        if args.submissions is None:
            raise GradingError("say which folder holds the submissions: pkicourse-grade FOLDER")
        if not args.submissions.is_dir():
            raise GradingError(
                f"{args.submissions} is not a folder: give the folder of submissions "
                "(<student>/<lesson>/<lesson>.ipynb, or LMS downloads in <lesson>/ folders), "
                "e.g. make grade SUBMISSIONS=path/to/submitted"
            )
        if args.timeout < 1 or args.jobs < 1:
            raise GradingError("--timeout and --jobs must be at least 1")
        from pkicourse.grading.execute import choose_kernel_user

        options = run.Options(
            submissions=args.submissions.resolve(),
            out=args.out.resolve(),
            source=args.source.resolve(),
            lessons=args.lessons.split(",") if args.lessons else None,
            students=args.students,
            jobs=args.jobs,
            timeout=args.timeout,
            kernel_user=choose_kernel_user(args.kernel_user),
            name_pattern=args.name_pattern,
            feedback=not args.no_feedback,
        )
        started = time.monotonic()
        result = run.grade_class(options, run.progress_printer())
    except GradingError as error:
        print(f"pkicourse-grade: {error}", file=sys.stderr)
        return 2
    print()
    print(run.summary_table(result["table"], result["lessons"]))
    if result["unplaced"]:
        print(f"{len(result['unplaced'])} files set aside with no student or lesson: see report.md")
    for warning in result["warnings"]:
        print(f"warning: {warning}")
    who = {
        "": "the grader's own user (see docs/INSTRUCTORS.md, threat model)",
        "isolated": "a user of their own, with the solutions and grades out of sight",
    }.get(options.kernel_user, options.kernel_user)
    count = f"{result['tasks']} notebook{'s' if result['tasks'] != 1 else ''}"
    print(
        f"\n{count} graded in {time.monotonic() - started:.0f} s with "
        f"{options.jobs} kernels at a time, run as {who}; cell timeout {options.timeout} s."
    )
    out = options.out
    print(f"Grades: {out / 'grades.csv'}  Report: {out / 'report.md'}")
    if options.feedback:
        print(f"Feedback: {out / 'feedback'}")
    print(f"Gradebook (nbgrader): {out / 'gradebook.db'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
