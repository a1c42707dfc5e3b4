"""Ingest reads only what lies under the answer's own prefix: the upload's key comes from
the gateway's answer document there, never from the event, so a forged
``answers.submitted`` cannot copy another tenant's media into the attacker's session."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from greenroom_common.contracts import AnswerMode, AnswerSubmitted
from greenroom_common.documents import AnswerDoc
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys
from greenroom_ingest import service

VICTIM_UPLOAD = "media/acme/s-victim/a-victim/upload.webm"


class FakeStore:
    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}
        self.downloads: list[str] = []

    async def get_model(self, key: str, model: type[Any]) -> Any:
        return self.objects.get(key)

    async def download(self, key: str, path: Path) -> None:
        self.downloads.append(key)
        raise FileNotFoundError(key)  # enough: what matters is which key was asked for


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    fake = FakeStore()
    monkeypatch.setattr(service.worker, "store", fake)
    return fake


def forged(upload_key: str = VICTIM_UPLOAD) -> tuple[AnswerSubmitted, AnswerKeys]:
    """An event naming the attacker's own answer, but the victim's upload."""
    event = AnswerSubmitted(tenant="evil", session_id="s-evil", answer_id="a-evil",
                            question_id="lf-02", mode=AnswerMode.VIDEO, upload_key=upload_key)
    return event, AnswerKeys(event.tenant, event.session_id, event.answer_id)


def test_a_forged_upload_key_is_never_read(store: FakeStore) -> None:
    _, keys = forged()
    with pytest.raises(Rejected):
        asyncio.run(service._ingest(keys))  # no answer document of its own: nothing to read
    # An answer document that names a key outside its own prefix is not believed either.
    store.objects[keys.answer] = AnswerDoc(
        answer_id="a-evil", session_id="s-evil", tenant="evil", question_id="lf-02",
        mode=AnswerMode.VIDEO, upload_key=VICTIM_UPLOAD)
    with pytest.raises(Rejected):
        asyncio.run(service._ingest(keys))
    assert store.downloads == []


def test_the_upload_is_read_from_the_answers_own_prefix(store: FakeStore) -> None:
    _, keys = forged()
    store.objects[keys.answer] = AnswerDoc(
        answer_id="a-evil", session_id="s-evil", tenant="evil", question_id="lf-02",
        mode=AnswerMode.VIDEO, upload_key=keys.upload(".webm"))
    with pytest.raises(FileNotFoundError):
        asyncio.run(service._ingest(keys))
    assert store.downloads == [keys.upload(".webm")]
