"""The gateway's core: sessions, answers and their status, independent of HTTP or gRPC.

State lives in object storage only (documents written by each stage), so any number of
gateway replicas answer the same way and a status is never out of step with the results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from greenroom_common.contracts import AnswerMode, AnswerSubmitted, Event, Stage, Topic, new_id
from greenroom_common.documents import (
    AnswerDoc,
    EditorEvent,
    FailureDoc,
    GradeDoc,
    QuestionBank,
    QuestionView,
    SessionDoc,
    SessionReport,
)
from greenroom_common.domain import EMPTY_UPLOAD
from greenroom_common.keys import (
    BANK_KEY,
    AnswerKeys,
    answer_index,
    is_answer_doc,
    session_doc,
    session_index,
    session_prefix,
    session_report,
)
from greenroom_common.storage import ObjectStore

from greenroom_gateway.answer_status import AnswerStatus, read_status
from greenroom_gateway.errors import Expired, Invalid, NotFound, TooMany, Unavailable
from greenroom_gateway.limits import printable_ascii, valid_id
from greenroom_gateway.tenancy import PUBLIC_TENANT, Caller, digest
from greenroom_gateway.uploads import media_mode, upload_extension

Publish = Callable[[Topic, Event], Awaitable[None]]
log = logging.getLogger("greenroom.gateway")

@dataclass(frozen=True)
class AnswerCaps:
    per_question: int = 3
    per_session: int = 40


class Interviews:
    """Use cases of the public API (HTTP today, gRPC mirrors them)."""

    BANK_TTL_S = 30.0

    def __init__(self, store: ObjectStore, publish: Publish, max_text_chars: int,
                 token_ttl_s: float = 7 * 24 * 3600, caps: AnswerCaps | None = None,
                 on_deleted: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.publish = publish
        self.max_text_chars = max_text_chars
        self.token_ttl_s = token_ttl_s
        self.caps = caps or AnswerCaps()
        self.on_deleted = on_deleted
        self._bank: tuple[float, QuestionBank] | None = None
        # Answers accepted by this replica but not recorded yet, per session and question:
        # counted against the caps so parallel uploads cannot all slip under them.
        self._pending: Counter[tuple[str, str]] = Counter()

    # -- questions ----------------------------------------------------------------------

    async def bank(self) -> QuestionBank:
        now = time.monotonic()
        if self._bank and now - self._bank[0] < self.BANK_TTL_S:
            return self._bank[1]
        bank = await self.store.get_model(BANK_KEY, QuestionBank)
        if bank is None:
            raise Unavailable("The question bank is not published yet; the grader publishes "
                              "it when it starts. Try again in a few seconds.")
        self._bank = (now, bank)
        return bank

    async def questions(self, round_: str | None = None) -> list[QuestionView]:
        bank = await self.bank()
        return [q for q in bank.questions if round_ is None or q.round == round_]

    # -- sessions -----------------------------------------------------------------------

    async def create_session(
        self, caller: Caller, *, round_: str | None, count: int | None,
        question_ids: list[str] | None, reference: str | None = None,
        follow_ups: bool = True,
    ) -> tuple[SessionDoc, str, list[QuestionView]]:
        if reference is not None and (len(reference) > 200 or not reference.isprintable()):
            raise Invalid("reference", "The reference is at most 200 printable characters.")
        if question_ids is not None and len(question_ids) > 20:
            raise Invalid("question_ids", "A session has at most 20 questions.")
        if count is not None and not 0 <= count <= 20:
            raise Invalid("count", "count must be between 1 and 20.")
        bank = {q.id: q for q in (await self.bank()).questions}
        if question_ids:
            unknown = [q for q in question_ids if q not in bank]
            if unknown:
                shown = ", ".join(q if valid_id(q) else repr(q[:40]) for q in unknown[:5])
                raise Invalid("question_ids", f"Unknown question ids: {shown}.")
            chosen = [bank[q] for q in question_ids]
        elif round_:
            pool = [q for q in bank.values() if q.round == round_]
            if not pool:
                round_ = round_ if valid_id(round_) else repr(round_[:40])
                rounds = sorted({q.round for q in bank.values()})
                raise Invalid("round", f"Unknown round {round_!r}; choose one of "
                              f"{', '.join(rounds)}.")
            wanted = count or len(pool)
            if not 1 <= wanted <= len(pool):
                raise Invalid("count", f"count must be between 1 and {len(pool)} for "
                              f"round {round_!r}.")
            chosen = random.sample(pool, wanted)
        else:
            raise Invalid("round", "Give a round (with an optional count) or question_ids.")
        token = secrets.token_urlsafe(24)
        tenant = caller.tenant
        session = SessionDoc(session_id=new_id(), tenant=tenant, token_sha256=digest(token),
                             question_ids=[q.id for q in chosen], round=round_,
                             reference=reference, follow_ups=follow_ups)
        await self.store.put_json(session_doc(tenant, session.session_id), session)
        await self.store.put_json(session_index(session.session_id), {"tenant": tenant})
        return session, token, chosen

    async def session(self, session_id: str, caller: Caller) -> SessionDoc:
        """The session if the caller may open it; otherwise :class:`NotFound`, whatever the
        cause (missing, wrong token, another tenant's), so nothing leaks."""
        if not valid_id(session_id):
            raise NotFound(session_id[:64])  # cannot name a stored session
        index = await self.store.get_json(session_index(session_id))
        if index is None or (not caller.public and index["tenant"] != caller.tenant):
            raise NotFound(session_id)
        found = await self.store.get_model(session_doc(index["tenant"], session_id), SessionDoc)
        if found is None or not caller.owns(found.tenant, found.token_sha256):
            raise NotFound(session_id)
        if caller.public and self.token_ttl_s > 0:
            created = found.created_at if found.created_at.tzinfo else \
                found.created_at.replace(tzinfo=UTC)
            age = (datetime.now(UTC) - created).total_seconds()
            if age > self.token_ttl_s:
                raise Expired(session_id)
        return found

    async def delete_session(self, session: SessionDoc) -> int:
        """Delete the session's media and results. The session document goes first, so the
        pipeline stops working on it (workers skip answers of deleted sessions); a second
        sweep removes anything a stage in flight wrote meanwhile."""
        prefix = session_prefix(session.tenant, session.session_id)
        await self.store.delete(session_doc(session.tenant, session.session_id))
        await self.store.delete(session_index(session.session_id))
        if self.on_deleted is not None:
            self.on_deleted(session.session_id)  # open streams of the session end now
        keys = await self.store.list(prefix)
        answer_ids = {k[len(prefix):].split("/", 1)[0] for k in keys
                      if is_answer_doc(k)}
        removed = await self.store.delete_prefix(prefix)
        for answer_id in answer_ids:
            await self.store.delete(answer_index(answer_id))
        return removed + await self.store.delete_prefix(prefix)

    # -- answers ------------------------------------------------------------------------

    def _check_mode(self, question: QuestionView, mode: AnswerMode) -> None:
        if mode not in question.answer_modes:
            allowed = ", ".join(m.value for m in question.answer_modes)
            raise Invalid("mode", f"Question {question.id} takes {allowed} answers, "
                          f"not {mode.value}.")

    async def _question(self, session: SessionDoc, question_id: str) -> QuestionView:
        if question_id not in session.question_ids:
            shown = repr(question_id) if valid_id(question_id) else "given"
            raise Invalid("question_id", f"The question {shown} is not part of this "
                          "session.")
        bank = {q.id: q for q in (await self.bank()).questions}
        return bank[question_id]

    @contextlib.asynccontextmanager
    async def _slot(self, session: SessionDoc, question_id: str) -> AsyncIterator[None]:
        """Room for one more answer to ``question_id`` within the caps, held until the
        answer is recorded (:class:`TooMany` otherwise). Across replicas a burst can pass a
        cap by the uploads in flight at that moment, no more."""
        sid = session.session_id
        prefix = session_prefix(session.tenant, sid)
        keys = [k for k in await self.store.list(prefix) if is_answer_doc(k)]
        pending = sum(n for (s, _), n in self._pending.items() if s == sid)
        if len(keys) + pending >= self.caps.per_session:
            raise TooMany(f"This session has {self.caps.per_session} answers, the most it "
                          "can have; start a new session to practise more.")
        same = self._pending[(sid, question_id)]
        if len(keys) + pending >= self.caps.per_question:
            docs = await asyncio.gather(*(self.store.get_model(k, AnswerDoc) for k in keys))
            same += sum(1 for d in docs if d is not None and d.question_id == question_id)
        if same >= self.caps.per_question:
            raise TooMany(f"This question already has {self.caps.per_question} answers in "
                          "this session, the most it can have; go on to the next question.")
        self._pending[(sid, question_id)] += 1
        try:
            yield
        finally:
            self._pending[(sid, question_id)] -= 1
            if self._pending[(sid, question_id)] <= 0:
                del self._pending[(sid, question_id)]

    async def _record(self, doc: AnswerDoc) -> None:
        """Write the answer's document and index, then make sure its session still exists.
        A DELETE removes the session document first and sweeps the prefix after: if the
        session is still there now, that sweep will see what was written here; if it is
        gone, this answer removes itself (and the caller gets :class:`NotFound`). So a
        deletion during a slow upload leaves nothing behind."""
        keys = AnswerKeys.of(doc)
        await self.store.put_json(keys.answer, doc)
        await self.store.put_json(answer_index(doc.answer_id),
                                  {"tenant": doc.tenant, "session_id": doc.session_id})
        if not await self.store.exists(session_doc(doc.tenant, doc.session_id)):
            await self.store.delete_prefix(keys.prefix)
            await self.store.delete(answer_index(doc.answer_id))
            raise NotFound(doc.session_id)

    async def follow_up(self, session: SessionDoc, answer_id: str) -> tuple[str, int]:
        """The question and time limit of an answer to the follow-up of ``answer_id``: an
        answer of this session whose result asks a follow-up nobody answered yet."""
        if not valid_id(answer_id):
            raise Invalid("follow_up_of", "follow_up_of is not an answer id.")
        keys = AnswerKeys(session.tenant, session.session_id, answer_id)
        first = await self.store.get_model(keys.answer, AnswerDoc)
        if first is None:
            raise Invalid("follow_up_of", "There is no such answer in this session.")
        graded = await self.store.get_model(keys.grade, GradeDoc)
        if graded is None or graded.follow_up is None:
            raise Invalid("follow_up_of", "This answer has no follow-up question; wait for "
                          "its result, or go on to the next question.")
        prefix = session_prefix(session.tenant, session.session_id)
        docs = [await self.store.get_model(k, AnswerDoc)
                for k in await self.store.list(prefix) if is_answer_doc(k)]
        if any(d is not None and d.follow_up_of == answer_id for d in docs):
            raise TooMany("This follow-up is already answered; go on to the next question.")
        return first.question_id, graded.follow_up.time_limit_s

    async def submit_text(self, session: SessionDoc, question_id: str, text: str,
                          mode: AnswerMode, follow_up_of: str | None = None,
                          editor_events: Sequence[EditorEvent] = ()) -> AnswerDoc:
        """Store and queue a typed or coded answer. ``editor_events`` (pastes, pages left)
        are kept for hiring-team sessions only: practice sessions never store them."""
        limit = None
        if follow_up_of is not None:
            question_id, limit = await self.follow_up(session, follow_up_of)
        question = await self._question(session, question_id)
        self._check_mode(question, mode)
        if not text.strip():
            raise Invalid(mode.value, "The answer is empty; write your answer and submit again.")
        if len(text) > self.max_text_chars:
            raise Invalid(mode.value, f"The answer has {len(text)} characters; the limit is "
                          f"{self.max_text_chars}.")
        doc = AnswerDoc(answer_id=new_id(), session_id=session.session_id,
                        tenant=session.tenant, question_id=question_id, mode=mode, text=text,
                        follow_up_of=follow_up_of, time_limit_s=limit,
                        editor_events=list(editor_events)
                        if session.tenant != PUBLIC_TENANT else [])
        async with self._slot(session, question_id):
            await self._record(doc)
        await self._announce(doc, AnswerSubmitted(
            tenant=doc.tenant, session_id=doc.session_id, answer_id=doc.answer_id,
            question_id=question_id, mode=mode, text=text, follow_up_of=follow_up_of,
        ))
        return doc

    async def _announce(self, doc: AnswerDoc, event: AnswerSubmitted) -> None:
        """Publish the stored answer; when Kafka cannot take it, remove the answer again
        (it would wait forever) and tell the caller to send it again."""
        try:
            await self.publish(Topic.SUBMITTED, event)
        except Exception as exc:
            log.warning("answer %s not queued (%r); removed, the caller retries", doc.answer_id,
                        exc)
            await self.store.delete_prefix(AnswerKeys(doc.tenant, doc.session_id,
                                                      doc.answer_id).prefix)
            await self.store.delete(answer_index(doc.answer_id))
            raise Unavailable("Your answer could not be queued because the platform is busy "
                              "recovering; please submit it again in a few seconds.") from exc

    async def submit_media(self, session: SessionDoc, question_id: str, stream: BinaryIO,
                           size: int, content_type: str | None, filename: str | None,
                           follow_up_of: str | None = None,
                           ) -> tuple[AnswerDoc, FailureDoc | None]:
        """Store the upload, then announce it. An empty file is recorded as failed at once."""
        for name, value, longest in (("file.content_type", content_type, 127),
                                     ("file.filename", filename, 255)):
            if value is not None and (len(value) > longest or not printable_ascii(value)):
                raise Invalid(name, f"The {name.split('.')[1].replace('_', ' ')} must be at "
                              f"most {longest} printable ASCII characters; rename the file "
                              "and upload it again.")
        limit = None
        if follow_up_of is not None:
            question_id, limit = await self.follow_up(session, follow_up_of)
        question = await self._question(session, question_id)
        mode = media_mode(content_type, filename)
        self._check_mode(question, mode)
        doc = AnswerDoc(answer_id=new_id(), session_id=session.session_id,
                        tenant=session.tenant, question_id=question_id, mode=mode,
                        content_type=content_type, filename=filename, size_bytes=size,
                        follow_up_of=follow_up_of, time_limit_s=limit)
        keys = AnswerKeys.of(doc)
        async with self._slot(session, question_id):
            if size == 0:
                failure = FailureDoc(stage=Stage.INGEST, reason="empty", message=EMPTY_UPLOAD)
                await self.store.put_json(keys.failure, failure)  # first: _record checks
                await self._record(doc)
                return doc, failure
            doc.upload_key = keys.upload(upload_extension(filename))
            try:
                doc.size_bytes = await self.store.put_stream(
                    doc.upload_key, stream, content_type or "application/octet-stream")
            except BaseException:
                await self.store.delete(doc.upload_key)  # no half-stored upload is left
                raise
            await self._record(doc)
        await self._announce(doc, AnswerSubmitted(
            tenant=doc.tenant, session_id=doc.session_id, answer_id=doc.answer_id,
            question_id=question_id, mode=mode, upload_key=doc.upload_key,
            content_type=content_type, size_bytes=doc.size_bytes, follow_up_of=follow_up_of,
        ))
        return doc, None

    async def answer(self, answer_id: str, caller: Caller) -> AnswerStatus:
        if not valid_id(answer_id):
            raise NotFound(answer_id[:64])
        index = await self.store.get_json(answer_index(answer_id))
        if index is None:
            raise NotFound(answer_id)
        await self.session(index["session_id"], caller)
        keys = AnswerKeys(index["tenant"], index["session_id"], answer_id)
        doc = await self.store.get_model(keys.answer, AnswerDoc)
        if doc is None:
            raise NotFound(answer_id)
        return await read_status(self.store, doc)

    async def report(self, session: SessionDoc) -> dict[str, Any]:
        prefix = session_prefix(session.tenant, session.session_id)
        keys = [k for k in await self.store.list(prefix) if is_answer_doc(k)]
        answers = [a for k in keys if (a := await self.store.get_model(k, AnswerDoc))]
        statuses = [await read_status(self.store, a)
                    for a in sorted(answers, key=lambda a: a.submitted_at)]
        report = await self.store.get_model(
            session_report(session.tenant, session.session_id), SessionReport)
        return {"session": session, "answers": statuses, "report": report}
