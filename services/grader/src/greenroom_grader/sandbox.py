"""Runs a candidate's code against a problem's hidden tests in a confined process.

(Longer than our other modules on purpose: the run's whole lifecycle — start, feed, read
with caps, deadline, teardown, comparison — is one security argument, reviewed in one place.)

The confinement is done by ``sandbox_launcher.py`` (namespaces, a fresh root, limits, an
unprivileged uid, a seccomp filter; see there) and the tests are driven by
``sandbox_harness.py``, PID 1 of the sandbox, which runs the candidate's code in a process
of its own and measures it from outside (see there; ``SANDBOX.md`` has the whole design).
This module starts the launcher with an empty environment in an empty folder, feeds it the
code and the tests' *inputs*, reads PID 1's records with a cap on their size and a
wall-clock deadline, ends the run when the deadline passes (closing the control pipe: the
launcher then kills PID 1 and with it the namespace, and reaps it before it exits), and
compares the results with the expected values, which never enter the sandbox, and the
growth outputs with the reference solution's, computed here.

Fails closed: when the machine cannot confine the code (no namespaces, e.g. a container
whose seccomp profile forbids them) :class:`SandboxUnavailable` is raised and nothing runs.
Only the launcher can say so, on a pipe of its own: nothing the candidate's code prints or
exits with reads as "unavailable".
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenroom_grader.bank import CodeSpec, CodeTest
from greenroom_grader.sandbox_harness import normalise
from greenroom_grader.sandbox_launcher import UID_BASE, UID_SPAN

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "sandbox_launcher.py"
HARNESS = HERE / "sandbox_harness.py"
SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache"]
UNAVAILABLE_EXIT = 111
MAX_OUTPUT = 2 * 1024 * 1024
MAX_LINE = 1024 * 1024
STRESS = 4  # the growth check also runs at 4x the bank's largest size
OUTCOMES = {"completed", "load_error", "time_limit", "crashed"}


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up on this machine; the code was not run."""


@dataclass(frozen=True)
class Limits:
    cpu_s: int = 5
    wall_s: float = 15.0
    memory_mb: int = 256
    processes: int = 16
    file_kb: int = 1024
    open_files: int = 64
    per_test_s: float = 2.0

    def launcher(self) -> dict[str, int]:
        return {"cpu_s": self.cpu_s, "memory_bytes": self.memory_mb * 1024 * 1024,
                "processes": self.processes, "file_bytes": self.file_kb * 1024,
                "open_files": self.open_files}


@dataclass
class TestResult:
    index: int
    passed: bool
    args: str
    expected: str
    got: str = ""
    error: str = ""


@dataclass
class Growth:
    """The entry point's CPU time at each input size (measured by PID 1 from outside the
    candidate's process), the cost of the same request without the call, its CPU time
    before the first call, whether each output equals the reference solution's, and the
    reference's own CPU time (measured here). The sizes are the bank's and a stress size,
    :data:`STRESS` times the largest."""

    sizes: list[int]
    cpu_ns: list[int]
    overhead_ns: list[int]
    load_ns: int
    matches: list[bool]
    reference_ns: list[int]


@dataclass
class SandboxRun:
    """What happened: the outcome, each hidden test's result, the growth measurement, the
    limits the code hit and what it tried to do that the sandbox forbids."""

    outcome: str  # "completed", "load_error", "time_limit", "output_limit", "crashed"
    tests: list[TestResult] = field(default_factory=list)
    load_error: str = ""
    growth: Growth | None = None
    growth_error: str = ""
    limits_hit: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    exit_status: int | None = None
    stderr: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)


def processes_left() -> list[int]:
    """Pids still running under a sandbox run's uid (the launcher's per-run uids, used when
    the grader runs as root): after ``run_code`` returns there should be none. Read from
    ``/proc``; for tests and for operators checking that nothing outlives a run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # it ended while we looked
        uid = int(next(line for line in status.splitlines()
                       if line.startswith("Uid:")).split()[1])
        if UID_BASE <= uid < UID_BASE + UID_SPAN:
            found.append(int(entry.name))
    return found


def _python() -> str:
    """The base interpreter, not a virtual environment's link: only its stdlib is needed."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def _prefixes(python: str) -> list[str]:
    found = {os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(python))}
    return sorted(found)


def _literal(text: str) -> Any:
    return ast.literal_eval(text) if text else None


def _clean(text: Any, limit: int = 2000) -> str:
    """Text from the sandbox, safe to store: a str, capped, valid UTF-8 (no surrogates)."""
    return str(text)[:limit].encode("utf-8", "replace").decode("utf-8")


def _loose(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_loose(v) for v in value]
    if isinstance(value, dict):
        return {k: _loose(v) for k, v in value.items()}
    return value


def _same(got: Any, expected: Any, compare: Sequence[str]) -> bool:
    if "loose" in compare:
        got, expected = _loose(got), _loose(expected)
    if "unordered" in compare and isinstance(got, list | tuple) \
            and isinstance(expected, list | tuple):
        return sorted(map(repr, got)) == sorted(map(repr, expected))
    if isinstance(expected, float) and isinstance(got, int | float):
        return abs(got - expected) <= 1e-9 * max(1.0, abs(expected))
    return bool(got == expected and type(got) is type(expected)) or (
        "loose" in compare and got == expected)


def _close(got: Any, expected: Any) -> bool:
    """Equal, floats to a relative 1e-9 (two correct algorithms round differently)."""
    if isinstance(expected, float) and isinstance(got, int | float):
        return abs(got - expected) <= 1e-9 * max(1.0, abs(expected))
    if isinstance(expected, list | tuple) and isinstance(got, list | tuple):
        return len(got) == len(expected) and all(map(_close, got, expected))
    if isinstance(expected, dict) and isinstance(got, dict):
        return got.keys() == expected.keys() and all(_close(got[k], expected[k]) for k in got)
    return bool(got == expected)


def _matches(got_text: str, expected: Any, compare: Sequence[str]) -> bool:
    try:
        got = _literal(got_text)
        return _same(got, expected, compare) or (
            "unordered" not in compare and _close(_loose(got), _loose(expected)))
    except Exception:  # noqa: BLE001 - any text the candidate made up is a mismatch
        return False


def growth_sizes(spec: CodeSpec) -> list[int]:
    assert spec.scale is not None
    return [*spec.scale.sizes, STRESS * spec.scale.sizes[-1]]


_references: dict[tuple[str, ...], tuple[list[Any], list[int]]] = {}
_references_lock = threading.Lock()


def reference_growth(spec: CodeSpec) -> tuple[list[Any], list[int]]:
    """The reference solution's outputs and CPU time at the growth sizes, computed once per
    process here in the grader (it is the bank's own code): the candidate's outputs must
    equal them, and its time is compared with them."""
    assert spec.scale is not None
    sizes = growth_sizes(spec)
    key = (spec.entry, spec.reference, spec.scale.args, *map(str, sizes))
    with _references_lock:
        if key not in _references:
            namespace: dict[str, Any] = {"__name__": "reference"}
            exec(spec.reference, namespace)  # noqa: S102 - the bank's reviewed solution
            function: Callable[..., Any] = namespace[spec.entry]
            make: Callable[[int], tuple[Any, ...]] = eval(spec.scale.args, {})  # noqa: S307
            outputs, times = [], []
            for size in sizes:
                args = tuple(make(size))
                outputs.append(normalise(function(*args)))
                best = None
                for _ in range(3):  # the least of three: the reference's time, not the noise
                    started = time.thread_time_ns()
                    normalise(function(*args))
                    spent = time.thread_time_ns() - started
                    best = spent if best is None else min(best, spent)
                times.append(best or 0)
            _references[key] = (outputs, times)
        return _references[key]


def _read(proc: subprocess.Popen[bytes], status: int, deadline: float
          ) -> tuple[bytes, bytes, bytes, str]:
    """Reads PID 1's records (stdout), stderr and the launcher's status pipe until all
    close, the deadline passes or the records run over their cap."""
    assert proc.stdout is not None and proc.stderr is not None
    out, err, note = bytearray(), bytearray(), bytearray()
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, out)
    selector.register(proc.stderr, selectors.EVENT_READ, err)
    selector.register(status, selectors.EVENT_READ, note)
    stop = ""
    while selector.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            stop = "time_limit"
            break
        for key, _ in selector.select(timeout=min(left, 0.5)):
            chunk = os.read(key.fd, 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            if key.data is out or len(key.data) < 64 * 1024:
                key.data.extend(chunk)
            if len(out) > MAX_OUTPUT:
                stop = "output_limit"
        if stop:
            break
    selector.close()
    return bytes(out), bytes(err), bytes(note), stop


def launcher_config(root: str, python: str, prefixes: list[str], limits: Limits,
                    status_fd: int, control_fd: int) -> dict[str, Any]:
    return {"root": root, "python": python, "system": SYSTEM_DIRS, "prefixes": prefixes,
            "limits": limits.launcher(), "harness": HARNESS.read_text(),
            "status_fd": status_fd, "control_fd": control_fd}


def run_code(code: str, spec: CodeSpec, limits: Limits | None = None) -> SandboxRun:
    limits = limits or Limits()
    payload = {
        "code": code, "entry": spec.entry, "per_test_s": limits.per_test_s,
        "tests": [{"args": t.args, "kwargs": t.kwargs} for t in spec.tests],
        "scale": {"args": spec.scale.args, "sizes": growth_sizes(spec)} if spec.scale else None,
    }
    root = tempfile.mkdtemp(prefix="greenroom-sandbox-")
    python = _python()
    status_r, status_w = os.pipe()  # launcher -> here: "UNAVAILABLE: why"
    control_r, control_w = os.pipe()  # here -> launcher: closing it ends the run
    config = launcher_config(root, python, _prefixes(python), limits, status_w, control_r)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-s", "-S", "-B", str(LAUNCHER), json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={}, cwd=root, close_fds=True, start_new_session=True,
            pass_fds=(status_w, control_r),
        )
        os.close(status_w)
        os.close(control_r)
        status_w = control_r = -1
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(payload).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        out, err, note, stop = _read(proc, status_r, started + limits.wall_s)
        os.close(control_w)  # the launcher kills PID 1 (if it still runs) and reaps it
        control_w = -1
        try:
            exit_status = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # never seen: the launcher only waits on PID 1
            _kill(proc)
            exit_status = proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    finally:
        for fd in (status_w, control_r, control_w, status_r):
            if fd >= 0:
                os.close(fd)
        shutil.rmtree(root, ignore_errors=True)
    reason = note.decode("utf-8", "replace")
    if reason.startswith("UNAVAILABLE:"):
        raise SandboxUnavailable(reason.split(":", 1)[1].strip()[:500])
    run = _interpret(out, spec, stop, exit_status)
    run.stderr = _clean(err.decode("utf-8", "replace")[-2000:])
    run.seconds = round(time.monotonic() - started, 3)
    return run


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Last resort: kill the launcher's process group (PID 1 dies with the launcher)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _records(output: bytes) -> list[dict[str, Any]]:
    """PID 1's JSON lines. It is trusted, but a line is still parsed defensively."""
    records = []
    for line in output.splitlines():
        if len(line) > MAX_LINE:
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and "t" in record:
            records.append(record)
    return records


def _test_result(record: dict[str, Any], test: CodeTest, index: int,
                 compare: Sequence[str]) -> TestResult:
    """One hidden test: the value the sandbox reported against the expected one."""
    result = TestResult(index, False, test.args, test.show_expected)
    if record.get("ok"):
        result.got = _clean(record.get("value", ""), 20_000)
        if test.raises:
            result.error = f"expected {test.raises} to be raised"
            return result
        try:
            result.passed = not record.get("truncated") and _same(
                _literal(result.got), _literal(test.expect), compare)
        except Exception:  # noqa: BLE001 - whatever text the code produced, it is wrong
            result.passed = False
        return result
    result.error = _clean(f"{record.get('error')}: {record.get('message', '')}", 400)
    kinds = record.get("kinds", [])
    result.passed = bool(test.raises) and isinstance(kinds, list) and test.raises in kinds
    return result


def _growth(record: dict[str, Any], spec: CodeSpec) -> tuple[Growth | None, str]:
    if "error" in record:
        return None, _clean(record["error"], 300)
    outputs, times = reference_growth(spec)
    matches = [not truncated and _matches(value, expected, spec.compare) for
               value, truncated, expected in zip(record["values"], record["truncated"],
                                                 outputs, strict=True)]
    return Growth(sizes=list(record["sizes"]), cpu_ns=[int(n) for n in record["cpu_ns"]],
                  overhead_ns=[int(n) for n in record["overhead_ns"]],
                  load_ns=int(record.get("load_ns", 0)), matches=matches,
                  reference_ns=times), ""


def _interpret(output: bytes, spec: CodeSpec, stop: str, status: int) -> SandboxRun:
    run = SandboxRun(outcome="completed", exit_status=status)
    seen: dict[int, TestResult] = {}
    done: dict[str, Any] | None = None
    for record in _records(output):
        kind = record["t"]
        if kind == "load" and not record.get("ok"):
            run.load_error = _clean(f"{record.get('error')}: {record.get('message', '')}", 400)
        elif kind == "test":
            index = int(record["i"])
            if 0 <= index < len(spec.tests) and index not in seen:
                seen[index] = _test_result(record, spec.tests[index], index, spec.compare)
        elif kind == "growth" and spec.scale is not None:
            run.growth, run.growth_error = _growth(record, spec)
        elif kind == "audit":
            run.attempts = [_clean(a, 200) for a in record.get("attempts", [])][:20]
        elif kind == "done":
            done = record
    run.tests = [seen.get(i) or TestResult(i, False, t.args, t.show_expected,
                                           error="not run: the program stopped before it")
                 for i, t in enumerate(spec.tests)]
    if stop:
        run.outcome = stop
        run.limits_hit.append("time" if stop == "time_limit" else "output")
    elif done is None:  # PID 1 itself ended early: only the kernel's limits do that
        signalled = status - 128 if status > 128 else 0
        run.outcome = "time_limit" if signalled in (signal.SIGXCPU, signal.SIGKILL) \
            else "crashed"
        if run.outcome == "time_limit":
            run.limits_hit.append("cpu")
    else:
        outcome = str(done.get("outcome"))
        run.outcome = outcome if outcome in OUTCOMES else "crashed"
        run.limits_hit += [str(n) for n in done.get("limits", [])]
    run.limits_hit = list(dict.fromkeys(run.limits_hit))
    return run
