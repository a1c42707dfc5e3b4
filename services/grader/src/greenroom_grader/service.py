"""Kafka adapter of the grader.

Joins the two halves of a media answer (``answers.transcribed`` and ``answers.observed``,
any order, duplicates possible) through object storage: each half is stored before its
event is published, so whichever event arrives second finds both. Typed answers come
straight from ``answers.submitted``. A stored grade is never recomputed: a duplicate event
re-announces the same result.

Grading runs in a worker thread (a coding answer's sandboxed run takes up to
``GREENROOM_SANDBOX_WALL_S``) so that the event loop keeps the Kafka consumer alive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from greenroom_common.contracts import (
    AnswerGraded,
    AnswerObserved,
    AnswerSubmitted,
    AnswerTranscribed,
    Event,
    SessionCompleted,
    Stage,
    Topic,
)
from greenroom_common.documents import (
    AnswerDoc,
    GradeDoc,
    SessionDoc,
    SessionReport,
    TranscriptDoc,
    VisionDoc,
)
from greenroom_common.errors import Rejected
from greenroom_common.keys import BANK_KEY, AnswerKeys, session_doc, session_report
from greenroom_common.worker import Worker

from greenroom_grader import meaning
from greenroom_grader.bank import Question, load_bank, question
from greenroom_grader.llm import coaching_note
from greenroom_grader.report import session_report as build_report
from greenroom_grader.sandbox import Limits, SandboxUnavailable
from greenroom_grader.scoring import grade

log = logging.getLogger(__name__)
worker = Worker("grader")


def _limits() -> Limits:
    s = worker.settings
    return Limits(cpu_s=s.sandbox_cpu_s, wall_s=s.sandbox_wall_s,
                  memory_mb=s.sandbox_memory_mb, processes=s.sandbox_processes)


@worker.on_startup
async def publish_bank() -> None:
    """The gateway serves the bank's public view (prompts, modes, vocabulary for the
    transcription's decoding hints) from storage; rubrics and hidden tests stay here."""
    await worker.store.put_json(BANK_KEY, load_bank().public())
    await asyncio.to_thread(meaning.models)  # load the language models before the first answer


def _question(question_id: str) -> Question:
    found = question(question_id)
    if found is None:
        raise Rejected("unknown_question", f"Question {question_id!r} is not in the bank.")
    return found


@worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.GRADE)
async def on_submitted(event: AnswerSubmitted) -> None:
    if event.mode.has_media:
        return  # media answers arrive through transcription and vision
    q = _question(event.question_id)
    await _finish(event, q, lambda: grade(event.answer_id, q, event.text or "",
                                          bank_version=load_bank().version,
                                          limits=_limits()))


@worker.route(Topic.TRANSCRIBED, AnswerTranscribed, Stage.GRADE)
async def on_transcribed(event: AnswerTranscribed) -> None:
    await _join(event, event.question_id)


@worker.route(Topic.OBSERVED, AnswerObserved, Stage.GRADE)
async def on_observed(event: AnswerObserved) -> None:
    await _join(event, event.question_id)


async def _join(event: Event, question_id: str) -> None:
    keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
    if await worker.store.exists(keys.failure):
        return
    transcript = await worker.store.get_model(keys.transcript, TranscriptDoc)
    vision = await worker.store.get_model(keys.vision, VisionDoc)
    if transcript is None or vision is None:
        return  # the other half's event completes the join
    q = _question(question_id)
    await _finish(event, q, lambda: grade(
        event.answer_id, q, transcript.text, transcript.words, transcript.duration_s,
        vision.summary if vision.has_video else None, transcript.speech,
        vision.moments, bank_version=load_bank().version,
        limits=_limits(),
    ))


async def _finish(event: Event, q: Question, compute: Callable[[], GradeDoc]) -> None:
    keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
    question_id = q.id

    async def scored() -> GradeDoc:
        try:
            doc = await asyncio.to_thread(compute)
        except SandboxUnavailable as exc:
            log.error("coding sandbox unavailable: %s", exc)
            raise Rejected("sandbox_unavailable", "The grader cannot run code safely on this "
                           "machine (its sandbox needs Linux namespaces), so the coding "
                           "answer was not run. Tell the operator; see the grader's "
                           "README.") from exc
        doc.coaching = await asyncio.to_thread(coaching_note, doc, q.prompt, worker.settings)
        return doc

    result = await worker.once(keys.grade, GradeDoc, scored)
    await worker.publish(Topic.GRADED, AnswerGraded(
        tenant=event.tenant, session_id=event.session_id, answer_id=event.answer_id,
        question_id=question_id, grade_key=keys.grade, verdict=result.verdict,
        score=result.score, provisional=result.provisional,
    ))
    await _complete_session(event)


async def _complete_session(event: Event) -> None:
    """Once every question of the session has a graded answer, publish the session verdict."""
    store = worker.store
    session = await store.get_model(session_doc(event.tenant, event.session_id), SessionDoc)
    if session is None:
        return
    report_key = session_report(event.tenant, event.session_id)
    report = await store.get_model(report_key, SessionReport)
    if report is None:
        graded: dict[str, GradeDoc] = {}
        prefix = session_doc(event.tenant, event.session_id).rsplit("/", 1)[0] + "/"
        answers = [k for k in await store.list(prefix) if k.endswith("/answer.json")]
        docs = [d for k in answers if (d := await store.get_model(k, AnswerDoc)) is not None]
        for doc in sorted(docs, key=lambda d: d.submitted_at):
            keys = AnswerKeys(doc.tenant, doc.session_id, doc.answer_id)
            found = await store.get_model(keys.grade, GradeDoc)
            if found is not None:
                graded[doc.question_id] = found  # the latest graded attempt counts
        if set(session.question_ids) - set(graded):
            return
        report = build_report(event.session_id,
                              {q: graded[q] for q in session.question_ids})
        await store.put_json(report_key, report)
    await worker.publish(Topic.SESSION_COMPLETED, SessionCompleted(
        tenant=event.tenant, session_id=event.session_id, answer_id=event.answer_id,
        verdict=report.verdict, report_key=report_key, provisional=report.provisional,
    ))


app = worker.app()
