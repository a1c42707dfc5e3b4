"""Pastes and pages left while an answer is written: which become observations for a hiring
team, what the figures say, what is never stored (practice sessions) and the errors a client
gets for malformed events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from greenroom_common.contracts import AnswerMode
from greenroom_common.documents import EditorEvent, QuestionBank, QuestionView
from greenroom_common.keys import ANSWER_DOC, BANK_KEY
from greenroom_common.testing import MemoryStore
from greenroom_gateway.editor_events import PASTE_MIN_CHARS, observations, parse
from greenroom_gateway.errors import Invalid
from greenroom_gateway.interviews import Interviews
from greenroom_gateway.tenancy import Caller

BANK = QuestionBank(version="1", questions=[QuestionView(
    id="cd-01", round="coding", category="algorithms", prompt="Write pairs(xs, target).",
    answer_modes=[AnswerMode.CODE])])
CODE = "def pairs(xs, target):\n    return 0\n"


def paste(at_s: float, chars: int, *, lines: int = 1, from_page: bool = False) -> EditorEvent:
    return EditorEvent(kind="paste", at_s=at_s, chars=chars, lines=lines,
                       from_page=from_page)


def left(at_s: float, away_s: float) -> EditorEvent:
    return EditorEvent(kind="left_page", at_s=at_s, away_s=away_s)


def test_a_paste_from_outside_the_editor_is_reported_with_its_size_and_time() -> None:
    [found] = observations([paste(92.4, 412, lines=14)], answer_chars=430)
    assert found.kind == "paste" and found.start_s == 92.4
    assert found.figure == ("412 characters (14 lines) pasted from outside the page at 1:32; "
                            "the submitted answer has 430 characters")
    assert "Not part of the verdict" in found.note


def test_moving_ones_own_code_and_short_pastes_are_not_reported() -> None:
    events = [paste(10, 300, lines=9, from_page=True), paste(20, PASTE_MIN_CHARS - 1)]
    assert observations(events, answer_chars=400) == []
    assert len(observations([paste(30, PASTE_MIN_CHARS)], answer_chars=400)) == 1


def test_pages_left_for_a_while_are_counted_and_glances_are_not() -> None:
    events = [left(30, 1.2), left(60, 48), left(150.4, 12)]
    found = observations(events, answer_chars=100)
    assert [o.kind for o in found] == ["tab_switch", "tab_switch"]
    assert (found[0].start_s, found[0].end_s) == (60, 108)
    assert found[0].figure == "left the page for 48 s at 1:00 (1 of 2, 60 s away in total)"
    assert found[1].figure.startswith("left the page for 12 s at 2:30 (2 of 2")


def test_observations_come_in_time_order() -> None:
    found = observations([left(50, 5), paste(10, 200)], answer_chars=300)
    assert [o.kind for o in found] == ["paste", "tab_switch"]


@pytest.mark.parametrize(("raw", "message"), [
    ("not json", "must be a JSON array"),
    (json.dumps({"kind": "paste"}), "Input should be a valid list"),
    (json.dumps([{"kind": "copy", "at_s": 1}]), "editor_events[0.kind]"),
    (json.dumps([{"kind": "paste", "at_s": -1}]), "greater than or equal to 0"),
    (json.dumps([{"kind": "paste", "at_s": 1, "text": "def f(): ..."}]), "Extra inputs"),
])
def test_malformed_events_get_a_clear_error(raw: str, message: str) -> None:
    with pytest.raises(Invalid, match=message.replace("[", r"\[").replace("(", r"\(")) as error:
        parse(raw)
    assert error.value.field == "editor_events"


def test_only_the_first_500_events_are_read() -> None:
    events = parse(json.dumps([{"kind": "paste", "at_s": i, "chars": 60}
                               for i in range(2000)]))
    assert len(events) == 500


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def submit(caller: Caller, events: list[EditorEvent]) -> tuple[Interviews, MemoryStore, str]:
    store = MemoryStore()
    store.objects[BANK_KEY] = BANK.model_dump_json().encode()

    async def publish(*_: object) -> None:
        return None

    interviews = Interviews(store, publish, max_text_chars=10_000)
    session, _, _ = run(interviews.create_session(caller, round_=None, count=None,
                                                  question_ids=["cd-01"]))
    doc = run(interviews.submit_text(session, "cd-01", CODE, AnswerMode.CODE,
                                     editor_events=events))
    return interviews, store, doc.answer_id


def test_a_hiring_team_sees_the_editor_observations_of_its_session() -> None:
    hiring = Caller(tenant="acme")
    interviews, _, answer_id = submit(hiring, [paste(5, 300, lines=9), left(20, 30)])
    status = run(interviews.answer(answer_id, hiring))
    assert [o.kind for o in status.observations] == ["paste", "tab_switch"]


def test_a_practice_session_stores_no_editor_events_at_all() -> None:
    _, store, _ = submit(Caller(tenant="public", token="t"), [paste(5, 300), left(20, 30)])
    [doc_key] = [k for k in store.objects if k.endswith(ANSWER_DOC)]
    stored = json.loads(store.objects[doc_key])
    assert stored["editor_events"] == []
    assert b"left_page" not in b"".join(store.objects.values())
