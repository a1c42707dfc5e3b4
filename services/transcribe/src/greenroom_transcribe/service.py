"""Kafka adapter of transcribe: ``answers.ingested`` → ``answers.transcribed``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio.to_thread
from greenroom_common.contracts import AnswerIngested, AnswerTranscribed, Stage, Topic
from greenroom_common.documents import TranscriptDoc
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys
from greenroom_common.metrics import INFERENCE_SECONDS
from greenroom_common.worker import Worker

from greenroom_transcribe.engine import AudioUnreadable, WhisperEngine

worker = Worker("transcribe")
_engine: list[WhisperEngine] = []

NO_SPEECH = ("We could not hear any speech in this recording. Check that the right "
             "microphone is selected and not muted, then answer again out loud.")


@worker.on_startup
async def load_model() -> None:
    """Load once, before consuming: health answers only when the model is ready."""
    s = worker.settings
    engine = await anyio.to_thread.run_sync(lambda: WhisperEngine(
        s.models_dir / s.whisper_model, device=s.whisper_device,
        compute_type=s.whisper_compute_type, threads=s.whisper_threads,
        beam_size=s.whisper_beam_size))
    _engine.append(engine)


async def _transcribe(event: AnswerIngested) -> TranscriptDoc:
    engine = _engine[0]
    with tempfile.TemporaryDirectory(prefix="greenroom-transcribe-") as tmp:
        audio = Path(tmp) / "audio.wav"
        await worker.store.download(event.audio_key, audio)
        try:
            doc = await anyio.to_thread.run_sync(lambda: engine.transcribe(audio))
        except AudioUnreadable as exc:
            raise Rejected("unreadable_audio", f"The audio could not be decoded ({exc}). "
                           "Record the answer again.") from exc
    INFERENCE_SECONDS.labels("transcribe", doc.model).observe(doc.inference_s)
    return doc


@worker.route(Topic.INGESTED, AnswerIngested, Stage.TRANSCRIBE)
async def on_ingested(event: AnswerIngested) -> None:
    keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
    doc = await worker.once(keys.transcript, TranscriptDoc, lambda: _transcribe(event))
    if not doc.words:
        raise Rejected("no_speech", NO_SPEECH)
    await worker.publish(Topic.TRANSCRIBED, AnswerTranscribed(
        tenant=event.tenant, session_id=event.session_id, answer_id=event.answer_id,
        question_id=event.question_id, transcript_key=keys.transcript, text=doc.text,
        language=doc.language, word_count=len(doc.words), model=doc.model,
    ))


app = worker.app()
