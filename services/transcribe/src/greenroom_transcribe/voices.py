"""A second voice in an answer: speaker-change detection for hiring teams to review.

The model is the one already running: WhisperX's voice activity detector is pyannote's
pretrained **segmentation** model (``whisperx/assets/pytorch_model.bin``, PyanNet, 5 s
windows every 0.5 s, three permutation-invariant "local speakers" per window, trained for
speaker segmentation). The detector keeps its per-speaker scores, which the VAD throws away
(it keeps their maximum), so finding a change costs no extra inference. No speaker
embedding model is available offline, so identities are linked window to window instead:

1. per window, a local speaker counts when it is active (score >= ``ONSET``) for at least
   ``MIN_LOCAL_S``;
2. consecutive windows overlap by 4.5 s: their local speakers are matched by the time they
   are active together in the overlap (the best permutation; at least ``MIN_LINK_S``), which
   chains them into answer-wide voices; a local speaker without a match starts a new one
   (after a silence longer than a window, the same person starts a new one too);
3. two voices are *different* only where the model saw both in the same window, in at least
   ``MIN_CHANGE_WINDOWS`` windows (2 s of window positions: one or two windows that split a
   single speaker after a breath are the model's typical false alarm);
4. of two different voices, the candidate's is the one whose median pitch (YIN,
   ``prosody.pitch_track``) is closer to that of the answer's longest voice, else the
   longer one; the other voice's stretches of at least ``MIN_STRETCH_S`` (gaps under
   ``MERGE_GAP_S`` bridged) become ``second_voice`` observations.

What it cannot do: tell two similar voices apart (the model hears two espeak-ng voices
built on the same synthesiser as one), or notice another voice that speaks only after a
silence longer than a window, without the candidate's voice in the same 5 s. Figures on
clean and planted recordings are in the service's README. An observation to review, never
part of a verdict.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from greenroom_common.documents import Observation
from numpy.typing import NDArray

from greenroom_transcribe.prosody import pitch_track

SAMPLE_RATE = 16_000
ONSET = 0.5  # per-speaker activation that counts as speech (pyannote's default)
MIN_LOCAL_S = 1.0  # a local speaker counts in a window when active this long
MIN_LINK_S = 0.5  # overlap that links a local speaker to the previous window's
MIN_CHANGE_WINDOWS = 4  # windows that must see both voices (step 0.5 s: 2 s of positions)
MIN_STRETCH_S = 1.0  # shortest stretch of another voice reported
MERGE_GAP_S = 1.0  # gaps inside one stretch bridged
BIN_S = 0.1  # time resolution of the voice timeline

NOTE = ("The speaker segmentation model heard a voice different from the candidate's here. "
        "To review: another person speaking, a video or call in the background, or a "
        "detection mistake. Not part of the verdict.")


@dataclass
class Segmentation:
    """Raw per-window speaker scores of pyannote's segmentation model: ``scores`` is
    (windows, frames, local speakers); window ``c`` covers ``[c * step, c * step +
    duration)`` seconds."""

    scores: NDArray[np.float32]
    step: float
    duration: float


@dataclass
class Voice:
    """One answer-wide voice: the bins (``BIN_S``) where it speaks."""

    bins: NDArray[np.bool_]
    windows: set[int]

    @property
    def seconds(self) -> float:
        return float(self.bins.sum()) * BIN_S


def _link(previous: NDArray[np.bool_], current: NDArray[np.bool_], shift: int,
          prev_present: list[int], cur_present: list[int], frame_s: float) -> dict[int, int]:
    """Local speaker of ``current`` -> local speaker of ``previous`` they continue."""
    if not prev_present or not cur_present or shift >= previous.shape[0]:
        return {}
    overlap = previous.shape[0] - shift
    a = previous[shift:, :]
    b = current[:overlap, :]
    agree = {(k, j): float((a[:, j] & b[:, k]).sum()) * frame_s
             for k in cur_present for j in prev_present}
    best: dict[int, int] = {}
    best_total = -1.0
    size = min(len(cur_present), len(prev_present))
    for ks in itertools.permutations(cur_present, size):
        for js in itertools.permutations(prev_present, size):
            pairs = {k: j for k, j in zip(ks, js, strict=True) if agree[(k, j)] >= MIN_LINK_S}
            total = sum(agree[(k, j)] for k, j in pairs.items())
            if total > best_total:
                best, best_total = pairs, total
    return best


def voices(seg: Segmentation, duration_s: float) -> tuple[list[Voice], list[set[int]]]:
    """Answer-wide voices chained through the windows, and for each window the voices
    present in it."""
    scores = np.asarray(seg.scores)
    if scores.ndim != 3 or scores.shape[0] == 0:
        return [], []
    n_windows, n_frames, _ = scores.shape
    frame_s = seg.duration / n_frames
    shift = round(seg.step / frame_s)
    active = scores >= ONSET
    n_bins = max(1, int(np.ceil(duration_s / BIN_S)))
    votes: list[NDArray[np.float64]] = []
    cover = np.zeros(n_bins)
    per_window: list[set[int]] = []
    owner_prev: dict[int, int] = {}
    present_prev: list[int] = []
    frame_bins = np.arange(n_frames) * frame_s
    for c in range(n_windows):
        start = c * seg.step
        present = [k for k in range(active.shape[2])
                   if active[c, :, k].sum() * frame_s >= MIN_LOCAL_S]
        links = _link(active[c - 1], active[c], shift, present_prev, present, frame_s) \
            if c else {}
        owner: dict[int, int] = {}
        for k in sorted(present, key=lambda k: -int(active[c, :, k].sum())):
            if k in links and links[k] in owner_prev:
                owner[k] = owner_prev[links[k]]
            else:
                owner[k] = len(votes)
                votes.append(np.zeros(n_bins))
        lo = int(start / BIN_S)
        hi = min(n_bins, int(np.ceil((start + seg.duration) / BIN_S)))
        cover[lo:hi] += 1
        bins = np.minimum(((start + frame_bins) / BIN_S).astype(int), n_bins - 1)
        for k, g in owner.items():
            hit = np.unique(bins[active[c, :, k] & ((start + frame_bins) < duration_s)])
            votes[g][hit] += 1
        per_window.append(set(owner.values()))
        owner_prev, present_prev = owner, present
    found = []
    for g, v in enumerate(votes):
        share = np.divide(v, cover, out=np.zeros(n_bins), where=cover > 0)
        found.append(Voice(bins=share >= 0.5, windows={c for c, ws in enumerate(per_window)
                                                        if g in ws}))
    return found, per_window


def _median_pitch(audio: NDArray[np.float32] | None, bins: NDArray[np.bool_]) -> float | None:
    if audio is None or not bins.any():
        return None
    per_bin = round(BIN_S * SAMPLE_RATE)
    idx = np.nonzero(bins)[0]
    pieces = [audio[i * per_bin:(i + 1) * per_bin] for i in idx]
    joined = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    if len(joined) < SAMPLE_RATE // 2:
        return None
    f0 = pitch_track(joined.astype(np.float32))
    f0 = f0[np.isfinite(f0)]
    return float(np.median(f0)) if len(f0) >= 20 else None


def _stretches(bins: NDArray[np.bool_]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    padded = np.concatenate([[False], bins, [False]])
    edges = np.nonzero(np.diff(padded.astype(np.int8)))[0]
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        start, end = lo * BIN_S, hi * BIN_S
        if out and start - out[-1][1] < MERGE_GAP_S:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return [(s, e) for s, e in out if e - s >= MIN_STRETCH_S - 1e-9]


def _semitones(a: float, b: float) -> float:
    return abs(12.0 * float(np.log2(a / b)))


def second_voices(seg: Segmentation | None, duration_s: float,
                  audio: NDArray[np.float32] | None = None) -> list[Observation]:
    """``second_voice`` observations of one answer from the segmentation model's scores
    (``audio``, 16 kHz mono, lets the pitch decide which voice is the candidate's)."""
    if seg is None:
        return []
    found, per_window = voices(seg, duration_s)
    if len(found) < 2:
        return []
    together: dict[tuple[int, int], int] = {}
    for present in per_window:
        for a, b in itertools.combinations(sorted(present), 2):
            together[(a, b)] = together.get((a, b), 0) + 1
    pairs = [p for p, n in together.items() if n >= MIN_CHANGE_WINDOWS]
    if not pairs:
        return []
    main = max(range(len(found)), key=lambda g: found[g].seconds)
    pitch: dict[int, float | None] = {}

    def median_pitch(g: int) -> float | None:
        if g not in pitch:
            pitch[g] = _median_pitch(audio, found[g].bins)
        return pitch[g]

    def pick(a: int, b: int) -> tuple[int, int]:
        """(the other voice, the candidate's) of two voices heard together."""
        if main in (a, b):
            return (b, a) if a == main else (a, b)
        ref, pa, pb = median_pitch(main), median_pitch(a), median_pitch(b)
        if ref is not None and pa is not None and pb is not None:
            return (a, b) if _semitones(pa, ref) > _semitones(pb, ref) else (b, a)
        return (a, b) if found[a].seconds < found[b].seconds else (b, a)

    others: dict[int, tuple[int, int]] = {}  # other voice -> (candidate's voice, windows)
    for a, b in pairs:
        other, own = pick(a, b)
        if other not in others or together[(a, b)] > others[other][1]:
            others[other] = (own, together[(a, b)])
    observations: list[Observation] = []
    for other, (own, windows) in sorted(others.items()):
        mine, theirs = median_pitch(own), median_pitch(other)
        for start, end in _stretches(found[other].bins):
            figure = (f"another voice for {end - start:.1f} s; heard beside the candidate's "
                      f"in {windows} analysis windows (5 s each, every {seg.step:g} s)")
            if mine is not None and theirs is not None:
                figure += f"; median pitch {theirs:.0f} Hz vs the candidate's {mine:.0f} Hz"
            observations.append(Observation(kind="second_voice", start_s=round(start, 2),
                                            end_s=round(end, 2), figure=figure, note=NOTE))
    return sorted(observations, key=lambda o: o.start_s)
