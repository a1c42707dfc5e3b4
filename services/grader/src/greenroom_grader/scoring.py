"""Provisional scoring: the pure core that turns an answer's evidence into a result.

This is a placeholder until the rubric grader arrives (the question-bank issue): it
measures length and pace only, and every result it produces says so (``provisional``).
It is deterministic: the same evidence always gives the same result. On-camera presence
is reported as coaching evidence and never changes the verdict.
"""

from __future__ import annotations

from itertools import pairwise

from greenroom_common.documents import (
    DimensionScore,
    GradeDoc,
    QuestionView,
    SessionReport,
    VisionSummary,
    Word,
)

MIN_WORDS = 40
PROVISIONAL_RULE = (
    f"Provisional rule: an answer passes when it has at least {MIN_WORDS} words. Length is "
    "not quality; the rubric grader will replace this rule."
)
SESSION_RULE = "Provisional rule: a session passes when at least half of its answers pass."


def _pace_score(wpm: float) -> float:
    """100 inside a comfortable 110–170 words per minute, falling off outside it."""
    if 110 <= wpm <= 170:
        return 100.0
    distance = 110 - wpm if wpm < 110 else wpm - 170
    return max(0.0, 100.0 - distance * 1.5)


def grade(
    answer_id: str,
    question: QuestionView,
    text: str,
    words: list[Word] | None = None,
    duration_s: float | None = None,
    vision: VisionSummary | None = None,
) -> GradeDoc:
    tokens = text.split()
    count = len(tokens)
    content = round(min(100.0, 100.0 * count / (MIN_WORDS * 3)), 1)
    dimensions = [DimensionScore(
        name="content", score=content,
        evidence=[f"{count} words (provisional: length only, no rubric yet)"],
    )]
    improvements: list[str] = []
    strengths: list[str] = []
    if words and duration_s:
        spoken = max(words[-1].end - words[0].start, 1.0)
        wpm = 60.0 * len(words) / spoken
        pauses = [(a.end, b.start) for a, b in pairwise(words)
                  if b.start - a.end > 2.0]
        evidence = [f"{wpm:.0f} words per minute over {spoken:.0f} s of speech"]
        evidence += [f"pause of {b - a:.1f} s at {a:.1f} s" for a, b in pauses]
        dimensions.append(DimensionScore(name="delivery", score=round(_pace_score(wpm), 1),
                                         evidence=evidence))
        if wpm > 170:
            improvements.append(f"You spoke at {wpm:.0f} words per minute; slow down to "
                                "110–170 so the listener can follow.")
        elif wpm < 110:
            improvements.append(f"You spoke at {wpm:.0f} words per minute; aim for 110–170.")
        else:
            strengths.append(f"A comfortable pace of {wpm:.0f} words per minute.")
    if vision is not None and vision.frames:
        share = vision.face_share
        dimensions.append(DimensionScore(
            name="presence", score=round(100.0 * share, 1),
            evidence=[f"face visible in {vision.face_frames} of {vision.frames} sampled frames "
                      f"({100 * share:.0f}%); coaching only, never part of the verdict"],
        ))
        if share < 0.8:
            improvements.append("Your face was out of view for part of the answer; sit so "
                                "the camera frames your head and shoulders.")
    passed = count >= MIN_WORDS
    if not passed:
        improvements.insert(0, f"The answer has {count} words; develop it: explain the "
                            "mechanism, give an example and a trade-off.")
    return GradeDoc(
        answer_id=answer_id, question_id=question.id, verdict="pass" if passed else "fail",
        score=content, provisional=True, rule=PROVISIONAL_RULE, dimensions=dimensions,
        strengths=strengths, improvements=improvements[:3], transcript=text,
    )


def session_report(session_id: str, grades: dict[str, GradeDoc]) -> SessionReport:
    passed = sum(1 for g in grades.values() if g.verdict == "pass")
    score = round(sum(g.score for g in grades.values()) / max(len(grades), 1), 1)
    return SessionReport(
        session_id=session_id,
        verdict="pass" if grades and passed * 2 >= len(grades) else "fail",
        provisional=any(g.provisional for g in grades.values()),
        answers={qid: g.answer_id for qid, g in grades.items()},
        score=score, rule=SESSION_RULE,
    )
