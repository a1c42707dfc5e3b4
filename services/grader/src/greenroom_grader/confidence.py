"""Confidence of a spoken answer: hedging language, fillers and vocal variety.

The face is not part of it: on-camera presence is reported apart, as coaching
(:mod:`greenroom_grader.presence`), and never moves a score or a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenroom_common.domain import FILLERS_PER_MINUTE_OK, MONOTONE_SEMITONES

from greenroom_grader.delivery import Measures
from greenroom_grader.text import Answer, find

HEDGES = ["i think", "i guess", "maybe", "probably", "i am not sure", "not sure", "kind of",
          "sort of", "i do not know", "perhaps", "might be", "i believe", "possibly",
          "hopefully", "i suppose", "i am not certain", "or something", "something like that"]
LIVELY_SEMITONES = 4.0


@dataclass
class ConfidenceResult:
    score: float
    hedges: list[str]
    evidence: list[str]
    tips: list[str]
    strengths: list[str]


def assess(answer: Answer, m: Measures) -> ConfidenceResult:
    spans = find(answer, HEDGES)
    per_100 = 100.0 * len(spans) / max(len(answer.tokens), 1)
    parts = [max(0.0, 100.0 - 15.0 * per_100)]
    fillers_per_minute = len(m.fillers) / m.minutes
    parts.append(max(0.0, 100.0 - 10.0 * max(0.0, fillers_per_minute - FILLERS_PER_MINUTE_OK)))
    quotes = [answer.quote(*s, limit=80) for s in spans]
    evidence = [f"{len(spans)} hedging phrases ({per_100:.1f} per 100 words)"
                + (": " + "; ".join(quotes[:3]) if quotes else "")]
    evidence.append(f"{fillers_per_minute:.1f} fillers per minute")
    tips: list[str] = []
    strengths: list[str] = []
    if m.pitch_semitones is not None:
        variety = m.pitch_semitones
        parts.append(100.0 if variety >= LIVELY_SEMITONES else max(
            30.0, 100.0 - 35.0 * (LIVELY_SEMITONES - variety)))
        evidence.append(f"pitch varies over {variety:.1f} semitones"
                        + (" (monotone)" if m.monotone else ""))
        if m.monotone or variety < MONOTONE_SEMITONES:
            tips.append(f"Your pitch varied over only {variety:.1f} semitones; stress the key "
                        "term of each sentence so the important words stand out.")
    if m.loudness_db is not None:
        evidence.append(f"loudness varies over {m.loudness_db:.1f} dB")
    if len(spans) >= 3:
        tips.append(f"{len(spans)} hedges such as {quotes[0]}; state what you know plainly "
                    "and keep “it depends” for real trade-offs, naming what it depends on.")
    elif not spans:
        strengths.append("Assertive wording: no hedging phrases.")
    score = sum(parts) / len(parts)
    return ConfidenceResult(round(score, 1), [answer.quote(*s) for s in spans], evidence,
                            tips, strengths)
