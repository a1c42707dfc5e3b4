"""Child processes with logs, readiness probes and clean shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class StartupError(RuntimeError):
    """A process died or never became ready; the message carries the end of its log."""


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # A session of its own: Ctrl-C in the terminal reaches the supervisor only, which
        # then stops the children in order (services first, infrastructure last).
        self.popen = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> None:
        if not self.running or self.popen is None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill(self) -> None:
        """``kill -9`` of the process and its children (a crash, for the chaos run)."""
        if self.running and self.popen is not None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def wait_until(self, probe: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Poll ``probe`` until it holds; fail early, with the log, if the process dies."""
        deadline = time.monotonic() + timeout_s
        delay = 0.1
        while time.monotonic() < deadline:
            if not self.running:
                raise StartupError(
                    f"{self.name} exited before {what}; last lines of {self.log_path}:\n"
                    f"{self.log_tail()}"
                )
            if probe():
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        raise StartupError(
            f"{self.name}: no {what} after {timeout_s:.0f}s; last lines of {self.log_path}:\n"
            f"{self.log_tail()}"
        )


def http_ok(url: str, timeout_s: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - local
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError):
        return False
