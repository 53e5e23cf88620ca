"""Run one student's notebook for grading: ``SafeExecute``, nbgrader's ``Execute`` made safer.

The part of the course's threat model this module implements (docs/INSTRUCTORS.md states it all):

* **Reaching the gradebook or the solutions.** The kernel runs in a fresh temporary folder (not
  the course folder) holding copies of the files beside the notebook, never other notebooks,
  with its own ``HOME``, ``TMPDIR``, ``IPYTHONDIR`` and ``MPLCONFIGDIR``; the folder is removed
  afterwards. When the grader is root, ``choose_kernel_user("auto")`` picks ``ISOLATED``: every
  kernel is started as ``unshare --mount --propagation private --net -- python -I -S sandbox.py
  PLAN -- setpriv ... -- python -m ipykernel_launcher -f CONNECTION`` (sandbox.py says how), so
  it runs in a private mount namespace as a uid and gid of its own (``sandbox.KERNEL_UID_BASE``
  + its pid: no two running kernels share one, so one student's code cannot signal or attach
  to another's kernel), with no groups and no capabilities. In that namespace a folder other
  users cannot enter above the Python (pyenv's under 0700 ``/root``) shows only the Python,
  pkicourse and the virtual environment, read-only, and every path of ``hidden_paths`` (the
  grader's private folder, the solutions, the grades) shows empty; the grader's 0700 folders
  stay closed. It also has a network namespace of its own, with only a loopback (the lessons'
  TLS servers on 127.0.0.1 work; no other kernel's ports, nor the grader's, are there), and the
  grader talks to it over ZeroMQ's ``ipc`` transport: unix sockets in the kernel's folder,
  which is 0700 and its uid's, so another kernel can neither subscribe to its output nor send
  it requests (over TCP on a shared 127.0.0.1 anyone can). And it has resource limits
  (``sandbox.MAX_PROCESSES`` processes and threads for its uid, ``MAX_ADDRESS_SPACE`` per
  process, ``MAX_FILE_SIZE`` per file, no core files, nice + ``NICENESS``): a fork bomb or a
  huge allocation fails in that kernel alone. When the kernel stops, every process left
  running as its uid is killed. A probe
  started exactly that way must import pkicourse and ipykernel first; if it cannot (no
  ``unshare``, mounts refused), ``auto`` falls back to plain ``nobody`` if that probe passes
  (then ``hidden_paths`` has no effect, kernels share one uid, 127.0.0.1 over TCP and no
  limits), else to a GradingError
  saying what to do. Not root: ``auto`` is the grader's own user, and student code can read
  whatever the grader can (the instructor's guide says so).
* **Noise.** The kernel's own stdout and stderr (ipykernel's "running over TCP without
  encryption" warning) stay out of the grader's terminal; the end of its stderr is shown only
  if it fails to start.
* **IPython hooks.** Right after the kernel starts, before any student code, a bootstrap
  snapshots the hooks student code could use to change how a test cell runs or how its failure
  shows (AST and input transformers, event callbacks, ``showtraceback``, trace/profile/except
  hooks, builtins...) and registers a handler for a custom shell message,
  ``pkicourse_restore_request``. That message never runs through ``run_cell``, so a transformer
  that blanks every cell cannot block it. Before every graded test cell the grader asks for the
  snapshot back and waits for the acknowledgement; without one the test cell fails ("hooks
  tampered") and earns nothing. The reset is cheap and says what changed, but code in the
  kernel can forge its reply or undo it (a thread re-installing a transformer) or change how
  cells run where no snapshot looks (``kernel.do_execute``, ``CachingCompiler`` on the class, a
  transformer function's ``__code__``).
* **Tests that did not run to their end.** So every graded test cell is sent with one more
  line, ``assert False, 'pkicourse-sentinel-NONCE'`` (a fresh random nonce per cell, after a
  blank line and at column 0, so it ends any open block; the notebook keeps the cell's own
  source; a cell magic ``%%`` is sent as it is). A reply failing with exactly that error: the
  test ran to its end and passed (the sentinel's error output is removed, nbgrader scores the
  cell). Another error: the test failed (the sentinel's line is cut from its tracebacks). No
  error: the notebook's code kept the test from running: the cell gets a
  ``TestNeutralizedError`` output, earns nothing, and "tests neutralized" is reported. It costs
  about 10 ms per test cell. A test cell's last expression is no longer its last statement, so
  its value is not shown (nbgrader's partial credit from a number output does not apply).
* **Endless loops and dead kernels.** A cell that runs past ``timeout`` is interrupted; if the
  kernel has not settled ``interrupt_grace`` seconds later (a loop that catches
  ``KeyboardInterrupt``), it is killed. A killed or dead kernel (``os._exit``) is replaced by a
  new one, the earlier code cells are run again silently, the cell gets an error output, and
  grading goes on with the next cell: one student's loop costs seconds. Each replay costs as
  much as the cells before it, so there are at most ``MAX_REPLAYS`` (3) per notebook: at the
  next kill or death the rest of the notebook is not run (each code cell left gets a
  ``NotebookReplayLimitError`` output; "replay limit" is reported). A fresh kernel without the
  replay was the other choice: its tests would fail on missing names, less clearly.
* **A slow notebook.** The whole notebook, replays included, has ``notebook_budget`` seconds
  (default max(300, 10 x ``timeout``)); each cell's timeout and each replay is cut to what is
  left. Once it is spent, every code cell left gets a ``NotebookTimeBudgetError`` output (graded
  ones earn nothing) and "time budget" is reported: a notebook costs at most the budget plus
  ``interrupt_grace`` and a kernel's stop.

Not defended (see the guide): code that rebinds objects the tests use in other modules; code
that knows the sentinel and runs it alone (it can read the cell it is sent: the sentinel stops
generic cheats that blank or strip a test cell, not one written against this grader); when
several kernels run as the same user at once (``nobody``, or the grader's own user),
one student's code signalling or connecting to another student's kernel; with ``ISOLATED``,
what every user may read anyway (``/tmp``, ``/proc``'s process list and mount table, which
name the hidden paths), files a kernel leaves in a shared folder such as ``/tmp`` (which two
running kernels can also use to talk to each other), CPU time beyond the cell timeout, and
the disk space many files under the size limit take. (An isolated kernel has no network
beyond its loopback: a notebook that needs the internet cannot be graded that way.)

Every event is appended to ``resources["pkicourse"]["events"]`` as
``{"cell": index, "grade_id": id or None, "what": "timeout" | "killed" | "kernel died" |
"hooks tampered" | "hooks reset (KINDS)" | "tests neutralized" | "time budget" | "replay limit",
"seconds": float}``; no output of the student's code goes there.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution
from traitlets import Enum, Float, List, Unicode

from pkicourse.errors import CourseError, GradingError
from pkicourse.grading import sandbox

__all__ = ["ISOLATED", "SafeExecute", "choose_kernel_user"]

#: ``kernel_user`` for kernels that each run as a uid of their own in a private mount namespace.
ISOLATED = "isolated"
#: What the probe of ``choose_kernel_user`` runs, started exactly as a kernel is.
PROBE = "import os, pkicourse, ipykernel.kernelapp; open('probe', 'w').close(); os.getuid() or 1/0"

#: Seconds to wait for the kernel to acknowledge the hook reset before a graded test cell.
HOOK_REPLY_SECONDS = 5.0
#: Environment variables a kernel inherits from the grader (everything else is dropped).
KEPT_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "VIRTUAL_ENV")
# What the restore handler reports as changed (only these words reach the report).
HOOK_KINDS = (
    "AST transformers",
    "input transformers",
    "traceback display",
    "cell execution",
    "sys hooks",
    "builtins",
    "pre-run events",
)
#: Longest path of a unix socket, with its final NUL (sun_path of struct sockaddr_un).
UNIX_PATH_MAX = 107
RESTORE_REQUEST = "pkicourse_restore_request"
RESTORE_REPLY = "pkicourse_restore_reply"
#: Kill-and-replay rounds per notebook; after them the rest of the notebook is not run.
MAX_REPLAYS = 3
#: What the line appended to every graded test cell fails with (then a random nonce): a reply
#: with exactly that error proves the test ran to its end.
SENTINEL = "pkicourse-sentinel-"

# The kernel side of the hook reset: run once, silently, right after the kernel starts.
BOOTSTRAP = r"""
def _pkicourse_bootstrap():
    import builtins, os, sys, threading
    shell = get_ipython()
    kernel = shell.kernel
    missing = object()
    names = ("ast_transformers", "input_transformer_manager", "input_transformers_post",
             "events", "compile", "showtraceback", "_showtraceback", "showsyntaxerror",
             "showindentationerror", "custom_exceptions", "CustomTB", "run_cell",
             "run_cell_async", "_run_cell", "run_ast_nodes", "run_code", "transform_cell",
             "transform_ast", "should_run_async", "ex", "ev")
    sys_names = ("excepthook", "displayhook", "breakpointhook", "unraisablehook",
                 "stdout", "stderr")
    def take():
        # A snapshot of the hooks, and how to compare with it and go back to it.
        transformers = shell.input_transformer_manager
        lists = {"ast": list(shell.ast_transformers), "post": list(shell.input_transformers_post),
                 "cleanup": list(transformers.cleanup_transforms),
                 "line": list(transformers.line_transforms),
                 "token": list(transformers.token_transformers),
                 "meta_path": list(sys.meta_path)}
        manager_vars = dict(vars(transformers))
        callbacks = {k: list(v) for k, v in shell.events.callbacks.items()}
        values = {n: getattr(shell, n, missing) for n in names}
        own = {n: vars(shell)[n] for n in names if n in vars(shell)}
        on_class = [(c, n, c.__dict__[n]) for c in type(shell).__mro__ for n in names
                    if n in c.__dict__]
        sys_values = {n: getattr(sys, n) for n in sys_names}
        traces = (sys.gettrace(), sys.getprofile(), threading.gettrace(), threading.getprofile())
        built = dict(vars(builtins))
        compile_flags = shell.compile.flags
        # Every Python function of the modules that turn a cell into code and run it (IPython's
        # transformers, compiler and shell, ipykernel, ast, codeop), with its code object: a
        # patched method or a swapped __code__ is seen and undone.
        import ast, codeop, types
        import ipykernel.ipkernel, ipykernel.kernelbase
        from IPython.core import compilerop, inputtransformer2, interactiveshell
        functions = []
        for module in (inputtransformer2, compilerop, interactiveshell, ipykernel.ipkernel,
                       ipykernel.kernelbase, ast, codeop):
            owners = [module] + [v for v in vars(module).values()
                                 if isinstance(v, type) and v.__module__ == module.__name__]
            for owner in owners:
                for n, f in list(vars(owner).items()):
                    if isinstance(f, types.FunctionType):
                        functions.append((owner, n, f, f.__code__))
        kernel_own = set(vars(kernel))
        compile_own = dict(vars(shell.compile))

        def differs(a, b):
            try:
                return a is not b and bool(a != b)
            except Exception:
                return True

        def changed():
            # Which kinds of hook the notebook's code changed (names from this list only).
            manager = shell.input_transformer_manager
            kinds = {
                "AST transformers": differs(shell.ast_transformers, lists["ast"]),
                "input transformers": manager is not transformers
                or any(differs(getattr(manager, a, None), lists[k]) for k, a in (
                    ("cleanup", "cleanup_transforms"), ("line", "line_transforms"),
                    ("token", "token_transformers")))
                or differs(shell.input_transformers_post, lists["post"]),
                "traceback display": any(differs(getattr(shell, n, missing), values[n]) for n in (
                    "showtraceback", "_showtraceback", "showsyntaxerror", "custom_exceptions",
                    "CustomTB")),
                "cell execution": any(differs(getattr(shell, n, missing), values[n]) for n in (
                    "run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code",
                    "transform_cell", "transform_ast", "compile"))
                or any(c.__dict__.get(n, missing) is not v for c, n, v in on_class)
                or any(vars(o).get(n) is not f or f.__code__ is not code
                       for o, n, f, code in functions)
                or any(callable(vars(kernel)[n]) for n in set(vars(kernel)) - kernel_own)
                or set(vars(shell.compile)) != set(compile_own),
                # (IPython swaps sys.displayhook, stdout and stderr and a few builtins around each
                # cell by itself: those are restored, not reported.)
                "sys hooks": any(getattr(sys, n) is not sys_values[n] for n in (
                    "excepthook", "breakpointhook", "unraisablehook"))
                or (sys.gettrace(), sys.getprofile()) != traces[:2]
                or differs(sys.meta_path, lists["meta_path"]),
                "builtins": any(vars(builtins).get(n, v) is not v for n, v in built.items()
                                if n not in ("_", "__", "___")),
                "pre-run events": any(
                    differs(shell.events.callbacks.get(e, []), callbacks.get(e, []))
                    for e in ("pre_execute", "pre_run_cell")),
            }
            return [kind for kind, yes in kinds.items() if yes]

        def restore():
            sys.settrace(traces[0]); sys.setprofile(traces[1])
            threading.settrace(traces[2]); threading.setprofile(traces[3])
            for n, v in sys_values.items():
                setattr(sys, n, v)
            sys.meta_path[:] = lists["meta_path"]
            for c, n, v in on_class:
                if c.__dict__.get(n, missing) is not v:
                    setattr(c, n, v)
            for o, n, f, code in functions:
                if vars(o).get(n) is not f:
                    setattr(o, n, f)
                if f.__code__ is not code:
                    f.__code__ = code
            for n in set(vars(kernel)) - kernel_own:
                if callable(vars(kernel)[n]):  # a method wrapped on the instance
                    del vars(kernel)[n]
            for n in set(vars(shell.compile)) - set(compile_own):
                del vars(shell.compile)[n]
            vars(shell.compile).update(compile_own)
            for n in names:
                if shell.has_trait(n):
                    setattr(shell, n, values[n])
                elif n in own:
                    vars(shell)[n] = own[n]
                else:
                    vars(shell).pop(n, None)
            shell.ast_transformers = list(lists["ast"])
            shell.input_transformers_post = list(lists["post"])
            vars(transformers).clear()
            vars(transformers).update(manager_vars)
            transformers.cleanup_transforms = list(lists["cleanup"])
            transformers.line_transforms = list(lists["line"])
            transformers.token_transformers = list(lists["token"])
            shell.events.callbacks = {k: list(v) for k, v in callbacks.items()}
            shell.compile.flags = compile_flags
            for n, v in built.items():
                if vars(builtins).get(n, missing) is not v:
                    setattr(builtins, n, v)
        return changed, restore

    hooks = [take()]

    def on_restore_request(stream, ident, msg):
        try:
            if msg["content"].get("baseline"):  # before any of the notebook's cells
                hooks[0] = take()
            changed, restore = hooks[0]
            kinds = changed()
            restore()
            content = {"status": "ok", "nonce": msg["content"].get("nonce"), "changed": kinds}
        except Exception as error:
            content = {"status": "error", "ename": type(error).__name__}
        kernel.session.send(stream, "pkicourse_restore_reply", content, parent=msg,
                            ident=ident)

    kernel.shell_handlers["pkicourse_restore_request"] = on_restore_request
    # The kernel started with PYTHONSAFEPATH, so files beside the notebook could not shadow
    # modules while it started; now put its folder on the path as IPython does: after
    # site-packages, so it can add modules but not replace installed ones.
    os.environ.pop("PYTHONSAFEPATH", None)
    if "" not in sys.path:
        at = next((i for i, p in enumerate(sys.path)
                   if os.path.basename(p) in ("site-packages", "dist-packages")), -1)
        sys.path.insert(at + 1, "")

_pkicourse_bootstrap()
del _pkicourse_bootstrap
"""


def choose_kernel_user(option: str) -> str:
    """The user grading kernels run as: ``""`` (the grader's own), ``ISOLATED``, or a user name.

    ``"auto"``, when the grader is root: ``ISOLATED`` (each kernel its own uid, in a private
    mount namespace; see the module's docstring) if a probe started the exact way kernels are
    can run this Python and import pkicourse and ipykernel; else ``nobody`` if such a probe as
    ``nobody`` can; else a GradingError saying what to do. Not root: the grader's own user.
    ``"same"``: the grader's own user (when root, student code can then read the gradebook and
    the solutions). Any other value names a user, who must exist.
    """
    if option == "same":
        return ""
    if option != "auto":
        _user_ids(option)
        return option
    if os.geteuid() != 0:
        return ""
    isolated = _probe(ISOLATED) if _can_isolate() else "unshare or setpriv is missing"
    if not isolated:
        return ISOLATED
    plain = _probe("nobody")
    if not plain:
        return "nobody"
    raise GradingError(
        "grading kernels should run unprivileged (the grader runs as root), but neither a "
        f"kernel with its own uid in a private mount namespace ({isolated}) nor one run as "
        f"'nobody' ({plain}) could run {sys.executable} and import pkicourse and ipykernel. "
        "Put the course and its Python where every user can read them (e.g. not under /root), "
        "or pass --kernel-user same to accept that student code can then read the gradebook "
        "and the solutions."
    )


def _can_isolate() -> bool:
    return all(shutil.which(tool) for tool in ("unshare", "setpriv", "kill"))


def _user_ids(name: str) -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise GradingError(
            f"--kernel-user {name}: there is no such user on this machine; "
            "give an existing user, or 'auto', or 'same'"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _probe(user: str) -> str:
    """Why ``user`` cannot start a kernel's Python the kernels' way ("" if it can)."""
    box = _Sandbox(None, None if user == ISOLATED else _user_ids(user))
    try:
        prefix, as_user = _launch(user, box.root, [])
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", PROBE],
            cwd=box.work,
            env=box.env,
            capture_output=True,
            text=True,
            timeout=60,
            **as_user,
        )
        return _last_line(probe.stderr) if probe.returncode else ""
    except (OSError, subprocess.SubprocessError, GradingError) as error:
        return str(error)
    finally:
        box.remove()


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no error message"])[-1][-300:]


def _launch(user: str, home: Path, hidden: list[str]) -> tuple[list[str], dict[str, Any]]:
    """How kernels start: what goes before the kernel's command line, and Popen's arguments."""
    if user == ISOLATED:
        plan = json.dumps({"home": str(home), "covers": mount_plan(home, hidden)})
        unshare = ["unshare", "--mount", "--propagation", "private", "--net", "--"]
        return [*unshare, sys.executable, "-I", "-S", sandbox.__file__, plan, "--"], {}
    if user:
        uid, gid = _user_ids(user)
        return [], {"user": uid, "group": gid, "extra_groups": []}
    return [], {}


def mount_plan(home: Path, hidden: list[str]) -> list[tuple[str, list[str]]]:
    """What sandbox.py covers: ``[(path, [kept paths inside it]), ...]``, shallowest first.

    Covered: the highest folder other users cannot enter above the kernel's Python, its
    virtual environment, pkicourse or the kernel's folder (``home``); and every existing path
    of ``hidden``. Kept inside a cover: those folders. A hidden path one of them needs is an
    error: it cannot be hidden.
    """
    kept = [os.path.realpath(p) for p in _python_folders()] + [os.path.realpath(home)]
    covers = set()
    for path in kept:
        closed = [p for p in reversed(Path(path).parents) if not os.stat(p).st_mode & stat.S_IXOTH]
        if closed and closed[0] != Path("/"):
            covers.add(str(closed[0]))
    for path in hidden:
        real = os.path.realpath(path)
        clash = [k for k in kept if k == real or _inside(k, real)]
        if clash:
            raise GradingError(
                f"{path} cannot be hidden from grading kernels: their Python needs {clash[0]}"
            )
        if os.path.lexists(real):
            covers.add(real)
    plan = []
    for cover in sorted(covers, key=lambda c: (len(Path(c).parts), c)):
        inside = sorted({k for k in kept if _inside(cover, k)})
        plan.append((cover, [k for k in inside if not any(_inside(o, k) for o in inside)]))
    return plan


def _inside(folder: str, path: str) -> bool:
    """Whether ``path`` lies strictly inside ``folder``."""
    return path.startswith(folder.rstrip("/") + "/")


def _python_folders() -> list[str]:
    """What a kernel's Python reads: its installation, virtual environment, pkicourse, and the
    course's data (in a checkout: data/ and the pyproject.toml that marks the checkout)."""
    import pkicourse
    from pkicourse.data import data_folder

    package = os.path.dirname(pkicourse.__file__)
    kept = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix, package]
    with contextlib.suppress(CourseError):  # no data folder at all
        data = data_folder()
        kept.append(str(data))
        marker = Path(package).parent / "pyproject.toml"
        if data.parent == marker.parent and marker.is_file():
            kept.append(str(marker))
    return kept


def _kill_user(uid: int) -> None:
    """End every process left running as a kernel's own uid (its student code's children)."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["kill", "-KILL", "-1"],
            user=uid,
            group=uid,
            extra_groups=[],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
        )


def _kept_environment() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if key in KEPT_ENVIRONMENT or key.startswith("LC_")
    }


class _SandboxKernelManager(AsyncKernelManager):
    """Writes the connection file where the kernel's user can read it."""

    run_as: tuple[int, int] | None = None
    wrap: Callable[[list[str]], list[str]] | None = None  # the launch around the kernel command

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.run_as is not None:
            os.chown(self.connection_file, *self.run_as)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command: list[str] = super().format_kernel_cmd(extra_arguments)
        return self.wrap(command) if self.wrap is not None else command


class _Sandbox:
    """A fresh folder for one kernel: ``work/`` (its current folder, with copies of the
    non-notebook files beside the notebook), ``home/``, ``tmp/``, ``ipython/``, ``matplotlib/``
    and the connection file, all owned by the kernel's user."""

    def __init__(self, source: Path | None, run_as: tuple[int, int] | None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pkicourse-kernel-"))
        self.work = self.root / "work"
        if source is not None and source.is_dir():
            shutil.copytree(source, self.work, symlinks=True, ignore=_not_copied)
        self.work.mkdir(exist_ok=True)
        for name in ("home", "tmp", "ipython", "matplotlib"):
            (self.root / name).mkdir()
        if run_as is not None:
            for path in [self.root, *self.root.rglob("*")]:
                os.lchown(path, *run_as)
        self.connection_file = str(self.root / "kernel.json")
        self.env = {
            **_kept_environment(),
            "HOME": str(self.root / "home"),
            "TMPDIR": str(self.root / "tmp"),
            "IPYTHONDIR": str(self.root / "ipython"),
            "MPLCONFIGDIR": str(self.root / "matplotlib"),
            "PYTHONSAFEPATH": "1",
        }

    def ipc_prefix(self) -> str:
        """Where the kernel's unix sockets go (``PREFIX-1`` ...), checked against the length a
        socket's path may have."""
        prefix = str(self.root / "ipc")
        if len(prefix.encode()) + 4 > UNIX_PATH_MAX:
            raise GradingError(
                f"the kernel's folder {self.root} has too long a path for its unix sockets: "
                "set TMPDIR to a shorter folder (e.g. /tmp)"
            )
        return prefix

    def remove(self) -> None:
        def make_writable(function: Callable[..., Any], path: str, _info: Any) -> None:
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, stat.S_IRWXU)
            function(path)

        shutil.rmtree(self.root, onerror=make_writable)


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Other notebooks, checkpoints and symbolic links stay behind."""
    return {
        name
        for name in names
        if name.endswith(".ipynb")
        or name == ".ipynb_checkpoints"
        or os.path.islink(os.path.join(folder, name))
    }


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


def _is_graded_test(cell: NotebookNode) -> bool:
    return bool(is_grade(cell) and not is_solution(cell))


def _with_sentinel(source: str, text: str) -> str:
    """``source`` and then a top-level line failing with ``text``: the blank line first ends a
    backslash continuation, the line at column 0 closes any indented block, and a comment ends
    at the newline. An ``assert`` (not a ``raise``): code that strips a cell's asserts strips it
    too. A cell magic (``%%``) takes the whole cell as its input: it is left as it is."""
    if source.lstrip().startswith("%%"):
        return source
    return f"{source}\n\nassert False, {text!r}\n"


def _without_line(traceback: list[str], text: str) -> list[str]:
    """A traceback's frames without the lines that show the sentinel's source."""
    return ["\n".join(x for x in frame.split("\n") if text not in x) for frame in traceback]


def _grade_id(cell: NotebookNode) -> str | None:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return str(grade_id) if grade_id is not None else None


class SafeExecute(Execute):  # type: ignore[misc]
    """nbgrader's ``Execute`` in a sandbox, with hook resets and kill-and-carry-on timeouts."""

    kernel_user = Unicode(
        "", help=f"Run kernels as this user ('' = the grader's own user, {ISOLATED!r}: see above)"
    ).tag(config=True)
    hidden_paths = List(
        Unicode(), help=f"Paths kernels see as empty (only with kernel_user {ISOLATED!r})"
    ).tag(config=True)
    interrupt_grace = Float(
        3.0, help="Seconds after a timeout's interrupt before the kernel is killed"
    ).tag(config=True)
    shutdown_kernel = Enum(
        ["graceful", "immediate"], default_value="immediate", help="Kill kernels when done"
    ).tag(config=True)
    notebook_budget = Float(
        0.0,
        help="Seconds the whole notebook may take, replays after kills included; the cells "
        "left when it is spent are not run (0: max(300, 10 x timeout))",
    ).tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", _SandboxKernelManager)
        super().__init__(**kwargs)

    # -- the notebook -------------------------------------------------------------------------

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, km: Any = None
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Execute every code cell of ``nb`` (in place) in a sandboxed kernel."""
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources if resources is not None else {})
        self._events: list[dict[str, Any]] = self.resources.setdefault("pkicourse", {}).setdefault(
            "events", []
        )
        path = self.resources.get("metadata", {}).get("path")
        self._source = Path(path) if path else None
        named = self.kernel_user not in ("", ISOLATED)
        self._run_as = _user_ids(self.kernel_user) if named else None
        self._kernel_uid: int | None = None
        self._sandbox: _Sandbox | None = None
        self._completed: list[int] = []  # code cells that ran to the end, for a replay
        self._tampered = False
        self._iopub_seconds: int = self.iopub_timeout
        self._reply: dict[str, Any] | None = None  # the last cell's execute reply
        self._replays = 0  # kill-and-replay rounds so far
        self._not_run: NotebookNode | None = None  # once set, the output of every cell left
        self._budget = self.notebook_budget or max(300.0, 10.0 * (self.timeout or 0))
        self._started = monotonic()
        self._deadline = self._started + self._budget
        run_sync(self._async_preprocess)()
        self.set_widgets_metadata()
        return self.nb, self.resources

    async def _async_preprocess(self) -> None:
        try:
            await self._start_kernel()
            assert self.kc is not None
            info = await self.async_wait_for_reply(await ensure_async(self.kc.kernel_info()))
            if info is not None:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                await self._run_cell(index, cell)
        finally:
            await self._stop_kernel()

    async def _run_cell(self, index: int, cell: NotebookNode) -> None:
        if cell.cell_type != "code" or not cell.source.strip():
            return
        if self._not_run is None and self._left() <= 0:
            await self._give_up(index, cell, "time budget")
        if self._not_run is not None:  # the notebook's time or its replays are spent
            cell.outputs = [self._not_run]
            return
        test = _is_graded_test(cell)
        if test and not await self._reset_hooks(index, cell):
            return
        self._interrupted = False
        self.iopub_timeout = self._iopub_seconds
        self._reply = None
        source, sentinel = cell.source, f"{SENTINEL}{secrets.token_hex(8)}"
        started = monotonic()
        try:
            if test:  # sent with the sentinel; the notebook keeps the cell's own source
                cell.source = _with_sentinel(source, sentinel)
            try:
                count = self.code_cells_executed + 1
                await self.async_execute_cell(cell, index, execution_count=count)
            finally:
                cell.source = source
        except (CellTimeoutError, DeadKernelError) as problem:
            seconds = monotonic() - started
            killed = isinstance(problem, CellTimeoutError)
            self._record(index, cell, "killed" if killed else "kernel died", seconds)
            restarted = await self._restart(index, cell)
            cell.outputs.append(self._stopped_output(killed, seconds, restarted))
            return
        if test and _with_sentinel(source, sentinel) != source:
            self._check_sentinel(index, cell, sentinel, monotonic() - started)
        if self._interrupted:
            self._record(index, cell, "timeout", monotonic() - started)
        else:
            self._completed.append(index)

    def on_cell_executed(self, **kwargs: Any) -> None:
        """Keep the execute reply (nbclient's hook; nbgrader's adds the reply's error)."""
        self._reply = kwargs.get("execute_reply")
        super().on_cell_executed(**kwargs)

    def _check_sentinel(
        self, index: int, cell: NotebookNode, sentinel: str, seconds: float
    ) -> None:
        """What the reply to a test cell sent with ``sentinel`` says: it failed with exactly the
        sentinel (the test ran to its end: it passed, and the sentinel's error goes), with
        another error (it failed: its outputs stay), or not at all (the notebook's code kept
        the test from running: it earns nothing)."""
        content = self._reply["content"] if self._reply is not None else {}
        if content.get("status") == "error":
            if (content.get("ename"), content.get("evalue")) == ("AssertionError", sentinel):
                cell.outputs = [
                    o
                    for o in cell.outputs
                    if o.output_type != "error" or sentinel not in str(o.get("evalue", ""))
                ]
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = _without_line(list(output.get("traceback", [])), sentinel)
            return
        self._record(index, cell, "tests neutralized", seconds)
        cell.outputs = [
            _error_output(
                "TestNeutralizedError",
                "the test cell did not run to its end: the notebook's code changed how cells run",
            )
        ]

    def _left(self) -> float:
        """Seconds left of the notebook's time budget."""
        return self._deadline - monotonic()

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        """A cell's timeout, cut to what is left of the notebook's time budget."""
        timeout: int | None = super()._get_timeout(cell)
        left = max(1, math.ceil(self._left()))
        return left if timeout is None else min(timeout, left)

    async def _give_up(self, index: int, cell: NotebookNode, why: str) -> None:
        """Stop the kernel; the cells left (from ``index`` on) are not run."""
        self._record(index, cell, why, monotonic() - self._started)
        await self._stop_kernel()
        if why == "time budget":
            text = (
                f"the notebook ran past its time budget ({self._budget:.0f} s, the runs of "
                "earlier cells again after a kill included): this cell and the rest were not run"
            )
            self._not_run = _error_output("NotebookTimeBudgetError", text)
        else:
            text = (
                f"the kernel was killed or died {MAX_REPLAYS + 1} times: after {MAX_REPLAYS} "
                "runs of the earlier cells again, this cell and the rest were not run"
            )
            self._not_run = _error_output("NotebookReplayLimitError", text)

    def _stopped_output(self, killed: bool, seconds: float, restarted: bool = True) -> NotebookNode:
        then = (
            "a new one ran the earlier cells again, and grading went on"
            if restarted
            else "the rest of the notebook was not run"
        )
        if killed:
            return _error_output(
                "CellTimeoutError",
                f"the cell ran longer than {self.timeout} s and ignored the interrupt: its "
                f"kernel was killed after {seconds:.0f} s, {then}",
            )
        return _error_output("DeadKernelError", f"the kernel died while running this cell; {then}")

    def _record(self, index: int, cell: NotebookNode, what: str, seconds: float) -> None:
        event = {"cell": index, "grade_id": _grade_id(cell), "what": what}
        self._events.append({**event, "seconds": round(seconds, 2)})

    # -- timeouts -----------------------------------------------------------------------------

    async def _async_handle_timeout(
        self, timeout: int, cell: NotebookNode | None = None
    ) -> dict[str, Any] | None:
        """Interrupt, and give the kernel ``interrupt_grace`` seconds to settle (nbclient then
        raises CellTimeoutError, and ``_run_cell`` kills the kernel)."""
        self._interrupted = True
        self.iopub_timeout = max(1, math.ceil(self.interrupt_grace))
        self.error_on_timeout = {
            "ename": "CellTimeoutError",
            "evalue": f"the cell ran longer than {timeout} s and was interrupted",
            "traceback": [f"CellTimeoutError: the cell ran longer than {timeout} s"],
        }
        result: dict[str, Any] | None = await super()._async_handle_timeout(timeout, cell)
        return result

    # -- kernels ------------------------------------------------------------------------------

    async def _start_kernel(self) -> None:
        self._sandbox = box = _Sandbox(self._source, self._run_as)
        self.km = self.create_kernel_manager()
        self.km.connection_file = box.connection_file
        if self.kernel_user == ISOLATED:
            # Its network is its own loopback: the grader reaches it by unix sockets in its
            # folder (ipc-1, ipc-2...), which only its uid (and root) can enter.
            self.km.transport = "ipc"
            self.km.cache_ports = False
            self.km.ip = box.ipc_prefix()
        self.km.run_as = self._run_as
        prefix, as_user = _launch(self.kernel_user, box.root, list(self.hidden_paths))
        self.km.wrap = lambda command: [*prefix, *command]
        # The kernel's own stderr (ipykernel's TCP warning...) is shown only if it fails to start.
        with tempfile.TemporaryFile() as stderr:
            try:
                await self.async_start_new_kernel(
                    cwd=str(box.work),
                    env=box.env,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr.fileno(),
                    **as_user,
                )
                if self.kernel_user == ISOLATED:
                    self._kernel_uid = sandbox.KERNEL_UID_BASE + self.km.provisioner.process.pid
                await self.async_start_new_kernel_client()
            except Exception as error:
                stderr.seek(0)
                said = _last_line(stderr.read()[-4000:].decode(errors="replace"))
                advice = ""
                if self.kernel_user == ISOLATED:
                    advice = (
                        "; if the private mount namespace cannot be set up here, pass "
                        "--kernel-user nobody (or same) to grade without it"
                    )
                raise GradingError(
                    f"the grading kernel did not start ({error}): {said}{advice}"
                ) from None
        self._tampered = False
        if await self._silent(BOOTSTRAP, float(self.startup_timeout)) != "ok":
            raise GradingError(
                "the grading kernel did not accept the hook-reset bootstrap: "
                "is it an IPython kernel (python3)?"
            )
        # The snapshot again, now that no cell is running (IPython swaps some hooks around
        # each cell), so that only the notebook's own changes are reported.
        assert self.kc is not None
        request = self.kc.session.msg(RESTORE_REQUEST, {"baseline": True})
        self.kc.shell_channel.send(request)
        await self._shell_reply(request["header"]["msg_id"], HOOK_REPLY_SECONDS)

    async def _stop_kernel(self) -> None:
        try:
            if self.km is not None:
                await self._async_cleanup_kernel()
        finally:
            self.km = None
            self.kc = None
            if self._kernel_uid is not None:
                _kill_user(self._kernel_uid)
                self._kernel_uid = None
            if self._sandbox is not None:
                self._sandbox.remove()
                self._sandbox = None

    async def _restart(self, failed: int, cell: NotebookNode) -> bool:
        """A new kernel that has run the code cells before ``failed`` that completed; or, once
        the time budget or MAX_REPLAYS rounds are spent, none (False): the rest is not run.
        (Replays cost as much as the cells before: capped, a notebook's cost stays linear.)"""
        while True:
            if self._left() <= 0:
                await self._give_up(failed, cell, "time budget")
                return False
            if self._replays >= MAX_REPLAYS:
                await self._give_up(failed, cell, "replay limit")
                return False
            self._replays += 1
            await self._stop_kernel()
            await self._start_kernel()
            earlier = [i for i in self._completed if i < failed]
            for index in earlier:
                seconds = min(self._cell_seconds(), max(1.0, self._left()))
                status = await self._silent(self.nb.cells[index].source, seconds)
                if status == "killed":  # ran once in time, not now: leave it out and start over
                    self._completed.remove(index)
                    break
            else:
                return True

    def _cell_seconds(self) -> float:
        return float(self.timeout) if self.timeout else 1e9

    async def _silent(self, code: str, seconds: float) -> str:
        """Run ``code`` with no output kept: "ok", "error", or "killed" (no reply in time, even
        after an interrupt and the grace)."""
        assert self.kc is not None and self.km is not None
        msg_id = await ensure_async(
            self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        )
        reply = await self._shell_reply(msg_id, seconds)
        if reply is None and await ensure_async(self.km.is_alive()):
            await ensure_async(self.km.interrupt_kernel())
            reply = await self._shell_reply(msg_id, self.interrupt_grace)
        if reply is None:
            return "killed"
        return str(reply["content"].get("status", "error"))

    async def _shell_reply(self, msg_id: str, seconds: float) -> dict[str, Any] | None:
        """The shell reply to ``msg_id`` within ``seconds`` (None if none, or the kernel died)."""
        assert self.kc is not None and self.km is not None
        deadline = monotonic() + seconds
        while (left := deadline - monotonic()) > 0:
            try:
                reply: dict[str, Any] = await ensure_async(
                    self.kc.shell_channel.get_msg(timeout=min(left, 1.0))
                )
            except Empty:
                if not await ensure_async(self.km.is_alive()):
                    return None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply
        return None

    # -- hooks --------------------------------------------------------------------------------

    async def _reset_hooks(self, index: int, cell: NotebookNode) -> bool:
        """Ask the kernel to restore its start-up hooks; False (and the cell fails) if it does
        not acknowledge within HOOK_REPLY_SECONDS."""
        assert self.kc is not None
        started = monotonic()
        if not self._tampered:
            nonce = secrets.token_hex(8)
            request = self.kc.session.msg(RESTORE_REQUEST, {"nonce": nonce})
            self.kc.shell_channel.send(request)
            reply = await self._shell_reply(request["header"]["msg_id"], HOOK_REPLY_SECONDS)
            content = reply["content"] if reply is not None else {}
            if content.get("status") == "ok" and content.get("nonce") == nonce:
                kinds = [k for k in content.get("changed", []) if k in HOOK_KINDS]
                if kinds:  # the reset undid something: the instructor should know
                    self._record(index, cell, f"hooks reset ({', '.join(kinds)})", 0.0)
                return True
            self._tampered = True
        self._record(index, cell, "hooks tampered", monotonic() - started)
        cell.outputs = [
            _error_output(
                "HooksTamperedError",
                "the notebook's code changed the kernel so that the grader could not reset "
                "IPython's hooks before this test; the test was not run and earns no points",
            )
        ]
        return False
