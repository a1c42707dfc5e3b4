"""A small client of the public HTTP API, as a hiring team's script would use it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from greenroom_local.platform import LocalPlatform

DONE = {"graded", "failed"}


@dataclass
class Session:
    id: str
    token: str
    questions: list[dict[str, Any]]

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass
class Client:
    http: httpx.Client
    platform: LocalPlatform

    def session(self, question_ids: list[str]) -> Session:
        response = self.http.post("/api/sessions", json={"question_ids": question_ids})
        assert response.status_code == 201, response.text
        body = response.json()
        return Session(body["session_id"], body["token"], body["questions"])

    def upload(self, session: Session, question_id: str, path: Path,
               content_type: str = "video/webm") -> httpx.Response:
        with path.open("rb") as handle:
            return self.http.post(
                f"/api/sessions/{session.id}/answers", headers=session.auth,
                data={"question_id": question_id},
                files={"file": (path.name, handle, content_type)},
            )

    def answer(self, session: Session, answer_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/answers/{answer_id}", headers=session.auth)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait(self, session: Session, answer_id: str, timeout_s: float = 300) -> dict[str, Any]:
        """Poll until the answer is graded or failed; fail with the services' state if not."""
        deadline = time.monotonic() + timeout_s
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            self.platform.check_alive()
            body = self.answer(session, answer_id)
            if body["status"] in DONE:
                return body
            time.sleep(0.5)
        raise AssertionError(f"answer {answer_id} not done after {timeout_s}s: {body}")

    def report(self, session: Session, timeout_s: float = 60,
               counts: dict[str, str] | None = None) -> dict[str, Any]:
        """The session once its report is written (``sessions.completed`` follows the last
        answer's grade by a moment) and, with ``counts``, counts those answers (a later
        version of the report): poll, as a client without the event stream would."""
        deadline = time.monotonic() + timeout_s
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = self.http.get(f"/api/sessions/{session.id}", headers=session.auth)
            assert response.status_code == 200, response.text
            body = response.json()
            if body["complete"] and (counts is None or body["report"]["answers"] == counts):
                return body
            time.sleep(0.3)
        raise AssertionError(f"session {session.id} not complete after {timeout_s}s: {body}")
