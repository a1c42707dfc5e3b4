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


class Claim(Document):
    """Who owns a job that several replicas could start (a join, a session completion):
    written with a conditional create, so exactly one event wins."""

    owner: str
    claimed_at: datetime = Field(default_factory=_now)
    done: bool = Field(False, description="The owner finished (its events are published).")


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
    follow_ups: bool = Field(True, description="Whether the interviewer asks follow-ups.")


class EditorEvent(BaseModel):
    """One event of a typed or coded answer's editor, as the candidate's browser measured it:
    a paste (its size, and whether the text was copied on the same page) or the page left
    for another tab or window and how long. Figures only: never the pasted text. Kept for
    hiring-team sessions only; ``greenroom_gateway.editor_events`` turns them into
    observations."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["paste", "left_page"]
    at_s: float = Field(ge=0, le=24 * 3600, description="Seconds since the question was "
                        "shown.")
    chars: int = Field(0, ge=0, le=10_000_000, description="Characters pasted (paste).")
    lines: int = Field(0, ge=0, le=1_000_000, description="Lines pasted (paste).")
    from_page: bool = Field(False, description="The pasted text was copied or cut on the "
                            "answer's own page (one's own code, the question): not an "
                            "observation.")
    away_s: float = Field(0, ge=0, le=24 * 3600, description="Seconds until the candidate "
                          "came back (left_page).")


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
    follow_up_of: str | None = Field(None, description="The answer this one follows up.")
    time_limit_s: int | None = Field(None, description="This answer's own time limit (a "
                                     "follow-up's is shorter than a question's).")
    editor_events: list[EditorEvent] = Field(
        default_factory=list, description="Pastes and page switches while typing the answer "
        "(hiring-team sessions only; never part of a verdict).")


class IngestDoc(Document):
    duration_s: float
    has_video: bool
    audio_key: str
    video_key: str | None = Field(
        None, description="The upload whose video vision samples: the answer's own, checked "
        "by ingest (None: no video stream).")
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
    pitch_timeline: list[TimePoint] = Field(
        default_factory=list, description="Pitch spread (semitones) per 10 s window.")
    loudness_timeline: list[TimePoint] = Field(
        default_factory=list, description="Speech level (dBFS) per 10 s window.")
    monotone_moments: list[Moment] = Field(
        default_factory=list, description="Stretches whose pitch barely moved.")
    speaking_s: float | None = Field(None, description="Voiced time between the first and "
                                     "last word (the articulation rate's denominator).")


class Observation(BaseModel):
    """Something a hiring team may want to review in an answer (a second face, a second
    voice, long absence from the camera, pasted code, tab switches), with when it happened
    and the measured figure. An observation to review, never an accusation: never an input
    to a verdict (the grader does not read it), and not shown for practice sessions."""

    kind: Literal["second_face", "away", "second_voice", "paste", "tab_switch"]
    start_s: float
    end_s: float
    figure: str = Field(description="What was measured, e.g. '2 faces in 7 of 8 frames'.")
    note: str = Field(description="What it may mean and how far to trust it, for a person.")


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
    compute_type: str | None = Field(None, description="CTranslate2 precision (int8, float16).")
    align_model: str | None = Field(None, description="Alignment model behind the word times "
                                    "(timing_method whisperx-align), else None.")
    english_probability: float | None = Field(
        None, description="Language detector's probability that the speech is English.")
    observations: list[Observation] = Field(
        default_factory=list, description="Second voices, for hiring teams to review; "
        "never part of a verdict.")


class FrameObservation(BaseModel):
    """One sampled frame: the timeline behind every on-camera measurement. Fields after
    ``confidence`` describe the largest face; ``None`` where there is none to measure."""

    t: float
    faces: int
    boxes: list[list[int]] = Field(default_factory=list)
    confidence: float = 0.0
    expression: str | None = Field(None, description="Most likely FER2013 expression.")
    smile: float | None = Field(None, description="Probability of the 'happy' expression.")
    yaw: float | None = Field(None, description="Head turn, degrees, relative to the "
                              "candidate's first seconds; > 0 towards the image's right.")
    pitch: float | None = Field(None, description="Head lift, degrees, relative; > 0 up.")
    roll: float | None = Field(None, description="Head tilt, degrees, relative; > 0 clockwise.")
    gaze: list[float] | None = Field(None, description="Head plus eyes direction [right, up], "
                                     "degrees, relative to the first seconds.")
    facing: bool | None = Field(None, description="Looking at the camera (eye-contact proxy).")
    motion: float | None = Field(None, description="Head movement since the previous face "
                                 "frame; 1 = restless (see VisionSummary.steadiness).")
    face_size: float | None = Field(None, description="Forehead-to-chin height / frame height.")
    brightness: float | None = Field(None, description="Mean luma of the face (or frame), 0-1.")
    contrast: float | None = Field(None, description="Luma spread of the face (or frame), 0-1.")
    lighting: Literal["ok", "dark", "backlit", "low_contrast"] | None = None


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
    no_face_share: float = Field(0.0, description="Share of frames without a face.")
    multi_face_share: float = Field(0.0, description="Share of frames with several faces.")
    centre_motion: float | None = Field(
        None, description="Mean face-box centre movement, face heights per second.")
    roll_motion: float | None = Field(None, description="Mean head roll change, degrees/s.")
    yaw_motion: float | None = Field(None, description="Mean head turn change, degrees/s.")
    brightness: float | None = Field(None, description="Median face (or frame) luma, 0-1.")
    contrast: float | None = Field(None, description="Median face (or frame) luma spread, 0-1.")


class VisionDoc(Document):
    detector: str
    has_video: bool
    frames: list[FrameObservation]
    summary: VisionSummary
    inference_s: float
    moments: list[Moment] = Field(
        default_factory=list, description="Stretches to point at: no_face, several_faces, "
        "looking_away, restless, too_far, too_close, dark, backlit, low_contrast.")
    notes: list[str] = Field(default_factory=list,
                             description="What limits the measurements, for people.")
    unmeasured: str | None = Field(
        None, description="Why presence was not measured at all (a video vision could not "
        "decode, or vision gave up on the answer); None when it was, or there was no video.")
    device: str = Field("cpu", description="Where the models ran: cpu or cuda.")
    observations: list[Observation] = Field(
        default_factory=list, description="Second faces and long absences from the camera, "
        "for hiring teams to review; never part of a verdict.")


class DimensionScore(BaseModel):
    name: str
    score: float
    evidence: list[str] = Field(default_factory=list)
    weight: float | None = Field(None, description="Share of the overall score; 0 for a "
                                 "coaching-only signal (on-camera presence).")


class FollowUp(BaseModel):
    """The interviewer's one follow-up on an answer, grounded in the question's rubric."""

    kind: Literal["missed", "misconception", "borderline"]
    target: str = Field(description="The key point (or misconception) it probes.")
    question: str = Field(description="What the interviewer asks, spoken and shown.")
    reason: str = Field(description="Why it was asked, for the report.")
    time_limit_s: int = 90


class GradeDoc(Document):
    answer_id: str
    question_id: str
    verdict: Literal["pass", "fail"]
    score: float
    rule: str
    dimensions: list[DimensionScore]
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    transcript: str = ""
    graded_at: datetime = Field(default_factory=_now)
    round: str = ""
    bank_version: str = ""
    off_topic: bool = False
    covered: list[str] = Field(default_factory=list, description="Key points covered.")
    missed: list[str] = Field(default_factory=list, description="Key points missed.")
    misconceptions: list[str] = Field(default_factory=list,
                                      description="Misconceptions found, with the quote.")
    findings: list[str] = Field(default_factory=list,
                                description="Code review findings, 'line N: ...'.")
    tests_passed: int | None = None
    tests_total: int | None = None
    sandbox: str | None = Field(None, description="How the code run ended (coding round).")
    themes: list[str] = Field(default_factory=list,
                              description="Theme of each improvement, in the same order.")
    coaching: str | None = Field(None, description="Optional wording from a language model; "
                                 "never part of the score or verdict.")
    margin: float | None = Field(None, description="Distance to the pass line in score points: "
                                 "positive above it, negative below.")
    borderline: bool = Field(False, description="The verdict is close: within the borderline "
                             "band of its pass line, or a core point was judged near its "
                             "threshold. Still a pass or a fail.")
    tipping: list[str] = Field(default_factory=list,
                               description="What would tip a borderline verdict the other way.")
    follow_up: FollowUp | None = Field(
        None, description="The follow-up the interviewer asks about this answer, if any.")
    follows: str | None = Field(
        None, description="For the answer to a follow-up: the answer it follows up. Its grade "
        "covers both answers together and replaces that answer's for the question.")
    lifted: bool = Field(False, description="The follow-up turned a failed answer into a pass.")


class FailureDoc(Document):
    stage: Stage
    reason: str
    message: str
    failed_at: datetime = Field(default_factory=_now)


class RoundResult(BaseModel):
    round: str
    verdict: Literal["pass", "fail"]
    answers: int
    passed: int
    score: float


class SessionReport(Document):
    session_id: str
    verdict: Literal["pass", "fail"]
    answers: dict[str, str]
    score: float
    rule: str
    completed_at: datetime = Field(default_factory=_now)
    rounds: list[RoundResult] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list,
                                    description="The three most valuable improvements.")
    borderline: list[str] = Field(default_factory=list,
                                  description="Questions whose verdict is borderline.")
    unanswered: dict[str, str] = Field(
        default_factory=dict, description="Questions without a graded answer because their "
        "latest answer failed, with the reason the candidate was given.")
    version: str = Field("", description="Which answers this report covers; a retake "
                         "produces a new version and a new sessions.completed event.")
