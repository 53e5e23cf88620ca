"""Start one grading kernel as a user of its own, seeing only what it needs (run as root).

``SafeExecute`` (execute.py) starts every kernel, when the grader is root, as::

    unshare --mount --propagation private -- python -I -S sandbox.py PLAN -- KERNEL COMMAND...

so this script runs as root in a private mount namespace: its mounts are seen by the kernel and
nobody else. ``PLAN`` is JSON: ``{"home": the kernel's folder, "covers": [[path, [kept paths
inside it]], ...]}``, shallowest path first (``execute.mount_plan`` builds it). Steps:

1. The kernel's user: uid = gid = ``KERNEL_UID_BASE`` + this process's pid. Every step execs, so
   the kernel keeps that pid, and no two running kernels share a uid. The kernel's folder is
   given to that user.
2. Each cover: the kept paths are held open; an empty tmpfs (mode 0755, later read-only) goes
   over the path (``/dev/null`` over a file); the kept paths are made again inside it and the
   held ones bound back read-only (the kernel's folder read-write). A folder the Python lives
   under but other users cannot enter (``/root``) thus shows only that Python; a hidden folder
   (the gradebook, the solutions) shows empty.
3. ``setpriv``: that uid and gid, no supplementary groups, no capabilities (the bounding set
   too), no new privileges; then the kernel command.

Any failure prints ``pkicourse sandbox: ...`` on stderr and exits with status 125: the kernel
never starts with something left visible. Standard library only (it runs with ``-I -S``).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

#: A kernel's uid and gid: this plus its pid (pids stay below 2**22).
KERNEL_UID_BASE = 200_000_000
FAILED = 125

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
LOCKED = MS_NOSUID | MS_NODEV | MS_NOEXEC  # os.statvfs uses the same bits for these three


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    args = [s.encode() if s else None for s in (source, target, fstype, data)]
    if libc.mount(args[0], args[1], args[2], flags, args[3]) != 0:
        error = ctypes.get_errno()
        what = f"{fstype or source or 'remount'} on {target}"
        raise OSError(error, f"cannot mount {what}: {os.strerror(error)}")


def _read_only(path: str) -> None:
    """Make the mount at ``path`` read-only, keeping its nosuid/nodev/noexec flags."""
    flags = os.statvfs(path).f_flag & LOCKED
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)


def cover(path: str, kept: list[str], writable: str) -> None:
    """Put an empty read-only tmpfs over ``path``, with ``kept`` bound back into it."""
    if not os.path.lexists(path):
        return  # inside an earlier cover and not kept there: already out of sight
    if not os.path.isdir(path):
        _mount("/dev/null", path, None, MS_BIND)
        _read_only(path)
        return
    held = [(inside, os.open(inside, os.O_PATH)) for inside in kept]
    _mount("tmpfs", path, "tmpfs", LOCKED, "mode=0755,size=1m")
    for inside, fd in held:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(inside, mode=0o755, exist_ok=True)
        else:  # a kept file: an empty file to bind it onto
            os.makedirs(os.path.dirname(inside), mode=0o755, exist_ok=True)
            os.close(os.open(inside, os.O_CREAT | os.O_WRONLY, 0o644))
        _mount(f"/proc/self/fd/{fd}", inside, None, MS_BIND | MS_REC)
        os.close(fd)
        if inside != writable:
            _read_only(inside)
    _mount(None, path, None, MS_REMOUNT | MS_RDONLY | LOCKED)


def main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[2] != "--":
        raise OSError("usage: sandbox.py PLAN -- COMMAND...")
    plan = json.loads(argv[1])
    home: str = plan["home"]
    uid = KERNEL_UID_BASE + os.getpid()
    for folder, _, files in os.walk(home):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.lchown(name, uid, uid)
    for path, kept in plan["covers"]:
        cover(path, kept, home)
    drop = ["--reuid", str(uid), "--regid", str(uid), "--clear-groups"]
    drop += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    os.execvp("setpriv", ["setpriv", *drop, "--", *argv[3:]])


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (OSError, ValueError, KeyError) as error:
        print(f"pkicourse sandbox: {error}", file=sys.stderr)
        sys.exit(FAILED)
