"""The grader's adapter through the real worker dispatch, with storage and Kafka in memory:
the join of an answer's halves on any number of replicas, and session completion once per
version (duplicates announce nothing, a retake announces a new report, a failed answer
settles its question)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from answers import ANSWERS, FOLLOW_UP_ANSWER, FOLLOW_UP_FIRST, OFF_TOPIC
from greenroom_common.config import Settings
from greenroom_common.contracts import (
    AnswerFailed,
    AnswerMode,
    AnswerObserved,
    AnswerSubmitted,
    AnswerTranscribed,
    SessionCompleted,
    Stage,
    Topic,
)
from greenroom_common.documents import (
    AnswerDoc,
    FailureDoc,
    GradeDoc,
    SessionDoc,
    SessionReport,
    TranscriptDoc,
    VisionDoc,
    VisionSummary,
)
from greenroom_common.keys import AnswerKeys, session_doc, session_report
from greenroom_common.testing import MemoryBus, MemoryStore
from greenroom_common.worker import Worker
from greenroom_grader.service import create_worker

TENANT, SESSION = "acme", "s-1"
QUESTIONS = ["lf-01", "lf-02"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.objects[session_doc(TENANT, SESSION)] = SessionDoc(
        session_id=SESSION, tenant=TENANT, token_sha256="x", question_ids=QUESTIONS,
    ).model_dump_json().encode()
    return store


def grader(store: MemoryStore, bus: MemoryBus | None = None) -> tuple[Worker, MemoryBus]:
    bus = bus or MemoryBus()
    settings = Settings(retry_cap_s=0.01)
    return bus.attach(create_worker(settings, store=store, transport=bus)), bus


def put(store: MemoryStore, key: str, doc: Any) -> None:
    store.objects[key] = doc.model_dump_json().encode()


def typed(store: MemoryStore, bus: MemoryBus, answer_id: str, question_id: str, text: str,
          minutes: int) -> None:
    """An answer as the gateway leaves it: its document stored, its event published."""
    put(store, AnswerKeys(TENANT, SESSION, answer_id).answer, AnswerDoc(
        answer_id=answer_id, session_id=SESSION, tenant=TENANT, question_id=question_id,
        mode=AnswerMode.TEXT, text=text, submitted_at=T0 + timedelta(minutes=minutes)))
    bus.send(Topic.SUBMITTED, AnswerSubmitted(
        tenant=TENANT, session_id=SESSION, answer_id=answer_id, question_id=question_id,
        mode=AnswerMode.TEXT, text=text), answer_id)


def completions(bus: MemoryBus) -> list[SessionCompleted]:
    return [m.parsed(SessionCompleted) for m in bus.on(Topic.SESSION_COMPLETED.value)]


def report(store: MemoryStore) -> SessionReport:
    return SessionReport.model_validate_json(store.objects[session_report(TENANT, SESSION)])


def test_a_session_completes_once_and_a_duplicate_grade_announces_nothing(
        store: MemoryStore) -> None:
    _, bus = grader(store)
    typed(store, bus, "a-1", "lf-01", ANSWERS["lf-01"]["strong"], 0)
    asyncio.run(bus.drain())
    assert completions(bus) == []  # lf-02 is still open
    typed(store, bus, "a-2", "lf-02", ANSWERS["lf-02"]["strong"], 1)
    asyncio.run(bus.drain())
    [done] = completions(bus)
    assert done.verdict == report(store).verdict
    # Kafka redelivers a submitted event: nothing is graded or announced twice.
    bus.send(Topic.SUBMITTED, AnswerSubmitted(
        tenant=TENANT, session_id=SESSION, answer_id="a-2", question_id="lf-02",
        mode=AnswerMode.TEXT, text="changed on the wire"), "a-2")
    asyncio.run(bus.drain())
    assert len(completions(bus)) == 1 and len(bus.on(Topic.GRADED.value)) == 2
    assert store.writes[AnswerKeys(TENANT, SESSION, "a-2").grade] == 1


def test_a_crash_after_announcing_completes_the_session_without_announcing_again(
        store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The grader dies after announcing the last answer, before completing its session: the
    redelivered event completes the session and announces the answer no second time."""
    from greenroom_grader.completion import Completion

    _, bus = grader(store)
    typed(store, bus, "a-1", "lf-01", ANSWERS["lf-01"]["strong"], 0)
    asyncio.run(bus.drain())
    real = Completion.after
    crashes = [RuntimeError("killed")]

    async def crash_once(self: Completion, *args: Any) -> None:
        if crashes:
            raise crashes.pop()
        await real(self, *args)

    monkeypatch.setattr(Completion, "after", crash_once)
    typed(store, bus, "a-2", "lf-02", ANSWERS["lf-02"]["strong"], 1)
    asyncio.run(bus.drain())  # the worker retries the event, as a redelivery would
    assert len(bus.on(Topic.GRADED.value)) == 2
    assert len(completions(bus)) == 1


def test_a_retake_after_completion_updates_the_report(store: MemoryStore) -> None:
    _, bus = grader(store)
    typed(store, bus, "a-1", "lf-01", OFF_TOPIC, 0)
    typed(store, bus, "a-2", "lf-02", ANSWERS["lf-02"]["strong"], 1)
    asyncio.run(bus.drain())
    first = report(store)
    assert first.answers["lf-01"] == "a-1" and first.verdict == "fail"
    typed(store, bus, "a-3", "lf-01", ANSWERS["lf-01"]["strong"], 2)
    asyncio.run(bus.drain())
    second = report(store)
    assert second.answers["lf-01"] == "a-3" and second.version != first.version
    assert len(completions(bus)) == 2


def test_a_failed_answer_settles_its_question_with_its_reason(store: MemoryStore) -> None:
    _, bus = grader(store)
    keys = AnswerKeys(TENANT, SESSION, "a-2")
    put(store, keys.answer, AnswerDoc(answer_id="a-2", session_id=SESSION, tenant=TENANT,
                                      question_id="lf-02", mode=AnswerMode.AUDIO,
                                      submitted_at=T0 + timedelta(minutes=1)))
    typed(store, bus, "a-1", "lf-01", ANSWERS["lf-01"]["strong"], 0)
    asyncio.run(bus.drain())
    assert completions(bus) == []  # a-2 is still being transcribed
    put(store, keys.failure, FailureDoc(stage=Stage.TRANSCRIBE, reason="no_speech",
                                        message="We heard nothing."))
    failed = AnswerFailed(tenant=TENANT, session_id=SESSION, answer_id="a-2",
                          stage=Stage.TRANSCRIBE, reason="no_speech",
                          message="We heard nothing.")
    bus.send(Topic.FAILED, failed, "a-2")
    asyncio.run(bus.drain())
    [done] = completions(bus)
    assert done.verdict == "fail"
    assert report(store).unanswered == {"lf-02": "We heard nothing."}
    bus.send(Topic.FAILED, failed, "a-2")  # a duplicate of the failure settles nothing new
    asyncio.run(bus.drain())
    assert len(completions(bus)) == 1


def media_answer(store: MemoryStore) -> tuple[AnswerTranscribed, AnswerObserved]:
    """Both halves of a spoken answer to lf-01, stored by transcribe and vision."""
    keys = AnswerKeys(TENANT, SESSION, "a-1")
    text = ANSWERS["lf-01"]["strong"]
    put(store, keys.answer, AnswerDoc(answer_id="a-1", session_id=SESSION, tenant=TENANT,
                                      question_id="lf-01", mode=AnswerMode.VIDEO,
                                      submitted_at=T0))
    put(store, keys.transcript, TranscriptDoc(
        model="m", engine="e", device="cpu", language="en", language_probability=1.0,
        duration_s=60.0, text=text, segments=[], words=[], timing_method="t",
        inference_s=1.0))
    put(store, keys.vision, VisionDoc(
        detector="d", has_video=False, frames=[], inference_s=0.0,
        summary=VisionSummary(frames=0, face_frames=0, no_face_frames=0,
                              multi_face_frames=0, face_share=0.0)))
    base = {"tenant": TENANT, "session_id": SESSION, "answer_id": "a-1",
            "question_id": "lf-01"}
    return (AnswerTranscribed(**base, transcript_key=keys.transcript, text=text,
                              language="en", word_count=100, model="m"),
            AnswerObserved(**base, vision_key=keys.vision, frames=0, face_share=0.0,
                           detector="d"))


def test_two_replicas_seeing_both_halves_grade_the_answer_once(store: MemoryStore) -> None:
    transcribed, observed = media_answer(store)
    bus = MemoryBus()
    one, _ = grader(store, bus)
    two = create_worker(Settings(retry_cap_s=0.01), store=store, transport=bus)

    async def at_once() -> None:
        await asyncio.gather(
            one.dispatch(Topic.TRANSCRIBED.value, transcribed.model_dump_json().encode(),
                         b"a-1"),
            two.dispatch(Topic.OBSERVED.value, observed.model_dump_json().encode(), b"a-1"))

    asyncio.run(at_once())
    assert len(bus.on(Topic.GRADED.value)) == 1
    assert store.writes[AnswerKeys(TENANT, SESSION, "a-1").grade] == 1
    # Both events are redelivered after the work was done: nothing is announced again.
    for replica, topic, event in ((one, Topic.TRANSCRIBED, transcribed),
                                  (two, Topic.OBSERVED, observed)):
        asyncio.run(replica.dispatch(topic.value, event.model_dump_json().encode(), b"a-1"))
    assert len(bus.on(Topic.GRADED.value)) == 1
    assert store.writes[AnswerKeys(TENANT, SESSION, "a-1").grade] == 1


def test_an_event_handed_to_a_second_replica_mid_grading_is_announced_once(
        store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebalance gives the event that one replica is grading to another: both copies
    claim the join (same event), the one that finishes second finds it announced."""
    import greenroom_grader.service as service

    transcribed, _ = media_answer(store)
    bus = MemoryBus()
    first, _ = grader(store, bus)
    second = create_worker(Settings(retry_cap_s=0.01), store=store, transport=bus)
    calls: list[int] = []
    real = service.grade

    def slow_second(*args: Any, **kwargs: Any) -> GradeDoc:
        calls.append(1)
        if len(calls) == 2:
            time.sleep(0.5)  # the copy on the second replica is still working
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "grade", slow_second)
    body = transcribed.model_dump_json().encode()

    async def both() -> None:
        await asyncio.gather(first.dispatch(Topic.TRANSCRIBED.value, body, b"a-1"),
                             second.dispatch(Topic.TRANSCRIBED.value, body, b"a-1"))

    asyncio.run(both())
    assert len(calls) == 2  # both copies held the claim and graded
    assert len(bus.on(Topic.GRADED.value)) == 1
    assert store.writes[AnswerKeys(TENANT, SESSION, "a-1").grade] == 1


def test_a_join_owner_that_crashed_before_announcing_finishes_on_redelivery(
        store: MemoryStore) -> None:
    transcribed, observed = media_answer(store)
    worker, bus = grader(store)
    bus.down = True  # Kafka gone at the announcement; the replica then dies (budget spent)
    worker.settings = Settings(retry_budget_s=0.0, retry_cap_s=0.01)
    with pytest.raises(Exception):  # noqa: B017 - the event stays uncommitted
        asyncio.run(worker.dispatch(Topic.TRANSCRIBED.value,
                                    transcribed.model_dump_json().encode(), b"a-1"))
    bus.down = False
    restarted, _ = grader(store, bus)
    asyncio.run(restarted.dispatch(Topic.OBSERVED.value, observed.model_dump_json().encode(),
                                   b"a-1"))
    assert bus.on(Topic.GRADED.value) == []  # not its job: the owner is redelivered
    asyncio.run(restarted.dispatch(Topic.TRANSCRIBED.value,
                                   transcribed.model_dump_json().encode(), b"a-1"))
    assert len(bus.on(Topic.GRADED.value)) == 1


def test_a_late_half_of_a_graded_answer_is_not_graded_again(store: MemoryStore) -> None:
    transcribed, observed = media_answer(store)
    _, bus = grader(store)
    bus.send(Topic.TRANSCRIBED, transcribed, "a-1")
    asyncio.run(bus.drain())
    bus.send(Topic.OBSERVED, observed, "a-1")
    asyncio.run(bus.drain())
    assert len(bus.on(Topic.GRADED.value)) == 1


FIRST, FOLLOW_UP = FOLLOW_UP_FIRST, FOLLOW_UP_ANSWER


def grade_of(store: MemoryStore, answer_id: str) -> GradeDoc:
    return GradeDoc.model_validate_json(
        store.objects[AnswerKeys(TENANT, SESSION, answer_id).grade])


def follow_up(store: MemoryStore, bus: MemoryBus, answer_id: str, first: str, text: str,
              minutes: int) -> None:
    """The answer to the follow-up of ``first``, as the gateway records it."""
    put(store, AnswerKeys(TENANT, SESSION, answer_id).answer, AnswerDoc(
        answer_id=answer_id, session_id=SESSION, tenant=TENANT, question_id="lf-01",
        mode=AnswerMode.TEXT, text=text, submitted_at=T0 + timedelta(minutes=minutes),
        follow_up_of=first, time_limit_s=90))
    bus.send(Topic.SUBMITTED, AnswerSubmitted(
        tenant=TENANT, session_id=SESSION, answer_id=answer_id, question_id="lf-01",
        mode=AnswerMode.TEXT, text=text, follow_up_of=first), answer_id)


def test_a_missed_core_point_is_followed_up_and_the_answer_lifts_the_verdict(
        store: MemoryStore) -> None:
    _, bus = grader(store)
    typed(store, bus, "a-1", "lf-01", FIRST, 0)
    typed(store, bus, "a-2", "lf-02", ANSWERS["lf-02"]["strong"], 1)
    asyncio.run(bus.drain())
    first = grade_of(store, "a-1")
    assert first.verdict == "fail" and first.follow_up is not None
    assert first.follow_up.kind == "missed" and first.follow_up.target == "wraps"
    assert "core point" in first.follow_up.reason and first.follow_up.time_limit_s == 90
    assert report(store).answers["lf-01"] == "a-1"
    follow_up(store, bus, "a-3", "a-1", FOLLOW_UP, 2)
    asyncio.run(bus.drain())
    answered = grade_of(store, "a-3")
    assert (answered.verdict, answered.follows, answered.lifted) == ("pass", "a-1", True)
    assert answered.follow_up is None  # one follow-up per question
    assert FIRST.split(".", maxsplit=1)[0] in answered.transcript  # graded together with the first
    assert report(store).answers["lf-01"] == "a-3" and len(completions(bus)) == 2


def test_follow_ups_can_be_switched_off_for_a_session(store: MemoryStore) -> None:
    store.objects[session_doc(TENANT, SESSION)] = SessionDoc(
        session_id=SESSION, tenant=TENANT, token_sha256="x", question_ids=QUESTIONS,
        follow_ups=False).model_dump_json().encode()
    _, bus = grader(store)
    typed(store, bus, "a-1", "lf-01", FIRST, 0)
    asyncio.run(bus.drain())
    assert grade_of(store, "a-1").verdict == "fail"
    assert grade_of(store, "a-1").follow_up is None


def test_an_answer_on_another_topic_gets_no_follow_up(store: MemoryStore) -> None:
    _, bus = grader(store)
    typed(store, bus, "a-1", "lf-01", OFF_TOPIC, 0)
    asyncio.run(bus.drain())
    assert grade_of(store, "a-1").follow_up is None
