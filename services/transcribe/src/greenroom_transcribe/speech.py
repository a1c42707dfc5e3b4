"""Delivery measurements of one spoken answer (pure: timed words, voiced regions, prosody).

Inputs are the transcript's timed words and the voice activity detector's voiced regions
(seconds); the result is the :class:`SpeechMetrics` contract the grader reads. Every list is
made of timed moments so feedback can say *when* ("a 3.4 s pause at 1:12").

Definitions (documented in the service's README):

* words per minute: words over the speaking span (first word's start to last word's end);
* articulation rate: words per minute of voiced time, so pauses do not count;
* pauses: silences of at least ``greenroom_common.domain.LONG_PAUSE_S`` inside the speaking
  span, where silence is neither voiced (detector) nor inside a word (transcript);
* speech ratio: voiced time over the whole recording;
* hesitations: voiced stretches of at least ``HESITATION_S`` that no word covers, e.g. an
  "ummm" Whisper left out;
* fillers, repetitions and restarts: :mod:`greenroom_transcribe.fillers`;
* pitch and loudness variation: :mod:`greenroom_transcribe.prosody`.
"""

from __future__ import annotations

from collections.abc import Sequence

from greenroom_common.documents import Moment, SpeechMetrics, TimePoint, Word
from greenroom_common.domain import is_long_pause

from greenroom_transcribe.fillers import find_fillers, find_repetitions
from greenroom_transcribe.prosody import STEP_S, WINDOW_S, Prosody

HESITATION_S = 0.4
# Word times from Whisper's cross-attention are ~0.2 s off at phrase edges: a word "covers"
# this much around its own interval before a voiced stretch counts as untranscribed.
WORD_MARGIN_S = 0.2

Interval = tuple[float, float]


def union(intervals: Sequence[Interval]) -> list[Interval]:
    """Sorted, merged intervals (touching ones join)."""
    merged: list[Interval] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """Parts of ``intervals`` outside every hole."""
    out: list[Interval] = []
    holes = union(holes)
    for start, end in union(intervals):
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                out.append((cursor, h_start))
            cursor = max(cursor, h_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def total(intervals: Sequence[Interval]) -> float:
    return sum(e - s for s, e in union(intervals))


def clip(intervals: Sequence[Interval], start: float, end: float) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in union(intervals) if e > start and s < end]


def pace_timeline(words: Sequence[Word]) -> list[TimePoint]:
    """Words per minute in ``WINDOW_S`` windows every ``STEP_S`` over the speaking span
    (one point for a shorter answer); a word counts in the window holding its midpoint."""
    if not words:
        return []
    first, last = words[0].start, words[-1].end
    span = last - first
    if span <= WINDOW_S:
        return [TimePoint(t=round((first + last) / 2, 2),
                          value=round(60.0 * len(words) / max(span, 1.0), 1))]
    mids = [(w.start + w.end) / 2 for w in words]
    points: list[TimePoint] = []
    t = first
    while t + WINDOW_S <= last + 1e-9:
        count = sum(1 for m in mids if t <= m < t + WINDOW_S)
        points.append(TimePoint(t=round(t + WINDOW_S / 2, 2),
                                value=round(count * 60.0 / WINDOW_S, 1)))
        t += STEP_S
    return points


def measure(words: Sequence[Word], voiced: Sequence[Interval], duration_s: float,
            prosody: Prosody | None = None) -> SpeechMetrics:
    """The delivery measurements of one answer. ``voiced`` may be empty (no detector
    output), in which case the words' own intervals stand in for voiced time."""
    words = list(words)
    prosody = prosody or Prosody()
    word_spans = [(w.start, w.end) for w in words]
    voiced_all = union(voiced) if voiced else union(word_spans)
    if not words:
        return SpeechMetrics(
            words_per_minute=0.0, articulation_rate=0.0,
            speech_ratio=round(total(voiced_all) / duration_s, 3) if duration_s > 0 else 0.0,
            hesitations=[Moment(start=round(s, 2), end=round(e, 2), label="hesitation")
                         for s, e in voiced_all if e - s >= HESITATION_S],
            pitch_variation_semitones=prosody.pitch_variation_semitones,
            loudness_variation_db=prosody.loudness_variation_db, monotone=prosody.monotone,
            pitch_timeline=prosody.pitch_timeline, loudness_timeline=prosody.loudness_timeline,
            monotone_moments=prosody.monotone_moments,
        )
    first, last = words[0].start, words[-1].end
    span = max(last - first, 1.0)
    # Silence inside the span: neither voiced nor inside a word.
    sounding = union([*voiced_all, *word_spans])
    silences = subtract([(first, last)], sounding)
    pauses = [Moment(start=round(s, 2), end=round(e, 2), label="pause")
              for s, e in silences if is_long_pause(e - s)]
    speaking_s = max(total(clip(sounding, first, last)), 1e-6)
    covered = [(w.start - WORD_MARGIN_S, w.end + WORD_MARGIN_S) for w in words]
    hesitations = [Moment(start=round(s, 2), end=round(e, 2), label="hesitation")
                   for s, e in subtract(voiced_all, covered) if e - s >= HESITATION_S]
    return SpeechMetrics(
        words_per_minute=round(60.0 * len(words) / span, 1),
        articulation_rate=round(60.0 * len(words) / max(speaking_s, 1.0), 1),
        pace_timeline=pace_timeline(words),
        pauses=pauses,
        speech_ratio=round(min(1.0, total(voiced_all) / duration_s), 3) if duration_s else 0.0,
        fillers=find_fillers(words),
        hesitations=hesitations,
        repetitions=find_repetitions(words),
        pitch_variation_semitones=prosody.pitch_variation_semitones,
        loudness_variation_db=prosody.loudness_variation_db,
        monotone=prosody.monotone,
        pitch_timeline=prosody.pitch_timeline,
        loudness_timeline=prosody.loudness_timeline,
        monotone_moments=prosody.monotone_moments,
        speaking_s=round(speaking_s, 2),
    )

