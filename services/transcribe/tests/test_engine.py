"""The WhisperX engine on real speech made here (espeak-ng), on silence and on broken files.

Needs the offline model assembled by ``scripts/setup/models.sh`` (skips, saying so, without
it) and the espeak-ng and ffmpeg programs. No network.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import clips
import numpy as np
import pytest
from clips import need
from greenroom_transcribe.engine import AudioUnreadable, WhisperXEngine, _resolve_device
from greenroom_transcribe.language import is_english, not_english_message
from greenroom_transcribe.prompt import build_prompt
from greenroom_transcribe.timing import CROSS_ATTENTION

DECORATOR_VOCABULARY = ["decorator", "functools.wraps", "wrapper", "closure"]


@pytest.fixture(scope="module")
def answer_60s() -> clips.Clip:
    need("espeak-ng")
    return clips.compose([clips.DECORATOR_SCRIPT], voice="en-us", speed=155)


@pytest.fixture(scope="module")
def fillers_and_pauses() -> clips.Clip:
    """Four spoken fillers and two 3-second pauses, each at a known moment."""
    need("espeak-ng")
    return clips.compose([
        "A list in Python is mutable", ("um", True), "and a tuple is not.", 3.0,
        ("uh", True), "I would use a tuple as a dictionary key,", ("you know", True),
        "because it is hashable.", 3.0, "The list can grow", ("um", True),
        "and shrink while the program runs."])


def test_auto_device_without_gpu_is_cpu_int8() -> None:
    device, compute_type = _resolve_device("auto", "auto")
    assert (device, compute_type) in {("cpu", "int8"), ("cuda", "float16")}
    assert _resolve_device("cpu", "auto") == ("cpu", "int8")
    assert _resolve_device("cuda", "auto") == ("cuda", "float16")
    assert _resolve_device("cpu", "float32") == ("cpu", "float32")


def test_a_60_second_answer_is_transcribed_with_timed_words(
        engine: WhisperXEngine, answer_60s: clips.Clip, tmp_path: Path) -> None:
    wav = answer_60s.write(tmp_path / "answer.wav")
    prompt = build_prompt(DECORATOR_VOCABULARY)

    doc = engine.transcribe(wav, prompt=prompt)

    assert answer_60s.duration_s > 55
    wer = clips.word_error_rate(answer_60s.script, doc.text)
    assert wer < 0.20, f"WER {wer:.1%}: {doc.text!r}"
    assert (doc.engine, doc.model, doc.device, doc.compute_type) == (
        "whisperx", "whisper-base", "cpu", "int8")
    assert doc.timing_method == CROSS_ATTENTION and doc.align_model is None
    assert doc.prompt == prompt
    assert doc.language == "en" and doc.language_probability > 0.5
    assert doc.english_probability == doc.language_probability
    assert doc.duration_s == pytest.approx(answer_60s.duration_s, abs=0.01)
    assert len(doc.segments) >= 2 and doc.text == " ".join(s.text for s in doc.segments)

    # every word timed, in order, inside the audio, with a probability
    assert len(doc.words) == pytest.approx(len(clips.normalise(answer_60s.script)), rel=0.15)
    starts = [w.start for w in doc.words]
    assert starts == sorted(starts)
    for w in doc.words:
        assert 0.0 <= w.start <= w.end <= doc.duration_s
        assert 0.0 <= w.probability <= 1.0
    assert sum(w.end - w.start for w in doc.words) > 0.6 * doc.duration_s
    assert doc.words[0].start < 0.5 and doc.words[-1].end > doc.duration_s - 1.0
    # the question's jargon comes out spelt as in the prompt
    assert "functools.wraps" in doc.text

    speech = doc.speech
    assert speech is not None
    assert speech.words_per_minute == pytest.approx(155, abs=25)
    assert speech.articulation_rate >= speech.words_per_minute
    assert speech.pauses == [] and speech.fillers == []
    assert speech.speech_ratio > 0.8
    assert len(speech.pace_timeline) >= 8
    assert speech.pitch_variation_semitones is not None and speech.loudness_variation_db
    assert len(speech.pitch_timeline) >= 8 and len(speech.loudness_timeline) >= 8


def test_two_single_threaded_replicas_give_the_words_and_times_of_one_copy(
        engine: WhisperXEngine, models_dir: Path, answer_60s: clips.Clip,
        tmp_path: Path) -> None:
    """The service decodes a batch's speech chunks in parts, one per CPU thread: the parts
    must come back in order, with their own encoder outputs for the word times."""
    wav = answer_60s.write(tmp_path / "answer.wav")
    prompt = build_prompt(DECORATOR_VOCABULARY)
    one_copy = WhisperXEngine(models_dir / "whisper-base", device="cpu", threads=2,
                              replicas=1)

    split = engine.transcribe(wav, prompt=prompt)
    whole = one_copy.transcribe(wav, prompt=prompt)

    assert engine.replicas == 2 and len(split.segments) >= 2
    assert split.text == whole.text
    assert [(w.word, w.start, w.end) for w in split.words] == \
        [(w.word, w.start, w.end) for w in whole.words]
    assert split.language_probability == pytest.approx(whole.language_probability, abs=1e-3)


def test_fillers_and_pauses_are_reported_at_their_moments(
        engine: WhisperXEngine, fillers_and_pauses: clips.Clip, tmp_path: Path) -> None:
    wav = fillers_and_pauses.write(tmp_path / "answer.wav")

    doc = engine.transcribe(wav, prompt=build_prompt(["list", "tuple", "hashable"]))

    speech = doc.speech
    assert speech is not None
    said = fillers_and_pauses.fillers()
    assert len(said) == 4
    assert len(speech.fillers) == 4, speech.fillers
    for truth, found in zip(said, speech.fillers, strict=True):
        assert found.label == truth.text
        assert found.start == pytest.approx(truth.start, abs=0.5)
        assert found.end == pytest.approx(truth.end, abs=0.5)
    silences = fillers_and_pauses.silences()
    assert len(speech.pauses) == 2, speech.pauses
    for truth, found in zip(silences, speech.pauses, strict=True):
        assert found.start == pytest.approx(truth.start, abs=0.5)
        assert found.end == pytest.approx(truth.end, abs=0.5)
    assert speech.words_per_minute < speech.articulation_rate


def test_untranscribed_fillers_are_hesitations(
        engine: WhisperXEngine, fillers_and_pauses: clips.Clip, tmp_path: Path) -> None:
    """Without the prompt Whisper leaves most fillers out; the voiced audio no word covers
    still reports them, as hesitations."""
    wav = fillers_and_pauses.write(tmp_path / "answer.wav")

    doc = engine.transcribe(wav, prompt=None)

    speech = doc.speech
    assert speech is not None and doc.prompt is None
    heard = [*speech.fillers, *speech.hesitations]
    for truth in fillers_and_pauses.fillers():
        assert any(m.start - 0.5 <= truth.start and truth.end <= m.end + 0.5 for m in heard), (
            truth, heard)


def _silence(path: Path, seconds: float, noise: float = 0.0) -> Path:
    audio = np.random.default_rng(3).normal(0, noise, int(seconds * 16000)) if noise else \
        np.zeros(int(seconds * 16000))
    clips.write_wav(path, audio.astype(np.float32))
    return path


@pytest.mark.parametrize("noise", [0.0, 0.02], ids=["silence", "room-noise"])
def test_no_speech_gives_no_words(engine: WhisperXEngine, tmp_path: Path, noise: float) -> None:
    doc = engine.transcribe(_silence(tmp_path / "quiet.wav", 4.0, noise))

    assert doc.words == [] and doc.segments == [] and doc.text == ""
    assert doc.duration_s == pytest.approx(4.0)
    assert doc.language == "en" and doc.language_probability == 0.0
    assert doc.speech is not None and doc.speech.words_per_minute == 0


def test_another_language_is_detected(engine: WhisperXEngine, tmp_path: Path) -> None:
    need("espeak-ng")
    german = clips.compose([
        "Ein Dekorator ist eine Funktion, die eine andere Funktion nimmt und eine neue "
        "Funktion zurückgibt. Ich benutze sie oft für das Zwischenspeichern."], voice="de",
        speed=150)

    doc = engine.transcribe(german.write(tmp_path / "de.wav"))

    assert doc.language == "de" and doc.language_probability > 0.5
    assert doc.english_probability is not None and doc.english_probability < 0.2
    assert not is_english(doc.language, doc.english_probability)
    assert "German" in not_english_message(doc.language, doc.language_probability)


@pytest.mark.parametrize(
    "content",
    [
        b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 20,  # a broken WAV header
        b"this is not audio at all\n" * 100,
        b"",
    ],
    ids=["broken-wav", "text", "empty"],
)
def test_corrupt_file_raises_audio_unreadable(
    engine: WhisperXEngine, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "answer.wav"
    bad.write_bytes(content)
    with pytest.raises(AudioUnreadable, match="damaged or is not audio") as caught:
        engine.transcribe(bad)
    assert str(tmp_path) not in str(caught.value)


def test_video_without_audio_raises_audio_unreadable(engine: WhisperXEngine,
                                                     tmp_path: Path) -> None:
    need("ffmpeg")
    video = tmp_path / "silent.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=64x64:rate=5", "-t", "1", str(video)], check=True)
    with pytest.raises(AudioUnreadable, match="no audio track"):
        engine.transcribe(video)


def test_missing_file_is_not_the_candidates_fault(engine: WhisperXEngine,
                                                   tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        engine.transcribe(tmp_path / "nowhere.wav")


def test_ingests_wav_is_read_as_it_is_with_the_samples_pyav_gives(tmp_path: Path) -> None:
    """16 kHz mono PCM (what ingest writes) skips PyAV's decode; other audio goes through it."""
    from faster_whisper.audio import decode_audio
    from greenroom_transcribe.audio_file import read_audio, read_pcm_wav

    rng = np.random.default_rng(7)
    wav = tmp_path / "audio.wav"
    clips.write_wav(wav, (rng.standard_normal(16_000 * 3) * 0.1).astype(np.float32))
    direct = read_pcm_wav(wav)
    assert direct is not None
    np.testing.assert_array_equal(direct, decode_audio(str(wav), sampling_rate=16_000))
    need("ffmpeg")
    stereo = tmp_path / "stereo-44k.wav"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-ac", "2", "-ar",
                    "44100", str(stereo)], check=True)
    assert read_pcm_wav(stereo) is None
    assert abs(len(read_audio(stereo)) - len(direct)) <= 16  # resampled by PyAV instead
