"""Kafka adapter of transcribe: ``answers.ingested`` → ``answers.transcribed``.

Outcomes a candidate sees (``Rejected``, recorded as the answer's failure, never retried):
``unreadable_audio`` (the audio cannot be decoded), ``no_speech`` (nothing voiced or nothing
transcribed) and ``not_english`` (the detector heard another language; answers are graded
in English). The transcript document is stored first in every case where audio was heard,
so a redelivered event reaches the same outcome without transcribing again.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Protocol

from faststream.asgi import AsgiFastStream
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerIngested, AnswerTranscribed, Stage, Topic
from greenroom_common.documents import QuestionBank, TranscriptDoc
from greenroom_common.domain import PUBLIC_TENANT
from greenroom_common.errors import Rejected
from greenroom_common.keys import BANK_KEY, AnswerKeys
from greenroom_common.metrics import INFERENCE_SECONDS
from greenroom_common.storage import ObjectStore
from greenroom_common.worker import Transport, Worker

from greenroom_transcribe.engine import AudioUnreadable, WhisperXEngine
from greenroom_transcribe.language import is_english, not_english_message
from greenroom_transcribe.models import resolve_align_model, resolve_whisper_model
from greenroom_transcribe.prompt import build_prompt

log = logging.getLogger("greenroom.transcribe")

NO_SPEECH = ("No speech detected: we could not hear anyone speaking in this recording. Check "
             "that the right microphone is selected and not muted, then answer again out loud.")
BANK_TTL_S = 30.0


class Engine(Protocol):
    def transcribe(self, path: Path, *, prompt: str | None = None,
                   speakers: bool = True) -> TranscriptDoc: ...


class Transcriber:
    """Transcribe's route on one worker; the engine is loaded at start-up unless given."""

    def __init__(self, worker: Worker, engine: Engine | None = None) -> None:
        self.worker = worker
        self.engine = engine
        self._bank: tuple[float, QuestionBank] | None = None
        if engine is None:
            worker.on_startup(self.load_model)
        worker.route(Topic.INGESTED, AnswerIngested, Stage.TRANSCRIBE)(self.on_ingested)

    async def load_model(self) -> None:
        """Load once, before consuming: health answers only when the model is ready."""
        s = self.worker.settings
        model_dir = resolve_whisper_model(s.models_dir, s.whisper_model)
        align = resolve_align_model(s.models_dir, s.whisper_align_model)
        self.engine = await self.worker.blocking(lambda: WhisperXEngine(
            model_dir, align_model=align, device=s.whisper_device,
            compute_type=s.whisper_compute_type, threads=s.whisper_threads,
            beam_size=s.whisper_beam_size, batch_size=s.whisper_batch_size))

    async def vocabulary(self, question_id: str) -> list[str]:
        """The question's key terms from the bank the grader publishes ([] when the bank or
        the question is not there yet: transcription goes on with a generic prompt)."""
        now = time.monotonic()
        if self._bank is None or now - self._bank[0] >= BANK_TTL_S:
            try:
                bank = await self.worker.store.get_model(BANK_KEY, QuestionBank)
            except Exception:  # a bad or unreachable bank must not fail the answer
                log.warning("question bank unreadable; transcribing without its vocabulary",
                            exc_info=True)
                bank = None
            if bank is None:
                return []
            self._bank = (now, bank)
        question = next((q for q in self._bank[1].questions if q.id == question_id), None)
        return list(question.vocabulary) if question else []

    async def transcribe(self, event: AnswerIngested) -> TranscriptDoc:
        engine = self.engine
        assert engine is not None, "the model loads before the consumer starts"
        prompt = None
        if self.worker.settings.whisper_vocabulary_prompt:
            prompt = build_prompt(await self.vocabulary(event.question_id))
        with tempfile.TemporaryDirectory(prefix="greenroom-transcribe-") as tmp:
            audio = Path(tmp) / "audio.wav"
            # The key is derived, never taken from the event (a forged event could name
            # another tenant's audio): ingest writes it there.
            keys = AnswerKeys.of(event)
            await self.worker.store.download(keys.audio, audio)
            try:
                # A second voice is looked for in hiring-team sessions only: practice
                # sessions never show observations, so they skip the fine analysis.
                doc = await self.worker.blocking(engine.transcribe, audio, prompt=prompt,
                                                 speakers=event.tenant != PUBLIC_TENANT)
            except AudioUnreadable as exc:
                raise Rejected("unreadable_audio", f"The audio could not be decoded ({exc}). "
                               "Record the answer again.") from exc
        INFERENCE_SECONDS.labels("transcribe", doc.model).observe(doc.inference_s)
        return doc

    async def on_ingested(self, event: AnswerIngested) -> None:
        keys = AnswerKeys.of(event)
        doc = await self.worker.once(event, keys.transcript, TranscriptDoc,
                                     lambda: self.transcribe(event))
        if not doc.words:
            raise Rejected("no_speech", NO_SPEECH)
        if not is_english(doc.language, doc.english_probability):
            raise Rejected("not_english", not_english_message(doc.language,
                                                              doc.language_probability))
        await self.worker.publish(Topic.TRANSCRIBED, AnswerTranscribed(
            **event.ids(),
            question_id=event.question_id, transcript_key=keys.transcript, text=doc.text,
            language=doc.language, word_count=len(doc.words), model=doc.model,
        ))


def create_worker(settings: Settings | None = None, *, store: ObjectStore | None = None,
                  transport: Transport | None = None, engine: Engine | None = None) -> Worker:
    """The composition root (tests pass an in-memory store, transport and engine)."""
    worker = Worker("transcribe", settings, store=store, transport=transport)
    Transcriber(worker, engine)
    return worker


def create_app(settings: Settings | None = None) -> AsgiFastStream:
    return create_worker(settings).app()
