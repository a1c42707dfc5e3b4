"""Vision's adapter through the real worker dispatch, storage and Kafka in memory: presence
is coaching only, so an answer vision cannot analyse is still announced (empty, with the
reason) and the answer goes on to its verdict instead of failing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerIngested, AnswerMode, AnswerObserved, Topic
from greenroom_common.documents import IngestDoc, SessionDoc, VisionDoc
from greenroom_common.keys import AnswerKeys, session_doc
from greenroom_common.testing import MemoryBus, MemoryStore
from greenroom_vision.service import Analyzer, create_worker

KEYS = AnswerKeys("acme", "s-1", "a-1")
EVENT = AnswerIngested(tenant="acme", session_id="s-1", answer_id="a-1", question_id="lf-02",
                       mode=AnswerMode.VIDEO, duration_s=1.0, audio_key="ignored",
                       frame_times_s=[0.0, 0.5])


def ingest_doc(frames: int) -> bytes:
    return IngestDoc(duration_s=1.0, has_video=True, audio_key=KEYS.audio,
                     frame_keys=[KEYS.frame(i) for i in range(frames)],
                     frame_times_s=[i / 2 for i in range(frames)], fps=2.0, width=320,
                     height=240, container="webm", audio_codec="opus",
                     video_codec="vp8").model_dump_json().encode()


class Counting:
    def __init__(self) -> None:
        self.frames: list[int] = []

    def analyze(self, frames: list[tuple[float, Path]]) -> VisionDoc:
        self.frames.append(len(frames))
        from greenroom_vision.service import unmeasured

        return unmeasured("test")


def rig(frames: int, analyzer: Analyzer) -> tuple[MemoryStore, MemoryBus]:
    """Vision on an in-memory store holding a session, ``frames`` frames and ingest's
    document for them."""
    store, bus = MemoryStore(), MemoryBus()
    store.objects[session_doc("acme", "s-1")] = SessionDoc(
        session_id="s-1", tenant="acme", token_sha256="x",
        question_ids=["lf-02"]).model_dump_json().encode()
    for i in range(frames):
        store.objects[KEYS.frame(i)] = b"\xff\xd8not really a jpeg"
    store.objects[KEYS.ingest] = ingest_doc(frames)
    bus.attach(create_worker(Settings(retry_cap_s=0.01), store=store, transport=bus,
                             analyzer=analyzer))
    return store, bus


def test_the_frame_count_comes_from_ingest_not_from_the_event() -> None:
    analyzer = Counting()
    _, bus = rig(3, analyzer)
    forged = EVENT.model_copy(update={"frame_times_s": [i / 2 for i in range(100_000)]})
    bus.send(Topic.INGESTED, forged, "a-1")
    asyncio.run(bus.drain())
    assert analyzer.frames == [3]


class Broken:
    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, frames: list[tuple[float, Path]]) -> VisionDoc:
        self.calls += 1
        raise ValueError("the face model cannot read these frames")


def test_an_answer_vision_cannot_analyse_is_announced_without_presence() -> None:
    broken = Broken()
    store, bus = rig(2, broken)
    bus.send(Topic.INGESTED, EVENT, "a-1")
    asyncio.run(bus.drain())
    assert broken.calls == 3  # retried as a poison candidate first
    [observed] = bus.on(Topic.OBSERVED.value)
    assert observed.parsed(AnswerObserved).frames == 0
    doc = VisionDoc.model_validate_json(store.objects[KEYS.vision])
    assert not doc.has_video and "could not be measured" in doc.notes[0]
    assert bus.on(Topic.FAILED.value) == [] and KEYS.failure not in store.objects
    assert len(bus.on(Topic.DEAD_LETTER.value)) == 1  # kept for an operator to look at
