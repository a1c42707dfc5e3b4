"""Request and response bodies of the public HTTP API (its OpenAPI document is generated
from these; the gRPC messages in ``proto/`` mirror them)."""

from __future__ import annotations

from typing import Any, Literal

from greenroom_common.contracts import AnswerMode, Stage
from greenroom_common.documents import (
    FailureDoc,
    GradeDoc,
    QuestionView,
    SessionReport,
    TranscriptDoc,
    VisionSummary,
)
from pydantic import BaseModel, Field

from greenroom_gateway.interviews import AnswerStatus


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


class SessionCreated(BaseModel):
    session_id: str
    token: str = Field(description="Send as 'Authorization: Bearer <token>' (the only "
                       "place it is accepted); practice tokens expire after "
                       "GREENROOM_SESSION_TOKEN_TTL_H hours.")
    questions: list[QuestionView]


class AnswerAccepted(BaseModel):
    answer_id: str
    status: Literal["queued"]
    status_url: str


class AnswerView(BaseModel):
    answer_id: str
    session_id: str
    question_id: str
    mode: AnswerMode
    status: Literal["queued", "processing", "graded", "failed"]
    stages: list[Stage]
    result: GradeDoc | None = None
    error: FailureDoc | None = None
    transcript: TranscriptDoc | None = Field(None, description="Words with timestamps.")
    vision: VisionSummary | None = Field(None, description="On-camera presence summary.")


class SessionView(BaseModel):
    session_id: str
    question_ids: list[str]
    complete: bool
    answers: list[AnswerView]
    report: SessionReport | None = None


def answer_view(status: AnswerStatus) -> AnswerView:
    return AnswerView(
        answer_id=status.answer.answer_id, session_id=status.answer.session_id,
        question_id=status.answer.question_id, mode=status.answer.mode, status=status.status,
        stages=status.stages, result=status.result, error=status.error,
        transcript=status.transcript, vision=status.vision,
    )


def session_view(report: dict[str, Any]) -> SessionView:
    session = report["session"]
    return SessionView(
        session_id=session.session_id, question_ids=session.question_ids,
        complete=report["report"] is not None,
        answers=[answer_view(a) for a in report["answers"]], report=report["report"],
    )
