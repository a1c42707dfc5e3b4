"""Pitch and loudness measurements on synthetic voiced signals (numpy only, no model)."""

from __future__ import annotations

import numpy as np
import pytest
from greenroom_transcribe import prosody
from numpy.typing import NDArray

SR = 16_000


def voice(f0: NDArray[np.float64], amplitude: NDArray[np.float64] | float = 0.3
          ) -> NDArray[np.float32]:
    """A buzz with five harmonics following the pitch contour ``f0`` (Hz per sample)."""
    phase = 2 * np.pi * np.cumsum(f0) / SR
    wave = sum(np.sin(k * phase) / k for k in range(1, 6))
    return (amplitude * wave).astype(np.float32)


def seconds(n: float) -> NDArray[np.float64]:
    return np.arange(int(n * SR)) / SR


def test_pitch_track_follows_a_known_pitch() -> None:
    for hz in (85.0, 120.0, 220.0, 350.0):
        f0 = prosody.pitch_track(voice(np.full(SR, hz)))
        assert np.nanmedian(f0) == pytest.approx(hz, rel=0.01)
        assert np.isfinite(f0).mean() > 0.9


def test_silence_and_noise_have_no_pitch() -> None:
    assert np.isfinite(prosody.pitch_track(np.zeros(SR, np.float32))).sum() == 0
    noise = np.random.default_rng(1).normal(0, 0.1, SR).astype(np.float32)
    assert np.isfinite(prosody.pitch_track(noise)).mean() < 0.1


def test_flat_voice_is_monotone() -> None:
    result = prosody.analyse(voice(np.full(len(seconds(12)), 120.0)))
    assert result.pitch_variation_semitones == pytest.approx(0.0, abs=0.1)
    assert result.monotone is True
    assert result.median_pitch_hz == pytest.approx(120, rel=0.01)
    assert result.monotone_moments and result.monotone_moments[0].label == "monotone"
    assert result.loudness_variation_db == pytest.approx(0.0, abs=0.2)


def test_varied_voice_is_not_monotone() -> None:
    t = seconds(12)
    # +-4 semitones around 150 Hz, twice a second: a standard deviation of 4/sqrt(2)
    f0 = 150 * 2 ** (4 * np.sin(2 * np.pi * 0.5 * t) / 12)
    result = prosody.analyse(voice(f0))
    assert result.pitch_variation_semitones == pytest.approx(4 / np.sqrt(2), rel=0.1)
    assert result.monotone is False
    assert result.monotone_moments == []
    assert len(result.pitch_timeline) == 2  # windows 0-10 s and 2-12 s


def test_loudness_variation_in_db() -> None:
    t = seconds(10)
    loud_quiet = np.where((t // 1) % 2 == 0, 0.4, 0.1)  # alternate seconds, 12 dB apart
    result = prosody.analyse(voice(np.full(len(t), 130.0), loud_quiet))
    assert result.loudness_variation_db == pytest.approx(6.0, abs=0.6)
    assert result.loudness_timeline and result.loudness_timeline[0].value < 0


def test_only_voiced_regions_count() -> None:
    t = seconds(10)
    f0 = np.where(t < 5, 120.0, 240.0)  # a jump of an octave at 5 s
    audio = voice(f0)
    first_half = prosody.analyse(audio, voiced=[(0.0, 5.0)])
    assert first_half.median_pitch_hz == pytest.approx(120, rel=0.02)
    assert first_half.pitch_variation_semitones == pytest.approx(0.0, abs=0.2)


def test_nothing_voiced_measures_nothing() -> None:
    result = prosody.analyse(np.zeros(SR * 3, np.float32))
    assert result.pitch_variation_semitones is None and result.monotone is None
    assert result.loudness_variation_db is None
    assert prosody.analyse(np.zeros(100, np.float32)).monotone is None
    assert prosody.analyse(voice(np.full(SR * 3, 120.0)), voiced=[]).monotone is None
