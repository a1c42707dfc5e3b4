"""The adapter's decisions: which outcome a transcript leads to, and where the prompt's
vocabulary comes from. Storage, bus and engine are in memory (the real ones run in
``tests/`` at the repository root); the worker runtime is the real one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerIngested, AnswerMode, AnswerTranscribed
from greenroom_common.documents import (
    QuestionBank,
    QuestionView,
    SessionDoc,
    TranscriptDoc,
    Word,
)
from greenroom_common.errors import Rejected
from greenroom_common.keys import BANK_KEY, session_doc
from greenroom_common.testing import MemoryBus, MemoryStore
from greenroom_common.worker import Worker
from greenroom_transcribe.service import Transcriber


class FakeEngine:
    def __init__(self, doc: TranscriptDoc) -> None:
        self.doc = doc
        self.prompts: list[str | None] = []
        self.speakers: list[bool] = []

    def transcribe(self, path: Path, *, prompt: str | None = None,
                   speakers: bool = True) -> TranscriptDoc:
        self.prompts.append(prompt)
        self.speakers.append(speakers)
        return self.doc


def transcript(language: str = "en", english: float | None = 0.97,
               words: int = 3) -> TranscriptDoc:
    return TranscriptDoc(
        model="whisper-base", engine="whisperx", device="cpu", language=language,
        language_probability=0.97 if language == "en" else 0.93, english_probability=english,
        duration_s=2.0, text="a b c"[: 2 * words], segments=[],
        words=[Word(word="w", start=i * 0.5, end=i * 0.5 + 0.4, probability=0.9)
               for i in range(words)],
        timing_method="whisper-cross-attention", inference_s=0.1)


EVENT = AnswerIngested(tenant="public", session_id="s1", answer_id="a1", question_id="lf-02",
                       mode=AnswerMode.AUDIO, duration_s=2.0, audio_key="media/x/audio.wav")


@dataclass
class Rig:
    store: MemoryStore
    bus: MemoryBus
    service: Transcriber
    engine: FakeEngine

    @property
    def published(self) -> list[str]:
        return [m.topic for m in self.bus.log]


def rig(doc: TranscriptDoc, engine: FakeEngine | None = None, tenant: str = "public") -> Rig:
    store, bus = MemoryStore(), MemoryBus()
    store.objects[session_doc(tenant, EVENT.session_id)] = SessionDoc(
        session_id=EVENT.session_id, tenant=tenant, token_sha256="x",
        question_ids=["lf-02"]).model_dump_json().encode()
    store.objects[f"media/{tenant}/s1/a1/audio.wav"] = b"RIFF"
    engine = engine or FakeEngine(doc)
    worker = Worker("transcribe", Settings(retry_cap_s=0.01), store=store, transport=bus)
    return Rig(store, bus, Transcriber(worker, engine), engine)


def bank(vocabulary: list[str]) -> QuestionBank:
    return QuestionBank(version="1", questions=[QuestionView(
        id="lf-02", round="fundamentals", category="data", prompt="Lists and tuples?",
        answer_modes=[AnswerMode.AUDIO], vocabulary=vocabulary)])


def test_english_speech_is_announced_with_the_vocabulary_prompt() -> None:
    r = rig(transcript())
    r.store.objects[BANK_KEY] = bank(["tuple", "__hash__"]).model_dump_json().encode()

    asyncio.run(r.service.on_ingested(EVENT))

    assert r.engine.prompts and "tuple, __hash__" in (r.engine.prompts[0] or "")
    [announced] = r.bus.log
    event = announced.parsed(AnswerTranscribed)
    assert event.word_count == 3 and event.language == "en"
    assert "media/public/s1/a1/transcript.json" in r.store.objects


def test_a_missing_bank_still_transcribes() -> None:
    r = rig(transcript())
    asyncio.run(r.service.on_ingested(EVENT))
    assert r.engine.prompts[0] and "Python" in r.engine.prompts[0]
    assert asyncio.run(r.service.vocabulary("unknown-question")) == []


def test_only_hiring_team_sessions_are_searched_for_a_second_voice() -> None:
    practice, hiring = rig(transcript()), rig(transcript(), tenant="acme")
    asyncio.run(practice.service.on_ingested(EVENT))
    asyncio.run(hiring.service.on_ingested(EVENT.model_copy(update={"tenant": "acme"})))
    assert (practice.engine.speakers, hiring.engine.speakers) == ([False], [True])


def test_the_bank_is_read_once_per_ttl() -> None:
    r = rig(transcript())
    r.store.objects[BANK_KEY] = bank(["tuple"]).model_dump_json().encode()
    reads: list[str] = []
    get = r.store.get_bytes

    async def counted(key: str) -> bytes | None:
        reads.append(key)
        return await get(key)

    r.store.get_bytes = counted  # type: ignore[method-assign]
    assert asyncio.run(r.service.vocabulary("lf-02")) == ["tuple"]
    assert asyncio.run(r.service.vocabulary("lf-02")) == ["tuple"]
    assert reads == [BANK_KEY]


def test_no_speech_is_rejected_and_the_transcript_kept() -> None:
    r = rig(transcript(words=0))
    with pytest.raises(Rejected) as raised:
        asyncio.run(r.service.on_ingested(EVENT))
    assert raised.value.reason == "no_speech"
    assert raised.value.message.startswith("No speech detected")
    assert r.published == [] and "media/public/s1/a1/transcript.json" in r.store.objects


def test_another_language_is_rejected_naming_it() -> None:
    r = rig(transcript(language="de", english=0.01))
    with pytest.raises(Rejected) as raised:
        asyncio.run(r.service.on_ingested(EVENT))
    assert raised.value.reason == "not_english"
    assert "German" in raised.value.message
    # a redelivery reaches the same outcome from the stored transcript, without the engine
    with pytest.raises(Rejected):
        asyncio.run(r.service.on_ingested(EVENT))
    assert len(r.engine.prompts) == 1 and r.published == []


def test_unreadable_audio_is_rejected() -> None:
    from greenroom_transcribe.engine import AudioUnreadable

    class Broken(FakeEngine):
        def transcribe(self, path: Path, *, prompt: str | None = None,
                       speakers: bool = True) -> TranscriptDoc:
            raise AudioUnreadable("the file is damaged or is not audio: Invalid data")

    r = rig(transcript(), Broken(transcript()))
    with pytest.raises(Rejected) as raised:
        asyncio.run(r.service.on_ingested(EVENT))
    assert raised.value.reason == "unreadable_audio"
    assert "damaged" in raised.value.message
