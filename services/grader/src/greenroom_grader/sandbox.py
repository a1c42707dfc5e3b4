"""Runs a candidate's code against a problem's hidden tests in a confined process.

The confinement is done by ``sandbox_launcher.py`` (namespaces, a fresh root, limits, an
unprivileged uid; see there) and the tests are driven by ``sandbox_harness.py`` inside it.
This module starts the launcher with an empty environment in an empty folder, feeds it the
code and the tests' *inputs*, reads its results with a cap on their size and a wall-clock
deadline, kills it when the deadline passes, and compares the results with the expected
values, which never enter the sandbox.

Fails closed: when the machine cannot confine the code (no namespaces, e.g. a container
whose seccomp profile forbids them) :class:`SandboxUnavailable` is raised and nothing runs.
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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenroom_grader.bank import CodeSpec, CodeTest

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "sandbox_launcher.py"
HARNESS = HERE / "sandbox_harness.py"
SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache"]
UNAVAILABLE_EXIT = 111
MAX_OUTPUT = 512 * 1024


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
class SandboxRun:
    """What happened: the outcome, each hidden test's result, the growth measurement, the
    limits the code hit and what it tried to do that the sandbox forbids."""

    outcome: str  # "completed", "load_error", "time_limit", "output_limit", "crashed"
    tests: list[TestResult] = field(default_factory=list)
    load_error: str = ""
    growth: tuple[list[int], list[int]] | None = None
    limits_hit: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    exit_status: int | None = None
    stderr: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)


def _python() -> str:
    """The base interpreter, not a virtual environment's link: only its stdlib is needed."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def _prefixes(python: str) -> list[str]:
    found = {os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(python))}
    return sorted(found)


def _literal(text: str) -> Any:
    return ast.literal_eval(text) if text else None


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


def _read(proc: subprocess.Popen[bytes], deadline: float) -> tuple[bytes, bytes, str]:
    """Reads stdout and stderr until both close, the deadline passes or output runs over."""
    assert proc.stdout is not None and proc.stderr is not None
    out, err = bytearray(), bytearray()
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, out)
    selector.register(proc.stderr, selectors.EVENT_READ, err)
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
            key.data.extend(chunk)
            if len(out) + len(err) > MAX_OUTPUT:
                stop = "output_limit"
        if stop:
            break
    selector.close()
    return bytes(out), bytes(err), stop


def run_code(code: str, spec: CodeSpec, limits: Limits | None = None) -> SandboxRun:
    limits = limits or Limits()
    payload = {
        "code": code, "entry": spec.entry, "per_test_s": limits.per_test_s,
        "tests": [{"args": t.args, "kwargs": t.kwargs} for t in spec.tests],
        "scale": {"args": spec.scale.args, "sizes": spec.scale.sizes} if spec.scale else None,
    }
    root = tempfile.mkdtemp(prefix="greenroom-sandbox-")
    python = _python()
    config = {"root": root, "python": python, "system": SYSTEM_DIRS,
              "prefixes": _prefixes(python), "limits": limits.launcher(),
              "harness": HARNESS.read_text()}
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-s", "-S", "-B", str(LAUNCHER), json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={}, cwd=root, close_fds=True, start_new_session=True,
        )
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(payload).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
        out, err, stop = _read(proc, started + limits.wall_s)
        if stop:
            _kill(proc)
        try:
            status = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill(proc)
            status = proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    stderr = err.decode("utf-8", "replace")
    if status == UNAVAILABLE_EXIT and "SANDBOX-UNAVAILABLE" in stderr:
        raise SandboxUnavailable(stderr.split("SANDBOX-UNAVAILABLE:", 1)[1].strip()[:500])
    run = _interpret(out.decode("utf-8", "replace"), spec, stop, status)
    run.stderr = stderr[-2000:]
    run.seconds = round(time.monotonic() - started, 3)
    return run


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Killing the launcher kills the sandbox's PID 1 (parent-death signal) and with it
    every process in its PID namespace."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _records(output: str) -> list[dict[str, Any]]:
    records = []
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "t" in record:
            records.append(record)
    return records


def _test_result(record: dict[str, Any], test: CodeTest, index: int,
                 compare: Sequence[str]) -> TestResult:
    """One hidden test: the value the sandbox reported against the expected one."""
    result = TestResult(index, False, test.args, test.show_expected)
    if record.get("ok"):
        result.got = str(record.get("value", ""))
        if test.raises:
            result.error = f"expected {test.raises} to be raised"
            return result
        try:
            result.passed = not record.get("truncated") and _same(
                _literal(result.got), _literal(test.expect), compare)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            result.passed = False
        return result
    result.error = f"{record.get('error')}: {record.get('message', '')}"
    result.passed = bool(test.raises) and test.raises in record.get("kinds", [])
    return result


def _ending(run: SandboxRun, stop: str, status: int, done: bool) -> None:
    """How the run ended when the harness did not say so itself."""
    if stop:
        run.outcome = stop
        run.limits_hit.append("time" if stop == "time_limit" else "output")
    elif not done:
        signalled = status - 128 if status > 128 else 0
        if signalled in (signal.SIGXCPU, signal.SIGKILL):
            run.outcome = "time_limit"
            run.limits_hit.append("cpu")
        else:
            run.outcome = "crashed"
            if signalled == signal.SIGXFSZ:
                run.limits_hit.append("file size")


def _interpret(output: str, spec: CodeSpec, stop: str, status: int) -> SandboxRun:
    run = SandboxRun(outcome="completed", exit_status=status)
    seen: dict[int, TestResult] = {}
    done = False
    for record in _records(output):
        kind = record["t"]
        if record.get("limit"):
            run.limits_hit.append(str(record["limit"]))
        if kind == "load" and not record.get("ok"):
            run.outcome = "load_error"
            run.load_error = f"{record.get('error')}: {record.get('message', '')}"
            run.attempts = list(record.get("attempts", []))
        elif kind == "test":
            index = int(record["i"])
            if index < len(spec.tests) and index not in seen:
                seen[index] = _test_result(record, spec.tests[index], index, spec.compare)
        elif kind == "growth" and "error" not in record:
            run.growth = (list(record["sizes"]), list(record["counts"]))
        elif kind == "audit":
            run.attempts = list(record.get("attempts", []))
        done = done or kind == "done"
    run.tests = [seen.get(i) or TestResult(i, False, t.args, t.show_expected,
                                           error="not run: the program stopped before it")
                 for i, t in enumerate(spec.tests)]
    _ending(run, stop, status, done)
    run.limits_hit = list(dict.fromkeys(run.limits_hit))
    return run
