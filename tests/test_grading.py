"""Grading on the running platform: the published bank, typed and spoken answers that score
alike, coding answers run in the grader's sandbox, and the session report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support import media
from tests.support.answers import GRADER
from tests.support.client import Client, Session

pytestmark = pytest.mark.platform


ANSWERS = GRADER


def dimension(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in result["dimensions"] if d["name"] == name)


def submit(client: Client, session: Session, question_id: str, **fields: str) -> str:
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"question_id": question_id, **fields})
    assert response.status_code == 202, response.text
    answer_id: str = response.json()["answer_id"]
    return answer_id


def test_the_bank_is_published_with_vocabulary_and_without_rubrics(client: Client) -> None:
    response = client.http.get("/api/questions")
    assert response.status_code == 200, response.text
    questions = {q["id"]: q for q in response.json()["questions"]}
    assert len(questions) >= 48
    rounds = {q["round"] for q in questions.values()}
    assert rounds == {"recruiter", "fundamentals", "coding", "domain", "behavioural"}
    assert "functools.wraps" in questions["lf-01"]["vocabulary"]
    assert questions["cc-01"]["answer_modes"] == ["code"]
    public = {"schema_version", "id", "round", "category", "prompt", "answer_modes",
              "time_limit_s", "difficulty", "vocabulary"}
    assert all(set(q) <= public for q in questions.values())  # no rubric, no hidden tests


def test_typed_and_spoken_answers_get_the_same_content_score(
        client: Client, tmp_path: Path) -> None:
    text = ANSWERS.SPOKEN_LF02
    video = media.face_video_with_speech(tmp_path / "answer.webm", text)
    spoken_session = client.session(["lf-02"])
    response = client.upload(spoken_session, "lf-02", video)
    assert response.status_code == 202, response.text
    spoken_id = response.json()["answer_id"]
    typed_session = client.session(["lf-02"])
    typed_id = submit(client, typed_session, "lf-02", text=text)

    typed = client.wait(typed_session, typed_id, timeout_s=60)["result"]
    answer = client.wait(spoken_session, spoken_id)
    assert answer["status"] == "graded", answer
    spoken = answer["result"]

    typed_content = dimension(typed, "content")["score"]
    spoken_content = dimension(spoken, "content")["score"]
    assert abs(typed_content - spoken_content) <= 5, (answer["transcript"]["text"], spoken)
    assert typed["verdict"] == spoken["verdict"] == "pass", spoken["rule"]
    # The spoken answer is judged on its delivery too, with measured figures and timed quotes.
    assert "words per minute" in dimension(spoken, "delivery")["evidence"][0]
    assert dimension(spoken, "confidence")["evidence"]
    assert any("” at 0:" in e for e in dimension(spoken, "content")["evidence"])
    presence = dimension(spoken, "presence")
    assert presence["weight"] == 0.0
    assert {d["name"] for d in typed["dimensions"]} == {"content", "structure", "clarity"}

    report = client.report(spoken_session)
    assert report["report"]["verdict"] == "pass"
    assert report["report"]["rounds"] == [
        {"round": "fundamentals", "verdict": "pass", "answers": 1, "passed": 1,
         "score": spoken["score"]}]


def test_code_answers_run_in_the_sandbox_and_feed_the_report(client: Client) -> None:
    session = client.session(["cc-01", "cc-07"])
    good = submit(client, session, "cc-01", code=ANSWERS.CODE["cc-01"]["strong"])
    bomb = submit(client, session, "cc-07",
                  code="import os\n\n\ndef dedupe(items: list[str]) -> list[str]:\n"
                       "    while True:\n        os.fork()\n")

    passed = client.wait(session, good, timeout_s=120)
    assert passed["status"] == "graded", passed
    result = passed["result"]
    assert result["verdict"] == "pass", result["rule"]
    assert result["tests_passed"] == result["tests_total"] >= 5
    assert result["sandbox"] == "completed"
    assert {d["name"] for d in result["dimensions"]} == {"correctness", "complexity",
                                                         "pythonic"}

    stopped = client.wait(session, bomb, timeout_s=120)["result"]
    assert stopped["verdict"] == "fail"
    assert "processes" in stopped["rule"]
    assert any("limit" in tip for tip in stopped["improvements"])

    report = client.report(session)
    summary = report["report"]
    assert summary["rounds"][0]["round"] == "coding"
    assert (summary["rounds"][0]["answers"], summary["rounds"][0]["passed"]) == (2, 1)
    assert summary["verdict"] == "fail" and summary["improvements"]
    assert summary["answers"] == {"cc-01": good, "cc-07": bomb}
