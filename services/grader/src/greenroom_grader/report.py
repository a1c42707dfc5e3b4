"""The session report, once every answer is graded: per-round results, the session verdict,
the three most valuable improvements and the strengths.

An improvement is more valuable when it recurs (a theme seen in several answers), when it
comes from an answer that failed, and when it ranked high in that answer.
"""

from __future__ import annotations

from collections import defaultdict

from greenroom_common.documents import GradeDoc, RoundResult, SessionReport
from greenroom_common.domain import ROUNDS

from greenroom_grader.verdict import SESSION_RULE, round_passes

TOP = 3


def _theme(theme: str) -> str:
    """Themes that differ only by their number count as one (delivery-0, delivery-1)."""
    head, _, tail = theme.rpartition("-")
    return head if tail.isdigit() else theme


def session_report(session_id: str, grades: dict[str, GradeDoc],
                   unanswered: dict[str, str] | None = None) -> SessionReport:
    """The report over each question's counted grade; a question left ``unanswered`` (its
    latest answer failed) fails the session: its round was not shown."""
    by_round: dict[str, list[GradeDoc]] = defaultdict(list)
    for doc in grades.values():
        by_round[doc.round or "unknown"].append(doc)
    order = {str(name): i for i, name in enumerate(ROUNDS)}
    rounds = []
    for name in sorted(by_round, key=lambda r: order.get(r, len(order))):
        docs = by_round[name]
        passed = sum(1 for d in docs if d.verdict == "pass")
        rounds.append(RoundResult(
            round=name, verdict="pass" if round_passes(passed, len(docs)) else "fail",
            answers=len(docs), passed=passed,
            score=round(sum(d.score for d in docs) / len(docs), 1)))
    value: dict[str, float] = defaultdict(float)
    best: dict[str, tuple[float, str]] = {}
    seen: dict[str, int] = defaultdict(int)
    for doc in grades.values():
        themes = doc.themes or [f"item-{i}" for i in range(len(doc.improvements))]
        for rank, (theme, text) in enumerate(zip(themes, doc.improvements, strict=False)):
            key = _theme(theme)
            weight = (TOP - rank) * (2.0 if doc.verdict == "fail" else 1.0)
            value[key] += weight
            seen[key] += 1
            if key not in best or weight > best[key][0]:
                best[key] = (weight, text)
    top = sorted(value, key=lambda k: (-value[k], k))[:TOP]
    improvements = [(f"In {seen[k]} answers: " if seen[k] > 1 else "") + best[k][1]
                    for k in top]
    strengths: list[str] = []
    for doc in sorted(grades.values(), key=lambda d: -d.score):
        for text in doc.strengths:
            if text not in strengths and len(strengths) < TOP:
                strengths.append(text)
    score = round(sum(g.score for g in grades.values()) / max(len(grades), 1), 1)
    verdict = "pass" if rounds and all(r.verdict == "pass" for r in rounds) \
        and not unanswered else "fail"
    return SessionReport(
        session_id=session_id, verdict=verdict,
        answers={qid: g.answer_id for qid, g in grades.items()},
        score=score, rule=SESSION_RULE, rounds=rounds, strengths=strengths,
        improvements=improvements,
        borderline=sorted(qid for qid, g in grades.items() if g.borderline),
        unanswered=dict(unanswered or {}),
    )
