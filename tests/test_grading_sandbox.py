"""The isolated grading kernel's sandbox (pkicourse.grading.sandbox) beyond its mounts: a network
namespace per kernel (the grader reaches it over unix sockets in its 0700 folder) and resource
limits per kernel. Root only: real kernels, started the way ``pkicourse-grade`` starts them.

Each test runs two kernels at once, as a class is graded: one student's code attacks, or runs
away, and the other student's kernel must neither be reached nor suffer.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402

from pkicourse.grading import execute, sandbox  # noqa: E402
from pkicourse.grading.execute import ISOLATED, choose_kernel_user  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from test_grading_execute import _cell, _errors, _run, _score  # noqa: E402

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="isolating kernels needs root")


@pytest.fixture(scope="module")
def isolated() -> None:
    if not execute._can_isolate() or choose_kernel_user("auto") != ISOLATED:
        pytest.skip("no unshare or setpriv here, or namespaces refused")


@pytest.fixture
def meet() -> Iterator[Path]:
    """A folder both kernels can write to (under /tmp: tmp_path is closed to other users)."""
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o1777)
    yield folder
    shutil.rmtree(folder)


def _code(source: str, **names: Any) -> str:
    """``source`` after assignments of ``names`` and two helpers every cell here uses."""
    header = "".join(f"{name} = {value!r}\n" for name, value in names.items())
    helpers = """
        import json, os, pathlib, time
        def wait_for(name, seconds=20):
            deadline = time.monotonic() + seconds
            while not pathlib.Path(MEET, name).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            return pathlib.Path(MEET, name).exists()
        def post(name, text=""):
            pathlib.Path(MEET, name + ".part").write_text(text)
            os.rename(pathlib.Path(MEET, name + ".part"), pathlib.Path(MEET, name))
        """
    return header + textwrap.dedent(helpers) + textwrap.dedent(source)


def _both(
    first: list[nbformat.NotebookNode], second: list[nbformat.NotebookNode], tmp_path: Path
) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """Grade two notebooks at once, each in an isolated kernel."""

    def grade(cells: list[nbformat.NotebookNode], name: str) -> nbformat.NotebookNode:
        folder = tmp_path / name
        folder.mkdir()
        nb, _, _ = _run(cells, folder, kernel_user=ISOLATED, timeout=30)
        return nb

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        done: list[concurrent.futures.Future[nbformat.NotebookNode]] = [
            pool.submit(grade, first, "ana"),
            pool.submit(grade, second, "ben"),
        ]
        return done[0].result(), done[1].result()


def _printed(cell: nbformat.NotebookNode) -> dict[str, Any]:
    assert _errors(cell) == [], cell.outputs
    text = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
    return dict(json.loads(text.strip().splitlines()[-1]))


VICTIM = """
    root = pathlib.Path(os.environ["HOME"]).parent
    info = json.loads((root / "kernel.json").read_text())
    post("victim", json.dumps({"iopub": f"{info['ip']}-{info['iopub_port']}", "root": str(root)}))
    print(json.dumps({"transport": info["transport"], "ip": info["ip"],
                      "sockets": sorted(p.name for p in root.glob("ipc-*")),
                      "mode": oct(root.stat().st_mode & 0o777), "owner": root.stat().st_uid,
                      "uid": os.getuid(), "spy done": wait_for("done")}))
    """

SPY = """
    import socket
    from pkicourse.ca import CA
    from pkicourse.tls import connect, tls_server
    seen = {"victim posted": wait_for("victim")}
    sockets = [line.split() for name in ("tcp", "tcp6", "udp", "udp6")
               for line in open(f"/proc/net/{name}").read().splitlines()[1:]]
    seen["socket owners"] = sorted({int(fields[7]) for fields in sockets} - {os.getuid()})
    victim = json.loads(pathlib.Path(MEET, "victim").read_text())
    def attempt(action):
        try:
            return action()
        except OSError as error:
            return type(error).__name__
    def subscribe():
        with socket.socket(socket.AF_UNIX) as unix:
            unix.connect(victim["iopub"])
            return "connected"
    def grader():
        socket.create_connection(("127.0.0.1", GRADER_PORT), timeout=2).close()
        return "connected"
    seen["victim's iopub"] = attempt(subscribe)
    seen["victim's folder"] = attempt(lambda: os.listdir(victim["root"]))
    seen["grader"] = attempt(grader)
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=2) as client:
            accepted, _ = server.accept()
            client.sendall(b"ping")
            seen["loopback"] = accepted.recv(4).decode()
            accepted.close()
    root = CA.root("sandbox test root")
    with tls_server(root.issue_cert("bank.example")) as running:
        result = connect(running.port, hostname="bank.example", trust=root, request=b"hello")
    seen["tls"] = [bool(result), result.response.decode() if result else str(result)]
    post("done")
    print(json.dumps(seen))
    """


def test_a_kernel_cannot_reach_another_kernel_or_the_grader_but_has_its_own_loopback(
    isolated: None, tmp_path: Path, meet: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as grader:  # as the grader's own ports are
        port = grader.getsockname()[1]
        victim, spy = _both(
            [_cell(_code(VICTIM, MEET=str(meet)))],
            [_cell(_code(SPY, MEET=str(meet), GRADER_PORT=port))],
            tmp_path,
        )
    seen = _printed(victim.cells[0])
    assert seen["transport"] == "ipc" and seen["spy done"], seen
    assert Path(seen["ip"]).parent == Path(json.loads((meet / "victim").read_text())["root"])
    assert seen["sockets"] == ["ipc-1", "ipc-2", "ipc-3", "ipc-4", "ipc-5"]
    assert seen["mode"] == "0o700" and seen["owner"] == seen["uid"]
    seen = _printed(spy.cells[0])
    assert seen["victim posted"], "both kernels ran at once"
    assert seen["socket owners"] == [], "no other user's sockets in /proc/net/tcp"
    assert seen["victim's iopub"] == "PermissionError", "another kernel's iopub is out of reach"
    assert seen["victim's folder"] == "PermissionError"
    assert seen["grader"] == "ConnectionRefusedError", "the grader's 127.0.0.1 is not its own"
    assert seen["loopback"] == "ping", "its own loopback is up"
    assert seen["tls"] == [True, "hello"], "the lessons' TLS servers work"


HOG = """
    import resource, subprocess
    children, error = [], None
    try:
        for _ in range(200):
            children.append(subprocess.Popen(["sleep", "60"]))
    except OSError as failure:
        error = type(failure).__name__
    post("full")
    classmate = wait_for("classmate done")
    for child in children:
        child.kill()
        child.wait()
    try:
        memory = len(bytearray(4 * 1024**3))
    except MemoryError:
        memory = "MemoryError"
    with open("big", "wb", buffering=0) as big:
        big.seek(FILE_LIMIT)
        try:
            big.write(b"x")
            written = "written"
        except OSError as failure:
            written = failure.errno
    os.remove("big")
    print(json.dumps({"started": len(children), "error": error, "classmate ran": classmate,
                      "memory": memory, "big file": written, "nice": os.nice(0),
                      "core": resource.getrlimit(resource.RLIMIT_CORE),
                      "after": subprocess.run(["true"]).returncode}))
    """

CLASSMATE = """
    import io, subprocess
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    figure, axes = plt.subplots()
    axes.plot([1, 4, 9, 16])
    figure.savefig(io.BytesIO(), format="png")
    hog_full = wait_for("full")
    children = [subprocess.Popen(["sleep", "0.2"]) for _ in range(20)]
    codes = [child.wait() for child in children]
    post("classmate done")
    peak = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmPeak")]
    answer = key.key_size
    print(json.dumps({"hog full": hog_full, "codes": sorted(set(codes)), "peak kB": peak[0]}))
    """


def test_a_fork_bomb_and_a_huge_allocation_hit_the_limits_and_spare_a_classmate(
    isolated: None, tmp_path: Path, meet: Path
) -> None:
    hog, classmate = _both(
        [_cell(_code(HOG, MEET=str(meet), FILE_LIMIT=sandbox.MAX_FILE_SIZE))],
        [
            _cell(_code(CLASSMATE, MEET=str(meet))),
            _cell("assert answer == 2048", test=True),
        ],
        tmp_path,
    )
    seen = _printed(hog.cells[0])
    assert seen["error"] == "BlockingIOError", seen
    assert sandbox.MAX_PROCESSES - 30 < seen["started"] < sandbox.MAX_PROCESSES, seen
    assert seen["classmate ran"], "the classmate started its processes while the hog was full"
    assert seen["memory"] == "MemoryError"
    assert seen["big file"] == 27, "EFBIG past MAX_FILE_SIZE, and the kernel lives on"
    assert seen["nice"] == min(19, os.nice(0) + sandbox.NICENESS)
    assert seen["core"] == [0, 0]
    assert seen["after"] == 0, "after its cleanup it can start processes again"
    seen = _printed(classmate.cells[0])
    assert seen["hog full"] and seen["codes"] == [0], seen
    assert seen["peak kB"] * 1024 < sandbox.MAX_ADDRESS_SPACE / 2, "lessons stay well inside"
    assert _errors(classmate.cells[1]) == [] and _score(classmate.cells[1]) == 1


def _sandboxed(
    unshare: list[str], command: list[str], home: Path
) -> subprocess.CompletedProcess[str]:
    plan = json.dumps({"home": str(home), "covers": execute.mount_plan(home, [])})
    launch = [*unshare, sys.executable, "-I", "-S", sandbox.__file__, plan, "--", *command]
    return subprocess.run(launch, capture_output=True, text=True, timeout=30)


def test_the_sandbox_refuses_to_start_a_kernel_on_the_graders_network(
    isolated: None, tmp_path: Path
) -> None:
    mount_only = ["unshare", "--mount", "--propagation", "private", "--"]
    refused = _sandboxed(mount_only, ["true"], tmp_path)
    assert refused.returncode == sandbox.FAILED
    assert "pkicourse sandbox: " in refused.stderr and "unshare --net" in refused.stderr
    names = ("RLIMIT_NPROC", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CORE")
    limits = ", ".join(f"resource.getrlimit(resource.{name})[0]" for name in names)
    show = f"import os, resource; print(os.getuid(), {limits}"
    ran = _sandboxed(
        [*mount_only[:-1], "--net", "--"], [sys.executable, "-c", show + ")"], tmp_path
    )
    assert ran.returncode == 0, ran.stderr
    uid, *values = map(int, ran.stdout.split())
    assert uid >= sandbox.KERNEL_UID_BASE
    assert values == [
        sandbox.MAX_PROCESSES,
        sandbox.MAX_ADDRESS_SPACE,
        sandbox.MAX_FILE_SIZE,
        sandbox.MAX_CORE_SIZE,
    ]
