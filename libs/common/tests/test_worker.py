"""The worker runtime's delivery rules, driven through its real dispatch with an in-memory
store and bus: what a candidate and an operator see when input is bad, when storage or
Kafka blink, when an event is poison, when a session is deleted mid-answer, and when two
replicas race for one answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerFailed, AnswerMode, AnswerSubmitted, Stage, Topic
from greenroom_common.documents import FailureDoc, SessionDoc, TranscriptDoc
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys, session_doc
from greenroom_common.testing import MemoryBus, MemoryStore
from greenroom_common.worker import Worker

TENANT, SESSION, ANSWER = "acme", "s-1", "a-1"
KEYS = AnswerKeys(TENANT, SESSION, ANSWER)
Handler = Callable[[AnswerSubmitted], Awaitable[None]]


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"retry_budget_s": 5.0, "retry_cap_s": 0.01, "max_attempts": 3}
    return Settings(**(base | overrides))


def event() -> AnswerSubmitted:
    return AnswerSubmitted(tenant=TENANT, session_id=SESSION, answer_id=ANSWER,
                           question_id="lf-01", mode=AnswerMode.TEXT, text="hello")


def rig(handler: Handler, store: MemoryStore | None = None, **overrides: Any,
        ) -> tuple[Worker, MemoryStore, MemoryBus]:
    store = store or MemoryStore()
    store.objects[session_doc(TENANT, SESSION)] = SessionDoc(
        session_id=SESSION, tenant=TENANT, token_sha256="x", question_ids=["lf-01"],
    ).model_dump_json().encode()
    bus = MemoryBus()
    worker = bus.attach(Worker("stage", settings(**overrides), store=store))
    worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.GRADE)(handler)
    bus.send(Topic.SUBMITTED, event(), ANSWER)
    return worker, store, bus


def failure(store: MemoryStore) -> FailureDoc | None:
    data = store.objects.get(KEYS.failure)
    return None if data is None else FailureDoc.model_validate_json(data)


def test_bad_input_is_the_answers_outcome_and_never_retried() -> None:
    calls: list[int] = []

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)
        raise Rejected("too_long", "Record a shorter answer.")

    _, store, bus = rig(handler)
    asyncio.run(bus.drain())
    assert len(calls) == 1
    assert (found := failure(store)) is not None and found.reason == "too_long"
    [announced] = bus.on(Topic.FAILED.value)
    assert announced.parsed(AnswerFailed).message == "Record a shorter answer."
    assert bus.on(Topic.DEAD_LETTER.value) == []


def test_a_storage_outage_is_waited_out_not_failed() -> None:
    store = MemoryStore()
    calls: list[int] = []

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)
        if len(calls) < 6:
            store.down = True  # storage goes away while the stage works …
            await store.get_bytes("anything")
        await store.put_json(KEYS.grade, {"ok": True})

    async def scenario(bus: MemoryBus) -> None:
        async def heal() -> None:
            while len(calls) < 6:
                await asyncio.sleep(0.001)
                store.down = False  # … and comes back between tries
        await asyncio.gather(bus.drain(), heal())

    _, store, bus = rig(handler, store)
    asyncio.run(scenario(bus))
    assert len(calls) == 6
    assert KEYS.grade in store.objects
    assert failure(store) is None
    assert bus.on(Topic.DEAD_LETTER.value) == []


def test_an_unknown_error_during_an_outage_counts_as_transient() -> None:
    store = MemoryStore()
    calls: list[int] = []

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)
        if len(calls) <= 5:  # more than max_attempts: would be dead-lettered if poison
            store.down = True
            raise RuntimeError("a client library's own wrapper of a refused connection")

    async def scenario(bus: MemoryBus) -> None:
        async def heal() -> None:
            while len(calls) <= 5:
                await asyncio.sleep(0.001)
                store.down = False
        await asyncio.gather(bus.drain(), heal())

    _, store, bus = rig(handler, store)
    asyncio.run(scenario(bus))
    assert len(calls) == 6
    assert failure(store) is None and bus.on(Topic.DEAD_LETTER.value) == []


def test_a_poison_event_is_dead_lettered_after_its_attempts() -> None:
    calls: list[int] = []

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)
        raise ValueError("a bug this answer triggers every time")

    _, store, bus = rig(handler)
    asyncio.run(bus.drain())
    assert len(calls) == 3
    [letter] = bus.on(Topic.DEAD_LETTER.value)
    assert b"a bug this answer triggers" in letter.payload
    assert (found := failure(store)) is not None and found.reason == "internal_error"


def test_an_outage_longer_than_the_budget_is_recorded_as_unavailable() -> None:
    async def handler(e: AnswerSubmitted) -> None:
        raise ConnectionRefusedError("kafka is down")

    _, store, bus = rig(handler, retry_budget_s=0.05)
    asyncio.run(bus.drain())
    assert (found := failure(store)) is not None and found.reason == "unavailable"
    assert "unavailable" in found.message
    assert len(bus.on(Topic.DEAD_LETTER.value)) == 1


def test_storage_down_at_the_deleted_session_check_pauses_instead_of_spinning() -> None:
    calls: list[int] = []
    store = MemoryStore()

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)

    async def scenario(bus: MemoryBus) -> float:
        store.down = True
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def heal() -> None:
            await asyncio.sleep(0.2)
            store.down = False
        await asyncio.gather(bus.drain(), heal())
        return loop.time() - started

    _, store, bus = rig(handler, store, retry_cap_s=0.05)
    elapsed = asyncio.run(scenario(bus))
    assert calls == [1] and elapsed >= 0.2
    assert failure(store) is None


def test_a_deleted_session_is_skipped() -> None:
    calls: list[int] = []

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)

    _, store, bus = rig(handler)
    del store.objects[session_doc(TENANT, SESSION)]
    asyncio.run(bus.drain())
    assert calls == [] and store.objects == {} and bus.on(Topic.FAILED.value) == []


def test_a_session_deleted_while_a_stage_runs_leaves_nothing_behind() -> None:
    worker: Worker | None = None

    async def handler(e: AnswerSubmitted) -> None:
        assert worker is not None

        async def compute() -> TranscriptDoc:
            await worker.store.put_bytes(KEYS.audio, b"RIFF", "audio/wav")  # a side output
            await worker.store.delete_prefix(f"media/{TENANT}/{SESSION}/")  # the DELETE
            return TranscriptDoc.model_validate(TRANSCRIPT)

        await worker.once(e, KEYS.transcript, TranscriptDoc, compute)
        await worker.publish(Topic.TRANSCRIBED, e)

    worker, store, bus = rig(handler)
    asyncio.run(bus.drain())
    assert [k for k in store.objects if k.startswith("media/")] == []
    assert bus.on(Topic.TRANSCRIBED.value) == [] and bus.on(Topic.FAILED.value) == []


def test_racing_replicas_leave_one_result_and_share_it() -> None:
    store = MemoryStore()
    first = TranscriptDoc.model_validate(TRANSCRIPT | {"text": "first"})
    second = TranscriptDoc.model_validate(TRANSCRIPT | {"text": "second"})
    results: list[str] = []

    async def replica(doc: TranscriptDoc, delay: float) -> None:
        worker = Worker("stage", settings(), store=store)

        async def compute() -> TranscriptDoc:
            await asyncio.sleep(delay)
            return doc

        results.append((await worker.once(event(), KEYS.transcript, TranscriptDoc,
                                          compute)).text)

    async def race() -> None:
        await asyncio.gather(replica(first, 0.0), replica(second, 0.01))

    rig(lambda e: asyncio.sleep(0), store)
    asyncio.run(race())
    assert results == ["first", "first"]
    assert store.writes[KEYS.transcript] == 1


def test_a_stored_grade_wins_over_a_later_failure() -> None:
    async def handler(e: AnswerSubmitted) -> None:
        raise Rejected("no_speech", "We heard nothing.")

    _, store, bus = rig(handler)
    store.objects[KEYS.grade] = b"{}"
    asyncio.run(bus.drain())
    assert failure(store) is None and bus.on(Topic.FAILED.value) == []


def test_an_optional_stage_that_gives_up_does_not_fail_the_answer() -> None:
    given_up: list[str] = []

    async def handler(e: AnswerSubmitted) -> None:
        raise ValueError("this video breaks the face model")

    async def give_up(e: AnswerSubmitted, reason: str) -> None:
        given_up.append(reason)

    store = MemoryStore()
    bus = MemoryBus()
    worker = bus.attach(Worker("vision", settings(), store=store))
    store.objects[session_doc(TENANT, SESSION)] = b"{}"
    worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.VISION, give_up=give_up)(handler)
    bus.send(Topic.SUBMITTED, event(), ANSWER)
    asyncio.run(bus.drain())
    assert given_up == ["internal_error"] and failure(store) is None


def test_an_unreadable_event_is_dead_lettered_once() -> None:
    calls: list[int] = []

    async def handler(e: AnswerSubmitted) -> None:
        calls.append(1)

    worker, _, bus = rig(handler)
    asyncio.run(worker.dispatch(Topic.SUBMITTED.value, b'{"not": "an event"}', b"k"))
    assert calls == [] and len(bus.on(Topic.DEAD_LETTER.value)) == 1


def test_a_claim_belongs_to_its_event_and_its_redeliveries_only() -> None:
    worker, _, _ = rig(lambda e: asyncio.sleep(0))

    async def claims() -> list[bool]:
        e = event()
        key = KEYS.prefix + "join.claim"
        return [await worker.claim(e, key, "transcribed"), await worker.claim(e, key, "observed"),
                await worker.claim(e, key, "transcribed")]

    assert asyncio.run(claims()) == [True, False, True]


def test_a_claimed_job_is_announced_by_the_copy_that_finds_it_open() -> None:
    worker, _, _ = rig(lambda e: asyncio.sleep(0))

    async def checks() -> list[bool]:
        e, key = event(), KEYS.prefix + "join.claim"
        await worker.claim(e, key, "transcribed")
        before = [await worker.still_claimed(key, "transcribed"),
                  await worker.still_claimed(key, "observed")]
        await worker.done(key, "transcribed")  # the other copy announced it
        return [*before, await worker.still_claimed(key, "transcribed")]

    assert asyncio.run(checks()) == [True, False, False]


def test_settings_refuse_a_retry_budget_longer_than_the_poll_interval() -> None:
    with pytest.raises(ValueError, match="MAX_POLL_INTERVAL"):
        Settings(retry_budget_s=900.0, max_poll_interval_s=900.0)


TRANSCRIPT: dict[str, Any] = {
    "text": "", "language": "en", "language_probability": 1.0, "duration_s": 1.0,
    "model": "m", "engine": "e", "device": "cpu", "timing_method": "t", "inference_s": 0.1,
    "words": [], "segments": [],
}
