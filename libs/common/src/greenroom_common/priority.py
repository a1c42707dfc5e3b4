"""A service process's CPU priority.

On Linux, niceness belongs to each thread, and a new thread takes its creator's. Libraries
start thread pools when they are imported (OpenBLAS with NumPy), before a service's entry
point runs, so lowering the priority means lowering it for every thread already running;
the threads started later (the models' pools, at load) then inherit it.

Niceness only orders threads of one scheduling group. With the kernel's autogroups (most
desktop and many server kernels), every session is a group and the groups share the CPU
equally whatever their threads' niceness; a service that leads its own session (the local
platform starts each in one) sets its group's niceness too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TASKS = Path("/proc/self/task")
AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(niceness: int) -> None:
    """Run every thread of this process, and those it starts later, at ``niceness``
    (raising it only: lowering niceness needs privileges a service does not have)."""
    if niceness <= 0:
        return
    threads = [int(t.name) for t in TASKS.iterdir()] if TASKS.is_dir() else [0]
    for thread in threads:
        try:
            if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
                os.setpriority(os.PRIO_PROCESS, thread, niceness)
        except ProcessLookupError:  # the thread ended meanwhile
            continue
    group = autogroup_niceness()
    # only its own group: a process sharing its session would slow the others in it
    if os.getsid(0) == os.getpid() and group is not None and group < niceness:
        # not permitted everywhere (a container's /proc may be read-only): best effort
        with contextlib.suppress(OSError):
            AUTOGROUP.write_text(f"{niceness}\n")


def autogroup_niceness() -> int | None:
    """This process's scheduling group's niceness, if the kernel groups by session."""
    try:
        return int(AUTOGROUP.read_text().split("nice")[-1])
    except (OSError, ValueError):
        return None
