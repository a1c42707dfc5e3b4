"""Bad input ends as a failed answer with a reason a person can act on, and nothing else
breaks: after every bad upload a good answer still goes through."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from minio import Minio

from tests.conftest import MAX_UPLOAD_BYTES
from tests.support import media
from tests.support.client import Client

pytestmark = pytest.mark.platform

CASES: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "random bytes named .webm": (
        lambda d: media.random_bytes(d / "noise.webm"), "not_media", "could not read"),
    "a 4-minute video": (lambda d: media.long_video(d / "long.webm"), "too_long", "4:00"),
    "a video without audio": (
        lambda d: media.video_without_audio(d / "mute.webm"), "no_audio", "no audio track"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_upload_fails_with_a_readable_reason(client: Client, tmp_path: Path,
                                                 case: str) -> None:
    make, reason, phrase = CASES[case]
    session = client.session(["lf-01"])
    response = client.upload(session, "lf-01", make(tmp_path))
    assert response.status_code == 202, response.text

    answer = client.wait(session, response.json()["answer_id"], timeout_s=120)
    assert answer["status"] == "failed"
    assert answer["error"]["reason"] == reason
    assert phrase in answer["error"]["message"]
    # the candidate reads the tool's complaint, not where a service keeps its files
    assert "greenroom-" not in answer["error"]["message"]
    assert " @ 0x" not in answer["error"]["message"]
    assert answer["result"] is None


def test_a_video_whose_pictures_cannot_be_decoded_is_graded_on_its_speech(
        client: Client, tmp_path: Path) -> None:
    """Presence is coaching only: a broken video track costs the presence feedback, with
    the reason, not the answer."""
    session = client.session(["lf-01"])
    response = client.upload(session, "lf-01", media.video_without_pictures(
        tmp_path / "no-pictures.webm"))
    assert response.status_code == 202, response.text
    answer = client.wait(session, response.json()["answer_id"], timeout_s=180)
    assert answer["status"] == "graded", answer
    assert answer["stages"] == ["ingest", "transcribe", "vision", "grade"]
    assert answer["vision"]["frames"] == 0
    [said] = [i for i in answer["result"]["improvements"] if "not measured" in i]
    assert "no picture that could be decoded" in said


def test_empty_file_is_refused_and_recorded(client: Client, tmp_path: Path) -> None:
    empty = tmp_path / "empty.webm"
    empty.touch()
    session = client.session(["lf-01"])
    response = client.upload(session, "lf-01", empty)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["reason"] == "empty"
    answer = client.answer(session, error["answer_id"])
    assert answer["status"] == "failed"
    assert "empty" in answer["error"]["message"]


def test_oversized_upload_is_rejected_before_storage(client: Client, tmp_path: Path,
                                                     s3: Minio) -> None:
    big = media.sparse_file(tmp_path / "big.webm", MAX_UPLOAD_BYTES + 1024 * 1024)
    session = client.session(["lf-01"])
    response = client.upload(session, "lf-01", big)
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]["message"]
    stored = list(s3.list_objects(client.platform.bucket, prefix=f"media/public/{session.id}/",
                                  recursive=True))
    assert [o.object_name for o in stored] == [f"media/public/{session.id}/session.json"]


def test_platform_still_grades_after_bad_input(client: Client) -> None:
    session = client.session(["lf-02"])
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"question_id": "lf-02", "text": "Tuples are hashable."})
    assert client.wait(session, response.json()["answer_id"], timeout_s=60)["status"] == "graded"


def test_editor_events_are_checked_and_never_kept_for_practice(client: Client,
                                                                s3: Minio) -> None:
    session = client.session(["cc-01"])
    url = f"/api/sessions/{session.id}/answers"
    bad = client.http.post(url, headers=session.auth, data={
        "question_id": "cc-01", "code": "def f():\n    pass\n",
        "editor_events": json.dumps([{"kind": "copy", "at_s": 3}])})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["field"] == "editor_events" and "paste" in error["message"]
    ok = client.http.post(url, headers=session.auth, data={
        "question_id": "cc-01", "code": "def f():\n    pass\n",
        "editor_events": json.dumps([{"kind": "paste", "at_s": 3, "chars": 400}])})
    assert ok.status_code == 202, ok.text
    answer = client.answer(session, ok.json()["answer_id"])
    assert answer["observations"] == []
    stored = s3.get_object(client.platform.bucket, f"media/public/{session.id}/"
                           f"{answer['answer_id']}/answer.json").read()
    assert json.loads(stored)["editor_events"] == []
