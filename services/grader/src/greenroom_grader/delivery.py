"""Delivery of a spoken answer: pace, long pauses, fillers, hesitations, repetitions.

Uses the transcription's measurements (:class:`SpeechMetrics`) when present and falls back
to what the timed words alone tell (pace, gaps, filler words) when they are not. The pause
threshold, pace band and filler sounds are the shared ones (:mod:`greenroom_common.domain`),
which the transcriber measures with and the web app marks the transcript with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from greenroom_common.documents import Moment, SpeechMetrics, Word
from greenroom_common.domain import (
    FILLER_SOUNDS,
    FILLERS_PER_MINUTE_OK,
    LONG_PAUSE_S,
    PACE_HIGH_WPM,
    PACE_LOW_WPM,
    in_pace_band,
    is_long_pause,
    pace_band_words,
)

from greenroom_grader.text import clock


@dataclass
class Measures:
    """What delivery and confidence are judged on; every figure traceable to a moment."""

    seconds: float
    words: int
    wpm: float
    pauses: list[Moment] = field(default_factory=list)
    fillers: list[Moment] = field(default_factory=list)
    hesitations: list[Moment] = field(default_factory=list)
    repetitions: list[Moment] = field(default_factory=list)
    speech_ratio: float | None = None
    pitch_semitones: float | None = None
    loudness_db: float | None = None
    monotone: bool | None = None

    @property
    def minutes(self) -> float:
        return max(self.seconds, 1.0) / 60.0


def measure(words: list[Word], duration_s: float | None,
            speech: SpeechMetrics | None) -> Measures | None:
    if not words:
        return None
    spoken = max(words[-1].end - words[0].start, 1.0)
    seconds = max(duration_s or 0.0, spoken)
    if speech is not None:
        return Measures(
            seconds=seconds, words=len(words), wpm=speech.words_per_minute,
            pauses=list(speech.pauses), fillers=list(speech.fillers),
            hesitations=list(speech.hesitations), repetitions=list(speech.repetitions),
            speech_ratio=speech.speech_ratio, pitch_semitones=speech.pitch_variation_semitones,
            loudness_db=speech.loudness_variation_db, monotone=speech.monotone,
        )
    pauses = [Moment(start=a.end, end=b.start, label="pause") for a, b in pairwise(words)
              if is_long_pause(b.start - a.end)]
    fillers = [Moment(start=w.start, end=w.end, label=w.word.strip(" ,.?!").lower())
               for w in words if w.word.strip(" ,.?!").lower() in FILLER_SOUNDS]
    return Measures(seconds=seconds, words=len(words), wpm=60.0 * len(words) / spoken,
                    pauses=pauses, fillers=fillers)


def pace_score(wpm: float) -> float:
    """100 inside the comfortable band (``PACE_LOW_WPM`` to ``PACE_HIGH_WPM``), falling off
    outside it."""
    if in_pace_band(wpm):
        return 100.0
    distance = PACE_LOW_WPM - wpm if wpm < PACE_LOW_WPM else wpm - PACE_HIGH_WPM
    return max(0.0, 100.0 - distance * 1.5)


@dataclass
class DeliveryResult:
    score: float
    evidence: list[str]
    tips: list[str]
    strengths: list[str]


def _moments(moments: list[Moment], limit: int = 3) -> str:
    shown = ", ".join(f"{clock(m.start)} ({m.end - m.start:.1f} s)" for m in moments[:limit])
    return shown + (" …" if len(moments) > limit else "")


def assess(m: Measures) -> DeliveryResult:
    pace = pace_score(m.wpm)
    per_minute = len(m.fillers) / m.minutes
    score = pace
    score -= min(30.0, 6.0 * len(m.pauses))
    score -= min(25.0, 5.0 * max(0.0, per_minute - FILLERS_PER_MINUTE_OK))
    score -= min(15.0, 3.0 * len(m.hesitations))
    score -= min(15.0, 3.0 * len(m.repetitions))
    evidence = [f"{m.wpm:.0f} words per minute over {m.seconds:.0f} s"]
    tips: list[str] = []
    strengths: list[str] = []
    if m.pauses:
        evidence.append(f"{len(m.pauses)} pauses over {LONG_PAUSE_S:.0f} s: {_moments(m.pauses)}")
    else:
        evidence.append(f"no pause over {LONG_PAUSE_S:.0f} s")
    kinds = Counter(f.label for f in m.fillers)
    evidence.append(f"{len(m.fillers)} fillers ({per_minute:.1f} per minute)"
                    + (": " + ", ".join(f"{k} ×{n}" for k, n in kinds.most_common(4))
                       if kinds else ""))
    if m.hesitations:
        evidence.append(f"{len(m.hesitations)} hesitations: {_moments(m.hesitations)}")
    if m.repetitions:
        evidence.append(f"{len(m.repetitions)} repeated words or restarts: "
                        f"{_moments(m.repetitions)}")
    if m.speech_ratio is not None:
        evidence.append(f"speaking {100 * m.speech_ratio:.0f}% of the answer's time")
    band = pace_band_words()
    if m.wpm > PACE_HIGH_WPM:
        tips.append(f"You spoke at {m.wpm:.0f} words per minute; slow down to {band} so "
                    "the listener can follow, and pause briefly between points.")
    elif m.wpm < PACE_LOW_WPM:
        tips.append(f"You spoke at {m.wpm:.0f} words per minute; aim for {band}: prepare "
                    "the order of your points so the next one is ready.")
    else:
        strengths.append(f"A comfortable pace of {m.wpm:.0f} words per minute.")
    if len(m.pauses) >= 2:
        tips.append(f"{len(m.pauses)} silences over {LONG_PAUSE_S:.0f} s "
                    f"({_moments(m.pauses)}); outline the answer first (point, mechanism, "
                    "example) so you are not searching mid-sentence.")
    if per_minute > 3.0:
        tips.append(f"{len(m.fillers)} fillers ({per_minute:.1f} per minute); replace "
                    "“um” with a short silent pause.")
    elif not m.pauses:
        strengths.append("Fluent delivery: no long pauses and few fillers.")
    return DeliveryResult(round(max(0.0, score), 1), evidence, tips, strengths)
