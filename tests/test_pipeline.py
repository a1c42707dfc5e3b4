"""The answer flow end to end: upload → ingest → transcribe + vision → grade, on real parts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from minio import Minio

from tests.support import media
from tests.support.client import Client

pytestmark = pytest.mark.platform


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_spoken_video_answer_is_transcribed_observed_and_graded(
        client: Client, tmp_path: Path) -> None:
    video = media.face_video_with_speech(tmp_path / "answer.webm")
    session = client.session(["lf-02"])

    response = client.upload(session, "lf-02", video)
    assert response.status_code == 202, response.text
    answer_id = response.json()["answer_id"]

    answer = client.wait(session, answer_id)
    assert answer["status"] == "graded", answer
    assert answer["stages"] == ["ingest", "transcribe", "vision", "grade"]
    spoken = words(answer["transcript"]["text"])
    assert spoken >= media.SENTENCE_WORDS, spoken
    stamps = [(w["start"], w["end"]) for w in answer["transcript"]["words"]]
    assert stamps == sorted(stamps)
    assert answer["vision"]["frames"] >= 10
    assert answer["vision"]["face_share"] > 0.8, answer["vision"]
    result = answer["result"]
    assert result["verdict"] in {"pass", "fail"}
    assert "Language fundamentals" in result["rule"]

    report = client.report(session)
    assert report["report"]["answers"] == {"lf-02": answer_id}


def test_typed_answer_goes_straight_to_the_grader(client: Client) -> None:
    session = client.session(["lf-02"])
    text = ("A tuple is immutable, so its hash never changes and it can be a dict key; a list "
            "is mutable and unhashable.")
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"question_id": "lf-02", "text": text})
    assert response.status_code == 202, response.text

    answer = client.wait(session, response.json()["answer_id"], timeout_s=60)
    assert answer["status"] == "graded"
    assert answer["stages"] == ["grade"]  # no ingest, transcription or vision
    assert answer["result"]["transcript"] == text


def test_session_token_guards_answers(client: Client, tmp_path: Path, s3: Minio) -> None:
    session = client.session(["lf-02"])
    other = client.session(["lf-02"])
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"question_id": "lf-02", "text": "An answer."})
    answer_id = response.json()["answer_id"]
    client.wait(session, answer_id, timeout_s=60)

    assert client.http.get(f"/api/answers/{answer_id}", headers=other.auth).status_code == 404
    assert client.http.get(f"/api/answers/{answer_id}").status_code == 404
    assert client.http.get(f"/api/sessions/{session.id}", headers=other.auth).status_code == 404

    assert client.http.delete(f"/api/sessions/{session.id}",
                              headers=session.auth).status_code == 204
    assert client.http.get(f"/api/answers/{answer_id}", headers=session.auth).status_code == 404
    bucket = client.platform.bucket
    assert not list(s3.list_objects(bucket, prefix=f"media/public/{session.id}/",
                                    recursive=True))


def test_live_events_reach_the_browser_over_sse(client: Client) -> None:
    session = client.session(["lf-02"])
    url = f"/api/sessions/{session.id}/events"
    seen: list[str] = []
    with client.http.stream("GET", url, headers=session.auth, timeout=60) as stream:
        lines = stream.iter_lines()
        for line in lines:
            if line.startswith("event: "):
                seen.append(line.removeprefix("event: "))
                if seen == ["snapshot"]:
                    client.http.post(f"/api/sessions/{session.id}/answers",
                                     headers=session.auth,
                                     data={"question_id": "lf-02", "text": "Tuples hash."})
                if seen[-1] == "sessions.completed":
                    break
    assert seen[0] == "snapshot"
    assert "answers.submitted" in seen and "answers.graded" in seen
