"""Word timings: from Whisper's cross-attention or from a wav2vec2 alignment model.

WhisperX's batched pipeline decodes text without timestamps. Word times then come from one
of two places, and the transcript records which (``timing_method``):

* ``whisperx-align``: WhisperX's forced alignment with a wav2vec2 CTC model, when one is
  provisioned in the models folder (the most precise; ~0.05 s at word edges on clean speech);
* ``whisper-cross-attention``: the Whisper model's own alignment heads (dynamic time warping
  over cross-attention, as ``faster-whisper``'s ``word_timestamps``), run on the encoder
  outputs the batched decoding already computed, so it costs no second encoder pass.

Both are then fitted to the voice activity detector's voiced regions: a word never starts in
a silence it cannot have been spoken in, which is where cross-attention times drift (the
first word after a pause tends to start early, the last before it to end late).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from faster_whisper.transcribe import merge_punctuations
from greenroom_common.documents import Word

CROSS_ATTENTION = "whisper-cross-attention"
WAV2VEC2 = "whisperx-align"
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
FRAMES_PER_SECOND = 100  # Whisper's mel frames
# Voiced pieces of one word separated by more than this are different events.
_SPLIT_GAP_S = 0.3

Interval = tuple[float, float]


def cross_attention_words(model: Any, tokenizer: Any, encoder_output: Any,
                          texts: Sequence[str], offsets: Sequence[float],
                          durations: Sequence[float]) -> list[list[dict[str, Any]]]:
    """Word dicts (word, start, end, probability; seconds of the recording) for one batch.

    ``model`` is faster-whisper's ``WhisperModel``; ``encoder_output`` its encoder output
    for the batch of chunks whose decoded ``texts`` start at ``offsets`` and last
    ``durations`` seconds."""
    tokens = [tokenizer.encode(" " + t.strip()) if t.strip() else [] for t in texts]
    frames = [max(1, math.ceil(d * FRAMES_PER_SECOND)) for d in durations]
    # An empty text has nothing to align; give the aligner a stand-in and drop its result.
    stand_in = tokenizer.encode(" .")
    alignments = model.find_alignment(
        tokenizer, [t or stand_in for t in tokens], encoder_output, frames)
    out: list[list[dict[str, Any]]] = []
    for alignment, toks, offset, duration in zip(alignments, tokens, offsets, durations,
                                                 strict=True):
        if not toks:
            out.append([])
            continue
        _trim_long_words(alignment)
        merge_punctuations(alignment, PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS)
        out.append([
            {"word": a["word"], "start": offset + min(float(a["start"]), duration),
             "end": offset + min(float(a["end"]), duration),
             "probability": float(a["probability"])}
            for a in alignment if a["word"].strip()
        ])
    return out


def _trim_long_words(alignment: list[dict[str, Any]]) -> None:
    """faster-whisper's guard: a word at a sentence boundary is at most twice the median."""
    durations = np.array([a["end"] - a["start"] for a in alignment])
    durations = durations[durations.nonzero()]
    if not len(durations):
        return
    max_duration = 2 * min(0.7, float(np.median(durations)))
    for i in range(1, len(alignment)):
        if alignment[i]["end"] - alignment[i]["start"] > max_duration:
            if alignment[i]["word"] in ".。!！?？":
                alignment[i]["end"] = alignment[i]["start"] + max_duration
            elif alignment[i - 1]["word"] in ".。!！?？":
                alignment[i]["start"] = alignment[i]["end"] - max_duration


def aligned_words(segments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Word dicts from ``whisperx.align``'s segments; words it could not place (digits,
    symbols) get times between their neighbours."""
    words: list[dict[str, Any]] = []
    for seg in segments:
        for w in seg.get("words", []):
            text = str(w.get("word", ""))
            if not text.strip():
                continue
            start, end = w.get("start"), w.get("end")
            words.append({
                "word": text,
                "start": None if start is None or _nan(start) else float(start),
                "end": None if end is None or _nan(end) else float(end),
                "probability": float(w.get("score") or 0.0) if not _nan(w.get("score")) else 0.0,
                "seg_start": float(seg["start"]), "seg_end": float(seg["end"]),
            })
    for i, w in enumerate(words):
        if w["start"] is None:
            w["start"] = words[i - 1]["end"] if i and words[i - 1]["end"] is not None \
                else w["seg_start"]
        if w["end"] is None:
            following = next((x["start"] for x in words[i + 1:] if x["start"] is not None),
                             None)
            w["end"] = following if following is not None else w["seg_end"]
            w["end"] = max(w["end"], w["start"])
    return [{k: w[k] for k in ("word", "start", "end", "probability")} for w in words]


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def fit_to_voice(words: list[dict[str, Any]], voiced: Sequence[Interval]) -> None:
    """Moves each word onto the voiced audio it overlaps most, in place.

    A word whose interval covers silence is trimmed to its voiced part; when it overlaps
    two voiced stretches far apart (a misaligned word spanning a pause), it keeps the one it
    overlaps most. Words that overlap no voiced audio keep their times."""
    if not voiced:
        return
    starts = np.array([s for s, _ in voiced])
    for w in words:
        start, end = w["start"], w["end"]
        if end <= start:
            continue
        lo = max(0, int(np.searchsorted(starts, start)) - 1)
        pieces: list[Interval] = []
        for v_start, v_end in voiced[lo:]:
            if v_start >= end:
                break
            if v_end > start:
                pieces.append((max(start, v_start), min(end, v_end)))
        if not pieces:
            continue
        groups: list[list[Interval]] = [[pieces[0]]]
        for piece in pieces[1:]:
            if piece[0] - groups[-1][-1][1] > _SPLIT_GAP_S:
                groups.append([piece])
            else:
                groups[-1].append(piece)
        best = max(groups, key=lambda g: sum(e - s for s, e in g))
        w["start"], w["end"] = best[0][0], best[-1][1]


def to_words(raw: Sequence[dict[str, Any]], duration_s: float) -> list[Word]:
    """Contract words: times in milliseconds, inside the audio, never going backwards."""
    words: list[Word] = []
    last_start = 0.0
    for w in raw:
        token = str(w["word"]).strip()
        if not token:
            continue
        start = _clamp(max(float(w["start"]), last_start), duration_s)
        end = _clamp(max(float(w["end"]), start), duration_s)
        words.append(Word(word=token, start=start, end=end,
                          probability=round(min(max(float(w["probability"]), 0.0), 1.0), 4)))
        last_start = start
    return words


def _clamp(t: float, duration_s: float) -> float:
    return round(min(max(t, 0.0), duration_s), 3)
