"""Restart crashed processes, as compose's ``restart:`` and Kubernetes do.

A process that exits is started again after a pause that doubles with each crash in a row
(1 s, 2 s, 4 s … 30 s); it counts as recovered once its health probe answers, which
resets the pause. Only a process that crashes ``max_failures`` times in a row without ever
becoming healthy (it cannot start at all) stops the platform. :meth:`Supervisor.tick` is
driven by the caller's loop (``make up``'s main loop, or a test's thread).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from greenroom_local.processes import Process, StartupError


@dataclass
class Child:
    name: str
    make: Callable[[], Process]
    healthy_probe: Callable[[], bool]
    process: Process
    restarts: int = 0
    crashes_in_row: int = 0
    restart_at: float | None = None
    healthy: bool = True
    paused: bool = False


@dataclass
class Supervisor:
    max_failures: int = 5
    first_pause_s: float = 1.0
    longest_pause_s: float = 30.0
    say: Callable[[str], None] = field(default=lambda line: print(line, flush=True))
    children: dict[str, Child] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def adopt(self, name: str, process: Process, make: Callable[[], Process],
              healthy: Callable[[], bool]) -> None:
        """Supervise an already started, healthy process; ``make`` builds its replacement."""
        with self._lock:
            self.children[name] = Child(name, make, healthy, process)

    def pause(self, name: str) -> Child:
        """Stop supervising ``name`` (an operator stops it on purpose)."""
        with self._lock:
            child = self.children[name]
            child.paused = True
            return child

    def resume(self, name: str, process: Process) -> None:
        with self._lock:
            child = self.children[name]
            child.process, child.paused, child.healthy = process, False, False

    @property
    def restarts(self) -> dict[str, int]:
        return {name: c.restarts for name, c in self.children.items()}

    def tick(self, now: float | None = None) -> None:
        """One look at every child: restart the dead ones that are due, note recoveries."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for child in self.children.values():
                if not child.paused:
                    self._look_at(child, now)

    def _look_at(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restart_at = None
                child.restarts += 1
                child.healthy = False
                child.process = child.make()
                child.process.start()
                self.say(f"[supervisor] {child.name}: restarted (restart #{child.restarts})")
            return
        if not child.process.running:
            code = child.process.popen.returncode if child.process.popen else None
            child.crashes_in_row += 1
            if child.crashes_in_row > self.max_failures:
                raise StartupError(
                    f"{child.name} crashed {child.crashes_in_row} times in a row without "
                    f"becoming healthy; last lines:\n{child.process.log_tail()}")
            pause = min(self.longest_pause_s,
                        self.first_pause_s * 2 ** (child.crashes_in_row - 1))
            child.restart_at = now + pause
            self.say(f"[supervisor] {child.name}: exited with code {code}; restarting in "
                     f"{pause:.0f}s")
            return
        if not child.healthy and child.healthy_probe():
            child.healthy = True
            child.crashes_in_row = 0
            self.say(f"[supervisor] {child.name}: healthy again")
