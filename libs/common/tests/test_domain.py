"""The shared domain constants: one definition each, consistent with one another."""

from __future__ import annotations

from greenroom_common.contracts import AnswerMode, Stage
from greenroom_common.domain import (
    FILLER_SOUNDS,
    LONG_PAUSE_S,
    PACE_HIGH_WPM,
    PACE_LOW_WPM,
    ROUNDS,
    STAGE_NEEDS,
    Round,
    in_pace_band,
    is_long_pause,
    pace_band_words,
    stages_for,
)


def test_rounds_are_in_interview_order() -> None:
    assert [str(r) for r in ROUNDS] == ["recruiter", "fundamentals", "coding", "domain",
                                        "behavioural"]
    assert Round("coding") is Round.CODING
    assert Round.CODING == "coding"  # a StrEnum: compares and serialises as its name


def test_a_long_pause_is_at_least_the_threshold() -> None:
    assert is_long_pause(LONG_PAUSE_S)
    assert is_long_pause(LONG_PAUSE_S + 0.01)
    assert not is_long_pause(LONG_PAUSE_S - 0.01)


def test_pace_band_is_inclusive_and_printed_once() -> None:
    assert PACE_LOW_WPM < PACE_HIGH_WPM
    assert in_pace_band(PACE_LOW_WPM) and in_pace_band(PACE_HIGH_WPM)
    assert not in_pace_band(PACE_LOW_WPM - 1) and not in_pace_band(PACE_HIGH_WPM + 1)
    assert pace_band_words() == "110–170"


def test_filler_sounds_are_normalised_words() -> None:
    assert {"um", "uh", "er", "hmm"} <= FILLER_SOUNDS
    assert all(w == w.lower().strip() and w.isalpha() for w in FILLER_SOUNDS)
    assert not FILLER_SOUNDS & {"like", "so", "well"}  # position-dependent: not sounds


def test_every_mode_has_an_ordered_pipeline_ending_in_grading() -> None:
    order = list(Stage)
    for mode in AnswerMode:
        stages = stages_for(mode)
        assert stages[-1] is Stage.GRADE
        assert list(stages) == sorted(stages, key=order.index)
        for stage in stages:  # a stage reads only stages before it
            assert all(order.index(n) < order.index(stage) for n in STAGE_NEEDS[stage])
    assert stages_for(AnswerMode.AUDIO) == stages_for(AnswerMode.VIDEO)
    assert stages_for(AnswerMode.TEXT) == stages_for(AnswerMode.CODE) == (Stage.GRADE,)
