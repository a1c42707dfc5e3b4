"""A service that yields the cores: every thread, those already running (thread pools a
library started on import) and those started later (a model's pool at load), runs at the
niceness asked for, and so does its scheduling group when it leads its own session (the
kernel shares the CPU between sessions first); a process already nicer is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from greenroom_common.priority import autogroup_niceness

PROGRAM = """
import json, os, sys, threading
from greenroom_common.priority import autogroup_niceness, lower_priority
if len(sys.argv) > 2:
    os.nice(int(sys.argv[2]))
stop = threading.Event()
def wait(): stop.wait()
early = threading.Thread(target=wait); early.start()
lower_priority(int(sys.argv[1]))
late = threading.Thread(target=wait); late.start()
tasks = [int(t) for t in os.listdir("/proc/self/task")]
print(json.dumps({"threads": [os.getpriority(os.PRIO_PROCESS, t) for t in tasks],
                  "group": autogroup_niceness()}))
stop.set()
"""


def run(*args: int, session: bool = False) -> tuple[set[int], int | None]:
    out = subprocess.run([sys.executable, "-c", PROGRAM, *map(str, args)], check=True,
                         capture_output=True, text=True, timeout=60,
                         start_new_session=session)
    found = json.loads(out.stdout)
    return set(found["threads"]), found["group"]


def test_every_thread_before_and_after_runs_at_the_niceness_asked_for() -> None:
    threads, group = run(6)
    assert threads == {max(6, os.nice(0))}  # the test run may be niced already
    assert group == autogroup_niceness()  # a process in this session leaves the group be


def test_a_service_leading_its_session_lowers_its_scheduling_group_too() -> None:
    if autogroup_niceness() is None:
        pytest.skip("this kernel does not group scheduling by session")
    _, group = run(6, session=True)
    assert group == 6


def test_zero_changes_nothing_and_a_nicer_process_is_not_made_greedier() -> None:
    base = os.nice(0)
    assert run(0)[0] == {base}
    assert run(6, 10)[0] == {min(19, base + 10)}
