"""Sandbox harness: runs inside the sandbox as PID 1, never imported by the service.

It reads one JSON payload on stdin (the candidate's code, the entry point, the inputs of the
hidden tests and of the growth measurement; never the expected outputs, which stay with the
grader), runs the code and writes one JSON line per event to its result channel (a copy of
stdout taken before the candidate's code runs; the candidate's own prints are captured and
capped). The grader compares the results with the expected values outside the sandbox.

Growth is measured deterministically: the number of Python line events executed in the
candidate's own code at two input sizes (built-ins cost nothing, which is the point: the
idiomatic answer delegates to them).
"""

from __future__ import annotations

import ast
import errno
import io
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any

MAIN_PID = os.getpid()
CANDIDATE_FILE = "<candidate>"
MAX_REPR = 20_000
MAX_ITEMS = 100_000


class TestTimeout(BaseException):
    """Raised by the per-test alarm; a BaseException so that ``except Exception`` in the
    candidate's code cannot swallow it."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise TestTimeout


class CappedText(io.StringIO):
    def write(self, text: str) -> int:
        if self.tell() < 4000:
            super().write(text[: 4000 - self.tell()])
        return len(text)


_channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
_attempts: list[str] = []


def emit(record: dict[str, Any]) -> None:
    if os.getpid() != MAIN_PID:  # a process the candidate forked never reports
        os._exit(0)
    _channel.write(json.dumps(record) + "\n")
    _channel.flush()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Records what the code tried to do (for the report); the kernel does the stopping."""
    watched = {"socket.connect": "network", "socket.bind": "network",
               "socket.getaddrinfo": "network", "os.fork": "process",
               "subprocess.Popen": "process", "os.system": "process", "os.exec": "process",
               "os.posix_spawn": "process", "ctypes.dlopen": "native code"}
    if event in watched and watched[event] not in _attempts:
        _attempts.append(watched[event])
    elif event == "open" and args and isinstance(args[0], str):
        path = args[0]
        if path.startswith("/") and not path.startswith((sys.prefix + "/", "/dev/")):
            note = f"file {path}"
            if note not in _attempts and len(_attempts) < 20:
                _attempts.append(note)


def normalise(value: Any, depth: int = 0) -> Any:  # noqa: PLR0911 - one case per kind
    """A literal form of a result: mappings become dicts, iterators lists."""
    if depth > 20:
        return repr(value)
    if isinstance(value, bool | int | float | complex | str | bytes | type(None)):
        return value
    if isinstance(value, Mapping):
        return {normalise(k, depth + 1): normalise(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [normalise(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, set | frozenset):
        return {normalise(v, depth + 1) for v in value}
    if isinstance(value, Iterator):
        out = []
        for i, item in enumerate(value):
            if i >= MAX_ITEMS:
                break
            out.append(normalise(item, depth + 1))
        return out
    return repr(value)


def _call(function: Callable[..., Any], args: str, kwargs: str, seconds: float) -> Any:
    positional = ast.literal_eval(args) if args else ()
    named = ast.literal_eval(kwargs) if kwargs else {}
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return normalise(function(*positional, **named))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, TestTimeout):
        return {"error": "TimeoutError", "message": "the test ran past its time limit",
                "limit": "time"}
    kind = type(exc).__name__
    record: dict[str, Any] = {"error": kind, "message": str(exc)[:300],
                              "kinds": [k.__name__ for k in type(exc).__mro__]}
    if isinstance(exc, MemoryError):
        record["limit"] = "memory"
    elif isinstance(exc, BlockingIOError):
        record["limit"] = "processes"
    elif isinstance(exc, RecursionError):
        record["limit"] = "recursion"
    elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        record["limit"] = "file size"
    elif isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.ENETDOWN,
                                                     errno.EADDRNOTAVAIL):
        record["limit"] = "network"
    return record


def _line_events(function: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> int:
    count = 0

    def tracer(frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != CANDIDATE_FILE:
            return None
        if event == "line":
            count += 1
        return tracer

    signal.setitimer(signal.ITIMER_REAL, seconds)
    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
        signal.setitimer(signal.ITIMER_REAL, 0)
    return count


def main() -> None:
    payload = json.loads(sys.stdin.read())
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    printed = CappedText()
    sys.stdout = printed
    signal.signal(signal.SIGALRM, _alarm)
    sys.addaudithook(_audit)
    namespace: dict[str, Any] = {"__name__": "candidate"}
    per_test = float(payload["per_test_s"])
    try:
        code = compile(payload["code"], CANDIDATE_FILE, "exec")
        signal.setitimer(signal.ITIMER_REAL, per_test)
        try:
            exec(code, namespace)  # noqa: S102 - the point of the sandbox
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001 - every failure is a result
        emit({"t": "load", "ok": False, **_error(exc), "attempts": _attempts})
        emit({"t": "done"})
        return
    entry = namespace.get(payload["entry"])
    if not callable(entry):
        emit({"t": "load", "ok": False, "error": "NameError",
              "message": f"no function named {payload['entry']} is defined",
              "attempts": _attempts})
        emit({"t": "done"})
        return
    emit({"t": "load", "ok": True})
    stopped = False
    for i, test in enumerate(payload["tests"]):
        if stopped:  # after a timeout the rest would only time out too
            emit({"t": "test", "i": i, "ok": False, "error": "NotRun",
                  "message": "not run: an earlier test ran past its time limit"})
            continue
        try:
            value = _call(entry, test.get("args", ""), test.get("kwargs", ""), per_test)
            text = repr(value)
            emit({"t": "test", "i": i, "ok": True, "value": text[:MAX_REPR],
                  "truncated": len(text) > MAX_REPR})
        except BaseException as exc:  # noqa: BLE001 - every failure is a result
            record = _error(exc)
            stopped = record.get("limit") == "time"
            emit({"t": "test", "i": i, "ok": False, **record})
    scale = payload.get("scale")
    if scale and not stopped:
        make = eval(scale["args"], {})  # noqa: S307 - the bank's own generator, trusted
        counts = []
        try:
            for size in scale["sizes"]:
                counts.append(_line_events(entry, tuple(make(size)), per_test))
            emit({"t": "growth", "sizes": scale["sizes"], "counts": counts})
        except BaseException as exc:  # noqa: BLE001 - every failure is a result
            emit({"t": "growth", "sizes": scale["sizes"], "counts": counts, **_error(exc)})
    emit({"t": "audit", "attempts": _attempts, "printed": printed.getvalue()[:2000]})
    emit({"t": "done"})


if __name__ == "__main__":
    main()
