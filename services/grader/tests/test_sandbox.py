"""The coding sandbox on real attacks: each is stopped and reported, nothing outlives the run,
and the service's files, environment and network stay out of reach.

These run the real sandbox (namespaces, a fresh root, resource limits, a per-run uid when
the tests run as root, where RLIMIT_NPROC would otherwise not apply)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from greenroom_grader import bank as bank_module
from greenroom_grader.bank import question
from greenroom_grader.sandbox import Limits, processes_left, run_code
from greenroom_grader.scoring import grade

SPEC = question("cc-07").code  # dedupe(items) -> list[str]
FAST = Limits(wall_s=8.0, per_test_s=1.0, cpu_s=3)


def run(code: str, limits: Limits = FAST):
    assert SPEC is not None
    return run_code(code, SPEC, limits)


def test_correct_code_passes_every_hidden_test() -> None:
    result = run("def dedupe(items):\n    return list(dict.fromkeys(items))\n")
    assert result.outcome == "completed"
    assert result.passed == len(result.tests) and not result.limits_hit


def test_fork_bomb_is_stopped_and_reported() -> None:
    code = ("import os, time\n"
            "def dedupe(items):\n"
            "    while True:\n"
            "        if os.fork() == 0:\n"
            "            os.setsid()\n"  # try to escape the process group too
            "            time.sleep(60)\n")
    started = time.monotonic()
    result = run(code)
    assert "processes" in result.limits_hit
    assert "process" in result.attempts
    assert result.passed == 0
    assert time.monotonic() - started < 30
    time.sleep(0.5)
    if os.geteuid() == 0:
        assert processes_left() == []  # the PID namespace took them all down


def test_memory_bomb_is_stopped_and_reported() -> None:
    result = run("def dedupe(items):\n    hog = []\n    while True:\n"
                 "        hog.append(bytearray(50 * 1024 * 1024))\n")
    assert "memory" in result.limits_hit
    assert "MemoryError" in result.tests[0].error


def test_infinite_loop_is_stopped_and_reported() -> None:
    result = run("def dedupe(items):\n    while True:\n        pass\n")
    assert "time" in result.limits_hit
    assert "time limit" in result.tests[0].error
    assert "not run" in result.tests[1].error  # the rest are not attempted


def test_loop_in_native_code_hits_the_cpu_limit() -> None:
    """A loop inside a built-in cannot be interrupted by the harness: the kernel stops it."""
    result = run("def dedupe(items):\n    return sum(range(10 ** 14))\n")
    assert result.outcome == "time_limit"
    assert set(result.limits_hit) & {"cpu", "time"}


def test_sleeping_forever_is_killed_at_the_wall_clock_limit() -> None:
    code = ("import time\n"
            "def dedupe(items):\n"
            "    while True:\n"
            "        try:\n"
            "            time.sleep(100)\n"
            "        except BaseException:\n"  # swallow the harness's timeout too
            "            pass\n")
    started = time.monotonic()
    result = run(code, Limits(wall_s=4.0, per_test_s=1.0, cpu_s=3))
    assert result.outcome == "time_limit" and "time" in result.limits_hit
    assert time.monotonic() - started < 15


def test_service_files_and_environment_are_out_of_reach(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENROOM_S3_SECRET_KEY", "s3cr3t-value")
    bank_file = Path(bank_module.__file__).parent / "bank" / "coding.toml"
    assert bank_file.exists()
    secrets = [str(bank_file), str(Path(bank_module.__file__)), "/proc/1/environ",
               f"/proc/{os.getpid()}/environ", "/etc/passwd", str(Path.home() / ".bashrc")]
    code = ("import os\n"
            "def dedupe(items):\n"
            "    seen = []\n"
            f"    for path in {secrets!r}:\n"
            "        try:\n"
            "            seen.append(open(path).read()[:30])\n"
            "        except OSError as exc:\n"
            "            seen.append(type(exc).__name__)\n"
            "    return [seen, sorted(os.environ), os.listdir('/'), os.listdir('.')]\n")
    result = run(code)
    got = result.tests[0].got
    assert result.tests[0].error == "", result.tests[0]
    assert "s3cr3t" not in got and "GREENROOM" not in got
    assert "entry =" not in got and "Grader" not in got  # no bank, no source
    assert got.count("FileNotFoundError") == len(secrets)
    assert "'work'" in got and "'home'" not in got  # a fresh root with an empty /work
    assert any(str(bank_file) in a for a in result.attempts)


def test_network_is_unreachable_and_reported() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[object] = []

    def accept() -> None:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    code = ("import socket\n"
            "def dedupe(items):\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    return 'connected'\n")
    try:
        result = run(code)
    finally:
        thread.join()
        server.close()
    assert not accepted
    assert "network" in result.attempts and "network" in result.limits_hit
    assert "unreachable" in result.tests[0].error.lower()


def test_file_size_is_limited() -> None:
    result = run("def dedupe(items):\n    with open('big', 'wb') as f:\n"
                 "        f.write(b'x' * 50 * 1024 * 1024)\n    return items\n")
    assert "file size" in result.limits_hit


def test_output_flood_does_not_reach_the_grader() -> None:
    result = run("import os\ndef dedupe(items):\n    while True:\n"
                 "        os.write(1, b'x' * 65536)\n        print('y' * 65536)\n")
    assert result.passed == 0
    assert set(result.limits_hit) & {"time", "cpu", "output"}


def test_a_sandbox_escape_attempt_fails_the_coding_answer() -> None:
    doc = grade("a1", question("cc-07"),
                "import os\n\n\ndef dedupe(items: list[str]) -> list[str]:\n"
                "    while True:\n        os.fork()\n")
    assert doc.verdict == "fail"
    assert "processes" in doc.rule
    assert any("limit" in tip for tip in doc.improvements)


PLAIN_PYTHON = Path("/usr/bin/python3")


@pytest.mark.skipif(os.geteuid() != 0 or not PLAIN_PYTHON.exists()
                    or not Path("/usr/bin/setpriv").exists(),
                    reason="needs root to switch to an unprivileged user, and a system Python")
def test_an_unprivileged_service_user_gets_the_same_confinement() -> None:
    """The container runs the grader as a non-root user: the launcher then builds its
    namespaces inside a user namespace. Run it as `nobody` with the system Python."""
    import json
    import shutil
    import subprocess
    import tempfile

    from greenroom_grader import sandbox

    work = Path(tempfile.mkdtemp(prefix="greenroom-unprivileged-"))
    status_r, status_w = os.pipe()
    control_r, control_w = os.pipe()
    try:
        work.chmod(0o755)
        for name in (sandbox.LAUNCHER, sandbox.HARNESS):
            shutil.copy(name, work / name.name)
        root = work / "root"
        root.mkdir()
        root.chmod(0o777)
        config = sandbox.launcher_config(str(root), str(PLAIN_PYTHON.resolve()), ["/usr"],
                                         FAST, status_w, control_r)
        code = ("import os, socket\n"
                "def dedupe(items):\n"
                "    out = [os.getuid(), sorted(os.listdir('/'))]\n"
                "    try:\n"
                "        socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
                "    except OSError as exc:\n"
                "        out.append(exc.errno)\n"
                "    while True:\n"
                "        os.fork()\n")
        payload = {"code": code, "entry": "dedupe", "per_test_s": 1.0,
                   "tests": [{"args": "(['a'],)", "kwargs": ""}], "scale": None}
        done = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             str(PLAIN_PYTHON), "-s", "-S", "-B", str(work / "sandbox_launcher.py"),
             json.dumps(config)],
            input=json.dumps(payload).encode(), capture_output=True, env={}, cwd=root,
            timeout=60, check=False, pass_fds=(status_w, control_r))
    finally:
        for fd in (status_w, control_r, control_w):
            os.close(fd)
        unavailable = os.read(status_r, 4096).decode()
        os.close(status_r)
        shutil.rmtree(work, ignore_errors=True)
    assert not unavailable, unavailable
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    test = next(r for r in records if r["t"] == "test")
    assert test["error"] == "BlockingIOError"  # the filter holds in the user namespace
    assert "processes" in records[-1]["limits"]
    audit = next(r for r in records if r["t"] == "audit")
    assert {"network", "process"} <= set(audit["attempts"])
