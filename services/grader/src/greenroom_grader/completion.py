"""Session completion: the session report and its ``sessions.completed`` event, once per
version of the session.

A session is *settled* when every question has a graded answer, or its latest answer
failed (the report names it as unanswered, with the reason the candidate was given). The
report's ``version`` names the answers it covers, so:

* any number of grader replicas may settle the same session at once: a conditional write of
  ``completed/<version>.json`` picks the one event that writes and announces it (a
  redelivery of that event still may, so a crash between claim and announcement is safe);
* a duplicate or late grade of an answer already covered changes nothing and announces
  nothing;
* a retake after completion produces a new version: the report is rewritten and announced
  again.
"""

from __future__ import annotations

import hashlib

from greenroom_common.contracts import Event, SessionCompleted, Topic
from greenroom_common.documents import AnswerDoc, FailureDoc, GradeDoc, SessionDoc
from greenroom_common.keys import (
    AnswerKeys,
    is_answer_doc,
    session_completion,
    session_doc,
    session_prefix,
    session_report,
)
from greenroom_common.worker import Worker

from greenroom_grader.report import session_report as build_report


def version(graded: dict[str, GradeDoc], unanswered: dict[str, str],
            failed_answers: dict[str, str]) -> str:
    """A short digest of which answer settles each question."""
    parts = sorted([f"{q}={g.answer_id}" for q, g in graded.items()]
                   + [f"{q}!{failed_answers[q]}" for q in unanswered])
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


class Completion:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    async def after(self, event: Event, topic: Topic = Topic.FAILED) -> None:
        """Called after an answer of the session was graded or failed."""
        store = self.worker.store
        session = await store.get_model(session_doc(event.tenant, event.session_id),
                                        SessionDoc)
        if session is None:
            return
        settled = await self._settled(session)
        if settled is None:
            return
        graded, unanswered, failed_answers = settled
        if not graded and not unanswered:
            return
        report_version = version(graded, unanswered, failed_answers)
        claim = session_completion(event.tenant, event.session_id, report_version)
        owner = f"{topic.value}:{event.answer_id}"
        if not await self.worker.claim(event, claim, owner=owner):
            return  # another event announces this version (or already did)
        report = build_report(event.session_id, graded, unanswered)
        report.version = report_version
        report_key = session_report(event.tenant, event.session_id)
        await store.put_json(report_key, report)
        await self.worker.session_alive(event)
        if not await self.worker.still_claimed(claim, owner):
            return  # a copy of this event on another replica announced it meanwhile
        await self.worker.publish(Topic.SESSION_COMPLETED, SessionCompleted(
            **event.ids(),
            verdict=report.verdict, report_key=report_key,
        ))
        await self.worker.done(claim, owner)

    async def _settled(self, session: SessionDoc
                       ) -> tuple[dict[str, GradeDoc], dict[str, str], dict[str, str]] | None:
        """Per question: its latest graded answer, or (when its latest answer failed and
        none was graded) the failure's message; ``None`` while any question is open."""
        store = self.worker.store
        prefix = session_prefix(session.tenant, session.session_id)
        docs = [d for k in await store.list(prefix) if is_answer_doc(k)
                and (d := await store.get_model(k, AnswerDoc)) is not None]
        graded: dict[str, GradeDoc] = {}
        latest_failure: dict[str, tuple[str, str]] = {}
        pending: set[str] = set()
        for doc in sorted(docs, key=lambda d: d.submitted_at):
            keys = AnswerKeys.of(doc)
            found = await store.get_model(keys.grade, GradeDoc)
            if found is not None:
                graded[doc.question_id] = found  # the latest graded attempt counts
                latest_failure.pop(doc.question_id, None)
                pending.discard(doc.question_id)
                continue
            failure = await store.get_model(keys.failure, FailureDoc)
            if failure is not None:
                latest_failure[doc.question_id] = (doc.answer_id, failure.message)
                pending.discard(doc.question_id)
            else:
                pending.add(doc.question_id)
        questions = set(session.question_ids)
        if pending & questions or questions - set(graded) - set(latest_failure):
            return None
        unanswered = {q: latest_failure[q][1] for q in session.question_ids
                      if q not in graded}
        failed_answers = {q: latest_failure[q][0] for q in unanswered}
        return ({q: graded[q] for q in session.question_ids if q in graded}, unanswered,
                failed_answers)
