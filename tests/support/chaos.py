"""The chaos run: many answers through replicated services while processes are killed and
Kafka and MinIO restart; then every answer is checked for exactly one verdict.

Used by ``make chaos`` (``bench/chaos.py``, ≥ 100 answers) and, shorter, by
``tests/test_chaos.py`` in ``make test``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from greenroom_common.contracts import Topic
from greenroom_local.platform import LocalPlatform

from tests.support import media

PIPELINE = ("ingest", "transcribe", "vision", "grader")
INFRA_REASONS = {"internal_error", "unavailable"}
TYPED = ("A tuple is immutable, so its hash never changes and it can be a dictionary key; a "
         "list is mutable, its hash would change when it changes, so lists are unhashable.")
CODE = ("from collections import Counter\n\n"
        "def top_words(text: str, n: int) -> list[tuple[str, int]]:\n"
        "    return Counter(text.lower().split()).most_common(n)\n")


@dataclass(frozen=True)
class Plan:
    sessions: int = 34  # three answers each: video, audio or typed, code
    replicas: dict[str, int] = field(default_factory=lambda: {
        "ingest": 2, "transcribe": 2, "vision": 2, "grader": 3})
    kills: int = 6
    kill_every_s: float = 15.0
    minio_down_s: float = 20.0
    kafka_down_s: float = 5.0
    deadline_s: float = 1200.0
    seed: int = 7


@dataclass
class Outcome:
    answers: int = 0
    kills: list[str] = field(default_factory=list)
    restarts: dict[str, int] = field(default_factory=dict)
    outages: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    # when each fault struck and when a duplicated answer's verdicts were announced (wall
    # clock): whether a second announcement follows a kill or a broker restart
    faults_at: list[tuple[float, str]] = field(default_factory=list)
    announced: dict[str, list[float]] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)
    infra_failed: list[str] = field(default_factory=list)
    dead_letters: int = 0
    completions: dict[str, int] = field(default_factory=dict)
    latencies_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def p95_s(self) -> float:
        if not self.latencies_s:
            return 0.0
        return statistics.quantiles(self.latencies_s, n=20)[-1] if len(self.latencies_s) > 1 \
            else self.latencies_s[0]

    def table(self) -> str:
        rows = [
            ("answers", self.answers), ("graded", self.statuses.get("graded", 0)),
            ("failed (candidate input)", self.statuses.get("failed", 0) - len(self.infra_failed)),
            ("kills (kill -9)", len(self.kills)),
            ("restarts by the supervisor", sum(self.restarts.values())),
            ("outages", ", ".join(self.outages) or "none"),
            ("lost", len(self.lost)), ("duplicated", len(self.duplicated)),
            ("stuck", len(self.stuck)), ("failed for an infrastructure reason",
                                         len(self.infra_failed)),
            ("dead letters", self.dead_letters),
            ("sessions completed", len(self.completions)),
            ("sessions completed more than once", sum(1 for n in self.completions.values()
                                                       if n > 1)),
            ("p95 latency, submit → verdict", f"{self.p95_s:.1f} s"),
            ("wall time", f"{self.wall_s:.0f} s"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


class Recorder:
    """Reads the outcome topics from the beginning, through Kafka's restart."""

    TOPICS = (Topic.GRADED, Topic.FAILED, Topic.SESSION_COMPLETED, Topic.DEAD_LETTER)

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.events: list[tuple[float, str, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(*(t.value for t in self.TOPICS),
                                    bootstrap_servers=self.bootstrap,
                                    group_id=f"chaos-{time.time_ns()}",
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            while not self._stop.is_set():
                with contextlib.suppress(Exception):  # Kafka restarting: keep polling
                    batches = await consumer.getmany(timeout_ms=500)
                    for records in batches.values():
                        for record in records:
                            # when the producer sent it: a resent copy of one send
                            # carries the same time, a second announcement its own
                            with contextlib.suppress(ValueError):
                                self.events.append((record.timestamp / 1000, record.topic,
                                                    json.loads(record.value)))
        finally:
            await consumer.stop()

    def of(self, topic: Topic) -> list[tuple[float, dict[str, Any]]]:
        return [(at, event) for at, name, event in self.events if name == topic.value]


def retrying(call: Any, deadline_s: float = 300.0) -> httpx.Response:
    """A client that tries again on 503/5xx and refused connections, as the web app does."""
    deadline = time.monotonic() + deadline_s
    pause = 0.5
    while True:
        try:
            response: httpx.Response = call()
            if response.status_code < 500 or time.monotonic() > deadline:
                return response
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


@contextlib.contextmanager
def supervised(platform: LocalPlatform) -> Iterator[None]:
    """Run the supervisor's loop beside the test, as ``make up`` does."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            platform.check_alive()
            stop.wait(0.5)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def start(data_dir: Path, plan: Plan) -> LocalPlatform:
    env = {"GREENROOM_LIMIT_REQUESTS_PER_IP_PER_MIN": "100000",
           "GREENROOM_LIMIT_SESSIONS_PER_IP_PER_MIN": "10000",
           "GREENROOM_LIMIT_ANSWERS_PER_IP_PER_MIN": "10000",
           "GREENROOM_RETRY_CAP_S": "5"}
    platform = LocalPlatform.on_free_ports(data_dir, replicas=dict(plan.replicas),
                                           extra_env=env)
    platform.start()
    return platform


def run(platform: LocalPlatform, work: Path, plan: Plan) -> Outcome:
    rng = random.Random(plan.seed)
    video = media.face_video_with_speech(work / "answer.webm")
    audio = media.speech(media.SENTENCE, work / "answer.wav")
    outcome = Outcome()
    submitted: dict[str, tuple[str, str, float]] = {}  # answer → (session, token, time)
    started = time.monotonic()
    with supervised(platform), Recorder(platform.kafka_bootstrap) as recorder, \
            httpx.Client(base_url=platform.url(), timeout=120) as http:
        faults = threading.Thread(target=_faults, args=(platform, plan, rng, outcome),
                                  daemon=True)
        faults.start()
        for i in range(plan.sessions):
            created = retrying(lambda: http.post(
                "/api/sessions", json={"question_ids": ["lf-02", "lf-01", "cc-01"]}))
            assert created.status_code == 201, created.text
            sid, token = created.json()["session_id"], created.json()["token"]
            auth = {"authorization": f"Bearer {token}"}
            for question, kind in (("lf-02", "video"),
                                   ("lf-01", "audio" if i % 2 else "text"),
                                   ("cc-01", "code")):
                response = retrying(lambda q=question, k=kind, s=sid, a=auth: _submit(
                    http, s, a, q, k, video, audio))
                assert response.status_code == 202, response.text
                submitted[response.json()["answer_id"]] = (sid, token, time.time())
        outcome.answers = len(submitted)
        _settle(http, submitted, outcome, plan, started)
        faults.join(plan.deadline_s)
        time.sleep(3)  # the last events reach the recorder
        _count(recorder, submitted, outcome)
    outcome.restarts = {k: v for k, v in platform.supervisor.restarts.items() if v}
    outcome.wall_s = time.monotonic() - started
    return outcome


def _submit(http: httpx.Client, sid: str, auth: dict[str, str], question: str, kind: str,
            video: Path, audio: Path) -> httpx.Response:
    url = f"/api/sessions/{sid}/answers"
    if kind in ("text", "code"):
        return http.post(url, headers=auth, data={"question_id": question,
                                                  kind: TYPED if kind == "text" else CODE})
    path, content_type = (video, "video/webm") if kind == "video" else (audio, "audio/wav")
    with path.open("rb") as handle:
        return http.post(url, headers=auth, data={"question_id": question},
                         files={"file": (path.name, handle, content_type)})


def _faults(platform: LocalPlatform, plan: Plan, rng: random.Random, outcome: Outcome) -> None:
    """kill -9 of random pipeline processes, MinIO down for a while, Kafka restarted."""
    schedule = ["kill"] * plan.kills
    schedule.insert(min(2, len(schedule)), "minio")
    schedule.insert(min(4, len(schedule)), "kafka")
    for step in schedule:
        time.sleep(plan.kill_every_s)
        if step == "kill":
            victims = [name for name, child in platform.supervisor.children.items()
                       if name.split("-")[0] in PIPELINE and child.process.running
                       and child.healthy]
            if victims:
                victim = rng.choice(victims)
                platform.supervisor.children[victim].process.kill()
                outcome.kills.append(victim)
                outcome.faults_at.append((time.time(), f"kill {victim}"))
        elif step == "minio":
            outcome.faults_at.append((time.time(), "MinIO down"))
            platform.bounce("minio", plan.minio_down_s)
            outcome.outages.append(f"MinIO down {plan.minio_down_s:.0f} s")
        else:
            outcome.faults_at.append((time.time(), "Kafka down"))
            platform.bounce("kafka", plan.kafka_down_s)
            outcome.outages.append(f"Kafka restarted ({plan.kafka_down_s:.0f} s down)")


def _settle(http: httpx.Client, submitted: dict[str, tuple[str, str, float]],
            outcome: Outcome, plan: Plan, started: float) -> None:
    """Poll every answer until it is graded or failed, or the deadline passes."""
    open_ = dict(submitted)
    while open_ and time.monotonic() - started < plan.deadline_s:
        for answer_id, (_, token, _) in list(open_.items()):
            with contextlib.suppress(httpx.TransportError):
                response = http.get(f"/api/answers/{answer_id}",
                                    headers={"authorization": f"Bearer {token}"})
                if response.status_code == 200 and response.json()["status"] in {
                        "graded", "failed"}:
                    body = response.json()
                    outcome.statuses[body["status"]] += 1
                    if body["status"] == "failed" and (body.get("error") or {}).get(
                            "reason") in INFRA_REASONS:
                        outcome.infra_failed.append(answer_id)
                    del open_[answer_id]
                elif response.status_code == 404:
                    outcome.lost.append(answer_id)
                    del open_[answer_id]
        time.sleep(1.0)
    outcome.stuck = sorted(open_)


def _count(recorder: Recorder, submitted: dict[str, tuple[str, str, float]],
           outcome: Outcome) -> None:
    graded: dict[str, list[float]] = defaultdict(list)
    for at, event in recorder.of(Topic.GRADED):
        graded[event["answer_id"]].append(at)
    failed: dict[str, list[float]] = defaultdict(list)
    for at, event in recorder.of(Topic.FAILED):
        failed[event["answer_id"]].append(at)
    for answer_id, (_, _, at) in submitted.items():
        verdicts = graded.get(answer_id, []) + failed.get(answer_id, [])
        if len(graded.get(answer_id, [])) > 1 or (graded.get(answer_id) and
                                                   failed.get(answer_id)):
            outcome.duplicated.append(answer_id)
            outcome.announced[answer_id] = sorted(verdicts)
        if verdicts:
            outcome.latencies_s.append(min(verdicts) - at)
        elif answer_id not in outcome.stuck and answer_id not in outcome.lost:
            outcome.lost.append(answer_id)  # a status without its event
    outcome.dead_letters = len(recorder.of(Topic.DEAD_LETTER))
    # No retakes in this run: each session has one version and completes exactly once.
    outcome.completions = dict(Counter(event["session_id"]
                                       for _, event in recorder.of(Topic.SESSION_COMPLETED)))
