"""Start one grading kernel as a user of its own, seeing only what it needs (run as root).

``SafeExecute`` (execute.py) starts every kernel, when the grader is root, as::

    unshare --mount --propagation private --net -- python -I -S sandbox.py PLAN -- KERNEL COMMAND...

so this script runs as root in a private mount namespace and a private network namespace: its
mounts are seen by the kernel and nobody else, and its network is a loopback of its own.
``PLAN`` is JSON: ``{"home": the kernel's folder, "covers": [[path, [kept paths inside it]],
...]}``, shallowest path first (``execute.mount_plan`` builds it). Steps:

1. The network: the loopback of the new network namespace is brought up (it starts down), so
   the lessons' servers on 127.0.0.1 work; no other kernel, and not the grader, is on it. The
   grader talks to the kernel over unix sockets in the kernel's folder (ZeroMQ's ``ipc``).
   If this process shares the grader's network namespace, it stops: ``--net`` was not given.
2. The kernel's user: uid = gid = ``KERNEL_UID_BASE`` + this process's pid. Every step execs, so
   the kernel keeps that pid, and no two running kernels share a uid. The kernel's folder is
   given to that user (mode 0700: another kernel cannot reach its sockets or files).
3. Each cover: the kept paths are held open; an empty tmpfs (mode 0755, later read-only) goes
   over the path (``/dev/null`` over a file); the kept paths are made again inside it and the
   held ones bound back read-only (the kernel's folder read-write). A folder the Python lives
   under but other users cannot enter (``/root``) thus shows only that Python; a hidden folder
   (the gradebook, the solutions) shows empty.
4. Limits (the constants below, inherited by everything the kernel starts): processes and
   threads of its uid, address space per process, file size, no core files, and a lower
   priority; thread pools of numerical libraries default to ``THREADS`` threads.
5. ``setpriv``: that uid and gid, no supplementary groups, no capabilities (the bounding set
   too), no new privileges; then the kernel command.

Not limited: CPU time (the grader's cell timeout stops a loop), disk use in total (many files
under the size limit; the kernel's folder is removed afterwards), what every user may read.

Any failure prints ``pkicourse sandbox: ...`` on stderr and exits with status 125: the kernel
never starts with something left visible. Standard library only (it runs with ``-I -S``).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import socket
import struct
import sys

#: A kernel's uid and gid: this plus its pid (pids stay below 2**22).
KERNEL_UID_BASE = 200_000_000
FAILED = 125

#: Processes and threads a kernel's uid may have at once (RLIMIT_NPROC counts per uid, and each
#: kernel has a uid of its own): a fork bomb stops here with BlockingIOError. ipykernel itself
#: uses about ten threads.
MAX_PROCESSES = 128
#: Address space of each process: lessons peak at ~300 MB resident (~1 GB of address space
#: with cryptography and matplotlib); a runaway allocation gets MemoryError, not the machine.
MAX_ADDRESS_SPACE = 3 * 1024**3
#: Largest file a kernel may write: a bigger write fails with EFBIG (Python ignores SIGXFSZ).
MAX_FILE_SIZE = 512 * 1024**2
#: Core files: none (a crashing kernel must not fill the disk, nor leave its memory behind).
MAX_CORE_SIZE = 0
#: Added to the kernel's nice value, so a kernel busy computing competes less with the grader.
NICENESS = 5
#: Default threads of numerical libraries' pools (OpenBLAS starts one per core otherwise, each
#: counting against MAX_PROCESSES and reserving address space). A kernel may set more itself.
THREADS = "2"
THREAD_POOLS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IFREQ = "16sH22x"  # struct ifreq: the interface's name, then its flags

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


def loopback_up() -> None:
    """Bring up ``lo`` of this (new) network namespace, as ``ip link set lo up`` does."""
    if os.readlink("/proc/self/ns/net") == os.readlink(f"/proc/{os.getppid()}/ns/net"):
        raise OSError("not in a network namespace of its own (unshare --net missing)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack(IFREQ, b"lo", 0)
        flags = struct.unpack(IFREQ, fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP))


def limit() -> None:
    """The kernel's resource limits (inherited across setpriv and by its children)."""
    for which, value in (
        (resource.RLIMIT_NPROC, MAX_PROCESSES),
        (resource.RLIMIT_AS, MAX_ADDRESS_SPACE),
        (resource.RLIMIT_FSIZE, MAX_FILE_SIZE),
        (resource.RLIMIT_CORE, MAX_CORE_SIZE),
    ):
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    os.nice(NICENESS)
    for name in THREAD_POOLS:
        os.environ.setdefault(name, THREADS)


def main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[2] != "--":
        raise OSError("usage: sandbox.py PLAN -- COMMAND...")
    plan = json.loads(argv[1])
    home: str = plan["home"]
    loopback_up()
    uid = KERNEL_UID_BASE + os.getpid()
    for folder, _, files in os.walk(home):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.lchown(name, uid, uid)
    os.chmod(home, 0o700)
    for path, kept in plan["covers"]:
        cover(path, kept, home)
    limit()
    drop = ["--reuid", str(uid), "--regid", str(uid), "--clear-groups"]
    drop += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    os.execvp("setpriv", ["setpriv", *drop, "--", *argv[3:]])


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (OSError, ValueError, KeyError) as error:
        print(f"pkicourse sandbox: {error}", file=sys.stderr)
        sys.exit(FAILED)
