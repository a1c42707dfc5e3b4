"""The gateway's edge under abuse, over real ports (HTTP and gRPC): limits for anonymous
callers and API keys, browser security headers, session tokens and streams, and input that
used to reach storage (issue 14, items 1, 2, 3 and 6). The limits are tightened by
``tests/support/edge.py``; client addresses are played with ``X-Forwarded-For``."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest
from greenroom.v1 import interview_pb2 as pb
from greenroom_client import Client
from greenroom_common.documents import SessionDoc
from greenroom_common.keys import session_doc
from greenroom_local.platform import LocalPlatform

from tests.support.edge import admin, edge_gateway, minio

pytestmark = pytest.mark.platform


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with edge_gateway(tmp_path_factory.mktemp("edge")) as stack:
        yield stack


@pytest.fixture(scope="module")
def http(edge: LocalPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=edge.url(), timeout=30) as client:
        yield client


def address(n: int) -> dict[str, str]:
    return {"x-forwarded-for": f"10.14.0.{n}"}


def new_session(http: httpx.Client, n: int, questions: tuple[str, ...] = ("sec-01", "sec-02",
                                                                           "sec-03")
                ) -> tuple[str, dict[str, str]]:
    response = http.post("/api/sessions", json={"question_ids": list(questions)},
                         headers=address(n))
    assert response.status_code == 201, response.text
    body = response.json()
    return body["session_id"], {"authorization": f"Bearer {body['token']}", **address(n)}


def typed(http: httpx.Client, sid: str, auth: dict[str, str], question: str
          ) -> httpx.Response:
    return http.post(f"/api/sessions/{sid}/answers", headers=auth,
                     data={"question_id": question, "text": "A typed answer."})


def refused(response: httpx.Response, status: int = 429) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert int(response.headers["retry-after"]) >= 1
    error: dict[str, Any] = response.json()["error"]
    return error


def code_of(call: Callable[[], object]) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code()  # type: ignore[no-any-return]


def tenant(edge: LocalPlatform, name: str, *limits: str) -> str:
    admin(edge, "create-tenant", name, *limits)
    return admin(edge, "issue-key", name)


# -- 1. limits ------------------------------------------------------------------------------


def test_new_sessions_are_limited_per_address(http: httpx.Client) -> None:
    for _ in range(3):
        new_session(http, 1)
    error = refused(http.post("/api/sessions", json={"question_ids": ["sec-01"]},
                              headers=address(1)))
    assert error["reason"] == "rate_limited" and "sessions" in error["message"]
    new_session(http, 2)  # another address is not affected


def test_answers_are_capped_per_question_and_per_session(http: httpx.Client) -> None:
    sid, auth = new_session(http, 3)
    assert typed(http, sid, auth, "sec-01").status_code == 202
    assert typed(http, sid, auth, "sec-01").status_code == 202
    error = typed(http, sid, auth, "sec-01").json()["error"]
    assert error["reason"] == "too_many_answers" and "question" in error["message"]
    assert typed(http, sid, auth, "sec-02").status_code == 202
    response = typed(http, sid, auth, "sec-03")  # the session's 4th answer; the cap is 3
    assert response.status_code == 429
    assert response.json()["error"]["reason"] == "too_many_answers"


def test_answers_are_rate_limited_per_session_and_per_address(http: httpx.Client) -> None:
    sid, auth = new_session(http, 4)
    statuses = [typed(http, sid, auth, "sec-01").status_code for _ in range(6)]
    assert statuses[:2] == [202, 202] and set(statuses[2:]) == {429}
    error = refused(typed(http, sid, auth, "sec-02"))  # the 7th try this minute; 6 allowed
    assert error["reason"] == "rate_limited" and "answers" in error["message"]
    # Per address: 8 a minute across its sessions.
    sessions = [new_session(http, 5) for _ in range(3)]
    tries = [typed(http, s, a, q).status_code for s, a in sessions for q in ("sec-01",
                                                                            "sec-02", "sec-03")]
    assert tries[:8] == [202] * 8 and tries[8] == 429


def _multipart_head(boundary: str = "sec14") -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"question_id\"\r\n\r\n"
            f"sec-01\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"a.webm\"\r\nContent-Type: video/webm\r\n\r\n").encode()


def _hold_upload(edge: LocalPlatform, sid: str, auth: dict[str, str], size: int
                 ) -> socket.socket:
    """An upload that has started and stalls (a slow client), on its own connection."""
    boundary = "sec14"
    head = _multipart_head()
    port = int(edge.url().rsplit(":", 1)[1])
    conn = socket.create_connection(("127.0.0.1", port))
    headers = "".join(f"{k}: {v}\r\n" for k, v in auth.items())
    conn.sendall((f"POST /api/sessions/{sid}/answers HTTP/1.1\r\nHost: edge\r\n{headers}"
                  f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                  f"Content-Length: {size}\r\n\r\n").encode() + head + b"\0" * 65536)
    return conn


def test_uploads_in_flight_are_capped_per_client_and_by_the_spool_budget(
        edge: LocalPlatform, http: httpx.Client) -> None:
    sid, auth = new_session(http, 6)
    other_sid, other_auth = new_session(http, 6)
    held = _hold_upload(edge, sid, auth, 3 * 1024 * 1024)
    try:
        # Until the gateway has the first upload in hand (up to 20 s on a loaded machine);
        # paced, because every probe is an answer attempt: the session may make 6 a minute
        # and the address 8, one of them the held upload.
        for _ in range(7):
            probe = http.post(f"/api/sessions/{other_sid}/answers", headers=other_auth,
                              data={"text": "no question id"})
            if probe.status_code == 429:
                break
            time.sleep(3.0)
        if probe.status_code != 429:  # say what became of the held upload
            held.settimeout(1.0)
            with contextlib.suppress(OSError):
                pytest.fail(f"the held upload was not in flight: {held.recv(2000)!r}")
        error = refused(probe)
        assert "uploads at once" in error["message"]
        # Another client, but the 6 MiB spool budget has 3 MiB held: 3.5 MiB waits.
        sid7, auth7 = new_session(http, 7)
        big = b"\0" * (3 * 1024 * 1024 + 512 * 1024)
        busy = http.post(f"/api/sessions/{sid7}/answers", headers=auth7,
                         data={"question_id": "sec-01"},
                         files={"file": ("a.webm", big, "video/webm")})
        assert refused(busy, 503)["reason"] == "busy"
    finally:
        held.close()
    deadline = time.monotonic() + 30
    while True:  # the stalled upload's share of the budget comes back when it hangs up
        again = http.post(f"/api/sessions/{sid7}/answers", headers=auth7,
                          data={"question_id": "sec-02"},
                          files={"file": ("a.webm", big, "video/webm")})
        if again.status_code != 503 or time.monotonic() > deadline:
            break
    assert again.status_code == 202, again.text


def test_unknown_api_keys_are_limited_per_address(http: httpx.Client) -> None:
    for i in range(3):
        response = http.get("/api/questions", headers={"x-api-key": f"grk_guess{i}",
                                                        **address(8)})
        assert response.status_code == 401
    error = refused(http.get("/api/questions", headers={"x-api-key": "grk_guess9",
                                                         **address(8)}))
    assert "unknown API keys" in error["message"]
    assert http.get("/api/questions", headers={"x-api-key": "grk_x",
                                               **address(9)}).status_code == 401


def test_grpc_limits_answer_resource_exhausted(edge: LocalPlatform) -> None:
    with Client(edge.grpc_target, tenant(edge, "sec-slow", "--rpm", "3")) as slow:
        for _ in range(3):
            slow.questions()
        assert code_of(slow.questions) == grpc.StatusCode.RESOURCE_EXHAUSTED
    with Client(edge.grpc_target, tenant(edge, "sec-caps")) as team:
        session = team.create_session(question_ids=["sec-01", "sec-02"])
        team.answer_text(session.name, "sec-01", "one")
        team.answer_text(session.name, "sec-01", "two")
        assert code_of(lambda: team.answer_text(session.name, "sec-01", "three")) \
            == grpc.StatusCode.RESOURCE_EXHAUSTED


# -- 2. browser security headers --------------------------------------------------------


def test_every_response_carries_the_browser_security_headers(http: httpx.Client) -> None:
    for path in ("/", "/static/js/app.js", "/config.json", "/api/questions", "/docs",
                 "/asyncapi", "/api/answers/nope", "/no-such-page"):
        response = http.get(path, headers=address(10))
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "camera=(self)" in headers["permissions-policy"], path
        assert "microphone=(self)" in headers["permissions-policy"], path


def test_docs_and_asyncapi_load_scripts_only_from_the_gateway(http: httpx.Client) -> None:
    for path in ("/docs", "/asyncapi"):
        page = http.get(path).text
        assert "<script>" not in page and "cdn" not in page.lower(), path
        for src in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert src.startswith("/"), (path, src)
            assert http.get(src).status_code == 200, src
    assert "answers.submitted" in http.get("/asyncapi").text


# -- 3. tokens and streams ----------------------------------------------------------------


def test_the_token_is_accepted_only_in_the_authorization_header(http: httpx.Client) -> None:
    sid, auth = new_session(http, 11)
    token = auth["authorization"].split()[1]
    assert http.get(f"/api/sessions/{sid}", headers=auth).status_code == 200
    assert http.get(f"/api/sessions/{sid}", params={"token": token}).status_code == 404
    assert http.get(f"/api/sessions/{sid}/events", params={"token": token}).status_code == 404


def test_practice_tokens_expire(edge: LocalPlatform, http: httpx.Client) -> None:
    assert http.get("/config.json").json()["token_ttl_hours"] == 168
    sid, auth = new_session(http, 12)
    s3 = minio(edge)
    key = session_doc("public", sid)
    doc = SessionDoc.model_validate_json(s3.get_object(edge.bucket, key).read())
    doc.created_at = datetime.now(UTC) - timedelta(hours=169)
    data = doc.model_dump_json().encode()
    s3.put_object(edge.bucket, key, io.BytesIO(data), len(data))
    response = http.get(f"/api/sessions/{sid}", headers=auth)
    assert response.status_code == 401 and response.json()["error"]["reason"] == "expired"


def _read_sse(http: httpx.Client, url: str, headers: dict[str, str],
              events: list[str], done: threading.Event) -> None:
    with http.stream("GET", url, headers=headers, timeout=httpx.Timeout(60)) as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if line.startswith("event:"):
                events.append(line[6:].strip())
    done.set()


def _stream_ends_after(http: httpx.Client, url: str, headers: dict[str, str],
                       action: Callable[[], None]) -> float:
    events: list[str] = []
    done = threading.Event()
    reader = threading.Thread(target=_read_sse, args=(http, url, headers, events, done),
                              daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)  # the snapshot is the stream's first event
    assert events == ["snapshot"]
    action()
    started = time.monotonic()
    assert done.wait(15), "the stream stayed open"
    return time.monotonic() - started


def test_event_streams_end_when_the_session_is_deleted_or_the_key_revoked(
        edge: LocalPlatform, http: httpx.Client) -> None:
    sid, auth = new_session(http, 13)
    url = f"/api/sessions/{sid}/events"
    took = _stream_ends_after(http, url, auth, lambda: http.delete(
        f"/api/sessions/{sid}", headers=auth).raise_for_status())
    assert took < 5  # deleted through this replica: at once

    key = tenant(edge, "sec-revoke")
    team = {"x-api-key": key, **address(16)}
    created = http.post("/api/sessions", json={"question_ids": ["sec-01"]}, headers=team)
    sid = created.json()["session_id"]
    took = _stream_ends_after(http, f"/api/sessions/{sid}/events", team,
                              lambda: admin(edge, "revoke-key", key))
    assert took < 8  # within GREENROOM_STREAM_RECHECK_S (1 s here) of the revocation
    # A revoked key is refused on the next call after GREENROOM_KEY_CACHE_TTL_S (1 s here).
    deadline = time.monotonic() + 3
    while http.get("/api/questions", headers=team).status_code != 401:
        assert time.monotonic() < deadline


def test_grpc_watch_ends_when_the_session_is_deleted_or_the_key_revoked(
        edge: LocalPlatform) -> None:
    def watch_until_end(client: Client, name: str, action: Callable[[], None]
                        ) -> grpc.StatusCode:
        events = client.watch(name, timeout_s=30)
        assert next(events).WhichOneof("event") == "snapshot"
        action()
        with pytest.raises(grpc.RpcError) as caught:
            for _ in events:
                pass
        return caught.value.code()  # type: ignore[no-any-return]

    key = tenant(edge, "sec-watch")
    with Client(edge.grpc_target, key) as team:
        session = team.create_session(question_ids=["sec-01"])
        code = watch_until_end(team, session.name, lambda: team.delete_session(session.name))
        assert code == grpc.StatusCode.NOT_FOUND
        session = team.create_session(question_ids=["sec-01"])
        code = watch_until_end(team, session.name, lambda: admin(edge, "revoke-key", key))
        assert code == grpc.StatusCode.NOT_FOUND  # not DEADLINE_EXCEEDED: it ended
        time.sleep(1.5)  # GREENROOM_KEY_CACHE_TTL_S is 1 s here
        assert code_of(team.questions) == grpc.StatusCode.UNAUTHENTICATED


# -- 4. deletion is complete ----------------------------------------------------------------


def test_a_delete_during_a_slow_upload_leaves_nothing(edge: LocalPlatform,
                                                      http: httpx.Client) -> None:
    sid, auth = new_session(http, 17)
    size = 2 * 1024 * 1024
    held = _hold_upload(edge, sid, auth, size)
    try:
        deleted = http.delete(f"/api/sessions/{sid}", headers=auth)
        assert deleted.status_code == 204
        head_sent = len(_multipart_head()) + 65536
        held.sendall(b"\0" * (size - head_sent - len(b"\r\n--sec14--\r\n"))
                     + b"\r\n--sec14--\r\n")
        reply = held.recv(4096).decode(errors="replace")
    finally:
        held.close()
    assert reply.startswith("HTTP/1.1 404"), reply[:200]
    s3 = minio(edge)
    assert not list(s3.list_objects(edge.bucket, prefix=f"media/public/{sid}/", recursive=True))


def test_hiring_team_sessions_and_kafka_topics_have_a_retention(edge: LocalPlatform) -> None:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    lifecycle = minio(edge).get_bucket_lifecycle(edge.bucket)
    assert lifecycle is not None
    rules = {rule.rule_id: rule for rule in lifecycle.rules}
    team = rules["greenroom-session-retention"]
    assert team.rule_filter is not None and team.rule_filter.prefix == "media/"
    assert team.expiration is not None and team.expiration.days == 90

    async def retention_ms() -> str:
        admin = AIOKafkaAdminClient(bootstrap_servers=edge.kafka_bootstrap)
        await admin.start()
        try:
            [response] = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, "answers.submitted")])
            entries = response.resources[0][4]
            return next(str(e[1]) for e in entries if e[0] == "retention.ms")
        finally:
            await admin.close()

    assert asyncio.run(retention_ms()) == str(48 * 3600 * 1000)


# -- 6. input that used to reach storage ----------------------------------------------------


def test_odd_ids_and_file_names_answer_4xx_never_5xx(http: httpx.Client) -> None:
    sid, auth = new_session(http, 14)
    for odd in ("a" * 1100, "%00abc", "abc%0Ad", "%C3%A9t%C3%A9", "..%2F..%2Fbank"):
        for path in (f"/api/sessions/{odd}", f"/api/answers/{odd}",
                     f"/api/sessions/{odd}/events", f"/api/answers/{odd}/presence"):
            response = http.get(path, headers=auth)
            assert response.status_code == 404, (path[:60], response.status_code)
        assert http.delete(f"/api/sessions/{odd}", headers=auth).status_code == 404
    for question in ("q" * 1100, "sec\x01"):
        response = typed(http, sid, auth, question)
        assert response.status_code == 422, response.text
    too_long = http.post("/api/sessions", json={"question_ids": ["x" * 1100]},
                         headers=address(15))
    assert too_long.status_code == 422
    # Raw multipart bodies: clients such as httpx escape control characters themselves.
    for filename, content_type in (("réponse.webm", "video/webm"),
                                   ("a\x07.webm", "video/webm"),
                                   ("a.webm", "video/webm; x=é"),
                                   ("a.webm", "video/webm\x01")):
        body = (b"--b14\r\nContent-Disposition: form-data; name=\"question_id\"\r\n\r\n"
                b"sec-01\r\n--b14\r\nContent-Disposition: form-data; name=\"file\"; "
                b"filename=\"" + filename.encode() + b"\"\r\nContent-Type: "
                + content_type.encode() + b"\r\n\r\n\x1aE\xdf\xa3\r\n--b14--\r\n")
        response = http.post(f"/api/sessions/{sid}/answers", content=body, headers={
            **auth, "content-type": "multipart/form-data; boundary=b14"})
        assert response.status_code == 422, (filename, content_type, response.text)
        assert response.json()["error"]["field"].startswith("file."), response.text


def test_grpc_garbage_answers_invalid_argument_or_not_found(edge: LocalPlatform) -> None:
    with Client(edge.grpc_target, tenant(edge, "sec-odd")) as team:
        for token in ("garbage", "-1", "²", "99999999999999", "9" * 2000):
            assert code_of(lambda t=token: team.stub.ListQuestions(  # type: ignore[misc]
                pb.ListQuestionsRequest(page_token=t), metadata=team.metadata,
                timeout=10)) == grpc.StatusCode.INVALID_ARGUMENT, token
        for odd in ("a" * 1100, "abc\x00", "abc\nd", "été"):
            assert code_of(lambda o=odd: team.session(f"sessions/{o}")) \
                == grpc.StatusCode.NOT_FOUND
            assert code_of(lambda o=odd: team.answer(f"sessions/{o}/answers/{o}")) \
                == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: team.create_session(question_ids=["x" * 1100])) \
            == grpc.StatusCode.INVALID_ARGUMENT
        session = team.create_session(question_ids=["sec-01"])
        assert code_of(lambda: team.stub.UploadAnswer(iter([pb.UploadAnswerRequest(
            metadata=pb.AnswerMetadata(session=session.name, question_id="sec-01",
                                       filename="réponse.webm", content_type="video/webm")),
            pb.UploadAnswerRequest(chunk=b"\x1aE\xdf\xa3")]), metadata=team.metadata,
            timeout=10)) == grpc.StatusCode.INVALID_ARGUMENT


# Last: it leaves 127.0.0.1 unable to try new keys for a few seconds.
def test_grpc_unknown_keys_are_limited_per_address(edge: LocalPlatform) -> None:
    codes = []
    for i in range(4):  # 3 a minute; the revoked key of an earlier test may count as one
        with Client(edge.grpc_target, f"grk_guess{i}") as guesser:
            codes.append(code_of(guesser.questions))
        if codes[-1] != grpc.StatusCode.UNAUTHENTICATED:
            break
    assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED and len(codes) >= 3


def test_limits_are_documented_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    for variable in ("LIMIT_SESSIONS_PER_IP_PER_MIN", "LIMIT_ANSWERS_PER_IP_PER_MIN",
                     "LIMIT_ANSWERS_PER_SESSION_PER_MIN", "MAX_ANSWERS_PER_QUESTION",
                     "MAX_ANSWERS_PER_SESSION", "MAX_CONCURRENT_UPLOADS_PER_CLIENT",
                     "UPLOAD_SPOOL_BUDGET_BYTES", "AUTH_FAILURES_PER_IP_PER_MIN",
                     "KEY_CACHE_SIZE", "KEY_CACHE_TTL_S", "STREAM_RECHECK_S",
                     "SESSION_TOKEN_TTL_H", "LIMIT_REQUESTS_PER_IP_PER_MIN"):
        assert f"GREENROOM_{variable}" in section, variable
