"""Event contracts: every topic is declared, keyed by answer id and versioned."""

from __future__ import annotations

import re

import pytest
from greenroom_common.asyncapi import specification
from greenroom_common.contracts import (
    TOPIC_DESCRIPTIONS,
    TOPIC_PAYLOADS,
    AnswerMode,
    AnswerSubmitted,
    Topic,
)
from pydantic import ValidationError


def submitted(**overrides: object) -> AnswerSubmitted:
    fields: dict[str, object] = {"tenant": "public", "session_id": "s1", "answer_id": "a1",
                                 "question_id": "lf-01", "mode": AnswerMode.TEXT, "text": "hi"}
    fields.update(overrides)
    return AnswerSubmitted.model_validate(fields)


def test_every_topic_has_a_payload_and_a_description() -> None:
    assert set(TOPIC_PAYLOADS) == set(Topic) == set(TOPIC_DESCRIPTIONS)


def test_events_are_keyed_by_answer_id_and_round_trip_as_json() -> None:
    event = submitted()
    assert event.key == b"a1"
    wire = event.model_dump_json()
    assert '"schema_version":1' in wire
    assert AnswerSubmitted.model_validate_json(wire) == event


def test_unknown_schema_version_is_refused() -> None:
    with pytest.raises(ValidationError):
        AnswerSubmitted.model_validate_json(submitted().model_dump_json().replace(
            '"schema_version":1', '"schema_version":2'))


def test_asyncapi_document_lists_every_topic_with_its_payload() -> None:
    document = specification().to_specification().to_jsonable()
    assert set(document["channels"]) == {t.value for t in Topic}
    assert "AnswerSubmitted" in document["components"]["schemas"]


def test_readme_documents_every_setting() -> None:
    from pathlib import Path

    from greenroom_common.config import Settings

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    documented = set(re.findall(r"^\| `(GREENROOM_[A-Z0-9_]+)`", readme, flags=re.M))
    assert {f"GREENROOM_{name.upper()}" for name in Settings.model_fields} <= documented
