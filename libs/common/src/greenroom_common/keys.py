"""Object-storage layout. Everything of one session lives under one prefix so that
deleting a session is deleting a prefix; small index objects map ids to that prefix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

BANK_KEY = "bank/questions.json"


def session_prefix(tenant: str, session_id: str) -> str:
    return f"media/{tenant}/{session_id}/"


def session_doc(tenant: str, session_id: str) -> str:
    return f"{session_prefix(tenant, session_id)}session.json"


def session_report(tenant: str, session_id: str) -> str:
    return f"{session_prefix(tenant, session_id)}report.json"


def session_completion(tenant: str, session_id: str, version: str) -> str:
    """The claim that one grader replica announces this version of the session report."""
    return f"{session_prefix(tenant, session_id)}completed/{version}.json"


ANSWER_DOC = "answer.json"


def is_answer_doc(key: str) -> bool:
    """Whether a listed key is an answer's own document (one per answer of a session)."""
    return key.endswith(f"/{ANSWER_DOC}")


def session_index(session_id: str) -> str:
    return f"index/sessions/{session_id}.json"


def answer_index(answer_id: str) -> str:
    return f"index/answers/{answer_id}.json"


class AnswerIds(Protocol):
    """Anything naming one answer: an event, an answer's document."""

    @property
    def tenant(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def answer_id(self) -> str: ...


@dataclass(frozen=True)
class AnswerKeys:
    """Where each stage of one answer stores its output."""

    tenant: str
    session_id: str
    answer_id: str

    @classmethod
    def of(cls, ids: AnswerIds) -> AnswerKeys:
        return cls(ids.tenant, ids.session_id, ids.answer_id)

    @property
    def prefix(self) -> str:
        return f"{session_prefix(self.tenant, self.session_id)}{self.answer_id}/"

    def holds(self, key: str) -> bool:
        """Whether ``key`` names an object directly under this answer's prefix: what a key
        read from a document must pass before it is used (a forged one could name another
        tenant's media)."""
        rest = key[len(self.prefix):] if key.startswith(self.prefix) else ""
        return bool(rest) and "/" not in rest

    def upload(self, extension: str) -> str:
        return f"{self.prefix}upload{extension}"

    @property
    def answer(self) -> str:
        return f"{self.prefix}{ANSWER_DOC}"

    @property
    def audio(self) -> str:
        return f"{self.prefix}audio.wav"

    @property
    def ingest(self) -> str:
        return f"{self.prefix}ingest.json"

    @property
    def transcript(self) -> str:
        return f"{self.prefix}transcript.json"

    @property
    def vision(self) -> str:
        return f"{self.prefix}vision.json"

    @property
    def grade(self) -> str:
        return f"{self.prefix}grade.json"

    @property
    def failure(self) -> str:
        return f"{self.prefix}failure.json"

    @property
    def join(self) -> str:
        """The claim of the event that joins transcript and vision into a grade."""
        return f"{self.prefix}join.json"
