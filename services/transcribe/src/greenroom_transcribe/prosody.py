"""Pitch and loudness of the voice, measured on the 16 kHz mono waveform with numpy alone.

Pitch is YIN (de Cheveigné & Kawahara, 2002) on 25 ms windows every 10 ms, searched between
60 and 400 Hz; variation is the spread of the voiced frames' pitch in semitones around the
speaker's median, so it compares across low and high voices. Loudness is the RMS level of
the voiced frames in dB, taken per second, and its variation the spread of those levels.

Thresholds: a pitch spread under ``MONOTONE_SEMITONES`` reads as monotone. Conversational
English typically spreads 2-5 semitones (standard deviation); a flat read-out stays under 2.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from greenroom_common.documents import Moment, TimePoint
from greenroom_common.domain import MONOTONE_SEMITONES  # shared with the grader
from numpy.typing import NDArray

SAMPLE_RATE = 16_000
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms of integration
F0_MIN, F0_MAX = 60.0, 400.0
YIN_THRESHOLD = 0.2
SILENCE_DB = -50.0  # frames quieter than this (dBFS) are never voiced
WINDOW_S, STEP_S = 10.0, 5.0  # timelines: one point per 10 s window, every 5 s
_MIN_VOICED_FRAMES = 50  # half a second of voiced frames before a spread means anything

Interval = tuple[float, float]


@dataclass
class Prosody:
    """Voice measurements of one answer; ``None`` where nothing voiced was heard."""

    pitch_variation_semitones: float | None = None
    loudness_variation_db: float | None = None
    monotone: bool | None = None
    median_pitch_hz: float | None = None
    pitch_timeline: list[TimePoint] = field(default_factory=list)
    loudness_timeline: list[TimePoint] = field(default_factory=list)
    monotone_moments: list[Moment] = field(default_factory=list)


def _frames(audio: NDArray[np.float32], length: int) -> NDArray[np.float32]:
    """Frames of ``length`` samples every HOP samples (a strided view, padded at the end)."""
    n = max(1, 1 + (len(audio) - 1) // HOP)
    padded = np.zeros(n * HOP + length, dtype=np.float32)
    padded[: len(audio)] = audio
    view: NDArray[np.float32] = np.lib.stride_tricks.sliding_window_view(padded, length)[::HOP]
    return view[:n]


def frame_levels_db(audio: NDArray[np.float32]) -> NDArray[np.float64]:
    """RMS level of each 25 ms window (every 10 ms), dB re full scale."""
    frames = _frames(audio, WINDOW).astype(np.float64)
    rms = np.sqrt(np.mean(frames * frames, axis=1) + 1e-12)
    levels: NDArray[np.float64] = 20.0 * np.log10(rms)
    return levels


def pitch_track(audio: NDArray[np.float32], sample_rate: int = SAMPLE_RATE,
                chunk: int = 4096) -> NDArray[np.float64]:
    """F0 in Hz of each 10 ms frame, NaN where the frame is not voiced (YIN)."""
    tau_min = int(sample_rate / F0_MAX)
    tau_max = int(sample_rate / F0_MIN)
    length = WINDOW + tau_max + 2
    nfft = 1 << (length - 1).bit_length()
    frames = _frames(audio, length)
    f0 = np.full(len(frames), np.nan)
    for lo in range(0, len(frames), chunk):
        x = frames[lo:lo + chunk].astype(np.float64)
        head = x[:, :WINDOW]
        # r(tau) = sum_j x[j] x[j + tau] over the window, for every lag at once (FFT).
        r = np.fft.irfft(np.conj(np.fft.rfft(head, nfft)) * np.fft.rfft(x, nfft), nfft)
        r = r[:, : tau_max + 2]
        sq = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x * x, axis=1)], axis=1)
        lags = np.arange(tau_max + 2)
        energy_at = sq[:, lags + WINDOW] - sq[:, lags]  # sum of x^2 over [tau, tau + W)
        d = energy_at[:, :1] + energy_at - 2.0 * r  # YIN's difference function
        d[:, 0] = 0.0
        cumulative = np.cumsum(d[:, 1:], axis=1)
        cmnd = np.ones_like(d)
        with np.errstate(divide="ignore", invalid="ignore"):
            cmnd[:, 1:] = d[:, 1:] * lags[1:] / np.where(cumulative > 0, cumulative, np.inf)
        inner = cmnd[:, tau_min:tau_max + 1]
        # the first lag that dips under the threshold and is a local minimum
        local_min = (inner[:, 1:-1] <= inner[:, :-2]) & (inner[:, 1:-1] <= inner[:, 2:])
        candidates = local_min & (inner[:, 1:-1] < YIN_THRESHOLD)
        has = candidates.any(axis=1) & (energy_at[:, 0] > 1e-8 * WINDOW)  # not silent
        first = np.argmax(candidates, axis=1) + 1  # index into inner
        rows = np.nonzero(has)[0]
        idx = first[rows]
        # parabolic interpolation around the minimum for sub-sample lags
        a, b, c = inner[rows, idx - 1], inner[rows, idx], inner[rows, idx + 1]
        denom = a - 2 * b + c
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1, denom),
                         0.0)
        tau = tau_min + idx + np.clip(shift, -1.0, 1.0)
        f0[lo + rows] = sample_rate / tau
    return f0


def _inside(times: NDArray[np.float64], intervals: Sequence[Interval]) -> NDArray[np.bool_]:
    mask = np.zeros(len(times), dtype=bool)
    for start, end in intervals:
        mask |= (times >= start) & (times < end)
    return mask


def _semitone_spread(f0: NDArray[np.float64]) -> float | None:
    """Standard deviation of pitch in semitones around the median, octave slips removed."""
    voiced = f0[np.isfinite(f0)]
    if len(voiced) < _MIN_VOICED_FRAMES:
        return None
    semitones = 12.0 * np.log2(voiced / np.median(voiced))
    semitones = semitones[np.abs(semitones) < 10.0]  # YIN octave errors sit near +-12
    if len(semitones) < _MIN_VOICED_FRAMES:
        return None
    return float(np.std(semitones))


def _smooth(f0: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median of 5 frames (NaN-aware) to remove single-frame pitch jumps."""
    if len(f0) < 5:
        return f0
    view = np.lib.stride_tricks.sliding_window_view(np.pad(f0, 2, constant_values=np.nan), 5)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice" in silences
        smoothed: NDArray[np.float64] = np.nanmedian(view, axis=1)
    smoothed[~np.isfinite(f0)] = np.nan
    return smoothed


def _windows(start: float, end: float) -> list[Interval]:
    """Timeline windows of WINDOW_S every STEP_S over [start, end] (one if shorter)."""
    if end - start <= WINDOW_S:
        return [(start, end)] if end > start else []
    out: list[Interval] = []
    t = start
    while t + WINDOW_S <= end + 1e-9:
        out.append((t, t + WINDOW_S))
        t += STEP_S
    if out[-1][1] < end - 1.0:
        out.append((end - WINDOW_S, end))
    return out


def analyse(audio: NDArray[np.float32], voiced: Sequence[Interval] | None = None,
            sample_rate: int = SAMPLE_RATE) -> Prosody:
    """Pitch and loudness variation over the voiced parts of ``audio``.

    ``voiced`` are the speech regions (seconds) from the voice activity detector; without
    them every frame loud enough may count."""
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"expected {SAMPLE_RATE} Hz audio, got {sample_rate}")
    if len(audio) < WINDOW:
        return Prosody()
    levels = frame_levels_db(audio)
    times = np.arange(len(levels)) * HOP / sample_rate + WINDOW / 2 / sample_rate
    speech = _inside(times, voiced) if voiced is not None else np.ones(len(levels), bool)
    loud_enough = levels > max(SILENCE_DB, float(np.max(levels)) - 45.0)
    speech &= loud_enough
    if speech.sum() < _MIN_VOICED_FRAMES:
        return Prosody()
    f0 = pitch_track(audio, sample_rate)[: len(levels)]
    f0[~speech] = np.nan
    f0 = _smooth(f0)
    spread = _semitone_spread(f0)
    finite = f0[np.isfinite(f0)]

    # Loudness per second of speech: energy mean of the speech frames in each second.
    seconds = (times // 1.0).astype(int)
    per_second: list[tuple[float, float]] = []
    for s in np.unique(seconds[speech]):
        sel = speech & (seconds == s)
        if sel.sum() >= 20:  # at least 0.2 s of speech in that second
            power = np.mean(10.0 ** (levels[sel] / 10.0))
            per_second.append((float(s) + 0.5, 10.0 * float(np.log10(power))))
    loud_spread = float(np.std([db for _, db in per_second])) if len(per_second) >= 3 else None

    prosody = Prosody(
        pitch_variation_semitones=None if spread is None else round(spread, 2),
        loudness_variation_db=None if loud_spread is None else round(loud_spread, 2),
        monotone=None if spread is None else spread < MONOTONE_SEMITONES,
        median_pitch_hz=round(float(np.median(finite)), 1) if len(finite) else None,
    )
    active = times[speech]
    for start, end in _windows(float(active[0]), float(active[-1])):
        sel = (times >= start) & (times < end)
        window_spread = _semitone_spread(f0[sel])
        centre = round((start + end) / 2, 2)
        if window_spread is not None:
            prosody.pitch_timeline.append(TimePoint(t=centre, value=round(window_spread, 2)))
            if window_spread < MONOTONE_SEMITONES:
                _extend(prosody.monotone_moments, start, end, "monotone")
        in_window = [db for t, db in per_second if start <= t < end]
        if in_window:
            power = float(np.mean(10.0 ** (np.array(in_window) / 10.0)))
            prosody.loudness_timeline.append(
                TimePoint(t=centre, value=round(10.0 * np.log10(power), 1)))
    return prosody


def _extend(moments: list[Moment], start: float, end: float, label: str) -> None:
    """Appends [start, end], merged into the last moment when they overlap."""
    start, end = round(start, 2), round(end, 2)
    if moments and moments[-1].end >= start:
        moments[-1] = Moment(start=moments[-1].start, end=end, label=label)
    else:
        moments.append(Moment(start=start, end=end, label=label))
