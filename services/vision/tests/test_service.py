"""Vision's adapter through the real worker dispatch, storage and Kafka in memory: presence
is coaching only, so an answer vision cannot analyse is still announced (empty, with the
reason) and the answer goes on to its verdict instead of failing."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterable

import pytest
from greenroom_common.config import Settings
from greenroom_common.contracts import (
    AnswerFailed,
    AnswerIngested,
    AnswerMode,
    AnswerObserved,
    Topic,
)
from greenroom_common.documents import IngestDoc, SessionDoc, VisionDoc
from greenroom_common.keys import AnswerKeys, session_doc
from greenroom_common.testing import MemoryBus, MemoryStore
from greenroom_vision.frames import Frame, Unreadable
from greenroom_vision.service import Analyzer, create_worker

KEYS = AnswerKeys("acme", "s-1", "a-1")
UPLOAD = KEYS.upload(".webm")
EVENT = AnswerIngested(tenant="acme", session_id="s-1", answer_id="a-1", question_id="lf-02",
                       mode=AnswerMode.VIDEO, duration_s=3.0, audio_key="ignored",
                       has_video=True)


def ingest_doc(video_key: str | None = UPLOAD, width: int = 320, height: int = 240) -> bytes:
    return IngestDoc(duration_s=3.0, has_video=video_key is not None, audio_key=KEYS.audio,
                     video_key=video_key, width=width, height=height, container="webm",
                     audio_codec="opus", video_codec="vp8").model_dump_json().encode()


@pytest.fixture(scope="module")
def upload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Three seconds of 320x240 VP8 video with Opus audio, as the browser uploads it."""
    out = tmp_path_factory.mktemp("upload") / "clip.webm"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=3",
                    "-f", "lavfi", "-i", "sine=frequency=300:duration=3",
                    "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", str(out)],
                   check=True, timeout=120)
    return out.read_bytes()


class Counting:
    def __init__(self) -> None:
        self.frames: list[list[tuple[float, tuple[int, int]]]] = []

    def analyze_frames(self, frames: Iterable[tuple[float, Frame | Unreadable]]) -> VisionDoc:
        self.frames.append([(t, f.source_size) for t, f in frames if isinstance(f, Frame)])
        from greenroom_vision.service import unmeasured

        return unmeasured("test")


def rig(analyzer: Analyzer, media: bytes | None = None,
        doc: bytes | None = None) -> tuple[MemoryStore, MemoryBus]:
    """Vision on an in-memory store holding a session, the answer's upload and ingest's
    document for it."""
    store, bus = MemoryStore(), MemoryBus()
    store.objects[session_doc("acme", "s-1")] = SessionDoc(
        session_id="s-1", tenant="acme", token_sha256="x",
        question_ids=["lf-02"]).model_dump_json().encode()
    if media is not None:
        store.objects[UPLOAD] = media
    store.objects[KEYS.ingest] = doc or ingest_doc()
    bus.attach(create_worker(Settings(retry_cap_s=0.01), store=store, transport=bus,
                             analyzer=analyzer))
    return store, bus


def observed(store: MemoryStore, bus: MemoryBus) -> VisionDoc:
    assert bus.on(Topic.FAILED.value) == [] and KEYS.failure not in store.objects
    [announced] = bus.on(Topic.OBSERVED.value)
    assert announced.parsed(AnswerObserved).answer_id == "a-1"
    return VisionDoc.model_validate_json(store.objects[KEYS.vision])


def test_vision_samples_the_frames_of_the_answers_own_upload(upload: bytes) -> None:
    analyzer = Counting()
    store, bus = rig(analyzer, upload)
    bus.send(Topic.INGESTED, EVENT, "a-1")
    asyncio.run(bus.drain())
    assert analyzer.frames == [[(t / 2, (320, 240)) for t in range(6)]]
    observed(store, bus)
    assert not any("/frames/" in key for key in store.objects)  # nothing stored per frame


def test_an_upload_named_outside_the_answer_is_never_read(upload: bytes) -> None:
    analyzer = Counting()
    store, bus = rig(analyzer, upload, ingest_doc("media/victim/s-9/a-9/upload.webm"))
    store.objects["media/victim/s-9/a-9/upload.webm"] = upload
    bus.send(Topic.INGESTED, EVENT, "a-1")
    asyncio.run(bus.drain())
    assert analyzer.frames == []
    [failed] = bus.on(Topic.FAILED.value)
    assert failed.parsed(AnswerFailed).reason == "no_media"


def test_an_audio_only_answer_is_observed_without_frames() -> None:
    analyzer = Counting()
    store, bus = rig(analyzer, doc=ingest_doc(None))
    bus.send(Topic.INGESTED, EVENT.model_copy(update={"mode": AnswerMode.AUDIO}), "a-1")
    asyncio.run(bus.drain())
    assert analyzer.frames == [[]]
    observed(store, bus)


@pytest.mark.parametrize(("media", "size", "why"), [
    (b"\x1a\x45\xdf\xa3 not really a video" * 50, (320, 240), "could not be decoded"),
    (None, (20000, 20000), "too large to decode"),
])
def test_a_video_vision_cannot_decode_leaves_presence_unmeasured_not_the_answer_failed(
        media: bytes | None, size: tuple[int, int], why: str) -> None:
    analyzer = Counting()
    store, bus = rig(analyzer, media or b"never read", ingest_doc(UPLOAD, *size))
    bus.send(Topic.INGESTED, EVENT, "a-1")
    asyncio.run(bus.drain())
    doc = observed(store, bus)
    assert not doc.has_video and why in doc.notes[0] and "could not be measured" in doc.notes[0]
    assert doc.unmeasured is not None and why in doc.unmeasured  # the grader tells the candidate


class Broken:
    def __init__(self) -> None:
        self.calls = 0

    def analyze_frames(self, frames: Iterable[tuple[float, Frame | Unreadable]]) -> VisionDoc:
        self.calls += 1
        raise ValueError("the face model cannot read these frames")


def test_an_answer_vision_cannot_analyse_is_announced_without_presence(upload: bytes) -> None:
    broken = Broken()
    store, bus = rig(broken, upload)
    bus.send(Topic.INGESTED, EVENT, "a-1")
    asyncio.run(bus.drain())
    assert broken.calls == 3  # retried as a poison candidate first
    [observed] = bus.on(Topic.OBSERVED.value)
    assert observed.parsed(AnswerObserved).frames == 0
    doc = VisionDoc.model_validate_json(store.objects[KEYS.vision])
    assert not doc.has_video and "could not be measured" in doc.notes[0]
    assert doc.unmeasured == "the face analysis failed on this recording"
    assert bus.on(Topic.FAILED.value) == [] and KEYS.failure not in store.objects
    assert len(bus.on(Topic.DEAD_LETTER.value)) == 1  # kept for an operator to look at
