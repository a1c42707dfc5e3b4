"""Request and response bodies of the public HTTP API (its OpenAPI document is generated
from these; the gRPC messages in ``proto/`` mirror them)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from greenroom_common.contracts import AnswerMode, Stage
from greenroom_common.documents import (
    FailureDoc,
    GradeDoc,
    Observation,
    QuestionView,
    SessionReport,
    TranscriptDoc,
    VisionSummary,
)
from greenroom_common.domain import (
    FILLER_SOUNDS,
    LONG_PAUSE_S,
    PACE_HIGH_WPM,
    PACE_LOW_WPM,
    ROUNDS,
    STAGE_NEEDS,
    Round,
    stages_for,
)
from pydantic import BaseModel, Field

from greenroom_gateway.answer_status import AnswerStatus
from greenroom_gateway.tenancy import PUBLIC_TENANT


class QuestionsView(BaseModel):
    version: str
    questions: list[QuestionView]


class SessionCreate(BaseModel):
    round: str | None = Field(None, description="Round to draw questions from.")
    count: int | None = Field(None, ge=1, le=20, description="How many questions to draw.")
    question_ids: list[str] | None = Field(None, max_length=20,
                                           description="Exact questions, in order.")
    reference: str | None = Field(None, max_length=200,
                                  description="The caller's own reference for this session.")


OBSERVATIONS_FIELD = ("A hiring-team session: its answers report observations to review "
                      "(send a typed or coded answer's editor_events); false for practice "
                      "sessions, which record none.")


class SessionCreated(BaseModel):
    session_id: str
    token: str = Field(description="Send as 'Authorization: Bearer <token>' (the only "
                       "place it is accepted); practice tokens expire after "
                       "GREENROOM_SESSION_TOKEN_TTL_H hours.")
    questions: list[QuestionView]
    observations: bool = Field(False, description=OBSERVATIONS_FIELD)


class AnswerAccepted(BaseModel):
    answer_id: str
    status: Literal["queued"]
    status_url: str


StageState = Literal["done", "working", "waiting", "failed", "skipped"]


class StageProgress(BaseModel):
    stage: Stage
    state: StageState = Field(description="done; working (what it reads is done); waiting; "
                              "failed; skipped (an earlier stage failed).")


class AnswerView(BaseModel):
    answer_id: str
    session_id: str
    question_id: str
    mode: AnswerMode
    status: Literal["queued", "processing", "graded", "failed"]
    stages: list[Stage]
    follow_up_of: str | None = Field(None, description="The answer whose follow-up question "
                                     "this answers (its result covers both).")
    result: GradeDoc | None = None
    error: FailureDoc | None = None
    transcript: TranscriptDoc | None = Field(None, description="Words with timestamps.")
    vision: VisionSummary | None = Field(None, description="On-camera presence summary.")
    observations: list[Observation] = Field(
        default_factory=list, description="Hiring-team sessions: moments to review (a second "
        "face or voice, away from the camera, pasted text, pages left), never part of the "
        "verdict. Always empty for practice sessions.")
    progress: list[StageProgress] = Field(
        default_factory=list, description="Every stage this answer goes through, in order, "
        "with its state: what a progress list shows.")


class SessionView(BaseModel):
    session_id: str
    question_ids: list[str]
    complete: bool
    answers: list[AnswerView]
    report: SessionReport | None = None
    observations: bool = Field(False, description=OBSERVATIONS_FIELD)
    dimension_scores: dict[str, float] = Field(
        default_factory=dict, description="Each dimension's mean score over the answers the "
        "session counts (the report's answers once complete, else every graded answer).")


class PaceBand(BaseModel):
    low_wpm: float
    high_wpm: float


class RulesView(BaseModel):
    """The delivery rules and the interview's shape, as the grader applies them: what the web
    app marks in a transcript and plots, so that it never disagrees with the feedback."""

    rounds: list[Round] = Field(description="The rounds, in the order of a mock interview.")
    long_pause_s: float = Field(description="A silence at least this long is a long pause.")
    pace: PaceBand = Field(description="The comfortable pace, in words per minute.")
    filler_sounds: list[str] = Field(description="Sounds that are fillers wherever they occur "
                                     "(lower case, no punctuation).")
    stages: dict[AnswerMode, list[Stage]] = Field(
        description="The processing stages of an answer of each mode, in order.")


def rules_view() -> RulesView:
    return RulesView(
        rounds=list(ROUNDS), long_pause_s=LONG_PAUSE_S,
        pace=PaceBand(low_wpm=PACE_LOW_WPM, high_wpm=PACE_HIGH_WPM),
        filler_sounds=sorted(FILLER_SOUNDS),
        stages={mode: list(stages_for(mode)) for mode in AnswerMode},
    )


def stage_progress(mode: AnswerMode, done: list[Stage], failed: Stage | None
                   ) -> list[StageProgress]:
    """Each stage of the answer's pipeline with its state. A stage is working once every
    stage it reads (of this pipeline) is done; after a failure, what did not run is skipped."""
    pipeline = stages_for(mode)
    finished = set(done)
    progress = []
    for stage in pipeline:
        state: StageState
        if stage == failed:
            state = "failed"
        elif stage in finished:
            state = "done"
        elif failed is not None:
            state = "skipped"
        elif all(need in finished for need in STAGE_NEEDS[stage] if need in pipeline):
            state = "working"
        else:
            state = "waiting"
        progress.append(StageProgress(stage=stage, state=state))
    return progress


def dimension_means(answers: list[AnswerView], report: SessionReport | None
                    ) -> dict[str, float]:
    """Mean score of each dimension over the answers the session counts: the report's (one
    per question) once there is one, else every graded answer so far."""
    counted = set(report.answers.values()) if report is not None else None
    scores: dict[str, list[float]] = defaultdict(list)
    for answer in answers:
        if answer.result is None or (counted is not None and answer.answer_id not in counted):
            continue
        for dimension in answer.result.dimensions:
            scores[dimension.name].append(dimension.score)
    return {name: round(sum(values) / len(values), 1) for name, values in scores.items()}


def answer_view(status: AnswerStatus) -> AnswerView:
    return AnswerView(
        answer_id=status.answer.answer_id, session_id=status.answer.session_id,
        question_id=status.answer.question_id, mode=status.answer.mode, status=status.status,
        stages=status.stages, follow_up_of=status.answer.follow_up_of, result=status.result,
        error=status.error,
        transcript=status.transcript, vision=status.vision, observations=status.observations,
        progress=stage_progress(status.answer.mode, status.stages,
                                status.error.stage if status.error else None),
    )


def session_view(report: dict[str, Any]) -> SessionView:
    session = report["session"]
    answers = [answer_view(a) for a in report["answers"]]
    return SessionView(
        session_id=session.session_id, question_ids=session.question_ids,
        complete=report["report"] is not None, answers=answers, report=report["report"],
        observations=session.tenant != PUBLIC_TENANT,
        dimension_scores=dimension_means(answers, report["report"]),
    )
