"""Delivery measurements from timed words and voiced regions (pure logic, no model)."""

from __future__ import annotations

import pytest
from greenroom_common.documents import Word
from greenroom_transcribe import speech
from greenroom_transcribe.prosody import Prosody
from greenroom_transcribe.timing import fit_to_voice, to_words


def words_at(*spans: tuple[str, float, float]) -> list[Word]:
    return [Word(word=w, start=s, end=e, probability=0.9) for w, s, e in spans]


def even_words(n: int, start: float, end: float) -> list[Word]:
    step = (end - start) / n
    return [Word(word=f"w{i}", start=start + i * step, end=start + (i + 0.8) * step,
                 probability=0.9) for i in range(n)]


def test_interval_algebra() -> None:
    assert speech.union([(3, 4), (0, 1), (0.5, 2), (2, 2.5)]) == [(0, 2.5), (3, 4)]
    assert speech.subtract([(0, 10)], [(1, 2), (5, 6), (9, 12)]) == [(0, 1), (2, 5), (6, 9)]
    assert speech.subtract([(0, 1)], [(0, 1)]) == []
    assert speech.total([(0, 1), (0.5, 2)]) == 2
    assert speech.clip([(0, 3), (4, 8)], 1, 5) == [(1, 3), (4, 5)]


def test_pace_and_speech_ratio() -> None:
    # 120 words spoken evenly over 60 s of a 70 s recording, all of it voiced
    words = even_words(120, 5.0, 65.0)
    m = speech.measure(words, [(5.0, 65.0)], 70.0)
    assert m.words_per_minute == pytest.approx(120, rel=0.02)
    assert m.articulation_rate == pytest.approx(120, rel=0.02)
    assert m.speech_ratio == pytest.approx(60 / 70, abs=0.01)
    assert m.pauses == [] and m.hesitations == []
    assert len(m.pace_timeline) >= 10
    assert all(p.value == pytest.approx(120, abs=12) for p in m.pace_timeline)
    assert [p.t for p in m.pace_timeline] == sorted(p.t for p in m.pace_timeline)


def test_pace_timeline_shows_where_the_speaker_sped_up() -> None:
    words = even_words(20, 0.0, 20.0) + even_words(60, 20.0, 40.0)  # 60 then 180 wpm
    points = speech.pace_timeline(words)
    assert points[0].value == pytest.approx(60, abs=7)
    assert points[-1].value == pytest.approx(180, abs=7)
    assert points[0].t == pytest.approx(5.0, abs=0.5)


def test_long_silences_are_pauses_with_their_times() -> None:
    words = even_words(10, 0.0, 4.0) + even_words(10, 7.0, 11.0) + even_words(5, 12.5, 14.0)
    voiced = [(0.0, 4.0), (7.0, 11.0), (12.5, 14.0)]
    m = speech.measure(words, voiced, 15.0)
    assert [(p.start, p.end) for p in m.pauses] == [(4.0, 7.0)]
    assert m.pauses[0].label == "pause"
    # pauses leave the articulation rate alone but slow the overall pace
    assert m.articulation_rate > m.words_per_minute


def test_voiced_sound_without_words_is_a_hesitation() -> None:
    words = words_at(("A", 0.0, 0.3), ("list", 0.3, 0.7), ("is", 2.2, 2.4),
                     ("mutable.", 2.4, 3.0))
    voiced = [(0.0, 0.7), (1.0, 1.8), (2.2, 3.0)]  # "ummm" at 1.0-1.8, not transcribed
    m = speech.measure(words, voiced, 3.5)
    assert [(h.start, h.end) for h in m.hesitations] == [(1.0, 1.8)]
    assert m.pauses == []  # the hum is not silence


def test_word_edges_are_not_hesitations() -> None:
    words = words_at(("A", 0.1, 0.3), ("list.", 0.3, 0.7))
    m = speech.measure(words, [(0.0, 0.85)], 1.0)
    assert m.hesitations == []


def test_no_words_but_voiced_is_all_hesitation() -> None:
    m = speech.measure([], [(0.5, 2.0)], 3.0)
    assert m.words_per_minute == 0 and m.fillers == []
    assert [(h.start, h.end) for h in m.hesitations] == [(0.5, 2.0)]
    assert m.speech_ratio == pytest.approx(0.5)


def test_prosody_is_carried_over() -> None:
    voice = Prosody(pitch_variation_semitones=1.2, loudness_variation_db=3.0, monotone=True)
    m = speech.measure(even_words(5, 0, 2), [(0, 2)], 2.0, voice)
    assert (m.pitch_variation_semitones, m.loudness_variation_db, m.monotone) == (1.2, 3.0, True)


def test_fillers_and_repetitions_are_measured() -> None:
    words = words_at(("So,", 0.0, 0.2), ("um,", 0.3, 0.6), ("the", 0.7, 0.8),
                     ("the", 0.9, 1.0), ("list.", 1.0, 1.4))
    m = speech.measure(words, [(0.0, 1.4)], 1.5)
    assert [(f.label, f.start) for f in m.fillers] == [("um", 0.3)]
    assert [r.label for r in m.repetitions] == ["repeated: the"]


def test_words_move_onto_the_voice() -> None:
    raw = [
        {"word": " before", "start": 1.0, "end": 1.5, "probability": 0.9},
        # a first word after a pause that cross-attention started during the silence
        {"word": " after", "start": 2.0, "end": 5.3, "probability": 0.9},
        {"word": " next", "start": 5.3, "end": 5.6, "probability": 0.9},
    ]
    fit_to_voice(raw, [(1.0, 1.6), (5.0, 6.0)])
    assert (raw[1]["start"], raw[1]["end"]) == (5.0, 5.3)
    assert (raw[0]["start"], raw[0]["end"]) == (1.0, 1.5)
    words = to_words(raw, duration_s=5.55)
    assert [w.word for w in words] == ["before", "after", "next"]
    assert words[-1].end == 5.55  # clamped to the audio
    assert [w.start for w in words] == sorted(w.start for w in words)
