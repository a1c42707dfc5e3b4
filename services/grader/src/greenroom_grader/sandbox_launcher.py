"""Sandbox launcher: a separate program that confines itself, then runs the harness.

Run by :mod:`greenroom_grader.sandbox` as ``python -s -S -B sandbox_launcher.py CONFIG`` with
an empty environment, never imported by the service (the tests import it to check its
filter). It uses only the standard library (``ctypes`` for the Linux calls Python 3.11
lacks) and does, in order:

1. new namespaces: mount, network (no interface but a down loopback: no network at all),
   PID (the harness is PID 1; when it ends the kernel kills every process left in the
   namespace), IPC and UTS. As root these need no user namespace; otherwise a user
   namespace maps the service's own uid, which also gives the run its own process count;
2. a fresh root: a small tmpfs holding read-only bind mounts of the system libraries and of
   the Python installation, an empty writable ``/work`` and ``/tmp``, ``/dev/null`` and
   ``/dev/urandom``; no ``/proc``, no ``/etc``, nothing of the service's files;
3. in the child that becomes PID 1: a per-run unprivileged uid when the service is root
   (RLIMIT_NPROC is not enforced for root), resource limits (CPU seconds, address space,
   processes, file size, open files, no core files), no new privileges, death with the
   launcher, and a seccomp filter of the sandbox's own (:func:`seccomp_filter`: no ptrace,
   mount, namespaces, keys, BPF, perf, kexec, modules, io_uring...); then ``exec`` of the
   interpreter on the harness, which gets the stricter filter for the candidate's process
   (no new processes, no exec) as its argument;
4. the launcher stays as the supervisor: it holds PID 1 as its unreaped child, so it can
   always kill it (and with it the whole namespace) without racing a reused pid. It does so
   when the service closes the control pipe (the deadline passed, or the service died),
   then reaps it: when the launcher exits, nothing of the run is left.

Any failure to confine is reported on the status pipe (a descriptor the sandboxed code
never holds: nothing the candidate prints can imitate it) after ``UNAVAILABLE:`` with exit
status 111, and the code never runs: the sandbox fails closed.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import struct
import sys

CLONE_NEWTIME = 0x00000080
CLONE_THREAD = 0x00010000
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = (CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC
              | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
UNAVAILABLE = 111
# Root runs get a uid of their own from this range (launcher pid based, so concurrent runs
# differ): RLIMIT_NPROC counts processes per uid, so a shared uid would share the limit.
UID_BASE = 200_000
UID_SPAN = 100_000

# -- seccomp -----------------------------------------------------------------------------
# A classic BPF program over struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}.
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_JSET_K = 0x45
BPF_RET_K = 0x06
RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
EPERM, EAGAIN, ENOSYS = 1, 11, 38
X32_BIT = 0x40000000
# Calls the sandbox never needs and an escape would: (x86_64, aarch64) numbers.
DENIED = {
    "ptrace": (101, 117), "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41),
    "chroot": (161, 51), "unshare": (272, 97), "setns": (308, 268), "keyctl": (250, 219),
    "add_key": (248, 217), "request_key": (249, 218), "bpf": (321, 280),
    "perf_event_open": (298, 241), "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "reboot": (169, 142), "swapon": (167, 224), "swapoff": (168, 225), "acct": (163, 89),
    "quotactl": (179, 60), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "userfaultfd": (323, 282), "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264), "lookup_dcookie": (212, 18), "fanotify_init": (300, 262),
    "syslog": (103, 116), "settimeofday": (164, 170), "clock_settime": (227, 112),
    "adjtimex": (159, 171), "clock_adjtime": (305, 266), "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426), "io_uring_register": (427, 427), "pidfd_getfd": (438, 438),
    "kcmp": (312, 272), "open_tree": (428, 428), "move_mount": (429, 429),
    "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442), "personality": (135, 92), "vhangup": (153, 58),
    "sethostname": (170, 161), "setdomainname": (171, 162),
}
# The candidate's process also may not start processes or programs.
NO_PROCESSES = {"fork": (57, None), "vfork": (58, None), "execve": (59, 221),
                "execveat": (322, 281)}
CLONE = (56, 220)
CLONE3 = (435, 435)  # its flags are in memory a filter cannot read: ENOSYS, libc falls back
PRLIMIT64 = (302, 261)
ARCHES = {"x86_64": (0xC000003E, 0), "amd64": (0xC000003E, 0),
          "aarch64": (0xC00000B7, 1), "arm64": (0xC00000B7, 1)}


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _deny(nr: int, errno: int) -> list[bytes]:
    return [_op(BPF_JEQ_K, nr, 0, 1), _op(BPF_RET_K, RET_ERRNO | errno)]


def seccomp_filter(*, candidate: bool, machine: str | None = None) -> bytes:
    """The sandbox's own filter. ``candidate`` adds what the candidate's process may not do:
    new processes (clone without CLONE_THREAD, fork, vfork: EAGAIN, which Python reports as
    hitting the process limit), exec, and changing another process's limits. Denied calls
    fail with EPERM; a call of another architecture's ABI kills the process."""
    name = (machine or os.uname().machine).lower()
    if name not in ARCHES:
        raise Unavailable(f"no seccomp filter for the {name} architecture")
    arch, column = ARCHES[name]
    program = [_op(BPF_LD_W_ABS, 4), _op(BPF_JEQ_K, arch, 1, 0),
               _op(BPF_RET_K, RET_KILL_PROCESS), _op(BPF_LD_W_ABS, 0)]
    if column == 0:  # the x32 ABI shares the architecture value: refuse it by number
        program += [_op(BPF_JGE_K, X32_BIT, 0, 1), _op(BPF_RET_K, RET_ERRNO | EPERM)]
    for numbers in DENIED.values():
        program += _deny(numbers[column], EPERM)
    program += _deny(CLONE3[column], ENOSYS)
    clone_flags = NAMESPACES
    if candidate:
        for nr, errno in ((NO_PROCESSES["fork"][column], EAGAIN),
                          (NO_PROCESSES["vfork"][column], EAGAIN),
                          (NO_PROCESSES["execve"][column], EPERM),
                          (NO_PROCESSES["execveat"][column], EPERM)):
            if nr is not None:
                program += _deny(nr, errno)
        # prlimit64(pid != 0, ...): another process's limits (pid 0 is the caller's own).
        program += [_op(BPF_JEQ_K, PRLIMIT64[column], 0, 4), _op(BPF_LD_W_ABS, 16),
                    _op(BPF_JEQ_K, 0, 0, 1), _op(BPF_RET_K, RET_ALLOW),
                    _op(BPF_RET_K, RET_ERRNO | EPERM)]
    # clone: flags (args[0], low word) with a namespace bit are refused; for the candidate
    # anything but a thread is refused too.
    block = [_op(BPF_LD_W_ABS, 16), _op(BPF_JSET_K, clone_flags, 0, 1),
             _op(BPF_RET_K, RET_ERRNO | EPERM)]
    if candidate:
        block += [_op(BPF_JSET_K, CLONE_THREAD, 1, 0), _op(BPF_RET_K, RET_ERRNO | EAGAIN)]
    block += [_op(BPF_RET_K, RET_ALLOW)]
    program += [_op(BPF_JEQ_K, CLONE[column], 0, len(block)), *block]
    program += [_op(BPF_RET_K, RET_ALLOW)]
    return b"".join(program)


def install_filter(program: bytes) -> None:
    """Installs a filter on the calling thread (no new privileges must be set first)."""
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(count, ctypes.cast(buffer, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0),
           "prctl(seccomp)")


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
    """The future PID 1 of the sandbox: drop to the run's uid, limit, filter, exec."""
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
    candidate = seccomp_filter(candidate=True).hex()
    install_filter(seccomp_filter(candidate=False))
    python = str(config["python"])
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8", "HOME": "/work"}
    argv = [python, "-s", "-S", "-B", "-c", str(config["harness"]), candidate]
    os.execve(python, argv, env)  # noqa: S606 - no shell: the argv is ours


def _supervise(pid: int, control: int) -> int:
    """Waits for PID 1 to end, or for the control pipe to close (the service's deadline, or
    the service gone): then kills it, which ends every process of the namespace. The pid
    cannot be reused meanwhile: it is this process's child until reaped here."""
    child = os.pidfd_open(pid)
    ready, _, _ = select.select([child, control], [], [])
    if control in ready:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)  # returns once the whole namespace is gone
    os.close(child)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main() -> int:
    config = json.loads(sys.argv[1])
    status = int(config["status_fd"])
    control = int(config["control_fd"])
    os.set_inheritable(status, False)  # PID 1 keeps it until its exec, never after
    os.set_inheritable(control, False)
    as_root = os.geteuid() == 0
    config["as_root"] = as_root
    uid = UID_BASE + os.getpid() % UID_SPAN if as_root else os.geteuid()
    gid = uid if as_root else os.getegid()
    try:
        seccomp_filter(candidate=True)  # an unknown architecture fails before anything runs
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
        os.write(status, f"UNAVAILABLE: {exc}\n".encode())
        return UNAVAILABLE
    alive, keep = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(keep)
        os.close(control)
        try:
            _child(config, uid, alive)
        except BaseException as exc:  # noqa: BLE001 - report any failure, never run unconfined
            os.write(status, f"UNAVAILABLE: {exc}\n".encode())
        os._exit(UNAVAILABLE)
    os.close(alive)
    return _supervise(pid, control)


if __name__ == "__main__":
    sys.exit(main())
