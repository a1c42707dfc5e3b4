"""Kafka adapter of the grader.

Joins the two halves of a media answer (``answers.transcribed`` and ``answers.observed``,
any order, duplicates possible, on any replica) through object storage: each half is stored
before its event is published, so whichever event arrives second finds both. When both
events find both halves (two replicas at once), a conditional write decides which event
owns the join; a redelivery of that event still owns it, so a crash never strands it.
Typed answers come straight from ``answers.submitted``. A stored grade is never recomputed:
a duplicate event re-announces the same result.

Every grade and every failure may complete the session (:mod:`greenroom_grader.completion`).

Grading runs in a worker thread (a coding answer's sandboxed run takes up to
``GREENROOM_SANDBOX_WALL_S``) so that the event loop keeps the Kafka consumer alive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from faststream.asgi import AsgiFastStream
from greenroom_common.config import Settings
from greenroom_common.contracts import (
    AnswerFailed,
    AnswerGraded,
    AnswerObserved,
    AnswerSubmitted,
    AnswerTranscribed,
    Event,
    Stage,
    Topic,
)
from greenroom_common.documents import (
    AnswerDoc,
    GradeDoc,
    SessionDoc,
    TranscriptDoc,
    VisionDoc,
)
from greenroom_common.errors import Rejected
from greenroom_common.keys import BANK_KEY, AnswerKeys, session_doc
from greenroom_common.storage import ObjectStore
from greenroom_common.worker import Transport, Worker

from greenroom_grader import follow_up, meaning
from greenroom_grader.bank import Question, load_bank, question
from greenroom_grader.completion import Completion
from greenroom_grader.llm import coaching_note
from greenroom_grader.sandbox import Limits, SandboxUnavailable
from greenroom_grader.scoring import grade

log = logging.getLogger(__name__)

SANDBOX_UNAVAILABLE = (
    "The grader cannot run code safely on this machine (its sandbox needs Linux namespaces), "
    "so the coding answer was not run. Tell the operator; see the grader's README.")


@dataclass(frozen=True)
class Parent:
    """The first answer of a follow-up exchange."""

    answer_id: str
    text: str
    transcript: TranscriptDoc | None
    vision: VisionDoc | None
    grade: GradeDoc


def _question(question_id: str) -> Question:
    found = question(question_id)
    if found is None:
        raise Rejected("unknown_question", f"Question {question_id!r} is not in the bank.")
    return found


class Grader:
    """The grader's routes on one worker."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.completion = Completion(worker)
        s = worker.settings
        self.limits = Limits(cpu_s=s.sandbox_cpu_s, wall_s=s.sandbox_wall_s,
                             memory_mb=s.sandbox_memory_mb, processes=s.sandbox_processes)
        worker.on_startup(self.publish_bank)
        worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.GRADE)(self.on_submitted)
        worker.route(Topic.TRANSCRIBED, AnswerTranscribed, Stage.GRADE)(self.on_transcribed)
        worker.route(Topic.OBSERVED, AnswerObserved, Stage.GRADE)(self.on_observed)
        # A failed answer can complete its session too. Giving up on this route only logs:
        # recording a failure here would announce another failure, and so on.
        worker.route(Topic.FAILED, AnswerFailed, Stage.GRADE,
                     give_up=self._completion_abandoned)(self.completion.after)

    async def publish_bank(self) -> None:
        """The gateway serves the bank's public view (prompts, modes, vocabulary for the
        transcription's decoding hints) from storage; rubrics and hidden tests stay here."""
        await self.worker.store.put_json(BANK_KEY, load_bank().public())
        await self.worker.blocking(meaning.models)  # load the models before the first answer

    async def on_submitted(self, event: AnswerSubmitted) -> None:
        if event.mode.has_media:
            return  # media answers arrive through transcription and vision
        q = _question(event.question_id)
        text = event.text or ""
        parent = await self._parent(event)
        if parent is not None and q.code is None:  # a follow-up: graded with what it follows
            text = f"{parent.text} {text}".strip()
        await self._finish(event, q, Topic.SUBMITTED, lambda: grade(
            event.answer_id, q, text, bank_version=load_bank().version,
            limits=self.limits), parent)

    async def on_transcribed(self, event: AnswerTranscribed) -> None:
        await self._join(event, event.question_id, Topic.TRANSCRIBED)

    async def on_observed(self, event: AnswerObserved) -> None:
        await self._join(event, event.question_id, Topic.OBSERVED)

    async def _join(self, event: Event, question_id: str, topic: Topic) -> None:
        store = self.worker.store
        keys = AnswerKeys.of(event)
        if await store.exists(keys.failure):
            return
        transcript = await store.get_model(keys.transcript, TranscriptDoc)
        vision = await store.get_model(keys.vision, VisionDoc)
        if transcript is None or vision is None:
            return  # the other half's event completes the join
        q = _question(question_id)
        text, words, speech = transcript.text, transcript.words, transcript.speech
        duration: float | None = transcript.duration_s
        parent = await self._parent(event)
        if parent is not None and parent.transcript is not None:  # a spoken follow-up
            text, words, duration, speech = follow_up.combined(parent.transcript, transcript)
            vision = parent.vision or vision
        elif parent is not None:  # a spoken follow-up of a typed answer: content together
            text, words, duration, speech = f"{parent.text} {text}", [], None, None
        await self._finish(event, q, topic, lambda: grade(
            event.answer_id, q, text, words or None, duration,
            vision.summary if vision.has_video else None, speech,
            vision.moments, bank_version=load_bank().version, limits=self.limits,
            unmeasured=vision.unmeasured,
        ), parent)

    async def _parent(self, event: Event) -> Parent | None:
        """What a follow-up answer follows: the first answer's text, transcript, vision and
        grade (``None`` for an answer that is not a follow-up)."""
        store = self.worker.store
        doc = await store.get_model(AnswerKeys(event.tenant, event.session_id,
                                               event.answer_id).answer, AnswerDoc)
        if doc is None or not doc.follow_up_of:
            return None
        keys = AnswerKeys(event.tenant, event.session_id, doc.follow_up_of)
        first = await store.get_model(keys.answer, AnswerDoc)
        graded = await store.get_model(keys.grade, GradeDoc)
        if first is None or graded is None:
            raise Rejected("no_first_answer", "The answer this follow-up belongs to was not "
                           "found; answer the question again.")
        transcript = await store.get_model(keys.transcript, TranscriptDoc)
        vision = await store.get_model(keys.vision, VisionDoc)
        text = transcript.text if transcript is not None else (first.text or "")
        return Parent(first.answer_id, text, transcript, vision, graded)

    async def _finish(self, event: Event, q: Question, topic: Topic,
                      compute: Callable[[], GradeDoc], parent: Parent | None = None) -> None:
        """Grade (once), announce (once) and maybe complete the session. When both halves'
        events saw both halves (two replicas at once), or an event is duplicated, the claim
        lets exactly one event do it; the claim is marked done as soon as the answer is
        announced, so that a crash during the session's completion does not announce it
        again."""
        keys = AnswerKeys.of(event)
        if not await self.worker.claim(event, keys.join, owner=topic.value):
            if await self.worker.announced(keys.join, topic.value):
                # This event's own job, announced before a crash cut it short: its session
                # may still wait for it (completion is claimed, so a repeat does nothing).
                await self.completion.after(event, Topic.GRADED)
            return

        async def scored() -> GradeDoc:
            try:
                doc = await self.worker.blocking(compute)
            except SandboxUnavailable as exc:
                log.error("coding sandbox unavailable: %s", exc)
                raise Rejected("sandbox_unavailable", SANDBOX_UNAVAILABLE) from exc
            if parent is not None:
                doc.follows, doc.follow_up = parent.answer_id, None
                doc.lifted = parent.grade.verdict == "fail" and doc.verdict == "pass"
            elif doc.follow_up is not None and not await self._follow_ups_on(event):
                doc.follow_up = None
            doc.coaching = await self.worker.blocking(coaching_note, doc, q.prompt,
                                                      self.worker.settings)
            return doc

        result = await self.worker.once(event, keys.grade, GradeDoc, scored)
        if not await self.worker.still_claimed(keys.join, topic.value):
            return  # a copy of this event on another replica announced it meanwhile
        await self.worker.publish(Topic.GRADED, AnswerGraded(
            **event.ids(),
            question_id=q.id, grade_key=keys.grade, verdict=result.verdict,
            score=result.score,
        ))
        # Marked at once: only a crash between these two lines announces the answer twice.
        await self.worker.done(keys.join, topic.value)
        await self.completion.after(event, Topic.GRADED)

    async def _follow_ups_on(self, event: Event) -> bool:
        session = await self.worker.store.get_model(
            session_doc(event.tenant, event.session_id), SessionDoc)
        return session is not None and session.follow_ups

    async def _completion_abandoned(self, event: AnswerFailed, reason: str) -> None:
        log.error("grader: could not complete session %s after answer %s failed (%s)",
                  event.session_id, event.answer_id, reason)


def create_worker(settings: Settings | None = None, *, store: ObjectStore | None = None,
                  transport: Transport | None = None) -> Worker:
    """The composition root: a worker with the grader's routes (tests pass an in-memory
    store and transport)."""
    worker = Worker("grader", settings, store=store, transport=transport)
    Grader(worker)
    return worker


def create_app(settings: Settings | None = None) -> AsgiFastStream:
    return create_worker(settings).app()
