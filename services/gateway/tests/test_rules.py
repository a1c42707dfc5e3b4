"""What the API serves so that the web app computes nothing the platform defines: the rules
(``GET /api/rules``), each answer's stage progress and the session's dimension means."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from greenroom_common.contracts import AnswerMode, Stage
from greenroom_common.documents import DimensionScore, GradeDoc, SessionReport
from greenroom_common.domain import FILLER_SOUNDS, LONG_PAUSE_S, ROUNDS
from greenroom_gateway import api
from greenroom_gateway.schemas import AnswerView, dimension_means, stage_progress
from greenroom_gateway.tenancy import PUBLIC_TENANT, Caller


def client() -> TestClient:
    app = FastAPI()
    app.include_router(api.router)
    app.dependency_overrides[api._caller] = lambda: Caller(PUBLIC_TENANT, None)
    return TestClient(app)


def test_rules_are_served_from_the_one_definition_and_documented() -> None:
    with client() as http:
        rules = http.get("/api/rules").json()
        schema = http.get("/openapi.json").json()
    assert rules["rounds"] == [str(r) for r in ROUNDS]
    assert rules["long_pause_s"] == LONG_PAUSE_S
    assert rules["pace"] == {"low_wpm": 110.0, "high_wpm": 170.0}
    assert set(rules["filler_sounds"]) == FILLER_SOUNDS
    assert rules["stages"]["video"] == ["ingest", "transcribe", "vision", "grade"]
    assert rules["stages"]["text"] == rules["stages"]["code"] == ["grade"]
    assert "/api/rules" in schema["paths"]
    assert set(schema["components"]["schemas"]["RulesView"]["properties"]) == set(rules)


def states(mode: AnswerMode, done: list[Stage], failed: Stage | None = None) -> list[str]:
    return [f"{p.stage}:{p.state}" for p in stage_progress(mode, done, failed)]


def test_progress_lists_the_pipeline_in_order_with_what_can_run_now() -> None:
    assert states(AnswerMode.VIDEO, []) == [
        "ingest:working", "transcribe:waiting", "vision:waiting", "grade:waiting"]
    assert states(AnswerMode.AUDIO, [Stage.INGEST, Stage.VISION]) == [
        "ingest:done", "transcribe:working", "vision:done", "grade:waiting"]
    assert states(AnswerMode.VIDEO, [Stage.INGEST, Stage.TRANSCRIBE, Stage.VISION]) == [
        "ingest:done", "transcribe:done", "vision:done", "grade:working"]
    assert states(AnswerMode.TEXT, []) == ["grade:working"]  # graded directly
    assert states(AnswerMode.CODE, [Stage.GRADE]) == ["grade:done"]


def test_after_a_failure_what_did_not_run_is_skipped() -> None:
    assert states(AnswerMode.VIDEO, [], Stage.INGEST) == [
        "ingest:failed", "transcribe:skipped", "vision:skipped", "grade:skipped"]
    assert states(AnswerMode.VIDEO, [Stage.INGEST, Stage.VISION], Stage.TRANSCRIBE) == [
        "ingest:done", "transcribe:failed", "vision:done", "grade:skipped"]


def answer(aid: str, qid: str, **scores: float) -> AnswerView:
    grade = GradeDoc(answer_id=aid, question_id=qid, verdict="pass", score=70.0,
                     rule="r",
                     dimensions=[DimensionScore(name=n, score=s) for n, s in scores.items()])
    return AnswerView(answer_id=aid, session_id="s", question_id=qid, mode=AnswerMode.TEXT,
                      status="graded", stages=[Stage.GRADE], result=grade)


def test_dimension_means_count_what_the_session_counts() -> None:
    answers = [answer("a1", "q1", content=40.0, clarity=80.0),
               answer("a2", "q1", content=60.0),  # a retake of q1
               answer("a3", "q2", content=71.0, clarity=70.0)]
    # Before the report: every graded answer so far.
    assert dimension_means(answers, None) == {"content": 57.0, "clarity": 75.0}
    # Once complete: one answer per question, the ones the report counts.
    report = SessionReport(session_id="s", verdict="pass", score=65.5,
                           rule="r", answers={"q1": "a2", "q2": "a3"})
    assert dimension_means(answers, report) == {"content": 65.5, "clarity": 70.0}
    assert dimension_means([], None) == {}
