"""A second voice in the audio (``voices``): the rules on hand-made segmentation scores, then
pyannote's segmentation model (the VAD WhisperX already runs) on espeak-ng answers, clean
ones with a single voice (no observation expected) and planted ones where another voice
speaks in the middle of the answer."""

from __future__ import annotations

from pathlib import Path

import clips
import numpy as np
import pytest
from greenroom_transcribe import voices
from greenroom_transcribe.engine import SPEAKERS_STEP_S, WhisperXEngine
from greenroom_transcribe.voices import Segmentation, second_voices

FRAMES = 293  # the segmentation model's frames per 5 s window
STEP, WINDOW = 0.5, 5.0


def scores_for(speakers: list[tuple[int, float, float]], duration_s: float) -> Segmentation:
    """Window scores of the given ``(speaker, start, end)`` turns, each speaker always on the
    same local output (what the model gives for clean, distinct voices)."""
    n = int(np.ceil(max(duration_s - WINDOW, 0) / STEP)) + 1
    scores = np.zeros((n, FRAMES, 3), np.float32)
    times = np.arange(FRAMES) * WINDOW / FRAMES
    for c in range(n):
        t = c * STEP + times
        for k, start, end in speakers:
            scores[c, (t >= start) & (t < end), k] = 0.9
    return Segmentation(scores, STEP, WINDOW)


def test_one_voice_with_pauses_gives_nothing() -> None:
    seg = scores_for([(0, 0.0, 12.0), (0, 14.0, 30.0), (0, 36.0, 50.0)], 50.0)
    assert second_voices(seg, 50.0) == []


def test_another_voice_between_the_candidates_turns_is_reported() -> None:
    seg = scores_for([(0, 0.0, 20.0), (1, 20.5, 24.5), (0, 25.0, 40.0)], 40.0)
    [found] = second_voices(seg, 40.0)
    assert found.kind == "second_voice"
    assert found.start_s == pytest.approx(20.5, abs=0.2)
    assert found.end_s == pytest.approx(24.5, abs=0.2)
    assert "another voice for 4.0 s" in found.figure
    assert "Not part of the verdict" in found.note


def test_a_local_speaker_split_in_a_window_or_two_is_not_a_second_voice() -> None:
    seg = scores_for([(0, 0.0, 30.0)], 30.0)
    # the model's typical false alarm: after a breath, one or two windows give the same
    # voice to another local output
    seg.scores[20:22, 150:, 0] = 0.0
    seg.scores[20:22, 150:, 1] = 0.9
    assert second_voices(seg, 30.0) == []


def test_no_scores_no_observations() -> None:
    assert second_voices(None, 10.0) == []
    assert second_voices(Segmentation(np.zeros((0, FRAMES, 3), np.float32), STEP, WINDOW),
                         0.0) == []


# --- pyannote's segmentation model on espeak-ng speech -----------------------------------------


def segment(engine: WhisperXEngine, audio: np.ndarray) -> Segmentation:
    """The raw scores the engine's VAD computes for ``audio`` (what ``transcribe`` keeps)."""
    import torch

    vad = engine._vad
    vad.step = SPEAKERS_STEP_S  # what transcribe sets when it looks for a second voice
    vad.segmentation = None
    vad({"waveform": torch.from_numpy(audio[None].astype(np.float32)),
         "sample_rate": clips.SAMPLE_RATE})
    assert vad.segmentation is not None, "the VAD's segmentation scores were not recorded"
    return vad.segmentation


@pytest.fixture(scope="module")
def gil_split() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    clips.need("espeak-ng")
    return (clips.compose([clips.GIL_SCRIPT[:230]]).audio,
            clips.compose([clips.GIL_SCRIPT[230:]]).audio,
            np.zeros(clips.SAMPLE_RATE // 2, np.float32))


def planted(first: np.ndarray, other: np.ndarray, rest: np.ndarray, gap: np.ndarray
            ) -> tuple[np.ndarray, float, float]:
    start = (len(first) + len(gap)) / clips.SAMPLE_RATE
    end = start + len(other) / clips.SAMPLE_RATE
    return np.concatenate([first, gap, other, gap, rest]), start, end


def test_clean_single_voice_answers_give_no_second_voice(engine: WhisperXEngine) -> None:
    clips.need("espeak-ng")
    answers = {
        "en-us": clips.compose([clips.DECORATOR_SCRIPT]).audio,
        "en-gb, pauses": clips.compose([clips.SLOTS_SCRIPT[:150], 3.0, ("um", True),
                                        clips.SLOTS_SCRIPT[150:], 4.0, clips.GIL_SCRIPT[:200]],
                                       voice="en-gb-x-rp", speed=140).audio,
        "female, noisy": clips.with_noise(clips.compose([clips.SLOTS_SCRIPT],
                                                        voice="en-us+f3").audio, 15.0),
    }
    for name, audio in answers.items():
        found = second_voices(segment(engine, audio), len(audio) / clips.SAMPLE_RATE, audio)
        assert found == [], (name, found)


@pytest.mark.parametrize("voice", ["en-us+f3", "en-us+f4"])
def test_a_planted_second_voice_is_found_where_it_speaks(
        engine: WhisperXEngine, gil_split: tuple[np.ndarray, np.ndarray, np.ndarray],
        voice: str) -> None:
    first, rest, gap = gil_split
    other = clips.compose(["Say that it makes reference counting safe, and mention "
                           "multiprocessing."], voice=voice).audio
    audio, start, end = planted(first, other, rest, gap)
    found = second_voices(segment(engine, audio), len(audio) / clips.SAMPLE_RATE, audio)
    assert len(found) == 1, found
    assert found[0].start_s == pytest.approx(start, abs=1.0)
    assert found[0].end_s == pytest.approx(end, abs=1.0)
    assert "median pitch" in found[0].figure


def test_transcribe_reports_the_second_voice(
        engine: WhisperXEngine, gil_split: tuple[np.ndarray, np.ndarray, np.ndarray],
        tmp_path: Path) -> None:
    first, rest, gap = gil_split
    other = clips.compose(["You should talk about functools wraps and keeping the name."],
                          voice="en-us+f3").audio
    audio, start, end = planted(first, other, rest, gap)
    wav = tmp_path / "two-voices.wav"
    clips.write_wav(wav, audio)

    doc = engine.transcribe(wav)

    assert [o.kind for o in doc.observations] == ["second_voice"]
    assert doc.observations[0].start_s == pytest.approx(start, abs=1.0)
    assert doc.observations[0].end_s == pytest.approx(end, abs=1.0)
    assert voices.MIN_CHANGE_WINDOWS == 4
    # A practice session does not look (nor pay for the fine analysis); the words stay.
    practice = engine.transcribe(wav, speakers=False)
    assert practice.observations == []
    assert clips.word_error_rate(doc.text, practice.text) < 0.1, (doc.text, practice.text)
