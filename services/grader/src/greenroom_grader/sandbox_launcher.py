"""Sandbox launcher: a separate program that confines itself, then runs the harness.

Run by :mod:`greenroom_grader.sandbox` as ``python -s -S -B sandbox_launcher.py CONFIG`` with
an empty environment, never imported. It uses only the standard library (``ctypes`` for the
Linux calls Python 3.11 lacks) and does, in order:

1. new namespaces: mount, network (no interface but a down loopback: no network at all),
   PID (the harness is PID 1; when it ends the kernel kills every process it left), IPC and
   UTS. As root these need no user namespace; otherwise a user namespace maps the service's
   own uid, which also gives the run its own process count;
2. a fresh root: a small tmpfs holding read-only bind mounts of the system libraries and of
   the Python installation, an empty writable ``/work`` and ``/tmp``, ``/dev/null`` and
   ``/dev/urandom``; no ``/proc``, no ``/etc``, nothing of the service's files;
3. in the child that becomes PID 1: a per-run unprivileged uid when the service is root
   (RLIMIT_NPROC is not enforced for root), resource limits (CPU seconds, address space,
   processes, file size, open files, no core files), no new privileges, and death with the
   launcher; then ``exec`` of the interpreter on the harness.

Any failure to confine is reported on stderr after ``SANDBOX-UNAVAILABLE:`` with exit status
111 and the code never runs: the sandbox fails closed.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
UNAVAILABLE = 111
# Root runs get a uid of their own from this range (launcher pid based, so concurrent runs
# differ): RLIMIT_NPROC counts processes per uid, so a shared uid would share the limit.
UID_BASE = 200_000
UID_SPAN = 100_000

_libc = ctypes.CDLL(None, use_errno=True)


class Unavailable(Exception):
    """The sandbox cannot be set up here; the code must not run."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise Unavailable(f"{what}: {os.strerror(errno)} (errno {errno})")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    def b(value: str | None) -> bytes | None:
        return value.encode() if value is not None else None

    _check(_libc.mount(b(source), b(target), b(fstype), ctypes.c_ulong(flags), b(data)),
           f"mount {source} on {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _bind(source: str, root: str, *, device: bool = False) -> None:
    """Bind ``source`` at the same path under ``root``: read-only, or a usable device."""
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()  # a mount point for a file
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if device else MS_NODEV | MS_RDONLY)
    _mount(None, target, None, flags)


def _build_root(root: str, system: list[str], prefixes: list[str], uid: int) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing propagates back to the host
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,nr_inodes=4096,mode=755")
    for path in system:
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.exists(path):
            _bind(path, root)
    for prefix in prefixes:
        if not any(prefix == s or prefix.startswith(s + "/") for s in system):
            _bind(prefix, root)
    for device in ("/dev/null", "/dev/urandom"):
        _bind(device, root, device=True)
    for folder, mode in (("/work", 0o700), ("/tmp", 0o1777)):  # noqa: S108 - inside the root
        os.makedirs(root + folder, exist_ok=True)
        os.chmod(root + folder, mode)
        if folder == "/work":
            os.chown(root + folder, uid, uid)
    os.chroot(root)
    os.chdir("/work")


def _limits(limits: dict[str, int]) -> None:
    cpu = limits["cpu_s"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = limits["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(config: dict[str, object], uid: int, alive: int) -> None:
    """The future PID 1 of the sandbox: drop to the run's uid, limit, exec the harness."""
    if os.geteuid() == 0 and config["as_root"]:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    limits = config["limits"]
    assert isinstance(limits, dict)
    _limits(limits)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")
    # Set after the uid change, which clears it; then make sure the launcher still lives
    # (it holds the pipe's write end: end of file means it is gone). getppid() cannot tell:
    # the parent is outside this PID namespace, so it reads 0 either way.
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(pdeathsig)")
    if select.select([alive], [], [], 0)[0]:
        os._exit(UNAVAILABLE)
    os.close(alive)
    python = str(config["python"])
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8", "HOME": "/work"}
    argv = [python, "-s", "-S", "-B", "-c", str(config["harness"])]
    os.execve(python, argv, env)  # noqa: S606 - no shell: the argv is ours


def main() -> int:
    config = json.loads(sys.argv[1])
    # The launcher dies with the service, and the sandbox with the launcher.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    as_root = os.geteuid() == 0
    config["as_root"] = as_root
    uid = UID_BASE + os.getpid() % UID_SPAN if as_root else os.geteuid()
    gid = uid if as_root else os.getegid()
    try:
        flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
        if as_root:
            _unshare(flags)
        else:
            _unshare(flags | CLONE_NEWUSER)
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        _build_root(str(config["root"]), list(config["system"]), list(config["prefixes"]), uid)
    except (Unavailable, OSError) as exc:
        sys.stderr.write(f"SANDBOX-UNAVAILABLE: {exc}\n")
        return UNAVAILABLE
    alive, keep = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(keep)
        try:
            _child(config, uid, alive)
        except BaseException as exc:  # noqa: BLE001 - report any failure, never run unconfined
            sys.stderr.write(f"SANDBOX-UNAVAILABLE: {exc}\n")
            sys.stderr.flush()
        os._exit(UNAVAILABLE)
    os.close(alive)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
