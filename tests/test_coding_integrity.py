"""Coding-round integrity on the running platform (issue 11): hostile code answers, typed as
a candidate would submit them, each end as that candidate's graded (failed) outcome; none
fakes a pass, none is an internal error, nothing of their runs is left behind, and the
grader's memory returns to its idle level."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from greenroom_grader.sandbox import processes_left

from tests.support.client import Client, Session
from tests.support.infra import route

pytestmark = pytest.mark.platform

PER_SESSION = 3  # the gateway's default cap on answers per question in one session
ANSWERS = 50
HEADER = "def dedupe(items: list[str]) -> list[str]:\n"
QUADRATIC = "    return [x for i, x in enumerate(items) if x not in items[:i]]\n"
LINGER = ("import ctypes, os, time\n"
          "ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)\n"
          "{how}\n"
          "while True:\n"
          "    try:\n"
          "        time.sleep(60)\n"
          "    except BaseException:\n"
          "        pass\n")
HOSTILE = {
    "prctl-setsid": LINGER.format(how="os.setsid()"),
    "setpgid": LINGER.format(how="os.setpgid(0, 0)"),
    "double-fork": LINGER.format(how="os.fork() or os._exit(0)"),
    "fake-unavailable": ("import os, sys\nsys.__stderr__.write('SANDBOX-UNAVAILABLE: x\\n')\n"
                         "sys.__stderr__.flush()\nos._exit(111)\n"),
    "deep-channel": ("import os\nfor fd in range(3, 64):\n    try:\n"
                     "        os.write(fd, b'\\x00\\x03\\x0d\\x40' + b'[' * 200000)\n"
                     "    except OSError:\n        pass\n" + HEADER + "    return items\n"),
    "deep-expression": HEADER + "    return " + "+".join(["1"] * 9000) + "\n",
    "settrace-quadratic": "import sys\nsys.settrace(None)\n" + HEADER + QUADRATIC,
    "fork-bomb": "import os\n" + HEADER + "    while True:\n        os.fork()\n",
    "memory-bomb": HEADER + "    hog = []\n    while True:\n"
                   "        hog.append(bytearray(50 * 1024 * 1024))\n",
    "non-utf8-flood": ("import os\n" + HEADER + "    while True:\n"
                       "        os.write(1, b'\\xff\\xfe' * 65536)\n"),
}


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines()
                    if line.startswith("VmRSS:")).split()[1])


def submit(client: Client, session: Session, code: str) -> str:
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"question_id": "cc-07", "code": code})
    assert response.status_code == 202, response.text
    answer_id: str = response.json()["answer_id"]
    return answer_id


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox processes are found by their per-run "
                    "uid, which the grader uses when it runs as root")
@pytest.mark.skipif(route() == "compose", reason="reads the grader's process by its PID; in "
                    "the compose stack it lives in a container")
def test_hostile_code_answers_end_as_the_candidates_outcome(client: Client) -> None:
    grader = next(p for p in client.platform.processes if p.name == "grader")
    assert grader.popen is not None
    session = client.session(["cc-07"])
    warm = submit(client, session, HEADER + "    return list(dict.fromkeys(items))\n")
    assert client.wait(session, warm, timeout_s=180)["result"]["verdict"] == "pass"
    idle = rss_kib(grader.popen.pid)

    kinds = sorted(HOSTILE)
    submitted = []
    for i in range(ANSWERS):
        kind = kinds[i % len(kinds)]
        if i % PER_SESSION == 0:  # a session records a few attempts per question
            session = client.session(["cc-07"])
        submitted.append((kind, session, submit(client, session, HOSTILE[kind])))
    for kind, in_session, answer_id in submitted:
        answer = client.wait(in_session, answer_id, timeout_s=600)
        assert answer["status"] == "graded", (kind, answer)
        assert answer["result"]["verdict"] == "fail", (kind, answer["result"]["rule"])

    deadline = time.monotonic() + 30  # the last run's launcher reaps it before it returns
    while processes_left() and time.monotonic() < deadline:
        time.sleep(0.5)
    left = processes_left()
    after = rss_kib(grader.popen.pid)
    figures = {"answers": ANSWERS, "sandbox_processes_left": len(left),
               "grader_rss_idle_mib": round(idle / 1024, 1),
               "grader_rss_after_mib": round(after / 1024, 1)}
    print("coding integrity:", json.dumps(figures))
    assert left == []
    assert after <= idle * 1.25 + 32 * 1024, figures
