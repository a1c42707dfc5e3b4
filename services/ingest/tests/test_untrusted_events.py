"""Ingest's adapter through the real worker dispatch, storage and Kafka in memory.

It reads only what lies under the answer's own prefix: the upload's key comes from the
gateway's answer document there, never from the event, so a forged ``answers.submitted``
cannot copy another tenant's media into the attacker's session. Decoding runs off the
event loop within a time budget, and a file that decodes too slowly is the candidate's
readable outcome."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from greenroom_common.config import Settings
from greenroom_common.contracts import (
    AnswerFailed,
    AnswerIngested,
    AnswerMode,
    AnswerSubmitted,
    Topic,
)
from greenroom_common.documents import AnswerDoc, IngestDoc, SessionDoc
from greenroom_common.keys import AnswerKeys, session_doc
from greenroom_common.testing import MemoryBus, MemoryStore
from greenroom_common.worker import Worker
from greenroom_ingest.service import create_worker

VICTIM_UPLOAD = "media/acme/s-victim/a-victim/upload.webm"
EVIL = AnswerKeys("evil", "s-evil", "a-evil")


def rig(**settings: float) -> tuple[Worker, MemoryStore, MemoryBus]:
    store, bus = MemoryStore(), MemoryBus()
    store.objects[session_doc(EVIL.tenant, EVIL.session_id)] = SessionDoc(
        session_id=EVIL.session_id, tenant=EVIL.tenant, token_sha256="x",
        question_ids=["lf-02"]).model_dump_json().encode()
    worker = bus.attach(create_worker(Settings(retry_cap_s=0.01, **settings), store=store,
                                      transport=bus))
    return worker, store, bus


def submit(store: MemoryStore, bus: MemoryBus, doc_key: str | None,
           event_key: str = VICTIM_UPLOAD) -> None:
    if doc_key is not None:
        store.objects[EVIL.answer] = AnswerDoc(
            answer_id=EVIL.answer_id, session_id=EVIL.session_id, tenant=EVIL.tenant,
            question_id="lf-02", mode=AnswerMode.VIDEO,
            upload_key=doc_key).model_dump_json().encode()
    bus.send(Topic.SUBMITTED, AnswerSubmitted(
        tenant=EVIL.tenant, session_id=EVIL.session_id, answer_id=EVIL.answer_id,
        question_id="lf-02", mode=AnswerMode.VIDEO, upload_key=event_key), EVIL.answer_id)


def outcome(bus: MemoryBus) -> str:
    [failed] = bus.on(Topic.FAILED.value)
    return failed.parsed(AnswerFailed).reason


@pytest.mark.parametrize("doc_key", [None, VICTIM_UPLOAD])
def test_a_forged_upload_key_is_never_read(doc_key: str | None) -> None:
    _, store, bus = rig()
    store.objects[VICTIM_UPLOAD] = b"the victim's recording"
    submit(store, bus, doc_key)  # no answer document, or one naming another prefix
    asyncio.run(bus.drain())
    assert outcome(bus) == "no_upload"
    assert not any(k.startswith("media/evil/") and k.endswith((".wav", ".jpg"))
                   for k in store.objects)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    out = tmp_path / "clip.webm"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=3",
                    "-f", "lavfi", "-i", "sine=frequency=300:duration=3:sample_rate=48000",
                    "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", str(out)],
                   check=True, timeout=120)
    return out


def test_the_answers_own_upload_is_decoded_off_the_event_loop(clip: Path) -> None:
    _, store, bus = rig()
    store.copy_from(clip, EVIL.upload(".webm"))
    submit(store, bus, EVIL.upload(".webm"), event_key="whatever the event says")

    async def run() -> float:
        loop = asyncio.get_running_loop()
        worst = 0.0
        done = asyncio.Event()

        async def ticker() -> None:  # what the Kafka heartbeat would live through
            nonlocal worst
            while not done.is_set():
                before = loop.time()
                await asyncio.sleep(0.01)
                worst = max(worst, loop.time() - before - 0.01)

        async def work() -> None:
            await bus.drain()
            done.set()

        await asyncio.gather(ticker(), work())
        return worst

    worst_stall = asyncio.run(run())
    [ingested] = bus.on(Topic.INGESTED.value)
    assert ingested.parsed(AnswerIngested).has_video
    # Vision samples the frames from the answer's own upload, which ingest names.
    doc = IngestDoc.model_validate_json(store.objects[EVIL.ingest])
    assert doc.video_key == EVIL.upload(".webm") and EVIL.audio in store.objects
    assert worst_stall < 0.25  # ffmpeg's seconds of decoding never held the loop


def test_an_upload_that_decodes_too_slowly_is_a_readable_outcome(clip: Path) -> None:
    _, store, bus = rig(ingest_budget_s=0.001)
    store.copy_from(clip, EVIL.upload(".webm"))
    submit(store, bus, EVIL.upload(".webm"))
    asyncio.run(bus.drain())
    assert outcome(bus) == "too_slow"
    [failed] = bus.on(Topic.FAILED.value)
    assert "takes too long to decode" in failed.parsed(AnswerFailed).message
