"""Kafka adapter of vision: ``answers.ingested`` → ``answers.observed``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
import anyio.to_thread
from greenroom_common.contracts import AnswerIngested, AnswerObserved, Stage, Topic
from greenroom_common.documents import VisionDoc
from greenroom_common.keys import AnswerKeys
from greenroom_common.metrics import INFERENCE_SECONDS
from greenroom_common.worker import Worker

from greenroom_vision.faces import FaceAnalyzer

worker = Worker("vision")
_analyzer: list[FaceAnalyzer] = []
DOWNLOADS_IN_FLIGHT = 8  # a 3-minute answer has 360 frames; fetch several at a time


@worker.on_startup
async def load_model() -> None:
    s = worker.settings
    analyzer = await anyio.to_thread.run_sync(lambda: FaceAnalyzer(
        s.vision_detector,
        weights_home=s.models_dir / "deepface",
        landmarks_dir=s.models_dir / "mediapipe-face",
        device=s.vision_device,
        threads=s.vision_threads,
        batch_size=s.vision_batch_size,
    ))
    _analyzer.append(analyzer)


async def _observe(event: AnswerIngested) -> VisionDoc:
    analyzer = _analyzer[0]
    with tempfile.TemporaryDirectory(prefix="greenroom-vision-") as tmp:
        frames: list[tuple[float, Path]] = []
        limit = anyio.Semaphore(DOWNLOADS_IN_FLIGHT)

        async def fetch(key: str, path: Path) -> None:
            async with limit:
                await worker.store.download(key, path)

        # Frame keys are derived (ingest writes frame i at keys.frame(i)), never taken from
        # the event: a forged event could name another tenant's frames.
        keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
        async with anyio.create_task_group() as tg:
            for i, t in enumerate(event.frame_times_s):
                key = keys.frame(i)
                path = Path(tmp) / f"{i:05d}-{key.rsplit('/', 1)[-1]}"
                tg.start_soon(fetch, key, path)
                frames.append((t, path))
        doc = await anyio.to_thread.run_sync(lambda: analyzer.analyze(frames))
    INFERENCE_SECONDS.labels("vision", doc.detector).observe(doc.inference_s)
    return doc


@worker.route(Topic.INGESTED, AnswerIngested, Stage.VISION)
async def on_ingested(event: AnswerIngested) -> None:
    keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
    doc = await worker.once(keys.vision, VisionDoc, lambda: _observe(event))
    await worker.publish(Topic.OBSERVED, AnswerObserved(
        tenant=event.tenant, session_id=event.session_id, answer_id=event.answer_id,
        question_id=event.question_id, vision_key=keys.vision, frames=doc.summary.frames,
        face_share=doc.summary.face_share, detector=doc.detector,
    ))


app = worker.app()
