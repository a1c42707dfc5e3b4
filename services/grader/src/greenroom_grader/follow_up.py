"""The interviewer's follow-up: one question, grounded in the rubric, about what the answer
got wrong or left out.

Asked when the answer stated a misconception, missed a core key point, or landed in the
borderline band; never for an off-topic or non-English answer (a follow-up cannot rescue an
answer to another question) and never about a follow-up. The question for a missed point is
the one authored for that point in the bank (``bank/meaning/<id>.toml``); for a
misconception it quotes the candidate back. The answer to it is graded together with the
first answer (:func:`combined`), so the follow-up can lift the verdict — or, if it states a
new misconception, not.
"""

from __future__ import annotations

from greenroom_common.documents import FollowUp, SpeechMetrics, TranscriptDoc, Word

from greenroom_grader.bank import Question
from greenroom_grader.rubric import Content

TIME_LIMIT_S = 90
GAP_S = 1.0  # the pause between the first answer and the follow-up, on the joined timeline


def choose(question: Question, content: Content, verdict: str, borderline: bool
           ) -> FollowUp | None:
    """The follow-up for an answer with this content, or ``None`` when none is due."""
    if content.off_topic or (content.too_short and not content.covered):
        return None
    if content.misconceptions:
        found = content.misconceptions[0]
        return FollowUp(
            kind="misconception", target=found.misconception.id, time_limit_s=TIME_LIMIT_S,
            question=f"You said: “{found.quote}”. Is that right? Walk me through what "
                     "actually happens.",
            reason=f"The answer stated a misconception: {found.misconception.claim}")
    missed = [p for p in content.missed if p.follow_up]
    core = [p for p in missed if p.id in question.core]
    if core and (verdict == "fail" or borderline):
        point = core[0]
        return FollowUp(kind="missed", target=point.id, question=point.follow_up or "",
                        time_limit_s=TIME_LIMIT_S,
                        reason=f"The answer did not cover a core point: {point.point}")
    if borderline and missed:
        point = missed[0]
        return FollowUp(kind="borderline", target=point.id, question=point.follow_up or "",
                        time_limit_s=TIME_LIMIT_S,
                        reason=f"The verdict was borderline; this point could tip it: "
                               f"{point.point}")
    return None


def combined(first: TranscriptDoc, second: TranscriptDoc
             ) -> tuple[str, list[Word], float, SpeechMetrics | None]:
    """One timeline of two spoken answers: the follow-up's words after the first answer's,
    a short pause between. Delivery is measured on the first answer (the longer one)."""
    offset = first.duration_s + GAP_S
    words = list(first.words) + [
        w.model_copy(update={"start": w.start + offset, "end": w.end + offset})
        for w in second.words]
    text = f"{first.text.strip()} {second.text.strip()}".strip()
    return text, words, offset + second.duration_s, first.speech
