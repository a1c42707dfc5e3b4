"""What a live watch passes on when Kafka delivers an event more than once."""

from __future__ import annotations

import asyncio
from typing import Literal

from greenroom_common.contracts import AnswerGraded, Event, SessionCompleted, Topic
from greenroom_gateway.live import Item, LiveEvents

IDS = {"tenant": "acme", "session_id": "s1"}


def graded(answer_id: str, verdict: Literal["pass", "fail"] = "pass") -> AnswerGraded:
    return AnswerGraded(**IDS, answer_id=answer_id, question_id="q1",
                        grade_key=f"media/acme/s1/{answer_id}/grade.json",
                        verdict=verdict, score=72.0)


def completed(last: str) -> SessionCompleted:
    return SessionCompleted(**IDS, answer_id=last, verdict="pass",
                            report_key="media/acme/s1/report.json")


def drained(queue: asyncio.Queue[Item]) -> list[tuple[Topic, Event]]:
    items = []
    while not queue.empty():
        item = queue.get_nowait()
        assert item is not None, "the watch did not end"
        items.append(item)
    return items


def test_a_stage_publishing_again_after_a_crash_reaches_each_watch_once() -> None:
    live = LiveEvents()
    with live.watch("s1") as first, live.watch("s1") as second:
        event = graded("a1")
        live.deliver(Topic.GRADED, event)
        # the redelivered event is published again: new id and time, same result
        live.deliver(Topic.GRADED, graded("a1"))
        assert [e for _, e in drained(first)] == [event]
        assert [e for _, e in drained(second)] == [event]


def test_other_answers_retakes_and_a_new_report_are_news() -> None:
    live = LiveEvents()
    with live.watch("s1") as queue:
        live.deliver(Topic.GRADED, graded("a1"))
        live.deliver(Topic.GRADED, graded("a2", "fail"))
        live.deliver(Topic.SESSION_COMPLETED, completed("a2"))
        live.deliver(Topic.GRADED, graded("a3"))  # a retake after completion
        live.deliver(Topic.SESSION_COMPLETED, completed("a3"))  # the report's new version
        live.deliver(Topic.SESSION_COMPLETED, completed("a3"))  # ... announced twice
        told = [(topic, event.answer_id) for topic, event in drained(queue)]
    assert told == [(Topic.GRADED, "a1"), (Topic.GRADED, "a2"),
                    (Topic.SESSION_COMPLETED, "a2"), (Topic.GRADED, "a3"),
                    (Topic.SESSION_COMPLETED, "a3")]


def test_a_watch_opened_later_is_told_what_it_has_not_seen() -> None:
    live = LiveEvents()
    with live.watch("s1") as early:
        live.deliver(Topic.GRADED, graded("a1"))
        with live.watch("s1") as late:
            live.deliver(Topic.GRADED, graded("a1"))
            assert len(drained(late)) == 1  # its snapshot may say it too; it is not a repeat
        assert len(drained(early)) == 1
