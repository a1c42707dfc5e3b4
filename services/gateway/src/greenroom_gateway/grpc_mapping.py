"""Translation between the gateway's core objects and ``greenroom.v1`` messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from greenroom.v1 import interview_pb2 as pb
from greenroom_common.contracts import AnswerMode, Stage, Topic
from greenroom_common.documents import EditorEvent, QuestionView, SessionDoc

from greenroom_gateway.answer_status import AnswerStatus
from greenroom_gateway.editor_events import validate as validate_editor_events

MODES = {
    AnswerMode.VIDEO: pb.ANSWER_MODE_VIDEO, AnswerMode.AUDIO: pb.ANSWER_MODE_AUDIO,
    AnswerMode.TEXT: pb.ANSWER_MODE_TEXT, AnswerMode.CODE: pb.ANSWER_MODE_CODE,
}
MODES_BACK = {v: k for k, v in MODES.items()}
STATUSES = {"queued": pb.ANSWER_STATUS_QUEUED, "processing": pb.ANSWER_STATUS_PROCESSING,
            "graded": pb.ANSWER_STATUS_GRADED, "failed": pb.ANSWER_STATUS_FAILED}
STAGES = {Stage.INGEST: pb.STAGE_INGESTED, Stage.TRANSCRIBE: pb.STAGE_TRANSCRIBED,
          Stage.VISION: pb.STAGE_OBSERVED, Stage.GRADE: pb.STAGE_GRADED}
TOPIC_STAGES = {Topic.SUBMITTED: pb.STAGE_SUBMITTED, Topic.INGESTED: pb.STAGE_INGESTED,
                Topic.TRANSCRIBED: pb.STAGE_TRANSCRIBED, Topic.OBSERVED: pb.STAGE_OBSERVED}
DIMENSIONS = {"content": pb.DIMENSION_CONTENT, "structure": pb.DIMENSION_STRUCTURE,
              "clarity": pb.DIMENSION_CLARITY, "delivery": pb.DIMENSION_DELIVERY,
              "confidence": pb.DIMENSION_CONFIDENCE, "correctness": pb.DIMENSION_CORRECTNESS,
              "complexity": pb.DIMENSION_COMPLEXITY, "pythonic": pb.DIMENSION_PYTHONIC,
              "presence": pb.DIMENSION_PRESENCE}
VERDICTS = {"pass": pb.VERDICT_PASS, "fail": pb.VERDICT_FAIL}


def session_name(session_id: str) -> str:
    return f"sessions/{session_id}"


def answer_name(session_id: str, answer_id: str) -> str:
    return f"sessions/{session_id}/answers/{answer_id}"


def parse_name(name: str, *kinds: str) -> list[str] | None:
    """``sessions/{s}/answers/{a}`` with kinds ("sessions", "answers") → [s, a]."""
    parts = name.split("/")
    if len(parts) != 2 * len(kinds) or any(parts[2 * i] != k for i, k in enumerate(kinds)):
        return None
    ids = parts[1::2]
    return ids if all(ids) else None


def timestamp(when: datetime | None) -> Timestamp | None:
    if when is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def _duration(seconds: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(round(seconds * 1e9))
    return d


EDITOR_KINDS = {pb.EditorEvent.KIND_PASTE: "paste", pb.EditorEvent.KIND_LEFT_PAGE: "left_page"}


def editor_events(messages: Iterable[pb.EditorEvent]) -> list[EditorEvent]:
    """``AnswerMetadata.editor_events`` as the core's events (:class:`Invalid` names the
    first bad one)."""
    return validate_editor_events([{
        "kind": EDITOR_KINDS.get(m.kind, "unspecified"), "at_s": m.at.ToTimedelta()
        .total_seconds(), "chars": m.chars, "lines": m.lines, "from_page": m.from_page,
        "away_s": m.away.ToTimedelta().total_seconds()} for m in messages])


def question(q: QuestionView) -> pb.Question:
    return pb.Question(
        name=f"questions/{q.id}", question_id=q.id, round=q.round, category=q.category,
        prompt=q.prompt, answer_modes=[MODES[m] for m in q.answer_modes],
        time_limit=Duration(seconds=q.time_limit_s),
    )


def answer(status: AnswerStatus) -> pb.Answer:
    doc = status.answer
    message = pb.Answer(
        name=answer_name(doc.session_id, doc.answer_id), answer_id=doc.answer_id,
        question_id=doc.question_id, mode=MODES[doc.mode], status=STATUSES[status.status],
        stages_done=[STAGES[s] for s in status.stages], create_time=timestamp(doc.submitted_at),
        transcript=status.transcript.text if status.transcript else (doc.text or ""),
        observations=[pb.Observation(  # empty for practice sessions (see Interviews._status)
            kind=o.kind, start_offset=_duration(o.start_s), end_offset=_duration(o.end_s),
            figure=o.figure, note=o.note) for o in status.observations],
    )
    if status.result is not None:
        r = status.result
        message.result.CopyFrom(pb.AnswerResult(
            verdict=VERDICTS[r.verdict], overall_score=r.score, strengths=r.strengths,
            improvements=r.improvements, rule=r.rule,
            margin=r.margin, borderline=r.borderline, tipping=r.tipping,
            dimensions=[pb.DimensionScore(
                dimension=DIMENSIONS.get(d.name, pb.DIMENSION_UNSPECIFIED), score=d.score,
                evidence=d.evidence, name=d.name) for d in r.dimensions],
            follows=answer_name(doc.session_id, r.follows) if r.follows else "",
            lifted=r.lifted,
        ))
        if r.follow_up is not None:
            f = r.follow_up
            message.result.follow_up.CopyFrom(pb.FollowUp(
                kind=f.kind, target=f.target, question=f.question, reason=f.reason,
                time_limit_s=f.time_limit_s))
        message.update_time.FromDatetime(r.graded_at)
    if status.error is not None:
        message.error.CopyFrom(pb.AnswerError(code=status.error.reason,
                                              message=status.error.message))
        message.update_time.FromDatetime(status.error.failed_at)
    return message


def session(doc: SessionDoc, report: dict[str, Any], questions: list[QuestionView],
            token: str = "") -> pb.Session:
    message = pb.Session(
        name=session_name(doc.session_id), session_id=doc.session_id, token=token,
        candidate_ref=doc.reference or "", create_time=timestamp(doc.created_at),
        questions=[question(q) for q in questions],
        answers=[answer(a) for a in report.get("answers", [])],
        state=pb.SESSION_STATE_IN_PROGRESS,
    )
    final = report.get("report")
    if final is not None:
        graded = [a for a in report["answers"] if a.result is not None]
        message.state = pb.SESSION_STATE_COMPLETED
        message.complete_time.FromDatetime(final.completed_at)
        message.result.CopyFrom(pb.SessionResult(
            verdict=VERDICTS[final.verdict], overall_score=final.score, rule=final.rule,
            answers_total=len(final.answers),
            answers_passed=sum(1 for a in graded if a.answer.answer_id in
                               final.answers.values() and a.result.verdict == "pass"),
            borderline_question_ids=_in_session_order(final.borderline, doc.question_ids),
        ))
    return message


def _in_session_order(question_ids: list[str], order: list[str]) -> list[str]:
    """``question_ids`` in the order the session asks them (any unknown id last)."""
    rank = {q: i for i, q in enumerate(order)}
    return sorted(question_ids, key=lambda q: rank.get(q, len(rank)))
