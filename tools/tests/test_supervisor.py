"""The local supervisor on real child processes: a killed service comes back with a count
and a pause that grows; only a process that cannot start at all stops the platform."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from greenroom_local.processes import Process, StartupError
from greenroom_local.supervisor import Supervisor


def sleeper(tmp_path: Path, name: str = "svc") -> Process:
    return Process(name, [sys.executable, "-c", "import time; time.sleep(120)"], dict(os.environ),
                   tmp_path / f"{name}.log")


def crasher(tmp_path: Path) -> Process:
    return Process("broken", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ),
                   tmp_path / "broken.log")


def wait_for(condition: object, supervisor: Supervisor, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        supervisor.tick()
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_a_killed_process_is_restarted_and_counted(tmp_path: Path) -> None:
    lines: list[str] = []
    supervisor = Supervisor(first_pause_s=0.1, say=lines.append)
    first = sleeper(tmp_path)
    first.start()
    supervisor.adopt("svc", first, lambda: sleeper(tmp_path), healthy=lambda: True)
    try:
        assert first.popen is not None
        os.kill(first.popen.pid, signal.SIGKILL)
        child = supervisor.children["svc"]
        wait_for(lambda: child.process is not first and child.process.running
                 and child.healthy, supervisor)
        assert supervisor.restarts == {"svc": 1}
        assert any("exited with code -9" in line for line in lines)
        assert any("restart #1" in line for line in lines)
        assert child.crashes_in_row == 0  # healthy again: the next crash pauses 0.1 s again
    finally:
        supervisor.children["svc"].process.stop()


def test_a_process_that_cannot_start_stops_the_platform(tmp_path: Path) -> None:
    supervisor = Supervisor(first_pause_s=0.01, longest_pause_s=0.02, max_failures=3,
                            say=lambda line: None)
    broken = crasher(tmp_path)
    broken.start()
    supervisor.adopt("broken", broken, lambda: crasher(tmp_path), healthy=lambda: False)
    with pytest.raises(StartupError, match="crashed 4 times in a row"):
        wait_for(lambda: False, supervisor)
    assert supervisor.restarts["broken"] == 3


def test_a_paused_process_is_left_alone(tmp_path: Path) -> None:
    supervisor = Supervisor(first_pause_s=0.01, say=lambda line: None)
    proc = sleeper(tmp_path)
    proc.start()
    supervisor.adopt("kafka", proc, lambda: sleeper(tmp_path), healthy=lambda: True)
    supervisor.pause("kafka").process.stop()
    for _ in range(5):
        supervisor.tick()
        time.sleep(0.02)
    assert supervisor.restarts == {"kafka": 0}
