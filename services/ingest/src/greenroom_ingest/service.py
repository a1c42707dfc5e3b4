"""Kafka adapter of ingest: ``answers.submitted`` (media answers) → ``answers.ingested``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from greenroom_common.contracts import AnswerIngested, AnswerSubmitted, Stage, Topic
from greenroom_common.documents import AnswerDoc, IngestDoc
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys
from greenroom_common.worker import Worker

from greenroom_ingest.media import Limits, extract

worker = Worker("ingest")


def limits() -> Limits:
    s = worker.settings
    return Limits(max_answer_s=s.max_answer_s, grace_s=s.duration_grace_s, fps=s.frame_fps,
                  frame_width=s.frame_width)


def ingested(event: AnswerSubmitted, doc: IngestDoc) -> AnswerIngested:
    return AnswerIngested(
        tenant=event.tenant, session_id=event.session_id, answer_id=event.answer_id,
        question_id=event.question_id, mode=event.mode, duration_s=doc.duration_s,
        audio_key=doc.audio_key, frame_keys=doc.frame_keys, frame_times_s=doc.frame_times_s,
        fps=doc.fps, width=doc.width, height=doc.height,
    )


@worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.INGEST)
async def on_submitted(event: AnswerSubmitted) -> None:
    if not event.mode.has_media or event.upload_key is None:
        return  # typed and code answers go straight to the grader
    keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
    done = await worker.once(keys.ingest, IngestDoc, lambda: _ingest(keys))
    await worker.publish(Topic.INGESTED, ingested(event, done))


async def upload_key(keys: AnswerKeys) -> str:
    """Where the gateway stored this answer's upload, as its own answer document says, and
    only if that is under the answer's prefix. The event's ``upload_key`` is never used: a
    forged event could name another tenant's media."""
    doc = await worker.store.get_model(keys.answer, AnswerDoc)
    if doc is None or not doc.upload_key or not doc.upload_key.startswith(keys.prefix) \
            or "/" in doc.upload_key[len(keys.prefix):]:
        raise Rejected("no_upload", "The upload of this answer was not found; record the "
                       "answer again.")
    return doc.upload_key


async def _ingest(keys: AnswerKeys) -> IngestDoc:
    source_key = await upload_key(keys)
    with tempfile.TemporaryDirectory(prefix="greenroom-ingest-") as tmp:
        work = Path(tmp)
        source = work / "upload"
        await worker.store.download(source_key, source)
        result = extract(source, work, limits())
        await worker.store.put_file(keys.audio, result.audio, "audio/wav")
        frame_keys = []
        for index, (_, path) in enumerate(result.frames):
            key = keys.frame(index)
            await worker.store.put_file(key, path, "image/jpeg")
            frame_keys.append(key)
        return IngestDoc(
            duration_s=round(result.duration_s, 3), has_video=bool(result.frames),
            audio_key=keys.audio, frame_keys=frame_keys,
            frame_times_s=[t for t, _ in result.frames], fps=limits().fps,
            width=result.probe.width, height=result.probe.height,
            container=result.probe.container, audio_codec=result.probe.audio_codec,
            video_codec=result.probe.video_codec,
        )


app = worker.app()
