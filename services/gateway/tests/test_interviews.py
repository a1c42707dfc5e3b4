"""The gateway's use cases (``Interviews``) with storage and Kafka in memory: what a
candidate or hiring team sees when an answer is graded, fails, cannot be queued, or when a
session is deleted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from greenroom_common.contracts import AnswerMode, AnswerSubmitted, Event, Stage, Topic
from greenroom_common.documents import (
    FailureDoc,
    FollowUp,
    GradeDoc,
    QuestionBank,
    QuestionView,
)
from greenroom_common.keys import BANK_KEY, AnswerKeys
from greenroom_common.testing import MemoryStore
from greenroom_gateway.errors import Invalid, NotFound, TooMany, Unavailable
from greenroom_gateway.interviews import AnswerCaps, Interviews
from greenroom_gateway.tenancy import Caller

HIRING = Caller(tenant="acme")
BANK = QuestionBank(version="1", questions=[QuestionView(
    id="lf-02", round="fundamentals", category="data", prompt="Lists and tuples?",
    answer_modes=[AnswerMode.TEXT, AnswerMode.AUDIO])])


class Bus:
    def __init__(self) -> None:
        self.events: list[tuple[Topic, Event]] = []
        self.down = False

    async def __call__(self, topic: Topic, event: Event) -> None:
        if self.down:
            raise KafkaConnectionError("broker unavailable")
        self.events.append((topic, event))


def core(caps: AnswerCaps | None = None) -> tuple[Interviews, MemoryStore, Bus]:
    store, bus = MemoryStore(), Bus()
    store.objects[BANK_KEY] = BANK.model_dump_json().encode()
    return Interviews(store, bus, max_text_chars=10_000, caps=caps), store, bus


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_typed_answer_is_stored_then_announced() -> None:
    interviews, _, bus = core()
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"]))
    doc = run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    [(topic, event)] = bus.events
    assert topic is Topic.SUBMITTED and isinstance(event, AnswerSubmitted)
    assert event.answer_id == doc.answer_id and event.text == "Tuples hash."
    assert run(interviews.answer(doc.answer_id, HIRING)).status == "queued"


def test_an_answer_kafka_cannot_take_is_removed_and_the_caller_told_to_retry() -> None:
    interviews, store, bus = core()
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"]))
    bus.down = True
    with pytest.raises(Unavailable, match="submit it again"):
        run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    assert not [k for k in store.objects if k.endswith("/answer.json")
                or k.startswith("index/answers/")]  # nothing left waiting forever
    bus.down = False
    doc = run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    assert run(interviews.answer(doc.answer_id, HIRING)).status == "queued"


def test_a_stored_grade_wins_over_a_failure_record() -> None:
    interviews, store, _ = core()
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"]))
    doc = run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    keys = AnswerKeys("acme", session.session_id, doc.answer_id)
    store.objects[keys.failure] = FailureDoc(
        stage=Stage.GRADE, reason="unavailable", message="later").model_dump_json().encode()
    assert run(interviews.answer(doc.answer_id, HIRING)).status == "failed"
    store.objects[keys.grade] = GradeDoc(
        answer_id=doc.answer_id, question_id="lf-02", verdict="pass", score=80.0,
        rule="r", dimensions=[]).model_dump_json().encode()
    status = run(interviews.answer(doc.answer_id, HIRING))
    assert status.status == "graded" and status.error is None


def test_a_deleted_session_leaves_nothing_behind() -> None:
    interviews, store, _ = core()
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"]))
    doc = run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    run(interviews.delete_session(session))
    assert [k for k in store.objects if k != BANK_KEY] == []
    with pytest.raises(NotFound):
        run(interviews.answer(doc.answer_id, HIRING))


def test_answers_per_question_are_capped() -> None:
    interviews, _, _ = core(AnswerCaps(per_question=2, per_session=10))
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"]))
    for _ in range(2):
        run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    with pytest.raises(TooMany):
        run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))


def graded(store: MemoryStore, session_id: str, answer_id: str, follow_up: bool) -> None:
    offered = FollowUp(kind="missed", target="wraps", question="What about __name__?",
                       reason="A core point was missed.") if follow_up else None
    store.objects[AnswerKeys("acme", session_id, answer_id).grade] = GradeDoc(
        answer_id=answer_id, question_id="lf-02", verdict="fail", score=50.0,
        rule="r", dimensions=[],
        follow_up=offered).model_dump_json().encode()


def test_a_follow_up_answers_the_first_answers_question_once_within_its_limit() -> None:
    interviews, store, bus = core()
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"]))
    first = run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    with pytest.raises(Invalid, match="no follow-up question"):  # not graded yet
        run(interviews.submit_text(session, "", "More.", AnswerMode.TEXT, first.answer_id))
    graded(store, session.session_id, first.answer_id, follow_up=True)
    answer = run(interviews.submit_text(session, "", "More.", AnswerMode.TEXT,
                                        first.answer_id))
    assert (answer.question_id, answer.follow_up_of, answer.time_limit_s) == (
        "lf-02", first.answer_id, 90)
    event = bus.events[-1][1]
    assert isinstance(event, AnswerSubmitted) and event.follow_up_of == first.answer_id
    with pytest.raises(TooMany, match="already answered"):
        run(interviews.submit_text(session, "", "Again.", AnswerMode.TEXT, first.answer_id))
    with pytest.raises(Invalid):  # another session's or an unknown answer
        run(interviews.submit_text(session, "", "More.", AnswerMode.TEXT, "f" * 32))


def test_no_follow_up_without_one_offered() -> None:
    interviews, store, _ = core()
    session, _, _ = run(interviews.create_session(HIRING, round_=None, count=None,
                                                  question_ids=["lf-02"], follow_ups=False))
    assert session.follow_ups is False
    first = run(interviews.submit_text(session, "lf-02", "Tuples hash.", AnswerMode.TEXT))
    graded(store, session.session_id, first.answer_id, follow_up=False)
    with pytest.raises(Invalid, match="no follow-up question"):
        run(interviews.submit_text(session, "", "More.", AnswerMode.TEXT, first.answer_id))
