"""Kafka adapter of vision: ``answers.ingested`` → ``answers.observed``.

Vision samples the frames of the upload itself (``video.py``), beside transcription, so an
answer's transcription starts as soon as ingest has its audio.

Presence is coaching only, so vision never blocks a verdict: when it gives up on an answer
(a video it cannot decode, a poison frame set, an outage past the retry budget) it stores an
empty observation that says why, and announces it; the grader grades without presence.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Protocol

from faststream.asgi import AsgiFastStream
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerIngested, AnswerObserved, Stage, Topic
from greenroom_common.documents import IngestDoc, VisionDoc, VisionSummary
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys
from greenroom_common.metrics import INFERENCE_SECONDS
from greenroom_common.storage import ObjectStore
from greenroom_common.worker import Transport, Worker

from greenroom_vision.faces import FaceAnalyzer
from greenroom_vision.frames import Frame, Unreadable
from greenroom_vision.video import Sampling, VideoUnreadable, check_size, sample

log = logging.getLogger("greenroom.vision")
UNMEASURED = ("Presence could not be measured for this answer ({reason}); the verdict does "
              "not depend on it.")


class Analyzer(Protocol):
    def analyze_frames(self, frames: Iterable[tuple[float, Frame | Unreadable]]) -> VisionDoc:
        ...


def unmeasured(reason: str) -> VisionDoc:
    """The observation of an answer vision gave up on: no frames, a note saying why."""
    return VisionDoc(
        detector="none", has_video=False, frames=[], inference_s=0.0,
        summary=VisionSummary(frames=0, face_frames=0, no_face_frames=0, multi_face_frames=0,
                              face_share=0.0),
        notes=[UNMEASURED.format(reason=reason)], unmeasured=reason)


class Vision:
    """Vision's route on one worker; the analyzer is loaded at start-up unless given."""

    def __init__(self, worker: Worker, analyzer: Analyzer | None = None) -> None:
        self.worker = worker
        self.analyzer = analyzer
        s = worker.settings
        self.sampling = Sampling(fps=s.frame_fps, width=s.frame_width,
                                 budget_s=s.ingest_budget_s,
                                 ahead=2 * max(1, s.vision_batch_size))
        if analyzer is None:
            worker.on_startup(self.load_model)
        worker.route(Topic.INGESTED, AnswerIngested, Stage.VISION,
                     give_up=self.give_up)(self.on_ingested)

    async def load_model(self) -> None:
        s = self.worker.settings
        self.analyzer = await self.worker.blocking(lambda: FaceAnalyzer(
            s.vision_detector,
            weights_home=s.models_dir / "deepface",
            landmarks_dir=s.models_dir / "mediapipe-face",
            device=s.vision_device,
            threads=s.vision_threads,
            batch_size=s.vision_batch_size,
        ))

    async def observe(self, event: AnswerIngested) -> VisionDoc:
        analyzer = self.analyzer
        assert analyzer is not None, "the model loads before the consumer starts"
        # What to sample comes from ingest's stored document, never from the event: a forged
        # event could name another tenant's media.
        keys = AnswerKeys.of(event)
        ingested = await self.worker.store.get_model(keys.ingest, IngestDoc)
        if ingested is None:
            raise Rejected("no_media", "The media of this answer was not found; record the "
                           "answer again.")
        if not ingested.has_video or ingested.video_key is None:
            doc = await self.worker.blocking(analyzer.analyze_frames, [])
        elif not keys.holds(ingested.video_key):
            raise Rejected("no_media", "The video of this answer was not found; record the "
                           "answer again.")
        else:
            doc = await self.sampled(analyzer, ingested.video_key, ingested)
        INFERENCE_SECONDS.labels("vision", doc.detector).observe(doc.inference_s)
        return doc

    async def sampled(self, analyzer: Analyzer, video_key: str, ingested: IngestDoc) -> VisionDoc:
        """The upload's frames, decoded here and measured as they come; a video that cannot
        be decoded is noted on the observation (presence unmeasured), not a failed answer."""
        try:
            check_size(ingested.width, ingested.height)  # before downloading it
            with tempfile.TemporaryDirectory(prefix="greenroom-vision-") as tmp:
                source = Path(tmp) / "upload"
                await self.worker.store.download(video_key, source)
                # closing: the decoder stops with the analysis, whatever ends it
                with closing(sample(source, ingested.duration_s, self.sampling)) as frames:
                    return await self.worker.blocking(analyzer.analyze_frames, frames)
        except VideoUnreadable as unreadable:
            log.warning("vision: %s", unreadable)
            return unmeasured(str(unreadable))

    async def on_ingested(self, event: AnswerIngested) -> None:
        keys = AnswerKeys.of(event)
        doc = await self.worker.once(event, keys.vision, VisionDoc, lambda: self.observe(event))
        await self.announce(event, doc)

    async def give_up(self, event: AnswerIngested, reason: str) -> None:
        log.error("vision: no observation for %s (%s); grading goes on without presence",
                  event.answer_id, reason)
        keys = AnswerKeys.of(event)
        why = ("the face analysis was unavailable" if reason == "unavailable"
               else "the face analysis failed on this recording")
        doc = await self.worker.once(event, keys.vision, VisionDoc,
                                     lambda: _ready(unmeasured(why)))
        await self.announce(event, doc)

    async def announce(self, event: AnswerIngested, doc: VisionDoc) -> None:
        await self.worker.publish(Topic.OBSERVED, AnswerObserved(
            **event.ids(),
            question_id=event.question_id, vision_key=AnswerKeys(
                event.tenant, event.session_id, event.answer_id).vision,
            frames=doc.summary.frames, face_share=doc.summary.face_share,
            detector=doc.detector,
        ))


async def _ready(doc: VisionDoc) -> VisionDoc:
    return doc


def create_worker(settings: Settings | None = None, *, store: ObjectStore | None = None,
                  transport: Transport | None = None,
                  analyzer: Analyzer | None = None) -> Worker:
    """The composition root (tests pass an in-memory store, transport and analyzer)."""
    worker = Worker("vision", settings, store=store, transport=transport)
    Vision(worker, analyzer)
    return worker


def create_app(settings: Settings | None = None) -> AsgiFastStream:
    return create_worker(settings).app()
