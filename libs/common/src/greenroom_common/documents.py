"""Documents stored in object storage: one per answer stage, plus sessions.

They are contracts like events (other services and the gateway read them), so they live
here beside the events and carry a ``schema_version`` too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from greenroom_common.contracts import SCHEMA_VERSION, AnswerMode, Stage, _now


class Document(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[1] = SCHEMA_VERSION


class QuestionView(Document):
    """The public face of a question: what a candidate or client may see."""

    id: str
    round: str
    category: str
    prompt: str
    answer_modes: list[AnswerMode]
    time_limit_s: int = 180
    difficulty: str = "medium"
    vocabulary: list[str] = Field(
        default_factory=list,
        description="Key terms of the topic; transcription uses them as decoding hints.")


class QuestionBank(Document):
    version: str
    questions: list[QuestionView]


class SessionDoc(Document):
    session_id: str
    tenant: str
    token_sha256: str
    created_at: datetime = Field(default_factory=_now)
    question_ids: list[str]
    round: str | None = None
    reference: str | None = None


class AnswerDoc(Document):
    answer_id: str
    session_id: str
    tenant: str
    question_id: str
    mode: AnswerMode
    submitted_at: datetime = Field(default_factory=_now)
    upload_key: str | None = None
    content_type: str | None = None
    filename: str | None = None
    size_bytes: int = 0
    text: str | None = None


class IngestDoc(Document):
    duration_s: float
    has_video: bool
    audio_key: str
    frame_keys: list[str]
    frame_times_s: list[float]
    fps: float
    width: int
    height: int
    container: str
    audio_codec: str | None
    video_codec: str | None


class Word(BaseModel):
    word: str
    start: float
    end: float
    probability: float


class Segment(BaseModel):
    start: float
    end: float
    text: str


class Moment(BaseModel):
    """Something that happened at a time in the answer, for feedback to point at."""

    start: float
    end: float
    label: str


class TimePoint(BaseModel):
    t: float
    value: float


class SpeechMetrics(BaseModel):
    """Delivery measurements from the transcript and the audio (transcribe owns them).

    Every list is timed so that feedback can say *when*; ``None`` means not measurable
    (e.g. no voiced audio for pitch)."""

    words_per_minute: float
    articulation_rate: float = Field(description="Words per minute of speaking time, "
                                     "pauses excluded.")
    pace_timeline: list[TimePoint] = Field(default_factory=list,
                                           description="Words per minute over time.")
    pauses: list[Moment] = Field(default_factory=list, description="Silences over 2 s.")
    speech_ratio: float = Field(description="Share of the answer's time spent speaking.")
    fillers: list[Moment] = Field(default_factory=list)
    hesitations: list[Moment] = Field(
        default_factory=list, description="Voiced stretches no transcribed word covers.")
    repetitions: list[Moment] = Field(default_factory=list,
                                      description="Repeated words and restarts.")
    pitch_variation_semitones: float | None = None
    loudness_variation_db: float | None = None
    monotone: bool | None = None


class TranscriptDoc(Document):
    model: str
    engine: str
    device: str
    language: str
    language_probability: float
    duration_s: float
    text: str
    segments: list[Segment]
    words: list[Word]
    timing_method: str
    inference_s: float
    prompt: str | None = Field(None, description="Decoding prompt (question vocabulary).")
    speech: SpeechMetrics | None = None


class FrameObservation(BaseModel):
    t: float
    faces: int
    boxes: list[list[int]] = Field(default_factory=list)
    confidence: float = 0.0


class VisionSummary(BaseModel):
    """Per-answer on-camera measurements (vision owns them). Coaching signals only: they
    never decide a verdict. ``None`` means not measurable (e.g. no face at all)."""

    frames: int
    face_frames: int
    no_face_frames: int
    multi_face_frames: int
    face_share: float
    facing_share: float | None = Field(
        None, description="Share of face frames looking at the camera (eye-contact proxy).")
    steadiness: float | None = Field(None, description="0 (restless) to 1 (steady).")
    expressions: dict[str, float] = Field(default_factory=dict,
                                          description="Share of face frames per expression.")
    smile_share: float | None = None
    face_size: float | None = Field(None, description="Median face height / frame height.")
    framing: Literal["ok", "too_close", "too_far"] | None = None
    lighting: Literal["ok", "dark", "backlit", "low_contrast"] | None = None


class VisionDoc(Document):
    detector: str
    has_video: bool
    frames: list[FrameObservation]
    summary: VisionSummary
    inference_s: float


class DimensionScore(BaseModel):
    name: str
    score: float
    evidence: list[str] = Field(default_factory=list)


class GradeDoc(Document):
    answer_id: str
    question_id: str
    verdict: Literal["pass", "fail"]
    score: float
    provisional: bool
    rule: str
    dimensions: list[DimensionScore]
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    transcript: str = ""
    graded_at: datetime = Field(default_factory=_now)


class FailureDoc(Document):
    stage: Stage
    reason: str
    message: str
    failed_at: datetime = Field(default_factory=_now)


class SessionReport(Document):
    session_id: str
    verdict: Literal["pass", "fail"]
    provisional: bool
    answers: dict[str, str]
    score: float
    rule: str
    completed_at: datetime = Field(default_factory=_now)
