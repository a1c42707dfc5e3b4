"""The interviewer's follow-up, end to end on the running platform: an answer that misses a
core point gets a follow-up probing exactly that point; answering it (HTTP, or gRPC for a
hiring team) is graded together with the first answer and turns the fail into a pass, and
the session report counts it. A hiring team can switch follow-ups off per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from greenroom.v1 import interview_pb2 as pb
from greenroom_client import Client as GrpcClient
from greenroom_local.platform import LocalPlatform

from tests.support.answers import GRADER
from tests.support.client import Client
from tests.support.edge import admin

pytestmark = pytest.mark.platform

FIRST, FOLLOW_UP = GRADER.FOLLOW_UP_FIRST, GRADER.FOLLOW_UP_ANSWER


def test_a_follow_up_turns_a_missed_core_point_into_a_pass(client: Client) -> None:
    session = client.session(["lf-01"])
    first = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                             data={"question_id": "lf-01", "text": FIRST}).json()["answer_id"]
    result = client.wait(session, first, timeout_s=120)["result"]
    assert result["verdict"] == "fail"
    asked = result["follow_up"]
    assert asked["kind"] == "missed" and asked["target"] == "wraps"
    assert asked["question"] and "core point" in asked["reason"]
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"follow_up_of": first, "text": FOLLOW_UP})
    assert response.status_code == 202, response.text
    second = response.json()["answer_id"]
    answered = client.wait(session, second, timeout_s=120)
    assert answered["follow_up_of"] == first and answered["question_id"] == "lf-01"
    assert answered["result"]["verdict"] == "pass" and answered["result"]["lifted"] is True
    report = client.report(session, counts={"lf-01": second})  # a new version of the report
    assert report["report"]["verdict"] == "pass"
    again = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                             data={"follow_up_of": first, "text": FOLLOW_UP})
    assert again.status_code == 429 and "already answered" in again.text


@pytest.fixture(scope="module")
def hiring(platform: LocalPlatform) -> Iterator[GrpcClient]:
    admin(platform, "create-tenant", "initech")
    with GrpcClient(platform.grpc_target, admin(platform, "issue-key", "initech")) as c:
        yield c


def test_hiring_teams_switch_follow_ups_per_session_over_grpc(hiring: GrpcClient) -> None:
    quiet = hiring.create_session(question_ids=["lf-01"], follow_ups=False)
    answer = hiring.answer_text(quiet.name, "lf-01", FIRST)
    graded = hiring.finished(answer.name, timeout_s=120)
    assert graded.result.verdict == pb.VERDICT_FAIL and not graded.result.HasField("follow_up")

    asking = hiring.create_session(question_ids=["lf-01"])
    answer = hiring.answer_text(asking.name, "lf-01", FIRST)
    graded = hiring.finished(answer.name, timeout_s=120)
    assert graded.result.follow_up.target == "wraps"
    assert graded.result.follow_up.time_limit_s == 90
    second = hiring.answer_text(asking.name, "", FOLLOW_UP, follow_up_of=answer.name)
    lifted = hiring.finished(second.name, timeout_s=120)
    assert lifted.result.verdict == pb.VERDICT_PASS and lifted.result.lifted
    assert lifted.result.follows == answer.name
