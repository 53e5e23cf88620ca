"""One grading run of a class: release, intake, autograde in parallel, merge, export.

The steps, each a function below:

1. ``release``: nbgrader's ``generate_assignment`` for every lesson, into a private master
   course folder (mode 0700) that no student kernel can read.
2. ``intake.gather`` / ``intake.prepare``: find the submissions, set bad ones aside with a
   reason, prepare a copy of each notebook to grade (the submitted files are never changed).
3. ``grade_one``, in a pool of worker processes: nbgrader's Autograde in a fresh copy of the
   master folder (its own gradebook), with ``execute.SafeExecute`` running the kernel; then the
   feedback, without hidden tests.
4. ``merge``: the class gradebook ``OUT/gradebook.db`` takes only the auto scores of each task,
   so student code that writes a gradebook gains nothing; an instructor's manual scores stay.
5. ``export``: ``OUT/grades.csv`` (one row per student), ``OUT/report.md``, a printed summary.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from pkicourse.errors import GradingError
from pkicourse.grading import intake

COURSE_ID = "pkicourse"
ROOT = Path(__file__).resolve().parent.parent.parent  # a checkout: course/, notebooks/
STATUS_FILE = "status.json"
# nbgrader 0.9's gradebook trips SQLAlchemy 2's autoflush warning; the grades are unaffected.
warnings.filterwarnings("ignore", message="Object of type <Submitted")


@dataclass
class Options:
    submissions: Path
    out: Path
    source: Path
    lessons: list[str] | None = None
    students: list[str] | None = None
    jobs: int = 2 * (os.cpu_count() or 1)
    timeout: int = 30
    kernel_user: str = ""  # "" = the grader's own user (execute.choose_kernel_user)
    name_pattern: str | None = None
    feedback: bool = True
    check_only: bool = False  # release and compare with the learner copies, grade nothing


@dataclass
class Outcome:
    """What grading one (student, lesson) gave."""

    student: str
    lesson: str
    status: str  # graded | failed: reason | needs manual grading
    # grade id: (auto score, max score, needs manual grading)
    grades: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    timestamp: str | None = None
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def lesson_names(source: Path) -> list[str]:
    """The lessons of a source folder, in course order."""
    names = sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())
    if not names:
        raise GradingError(
            f"{source} holds no lesson (expected <lesson>/<lesson>.ipynb folders): "
            "pass --source with the course's source folder"
        )
    return names


def nbgrader_config(course: Path) -> Any:
    """nbgrader's configuration for a course folder (source/, release/, submitted/...)."""
    from traitlets.config import Config

    # nbgrader runs the `alembic` command installed beside this Python: make sure it is found.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    return config


def release(source: Path, lessons: list[str], master: Path) -> dict[str, Any]:
    """Release the lessons into ``master``; return {lesson: the released notebook}."""
    from nbgrader.apps import NbGraderAPI

    shutil.copytree(
        source, master / "source", ignore=shutil.ignore_patterns("work", ".ipynb_checkpoints")
    )
    api = NbGraderAPI(config=nbgrader_config(master))
    released = {}
    for lesson in lessons:
        result = api.generate_assignment(lesson, force=True)
        if not result["success"]:
            raise GradingError(
                f"nbgrader could not release {lesson} from {source}: {_log_error(result['log'])}"
            )
        path = master / "release" / lesson / f"{lesson}.ipynb"
        released[lesson] = nbformat.read(path, as_version=4)
    return released


def compare_with_learner_copies(
    released: dict[str, Any], public: Path, out: Path = Path("OUT")
) -> list[str]:
    """Differences between a private source's release and the public learner copies.

    Students work in the public copies; grading them against a source whose cells differ is
    unfair unless the students were given this release instead."""
    warnings = []
    for lesson, nb in released.items():
        path = public / f"{lesson}.ipynb"
        if not path.is_file():
            warnings.append(f"{lesson}: no public learner copy {path} to compare with")
            continue
        learner = nbformat.read(path, as_version=4)
        ours = [(c.cell_type, _grade_id(c), c.source) for c in nb.cells]
        theirs = [(c.cell_type, _grade_id(c), c.source) for c in learner.cells]
        if [x[:2] for x in ours] != [x[:2] for x in theirs]:
            warnings.append(
                f"{lesson}: the private source's cells or graded cell ids differ from the "
                f"public learner copy: hand out the private release ({out / 'release' / lesson}) "
                "and grade only submissions made from it"
            )
        else:
            changed = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
            if changed:
                cells = ", ".join(str(i) for i in changed[:8])
                warnings.append(
                    f"{lesson}: {'cells' if len(changed) > 1 else 'cell'} {cells} "
                    f"{'differ' if len(changed) > 1 else 'differs'} from the public learner copy"
                    f" (changed exercise parameters?): hand out {out / 'release' / lesson} "
                    "instead of notebooks/"
                )
    return warnings


def _grade_id(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if meta.get("grade") or meta.get("solution") else None


# ----------------------------------------------------------------------------- one task


def grade_one(master: Path, out: Path, student: str, lesson: str, options: Options) -> Outcome:
    """Autograde one prepared submission (in a worker process) in a fresh course copy."""
    started = time.monotonic()
    outcome = Outcome(student, lesson, status="graded")
    task = Path(tempfile.mkdtemp(prefix="task-", dir=master / "tasks"))
    try:
        (task / "source").symlink_to(master / "source")
        shutil.copy(master / "gradebook.db", task / "gradebook.db")
        shutil.copytree(
            master / "staging" / student / lesson, task / "submitted" / student / lesson
        )
        events = _autograde(task, student, lesson, options)
        outcome.findings += [_event_text(e) for e in events]
        _read_grades(task, student, lesson, outcome)
        graded = task / "autograded" / student / lesson
        _keep(graded, out / "autograded" / student / lesson)
        if options.feedback:
            _without_hidden_code(graded / f"{lesson}.ipynb")
            _keep(graded, master / "feedback-work" / "autograded" / student / lesson)
    except GradingError as error:
        outcome.status = f"failed: {error}"
    except Exception as error:  # one submission's failure must not stop the class
        first = str(error).strip().splitlines()[:1] or [""]
        outcome.status = f"failed: grading error ({type(error).__name__}: {first[0][:200]})"
    finally:
        shutil.rmtree(task, ignore_errors=True)
    outcome.seconds = time.monotonic() - started
    return outcome


_EVENTS: list[dict[str, Any]] = []


def _executor_class() -> type:
    """SafeExecute, recording its events for this task."""
    from pkicourse.grading.execute import SafeExecute

    class Recording(SafeExecute):
        def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
            nb, resources = super().preprocess(nb, resources, km)
            _EVENTS.extend(resources.get("pkicourse", {}).get("events", []))
            return nb, resources

    return Recording


def _autograde(task: Path, student: str, lesson: str, options: Options) -> list[dict[str, Any]]:
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    config = nbgrader_config(task)
    executor = _executor_class()
    config.Autograde.autograde_preprocessors = [
        executor,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    config.OverwriteCells.add_missing_cells = True
    config.SafeExecute.timeout = options.timeout
    config.SafeExecute.kernel_user = options.kernel_user
    # What a student's kernel must not read: the grader's private folder (gradebooks, staged
    # notebooks), the solutions (public and private), the class's grades and submissions.
    hidden = {task.parent.parent, options.source, options.out, options.submissions}
    if (ROOT / "course").is_dir():  # a checkout: its .git and tests hold the solutions too; the
        hidden.add(ROOT)  # kernel still gets ROOT/pkicourse and ROOT/.venv, read only
    config.SafeExecute.hidden_paths = sorted(str(p.resolve()) for p in hidden if p.exists())
    _EVENTS.clear()
    result = NbGraderAPI(config=config).autograde(lesson, student, force=True, create=True)
    if not result["success"]:
        raise GradingError(f"nbgrader could not grade it ({_log_error(result['log'])})")
    return list(_EVENTS)


def _log_error(log: str) -> str:
    """The most telling line of an nbgrader log: the last exception, else the last error."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    raised = [line for line in lines if line.split(":")[0].endswith(("Error", "Exception"))]
    errors = [line for line in lines if "[ERROR]" in line and "see the" not in line]
    return ((raised or errors or ["no log"])[-1])[-300:]


def _event_text(event: dict[str, Any]) -> str:
    where = event.get("grade_id") or f"cell {event.get('cell')}"
    what = str(event.get("what"))
    if what.startswith("hooks"):
        return f"{what} before {where}"
    return f"{what} in {where} after {float(event.get('seconds', 0)):.0f} s"


def _read_grades(task: Path, student: str, lesson: str, outcome: Outcome) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{task / 'gradebook.db'}", COURSE_ID) as book:
        submission = book.find_submission(lesson, student)
        outcome.timestamp = submission.timestamp.isoformat() if submission.timestamp else None
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                outcome.grades[grade.name] = (
                    float(grade.auto_score or 0),
                    float(grade.max_score),
                    bool(grade.needs_manual_grade),
                )
    if any(manual for _, _, manual in outcome.grades.values()):
        outcome.status = "needs manual grading"


def _keep(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)


def _without_hidden_code(path: Path) -> None:
    """Make a graded notebook safe to send back: no hidden test in it, nor in what the student's
    code could print after a hidden test ran.

    - each test cell loses its hidden-test regions, its printed text is cut to 500 characters
      and its error tracebacks to one line of at most 300;
    - every other code cell after the first hidden test loses its outputs (student code there
      could print ``In``, encoded or not);
    - and every remaining output line that shows a line of a hidden test is dropped.
    """
    nb = nbformat.read(path, as_version=4)
    hidden: set[str] = set()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        is_test = cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
        if not is_test:
            if hidden and cell.cell_type == "code":
                cell.outputs = []
            continue
        shown = _without_hidden_tests(cell.source)
        hidden |= {line.strip() for line in cell.source.splitlines()} - {
            line.strip() for line in shown.splitlines()
        }
        cell.source = shown
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":  # what the student's functions print
                output["text"] = "".join(output.get("text", ""))[:500]
            if output.get("output_type") == "error":
                said = f"{output.get('ename')}: {output.get('evalue')}"
                output["traceback"] = [said if len(said) <= 300 else said[:297] + "..."]
                output["evalue"] = str(output.get("evalue", ""))[:300]
    hidden = {line for line in hidden if len(line) >= 12}  # not "pass" or "try:"
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            _drop_lines(output, hidden)
    nbformat.write(nb, path)


def _drop_lines(output: Any, hidden: set[str]) -> None:
    """Remove from one output every line that contains a line of a hidden test."""

    def clean(text: Any) -> Any:
        if isinstance(text, list):
            text = "".join(str(t) for t in text)
        if not isinstance(text, str):
            return text
        kept = [x for x in text.splitlines(True) if not any(h in x for h in hidden)]
        return "".join(kept)

    if "text" in output:
        output["text"] = clean(output["text"])
    for mime, value in list(output.get("data", {}).items()):
        if isinstance(value, (str, list)):
            output["data"][mime] = clean(value)
    if "traceback" in output:
        output["traceback"] = [clean(line) for line in output["traceback"]]


def feedback(master: Path, out: Path, lesson: str) -> None:
    """nbgrader's feedback HTML for every graded student of a lesson, from the class gradebook
    and the graded notebooks without hidden code (run once per lesson: one HTML exporter)."""
    from nbgrader.apps import NbGraderAPI

    work = master / "feedback-work"
    config = nbgrader_config(work)
    config.CourseDirectory.db_url = f"sqlite:///{out / 'gradebook.db'}"
    result = NbGraderAPI(config=config).generate_feedback(lesson, force=True)
    if not result["success"]:
        raise GradingError(f"nbgrader could not write the feedback: {_log_error(result['log'])}")
    for folder in sorted((work / "feedback").glob(f"*/{lesson}")):
        target = out / "feedback" / folder.parent.name / lesson
        _keep(folder, target)
        secret = master / "secrets" / folder.parent.name / lesson / "submission_secret.txt"
        if secret.is_file():  # then feedback/ goes back through nbgrader's exchange as it is
            shutil.copy(secret, target / secret.name)


def _without_hidden_tests(source: str) -> str:
    kept, hidden = [], False
    for line in source.split("\n"):
        if "BEGIN HIDDEN TESTS" in line:
            hidden = True
        elif "END HIDDEN TESTS" in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


# ----------------------------------------------------------------------------- the class


def _keep_secret(submitted: Path, keep: Path) -> str | None:
    """Keep the submission's secret (nbgrader's exchange names the feedback file after it) for
    the feedback folder, out of the kernel's reach: a small regular file only, never a link or
    a pipe. Returns a finding for the report when there is one that cannot be used."""
    secret = submitted / "submission_secret.txt"
    try:
        if not stat.S_ISREG(os.lstat(secret).st_mode):
            return "submission_secret.txt is not a regular file (a link?): ignored"
        fd = os.open(secret, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError:
        return "submission_secret.txt cannot be read: ignored"
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(257) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    if not 0 < len(data) <= 256:
        return "submission_secret.txt is empty or too long: ignored"
    keep.mkdir(parents=True, exist_ok=True)
    (keep / secret.name).write_bytes(data)
    return None


def prepare_all(
    options: Options, lessons: list[str], released: dict[str, Any], master: Path
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], Outcome], list[str]]:
    """Gather and prepare every submission of ``lessons``.

    Returns the tasks to grade, the outcome known so far of each (student, lesson), and what
    could not be placed (a file with no student or lesson) for the report."""
    everything = lesson_names(options.source)
    found, set_aside = intake.gather(
        options.submissions, everything, options.name_pattern, scratch=master / "unzipped"
    )
    wanted = set(options.students) if options.students else None
    everyone = {sub.student for sub in found} | {item.student for item in set_aside}
    absent = sorted((wanted or set()) - everyone)
    if absent:
        raise GradingError(
            f"no submission from {', '.join(absent)} in {options.submissions} "
            f"(students found: {', '.join(sorted(everyone - {''})[:12]) or 'none'})"
        )
    found = [
        sub for sub in found if sub.lesson in lessons and (wanted is None or sub.student in wanted)
    ]
    known: dict[tuple[str, str], Outcome] = {}
    tasks = []
    for sub in found:
        nb, findings, reason = intake.prepare(sub, released[sub.lesson])
        if nb is None:
            known[(sub.student, sub.lesson)] = Outcome(
                sub.student, sub.lesson, f"failed: {reason}", findings=findings
            )
            continue
        folder = master / "staging" / sub.student / sub.lesson
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{sub.lesson}.ipynb")
        if sub.timestamp:
            (folder / "timestamp.txt").write_text(sub.timestamp)
        odd = _keep_secret(sub.path.parent, master / "secrets" / sub.student / sub.lesson)
        findings = [*findings, odd] if odd else findings
        known[(sub.student, sub.lesson)] = Outcome(sub.student, sub.lesson, "", findings=findings)
        tasks.append((sub.student, sub.lesson))
    unplaced = []
    for item in set_aside:
        where = f"{item.path.name}: {item.reason}"
        if not item.student or not item.lesson:
            if wanted is None and (item.lesson is None or item.lesson in lessons):
                unplaced.append(where)
        elif item.lesson in lessons and (wanted is None or item.student in wanted):
            key = (item.student, item.lesson)
            if key in known:  # e.g. an extra notebook beside the graded one
                known[key].findings.append(f"set aside {where}")
            else:
                known[key] = Outcome(item.student, item.lesson, f"failed: {item.reason}")
    return tasks, known, unplaced


def grade_class(options: Options, progress: Callable[[int, int, int], None]) -> dict[str, Any]:
    """Run the whole pipeline; return what the summary needs."""
    lessons = lesson_names(options.source)
    if options.lessons:
        unknown = sorted(set(options.lessons) - set(lessons))
        if unknown:
            raise GradingError(
                f"no such lesson in {options.source}: {', '.join(unknown)} (the lessons are: "
                f"{', '.join(lessons)})"
            )
        lessons = [name for name in lessons if name in options.lessons]
    options.out.mkdir(mode=0o700, parents=True, exist_ok=True)  # grades are private
    master = Path(tempfile.mkdtemp(prefix="pkicourse-grade-"))  # mode 0700
    try:
        released = release(options.source, lessons, master)
        warnings = []
        private = options.source.resolve() != (ROOT / "course" / "source").resolve()
        if private:
            warnings = compare_with_learner_copies(released, ROOT / "notebooks", options.out)
        if private or options.check_only:
            for lesson in lessons:
                _keep(master / "release" / lesson, options.out / "release" / lesson)
        if options.check_only:
            _give_back(options.out)
            return {"lessons": lessons, "warnings": warnings, "tasks": 0}
        (master / "tasks").mkdir()
        tasks, known, unplaced = prepare_all(options, lessons, released, master)
        _refuse_nothing_found(options, known, unplaced)
        # The slowest lessons first, so the pool is not left waiting on one at the end.
        tasks.sort(key=lambda t: (-lessons.index(t[1]), t[0]))
        done = failures = 0
        progress(done, len(tasks), failures)
        for outcome in _run_pool(master, options, tasks):
            before = known[(outcome.student, outcome.lesson)]
            outcome.findings = before.findings + outcome.findings
            known[(outcome.student, outcome.lesson)] = outcome
            done += 1
            failures += outcome.status.startswith("failed")
            progress(done, len(tasks), failures)
        merge(master, options.out, list(known.values()))
        if options.feedback and tasks:
            _feedback_all(master, options, sorted({lesson for _, lesson in tasks}))
    finally:
        shutil.rmtree(master, ignore_errors=True)
    if not options.lessons:  # the lessons handed out: those someone handed in, now or before
        handed_in = {lesson for entry in _load_status(options.out).values() for lesson in entry}
        lessons = [lesson for lesson in lessons if lesson in handed_in] or lessons
    table = export(options.out, lessons, warnings, unplaced)
    _give_back(options.out)
    return {
        "lessons": lessons,
        "table": table,
        "warnings": warnings,
        "unplaced": unplaced,
        "tasks": len(tasks),
    }


def _refuse_nothing_found(
    options: Options, known: dict[tuple[str, str], Outcome], unplaced: list[str]
) -> None:
    """A GradingError when there is nothing to grade."""
    if not known and not unplaced:
        raise GradingError(
            f"found no submission in {options.submissions}: expected "
            "<student>/<lesson>/<lesson>.ipynb (nbgrader's submitted/), or LMS downloads in "
            "<lesson>/ folders (docs/INSTRUCTORS.md, Collect)"
        )


def _give_back(out: Path) -> None:
    """Run with sudo, hand the grades to the instructor who ran it (so the formgrader can add
    manual scores); the folder stays closed to others (0700)."""
    uid, gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if os.geteuid() != 0 or not uid or not gid:
        return
    for folder, dirs, files in os.walk(out):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, int(uid), int(gid))


def _run_pool(master: Path, options: Options, tasks: list[tuple[str, str]]) -> Iterable[Outcome]:
    """Grade the tasks in a pool. If a worker process dies (the out-of-memory killer...), every
    unfinished task goes to a new pool; if one dies again, the rest are graded one per process,
    so only the task that kills its process fails."""
    pending, breaks = list(tasks), 0
    while pending:
        alone = breaks >= 2
        batches = [[task] for task in pending] if alone else [pending]
        pending = []
        for batch in batches:
            with _pool(1 if alone else options.jobs, len(batch)) as pool:
                futures: dict[Future[Outcome], tuple[str, str]] = {
                    pool.submit(grade_one, master, options.out, *task, options): task
                    for task in batch
                }
                broken = False
                for future in as_completed(futures):
                    task = futures[future]
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        if alone:
                            died = "failed: its grading process died (out of memory?)"
                            yield Outcome(*task, died)
                        else:
                            broken = True
                            pending.append(task)
                breaks += broken


def _pool(jobs: int, tasks: int) -> ProcessPoolExecutor:
    """Worker processes, forked where the system can (they start with nbgrader imported)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=max(1, min(jobs, tasks)), mp_context=context)


def _feedback_all(master: Path, options: Options, lessons: list[str]) -> None:
    (master / "feedback-work").mkdir(exist_ok=True)
    (master / "feedback-work" / "source").symlink_to(master / "source")
    with _pool(options.jobs, len(lessons)) as pool:
        for future in [pool.submit(feedback, master, options.out, x) for x in lessons]:
            future.result()


# ----------------------------------------------------------------------------- gradebook


def merge(master: Path, out: Path, outcomes: list[Outcome]) -> None:
    """Write the auto scores into the class gradebook; record each status in status.json."""
    from nbgrader.api import Gradebook

    book_path = out / "gradebook.db"
    with Gradebook(f"sqlite:///{master / 'gradebook.db'}", COURSE_ID) as released:
        assignments = {a.name: a for a in released.assignments}
        if not book_path.exists():
            shutil.copy(master / "gradebook.db", book_path)
        with Gradebook(f"sqlite:///{book_path}", COURSE_ID) as book:
            for name, assignment in assignments.items():
                book.update_or_create_assignment(name)
                for notebook in assignment.notebooks:
                    book.update_or_create_notebook(notebook.name, name)
                    for cell in notebook.grade_cells:
                        book.update_or_create_grade_cell(
                            cell.name, notebook.name, name,
                            max_score=cell.max_score, cell_type=cell.cell_type,
                        )  # fmt: skip
            for outcome in outcomes:
                if outcome.lesson not in assignments:
                    continue
                book.update_or_create_student(outcome.student)
                stamp = {"timestamp": outcome.timestamp} if outcome.timestamp else {}
                submission = book.update_or_create_submission(
                    outcome.lesson, outcome.student, **stamp
                )
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        try:
                            auto, _, manual = outcome.grades[grade.name]
                        except KeyError:  # not graded: set aside or failed
                            auto, manual = 0.0, False
                        grade.auto_score = auto
                        grade.needs_manual_grade = manual
                book.db.commit()
    statuses = _load_status(out)
    for outcome in outcomes:
        entry = asdict(outcome)
        entry["grades"] = {k: list(v) for k, v in outcome.grades.items()}
        statuses.setdefault(outcome.student, {})[outcome.lesson] = entry
    (out / STATUS_FILE).write_text(json.dumps(statuses, indent=1, sort_keys=True))


def _load_status(out: Path) -> dict[str, dict[str, Any]]:
    path = out / STATUS_FILE
    if not path.is_file():
        return {}
    loaded: dict[str, dict[str, Any]] = json.loads(path.read_text())
    return loaded


def export(
    out: Path, lessons: list[str], warnings: list[str], unplaced: list[str]
) -> list[dict[str, str]]:
    """grades.csv (one row per student) and report.md from the gradebook and status.json."""
    from nbgrader.api import Gradebook, MissingEntry

    statuses = _load_status(out)
    rows = []
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as book:
        maxima = {a.name: float(a.max_score) for a in book.assignments}
        for student in sorted(statuses):
            row = {"student": student}
            total = 0.0
            for lesson in lessons:
                entry = statuses[student].get(lesson)
                status = entry["status"] if entry else "missing"
                score = 0.0
                if entry and not status.startswith("failed"):
                    try:
                        score = float(book.find_submission(lesson, student).score)
                    except MissingEntry:
                        status = "missing"
                row[lesson] = _number(score)
                row[f"{lesson} status"] = status
                total += score
            row["total"] = _number(total)
            row["max"] = _number(sum(maxima.get(lesson, 0.0) for lesson in lessons))
            rows.append(row)
    columns = ["student", *lessons, "total", "max", *[f"{x} status" for x in lessons]]
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    _report(out, lessons, statuses, warnings, unplaced)
    return rows


def _number(value: float) -> str:
    return f"{value:g}"


def _report(
    out: Path,
    lessons: list[str],
    statuses: dict[str, dict[str, Any]],
    warnings: list[str],
    unplaced: list[str],
) -> None:
    lines = ["# Grading report", ""]
    if warnings:
        lines += ["## Source", "", *[f"- {w}" for w in warnings], ""]
    if unplaced:
        lines += ["## Set aside: no student or lesson", "", *[f"- {u}" for u in unplaced], ""]
    lines += ["## Per student", ""]
    for student in sorted(statuses):
        notes = []
        for lesson in lessons:
            entry = statuses[student].get(lesson)
            if entry is None:
                continue
            if entry["status"] != "graded" or entry["findings"]:
                said = "; ".join([entry["status"], *entry["findings"]])
                notes.append(f"  - {lesson}: {said}")
        if notes:
            lines += [f"- **{student}**", *notes]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def summary_table(rows: list[dict[str, str]], lessons: list[str]) -> str:
    """A plain-text table: student, one score per lesson (with a mark for problems), total."""
    short = [lesson[:2] for lesson in lessons]
    header = ["student", *short, "total", "max"]
    body = []
    for row in rows:
        cells = [row["student"]]
        for lesson in lessons:
            status = row[f"{lesson} status"]
            if status == "missing":
                cells.append("-")
            else:
                cells.append(row[lesson] + ("" if status == "graded" else " !"))
        body.append([*cells, row["total"], row["max"]])
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *body]
    ]
    lines.append("(- missing, ! failed or needs manual grading: see report.md)")
    return "\n".join(lines)


def progress_printer(stream: Any = None) -> Callable[[int, int, int], None]:
    """A progress bar: done/total, time left, failures so far (a line per update off a TTY)."""
    stream = stream or sys.stderr
    started = time.monotonic()
    tty = hasattr(stream, "isatty") and stream.isatty()

    def show(done: int, total: int, failures: int) -> None:
        elapsed = time.monotonic() - started
        left = elapsed / done * (total - done) if done else float("nan")
        eta = "--:--" if left != left else f"{int(left) // 60}:{int(left) % 60:02d}"
        width = 24
        filled = width * done // total if total else width
        bar = "#" * filled + "." * (width - filled)
        text = f"grading [{bar}] {done}/{total}  ETA {eta}  failures {failures}"
        stream.write(("\r" + text) if tty else text + "\n")
        if tty and done == total:
            stream.write("\n")
        stream.flush()

    return show
