"""The gRPC messages carry what the grader decided: verdict, margin to the pass line,
borderline flag and what would tip it, and the session's borderline questions."""

from __future__ import annotations

from typing import Any

from greenroom.v1 import interview_pb2 as pb
from greenroom_common.contracts import AnswerMode, Stage
from greenroom_common.documents import (
    AnswerDoc,
    DimensionScore,
    GradeDoc,
    SessionDoc,
    SessionReport,
)
from greenroom_gateway import grpc_mapping
from greenroom_gateway.answer_status import AnswerStatus


def _answer(answer_id: str, question_id: str) -> AnswerDoc:
    return AnswerDoc(answer_id=answer_id, session_id="s1", tenant="t1",
                     question_id=question_id, mode=AnswerMode.TEXT, text="An answer.")


def _grade(answer_id: str, question_id: str, **fields: Any) -> GradeDoc:
    return GradeDoc(answer_id=answer_id, question_id=question_id, verdict="pass", score=63.0,
                     rule="Passes at 60 overall.",
                    dimensions=[DimensionScore(name="content", score=70.0)],
                    **fields)


def _status(grade: GradeDoc) -> AnswerStatus:
    return AnswerStatus(answer=_answer(grade.answer_id, grade.question_id), status="graded",
                        stages=[Stage.GRADE], result=grade, error=None)


def test_borderline_answer_carries_margin_and_tipping() -> None:
    grade = _grade("a1", "q1", margin=3.2, borderline=True,
                   tipping=["It is 3 points over the pass line on overall: a little less "
                            "would fail it."])
    result = grpc_mapping.answer(_status(grade)).result
    assert result.verdict == pb.VERDICT_PASS
    assert result.borderline is True
    assert result.HasField("margin") and result.margin == 3.2
    assert list(result.tipping) == grade.tipping
    # Survives the wire as an older client would see it, and as a newer one reads it back.
    again = pb.AnswerResult.FromString(result.SerializeToString())
    assert again.borderline and again.margin == 3.2 and list(again.tipping) == grade.tipping


def test_negative_margin_and_grades_without_one() -> None:
    below = grpc_mapping.answer(_status(_grade("a1", "q1", margin=-4.0))).result
    assert below.HasField("margin") and below.margin == -4.0 and not below.borderline
    # A grade written before margins existed: margin unset (not 0), not borderline.
    older = grpc_mapping.answer(_status(_grade("a2", "q2"))).result
    assert not older.HasField("margin")
    assert older.borderline is False and list(older.tipping) == []


def test_session_result_lists_borderline_questions_in_session_order() -> None:
    session = SessionDoc(session_id="s1", tenant="t1", token_sha256="0" * 64,
                         question_ids=["q1", "q2", "q3"])
    statuses = [_status(_grade("a1", "q1")),
                _status(_grade("a2", "q2", margin=-1.5, borderline=True,
                               tipping=["2 more points on content would pass it."])),
                _status(_grade("a3", "q3", margin=2.0, borderline=True))]
    report = SessionReport(session_id="s1", verdict="pass",
                           answers={"q1": "a1", "q2": "a2", "q3": "a3"}, score=62.0,
                           rule="Passes when most answers pass.", borderline=["q3", "q2"])
    message = grpc_mapping.session(session, {"session": session, "answers": statuses,
                                             "report": report}, [])
    assert message.state == pb.SESSION_STATE_COMPLETED
    assert list(message.result.borderline_question_ids) == ["q2", "q3"]
    assert [a.result.borderline for a in message.answers] == [False, True, True]
    # In progress: no session result, so no borderline list yet.
    pending = grpc_mapping.session(session, {"session": session, "answers": statuses,
                                             "report": None}, [])
    assert not pending.HasField("result")
