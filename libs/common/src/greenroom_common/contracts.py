"""Event contracts: every topic, its key and its payload, in one place.

Events are JSON on the wire, keyed by ``answer_id`` so that one answer's events stay
ordered and co-partitioned. Every payload carries ``schema_version``; a consumer accepts
the versions it knows and dead-letters the rest. Bulky data (media, transcripts, frame
analyses) lives in object storage; events carry its keys and a small summary.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal[1] = 1


class Topic(StrEnum):
    """Kafka topics of the answer flow (DESIGN.md, "The flow")."""

    SUBMITTED = "answers.submitted"
    INGESTED = "answers.ingested"
    TRANSCRIBED = "answers.transcribed"
    OBSERVED = "answers.observed"
    GRADED = "answers.graded"
    FAILED = "answers.failed"
    SESSION_COMPLETED = "sessions.completed"
    DEAD_LETTER = "greenroom.deadletter"


class AnswerMode(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    CODE = "code"

    @property
    def has_media(self) -> bool:
        return self in (AnswerMode.VIDEO, AnswerMode.AUDIO)


class Stage(StrEnum):
    """Processing stages, in the order a person sees them."""

    INGEST = "ingest"
    TRANSCRIBE = "transcribe"
    VISION = "vision"
    GRADE = "grade"


def _now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Event(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: str = Field(default_factory=new_id)
    occurred_at: datetime = Field(default_factory=_now)
    tenant: str
    session_id: str
    answer_id: str

    @property
    def key(self) -> bytes:
        """The Kafka message key: always the answer id."""
        return self.answer_id.encode()

    def ids(self) -> dict[str, str]:
        """The answer's identity, which the next event of its flow carries on:
        ``AnswerGraded(**event.ids(), ...)``."""
        return {"tenant": self.tenant, "session_id": self.session_id,
                "answer_id": self.answer_id}


class AnswerSubmitted(Event):
    """The gateway stored an answer; media answers point at the upload object."""

    question_id: str
    mode: AnswerMode
    upload_key: str | None = None
    content_type: str | None = None
    size_bytes: int = 0
    text: str | None = None
    follow_up_of: str | None = None


class AnswerIngested(Event):
    """Ingest probed the upload and extracted 16 kHz mono audio; vision samples the frames
    of the upload itself (the answer's ``ingest.json`` names it)."""

    question_id: str
    mode: AnswerMode
    duration_s: float
    audio_key: str
    has_video: bool = False
    width: int = 0
    height: int = 0


class AnswerTranscribed(Event):
    question_id: str
    transcript_key: str
    text: str
    language: str
    word_count: int
    model: str


class AnswerObserved(Event):
    question_id: str
    vision_key: str
    frames: int
    face_share: float
    detector: str


class AnswerGraded(Event):
    question_id: str
    grade_key: str
    verdict: Literal["pass", "fail"]
    score: float


class AnswerFailed(Event):
    """An answer ended without a grade. ``reason`` is a stable code, ``message`` is for people."""

    stage: Stage
    reason: str
    message: str


class SessionCompleted(Event):
    """Every answer of a session has an outcome. ``answer_id`` is the last one graded."""

    verdict: Literal["pass", "fail"]
    report_key: str


class DeadLetter(BaseModel):
    """An event a consumer could not process after its retries, kept with the error."""

    schema_version: Literal[1] = SCHEMA_VERSION
    source_topic: str
    service: str
    error: str
    attempts: int
    payload: str
    occurred_at: datetime = Field(default_factory=_now)


TOPIC_PAYLOADS: dict[Topic, type[BaseModel]] = {
    Topic.SUBMITTED: AnswerSubmitted,
    Topic.INGESTED: AnswerIngested,
    Topic.TRANSCRIBED: AnswerTranscribed,
    Topic.OBSERVED: AnswerObserved,
    Topic.GRADED: AnswerGraded,
    Topic.FAILED: AnswerFailed,
    Topic.SESSION_COMPLETED: SessionCompleted,
    Topic.DEAD_LETTER: DeadLetter,
}

TOPIC_DESCRIPTIONS: dict[Topic, str] = {
    Topic.SUBMITTED: "The gateway stored an answer (upload object or typed text). Key: answer_id.",
    Topic.INGESTED: "Ingest validated the media and extracted its audio. Key: answer_id.",
    Topic.TRANSCRIBED: "Transcribe stored words with timestamps. Key: answer_id.",
    Topic.OBSERVED: "Vision stored per-frame face observations. Key: answer_id.",
    Topic.GRADED: "The grader stored the answer's result. Key: answer_id.",
    Topic.FAILED: "An answer ended with a reason a person can act on. Key: answer_id.",
    Topic.SESSION_COMPLETED: "Every question of a session has a graded answer. "
    "Key: answer_id of the last.",
    Topic.DEAD_LETTER: "Events a consumer could not process, with the error. Key: original key.",
}
