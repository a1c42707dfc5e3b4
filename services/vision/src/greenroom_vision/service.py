"""Kafka adapter of vision: ``answers.ingested`` → ``answers.observed``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio.to_thread
from greenroom_common.contracts import AnswerIngested, AnswerObserved, Stage, Topic
from greenroom_common.documents import VisionDoc
from greenroom_common.keys import AnswerKeys
from greenroom_common.metrics import INFERENCE_SECONDS
from greenroom_common.worker import Worker

from greenroom_vision.faces import FaceAnalyzer

worker = Worker("vision")
_analyzer: list[FaceAnalyzer] = []


@worker.on_startup
async def load_model() -> None:
    s = worker.settings
    analyzer = await anyio.to_thread.run_sync(
        lambda: FaceAnalyzer(s.vision_detector, weights_home=s.models_dir / "deepface"))
    _analyzer.append(analyzer)


async def _observe(event: AnswerIngested) -> VisionDoc:
    analyzer = _analyzer[0]
    with tempfile.TemporaryDirectory(prefix="greenroom-vision-") as tmp:
        frames: list[tuple[float, Path]] = []
        for key, t in zip(event.frame_keys, event.frame_times_s, strict=True):
            path = Path(tmp) / key.rsplit("/", 1)[-1]
            await worker.store.download(key, path)
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
