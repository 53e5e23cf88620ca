"""A class on a real JupyterHub (127.0.0.1): release, fetch, submit, collect and grade.

The hub runs deploy/jupyterhub/jupyterhub_config.py (tests/hub_support.py swaps in the dummy
login, the simple spawner and free ports). An instructor and two students get tokens through
the hub's REST API and start their servers; then everything happens through THEIR servers'
HTTP APIs, as the JupyterLab buttons do it:
- the instructor's formgrader generates and releases lesson 00-index to nbgrader's exchange;
- each student lists and fetches it through the assignment list (the "Assignments" tab),
  writes into the fetched notebook with the contents API (alice solves ex1 from the source's
  solution, bob hands in the untouched copy) and submits;
- the instructor collects, and the class is graded with the course's grader
  (pkicourse-grade, from the instructor's private source); each student's score is asserted.
Students get no formgrader, and a student's token does not open another student's server.
All servers run as this test's uid (root here): see docs/JUPYTERHUB.md.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("jupyterhub", reason="the hub test needs jupyterhub (the test extra)")

from grading_support import solutions  # noqa: E402
from hub_support import HTTPFailure, Hub, call, kill, processes_under  # noqa: E402
from support import SOURCE, nbgrader_meta  # noqa: E402

COURSE = "pkicourse"
LESSON = "00-index"
INSTRUCTOR = "teacher"
STUDENTS = ["alice", "bob"]
# 00-index: ex1 is worth 2 points, ex2 1 point.
EXPECTED = {"alice": 2.0, "bob": 0.0}
MAX_SCORE = 3.0
# On a hub the instructor's server runs as the instructor's own (unprivileged) uid, where the
# grader's "auto" means "same": kernels run as the instructor. Here every server is root only
# because of the simple spawner, so the test asks for what a real instructor gets.
KERNEL_USER = os.environ.get("PKICOURSE_TEST_KERNEL_USER", "same")


class Timer:
    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.lines: list[str] = []

    def __call__(self, what: str) -> None:
        now = time.monotonic()
        self.lines.append(f"{what:<42} {now - self.last:6.1f} s")
        self.last = now

    def report(self) -> str:
        total = f"{'total':<42} {time.monotonic() - self.start:6.1f} s"
        return "\n".join(["hub test timings:", *self.lines, total])


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """The class hub, stopped at the end with every server and the proxy, even on failure."""
    course = tmp_path / "home" / INSTRUCTOR / "course" / "source" / LESSON
    course.parent.mkdir(parents=True)
    shutil.copytree(SOURCE / LESSON, course)  # the instructor's private copy of the lesson
    env = {
        "PKICOURSE_EXCHANGE": str(tmp_path / "exchange"),
        "PKICOURSE_INSTRUCTORS": INSTRUCTOR,
        "PKICOURSE_STUDENTS": ",".join(STUDENTS),
    }
    running = Hub(tmp_path, env)
    try:
        running.startup = running.wait_ready()
        yield running
    finally:
        running.stop()
        left = processes_under(tmp_path)
        kill(left)
        assert not left, f"left running after the hub stopped: {left}"


class Server:
    """One user's single-user server, reached through the hub's proxy with the user's token."""

    def __init__(self, hub: Hub, name: str) -> None:
        self.name = name
        self.url = f"{hub.url}/user/{name}"
        token = hub.api("POST", f"/users/{name}/tokens", {"note": "test login"})
        self.token = str(token["token"])

    def get(self, path: str) -> Any:
        return call("GET", self.url + path, self.token)[1]

    def post(self, path: str, body: Any = None) -> Any:
        return call("POST", self.url + path, self.token, body if body is not None else {})[1]

    def put(self, path: str, body: Any) -> Any:
        return call("PUT", self.url + path, self.token, body)[1]


def lab_page_config(server: Server) -> dict[str, Any]:
    """The page config JupyterLab hands the browser (which plugins it switches off)."""
    page = str(server.get("/lab"))
    found = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, "no page config in JupyterLab's page"
    return dict(json.loads(found.group(1)))


def start_servers(hub: Hub, names: list[str], seconds: float = 90) -> None:
    for name in names:
        hub.api("POST", f"/users/{name}/server")
    deadline = time.monotonic() + seconds
    waiting = set(names)
    while waiting and time.monotonic() < deadline:
        for name in sorted(waiting):
            model = hub.api("GET", f"/users/{name}")
            if model["servers"].get("", {}).get("ready"):
                waiting.discard(name)
        time.sleep(0.5)
    assert not waiting, f"servers not ready in {seconds} s: {waiting}\n{hub.tail()}"


def assignment(listing: dict[str, Any], status: str) -> dict[str, Any]:
    """The lesson's entry with this status in an assignment-list answer."""
    assert listing["success"], listing
    found = [
        a
        for a in listing["value"]
        if a["assignment_id"] == LESSON and a["course_id"] == COURSE and a["status"] == status
    ]
    assert found, f"no {status} {LESSON} in {listing['value']}"
    return found[0]


def answer(notebook: dict[str, Any], grade_id: str, code: str) -> int:
    """Put `code` into the solution cell `grade_id`; returns how many cells changed."""
    changed = 0
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == grade_id and meta.get("solution"):
            cell["source"] = code
            changed += 1
    return changed


def grade(course: Path, out: Path) -> dict[str, tuple[float, float, str]]:
    """{student: (score, max, status)} from the course's grader run on the collected folder.

    The instructor runs it in their server's terminal; here the test runs the same command, as
    the same uid, in the instructor's home: it grades from the instructor's private source.
    """
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pkicourse-grade"), str(course / "submitted")]
        + ["--out", str(out), "--source", str(course / "source"), "--lessons", LESSON]
        + ["--kernel-user", KERNEL_USER],
        cwd=course.parent,
        env={**os.environ, "HOME": str(course.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with (out / "grades.csv").open(newline="") as handle:
        return {
            row["student"]: (float(row["total"]), float(row["max"]), row[f"{LESSON} status"])
            for row in csv.DictReader(handle)
        }


def test_a_class_on_jupyterhub(hub: Hub, tmp_path: Path) -> None:
    timer = Timer()
    try:
        _play_the_class(hub, tmp_path, timer)
    finally:
        print(timer.report())


def _play_the_class(hub: Hub, tmp_path: Path, timer: Timer) -> None:
    timer.lines.append(f"{'hub up (before the test: proxy, database)':<42} {hub.startup:6.1f} s")
    groups = {g["name"]: sorted(g["users"]) for g in hub.api("GET", "/groups")}
    assert groups == {"instructors": [INSTRUCTOR], "students": STUDENTS}

    instructor = Server(hub, INSTRUCTOR)
    alice, bob = (Server(hub, name) for name in STUDENTS)
    start_servers(hub, [INSTRUCTOR, *STUDENTS])
    timer("3 servers started")

    # Roles: the formgrader for the instructor only; a student cannot open another's server.
    assert instructor.get("/formgrader/api/status") == {"status": True}
    for student in (alice, bob):
        with pytest.raises(HTTPFailure) as refused:
            student.get("/formgrader/api/status")
        assert refused.value.status == 404, "students must not get the formgrader"
    with pytest.raises(HTTPFailure) as refused:
        call("GET", f"{bob.url}/api/contents", alice.token)
    assert refused.value.status == 403, "alice's token opened bob's server"
    for server, hidden in ((alice, True), (instructor, False)):
        disabled = lab_page_config(server)["disabledExtensions"]
        assert ("@jupyter/nbgrader:formgrader" in disabled) is hidden, (server.name, disabled)
        assert ("@jupyter/nbgrader:create-assignment" in disabled) is hidden, server.name
        assert "@jupyter/nbgrader:assignment-list" not in disabled

    # The hub made nbgrader's exchange root, writable by all and sticky like /tmp.
    assert (tmp_path / "exchange").stat().st_mode & 0o7777 == 0o1777

    # Release: generate the student version from the source, then copy it to the exchange.
    generated = instructor.post(f"/formgrader/api/assignment/{LESSON}/assign")
    assert generated["success"], generated.get("error") or generated
    released = instructor.post(f"/formgrader/api/assignment/{LESSON}/release")
    assert released["success"], released.get("error") or released
    exchange = tmp_path / "exchange" / COURSE / "outbound" / LESSON / f"{LESSON}.ipynb"
    assert exchange.is_file()
    timer("instructor released 00-index")

    # Students: list, fetch, answer, submit.
    solution = solutions(LESSON)["ex1"]
    for student in (alice, bob):
        assignment(student.get(f"/assignments?course_id={COURSE}"), "released")
        fetched = assignment(
            student.post("/assignments/fetch", {"course_id": COURSE, "assignment_id": LESSON}),
            "fetched",
        )
        assert fetched["path"] == LESSON  # in the student's home, where JupyterLab opens it
        path = f"/api/contents/{LESSON}/{LESSON}.ipynb"
        model = student.get(path)
        notebook = model["content"]
        released_cell = next(
            c for c in notebook["cells"] if nbgrader_meta(c).get("grade_id") == "ex1"
        )
        assert "### BEGIN SOLUTION" not in released_cell["source"], "solutions were released"
        if student is alice:
            assert answer(notebook, "ex1", solution) == 1
            student.put(path, {"type": "notebook", "format": "json", "content": notebook})
        submitted = student.post(
            "/assignments/submit", {"course_id": COURSE, "assignment_id": LESSON}
        )
        assert assignment(submitted, "submitted")["submissions"], submitted
    timer("2 students fetched, answered, submitted")

    inbound = sorted(p.name.split("+")[0] for p in (exchange.parents[2] / "inbound").iterdir())
    assert inbound == STUDENTS, "each submission is named after its hub user"

    collected = instructor.post(f"/formgrader/api/assignment/{LESSON}/collect")
    assert collected["success"], collected.get("error") or collected
    submitted_dir = tmp_path / "home" / INSTRUCTOR / "course" / "submitted"
    assert sorted(p.name for p in submitted_dir.iterdir()) == STUDENTS
    for student in STUDENTS:
        assert (submitted_dir / student / LESSON / f"{LESSON}.ipynb").is_file()
    timer("instructor collected")

    scores = grade(tmp_path / "home" / INSTRUCTOR / "course", tmp_path / "grades")
    timer("class graded (pkicourse-grade)")
    assert scores == {s: (EXPECTED[s], MAX_SCORE, "graded") for s in STUDENTS}, scores

    # Feedback back through the exchange (docs/JUPYTERHUB.md): the grader's feedback folder
    # (HTML, timestamp, and the submission's secret that names it) copied into the course as it
    # is, then the formgrader's "release feedback" button.
    course = tmp_path / "home" / INSTRUCTOR / "course"
    shutil.copytree(tmp_path / "grades" / "feedback", course / "feedback")
    released = instructor.post(f"/formgrader/api/assignment/{LESSON}/release_feedback")
    assert released["success"], released.get("error") or released
    for student in (alice, bob):
        listing = student.post(
            "/assignments/fetch_feedback", {"course_id": COURSE, "assignment_id": LESSON}
        )
        [submission] = assignment(listing, "submitted")["submissions"]
        assert submission["has_local_feedback"], submission
        folder = quote(submission["local_feedback_path"])  # in the student's home
        html = student.get(f"/api/contents/{folder}/{LESSON}.html?type=file&format=text")
        score = f"{LESSON} (Score: {EXPECTED[student.name]:.1f} / {MAX_SCORE:.1f})"
        assert score in html["content"], f"{student.name}'s feedback lacks {score!r}"
        assert "HIDDEN TESTS" not in html["content"]
    timer("feedback released and fetched")
