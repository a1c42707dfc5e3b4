"""Kafka adapter of ingest: ``answers.submitted`` (media answers) → ``answers.ingested``.

Decoding (ffprobe, ffmpeg) runs in a worker thread within ``GREENROOM_INGEST_BUDGET_S``,
so the event loop keeps the consumer's heartbeats and the health endpoint alive, and a
file that decodes too slowly becomes the candidate's outcome well inside Kafka's poll
interval instead of a redelivery loop.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from faststream.asgi import AsgiFastStream
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerIngested, AnswerSubmitted, Stage, Topic
from greenroom_common.documents import AnswerDoc, IngestDoc
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys
from greenroom_common.storage import ObjectStore
from greenroom_common.worker import Transport, Worker

from greenroom_ingest.media import Limits, extract


def ingested(event: AnswerSubmitted, doc: IngestDoc) -> AnswerIngested:
    return AnswerIngested(
        **event.ids(),
        question_id=event.question_id, mode=event.mode, duration_s=doc.duration_s,
        audio_key=doc.audio_key, has_video=doc.has_video, width=doc.width,
        height=doc.height,
    )


class Ingest:
    """Ingest's route on one worker."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        s = worker.settings
        self.limits = Limits(max_answer_s=s.max_answer_s, grace_s=s.duration_grace_s,
                             budget_s=s.ingest_budget_s)
        worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.INGEST)(self.on_submitted)

    async def on_submitted(self, event: AnswerSubmitted) -> None:
        if not event.mode.has_media or event.upload_key is None:
            return  # typed and code answers go straight to the grader
        keys = AnswerKeys.of(event)
        done = await self.worker.once(event, keys.ingest, IngestDoc,
                                      lambda: self.ingest(keys))
        await self.worker.publish(Topic.INGESTED, ingested(event, done))

    async def answer(self, keys: AnswerKeys) -> tuple[str, Limits]:
        """Where the gateway stored this answer's upload, as its own answer document says,
        and only if that is under the answer's prefix, with the answer's limits (a
        follow-up has a shorter time limit). The event's ``upload_key`` is never used: a
        forged event could name another tenant's media."""
        doc = await self.worker.store.get_model(keys.answer, AnswerDoc)
        if doc is None or not doc.upload_key or not keys.holds(doc.upload_key):
            raise Rejected("no_upload", "The upload of this answer was not found; record the "
                           "answer again.")
        limits = self.limits
        if doc.time_limit_s is not None and doc.time_limit_s < limits.max_answer_s:
            limits = dataclasses.replace(limits, max_answer_s=float(doc.time_limit_s))
        return doc.upload_key, limits

    async def ingest(self, keys: AnswerKeys) -> IngestDoc:
        store = self.worker.store
        source_key, limits = await self.answer(keys)
        with tempfile.TemporaryDirectory(prefix="greenroom-ingest-") as tmp:
            work = Path(tmp)
            source = work / "upload"
            await store.download(source_key, source)
            result = await self.worker.blocking(extract, source, work, limits)
            await store.put_file(keys.audio, result.audio, "audio/wav")
            return IngestDoc(
                duration_s=round(result.duration_s, 3), has_video=result.probe.has_video,
                audio_key=keys.audio,
                video_key=source_key if result.probe.has_video else None,
                width=result.probe.width, height=result.probe.height,
                container=result.probe.container, audio_codec=result.probe.audio_codec,
                video_codec=result.probe.video_codec,
            )


def create_worker(settings: Settings | None = None, *, store: ObjectStore | None = None,
                  transport: Transport | None = None) -> Worker:
    """The composition root (tests pass an in-memory store and transport)."""
    worker = Worker("ingest", settings, store=store, transport=transport)
    Ingest(worker)
    return worker


def create_app(settings: Settings | None = None) -> AsgiFastStream:
    return create_worker(settings).app()
