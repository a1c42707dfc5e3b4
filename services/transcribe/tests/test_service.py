"""The adapter's decisions: which outcome a transcript leads to, and where the prompt's
vocabulary comes from. Storage, bus and engine are replaced by in-memory fakes (the real
ones run in ``tests/`` at the repository root)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from greenroom_common.contracts import AnswerIngested, AnswerMode, AnswerTranscribed
from greenroom_common.documents import QuestionBank, QuestionView, TranscriptDoc, Word
from greenroom_common.errors import Rejected
from greenroom_common.keys import BANK_KEY
from greenroom_transcribe import service


class FakeStore:
    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}
        self.reads = 0

    async def get_model(self, key: str, model: type[Any]) -> Any:
        self.reads += 1
        found = self.objects.get(key)
        return None if found is None else model.model_validate(found.model_dump())

    async def put_json(self, key: str, doc: Any) -> None:
        self.objects[key] = doc

    async def download(self, key: str, path: Path) -> None:
        path.write_bytes(b"RIFF")


class FakeEngine:
    def __init__(self, doc: TranscriptDoc) -> None:
        self.doc = doc
        self.prompts: list[str | None] = []

    def transcribe(self, path: Path, *, prompt: str | None = None) -> TranscriptDoc:
        self.prompts.append(prompt)
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


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeStore, list[Any]]:
    store = FakeStore()
    published: list[Any] = []

    async def publish(topic: Any, event: Any) -> None:
        published.append(event)

    monkeypatch.setattr(service.worker, "store", store)
    monkeypatch.setattr(service.worker, "publish", publish)
    monkeypatch.setattr(service, "_bank", [])
    return store, published


def use_engine(monkeypatch: pytest.MonkeyPatch, doc: TranscriptDoc) -> FakeEngine:
    engine = FakeEngine(doc)
    monkeypatch.setattr(service, "_engine", [engine])
    return engine


def bank(vocabulary: list[str]) -> QuestionBank:
    return QuestionBank(version="1", questions=[QuestionView(
        id="lf-02", round="fundamentals", category="data", prompt="Lists and tuples?",
        answer_modes=[AnswerMode.AUDIO], vocabulary=vocabulary)])


def test_english_speech_is_announced_with_the_vocabulary_prompt(
        fakes: tuple[FakeStore, list[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    store, published = fakes
    store.objects[BANK_KEY] = bank(["tuple", "__hash__"])
    engine = use_engine(monkeypatch, transcript())

    asyncio.run(service.on_ingested(EVENT))

    assert engine.prompts and "tuple, __hash__" in (engine.prompts[0] or "")
    assert [type(e) for e in published] == [AnswerTranscribed]
    assert published[0].word_count == 3 and published[0].language == "en"
    stored = store.objects["media/public/s1/a1/transcript.json"]
    assert isinstance(stored, TranscriptDoc)


def test_a_missing_bank_still_transcribes(fakes: tuple[FakeStore, list[Any]],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    engine = use_engine(monkeypatch, transcript())
    asyncio.run(service.on_ingested(EVENT))
    assert engine.prompts[0] and "Python" in engine.prompts[0]
    assert asyncio.run(service.vocabulary("unknown-question")) == []


def test_the_bank_is_read_once_per_ttl(fakes: tuple[FakeStore, list[Any]]) -> None:
    store, _ = fakes
    store.objects[BANK_KEY] = bank(["tuple"])
    assert asyncio.run(service.vocabulary("lf-02")) == ["tuple"]
    assert asyncio.run(service.vocabulary("lf-02")) == ["tuple"]
    assert store.reads == 1


def test_no_speech_is_rejected_and_the_transcript_kept(
        fakes: tuple[FakeStore, list[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    store, published = fakes
    use_engine(monkeypatch, transcript(words=0))
    with pytest.raises(Rejected) as raised:
        asyncio.run(service.on_ingested(EVENT))
    assert raised.value.reason == "no_speech"
    assert raised.value.message.startswith("No speech detected")
    assert published == [] and "media/public/s1/a1/transcript.json" in store.objects


def test_another_language_is_rejected_naming_it(
        fakes: tuple[FakeStore, list[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    _, published = fakes
    engine = use_engine(monkeypatch, transcript(language="de", english=0.01))
    with pytest.raises(Rejected) as raised:
        asyncio.run(service.on_ingested(EVENT))
    assert raised.value.reason == "not_english"
    assert "German" in raised.value.message
    # a redelivery reaches the same outcome from the stored transcript, without the engine
    with pytest.raises(Rejected):
        asyncio.run(service.on_ingested(EVENT))
    assert len(engine.prompts) == 1 and published == []


def test_unreadable_audio_is_rejected(fakes: tuple[FakeStore, list[Any]],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from greenroom_transcribe.engine import AudioUnreadable

    class Broken(FakeEngine):
        def transcribe(self, path: Path, *, prompt: str | None = None) -> TranscriptDoc:
            raise AudioUnreadable("the file is damaged or is not audio: Invalid data")

    monkeypatch.setattr(service, "_engine", [Broken(transcript())])
    with pytest.raises(Rejected) as raised:
        asyncio.run(service.on_ingested(EVENT))
    assert raised.value.reason == "unreadable_audio"
    assert "damaged" in raised.value.message
