"""Kafka adapter of the grader.

Joins the two halves of a media answer (``answers.transcribed`` and ``answers.observed``,
any order, duplicates possible) through object storage: each half is stored before its
event is published, so whichever event arrives second finds both. Typed answers come
straight from ``answers.submitted``. A stored grade is never recomputed: a duplicate event
re-announces the same result.
"""

from __future__ import annotations

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
    QuestionBank,
    QuestionView,
    SessionDoc,
    SessionReport,
    TranscriptDoc,
    VisionDoc,
)
from greenroom_common.errors import Rejected
from greenroom_common.keys import BANK_KEY, AnswerKeys, session_doc, session_report
from greenroom_common.worker import Worker

from greenroom_grader.bank import load_bank, question
from greenroom_grader.scoring import grade
from greenroom_grader.scoring import session_report as build_report

worker = Worker("grader")


@worker.on_startup
async def publish_bank() -> None:
    """The gateway serves the bank's public view from storage; the grader owns the bank."""
    bank = load_bank()
    public = QuestionBank(version=bank.version, questions=bank.questions)
    await worker.store.put_json(BANK_KEY, public)


def _question(question_id: str) -> QuestionView:
    found = question(question_id)
    if found is None:
        raise Rejected("unknown_question", f"Question {question_id!r} is not in the bank.")
    return found


@worker.route(Topic.SUBMITTED, AnswerSubmitted, Stage.GRADE)
async def on_submitted(event: AnswerSubmitted) -> None:
    if event.mode.has_media:
        return  # media answers arrive through transcription and vision
    q = _question(event.question_id)
    await _finish(event, event.question_id, lambda: grade(event.answer_id, q, event.text or ""))


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
    await _finish(event, question_id, lambda: grade(
        event.answer_id, q, transcript.text, transcript.words, transcript.duration_s,
        vision.summary,
    ))


async def _finish(event: Event, question_id: str, compute: Callable[[], GradeDoc]) -> None:
    keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)

    async def scored() -> GradeDoc:
        return compute()

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
