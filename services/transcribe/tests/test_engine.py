"""WhisperEngine on real speech made here (espeak-ng), on silence and on broken files.

Needs the offline model assembled by ``scripts/setup/models.sh`` (skips, saying so, without
it) and the espeak-ng and ffmpeg programs. No network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from greenroom_transcribe.engine import AudioUnreadable, WhisperEngine, _resolve_device

SENTENCE = (
    "In Python, a list is mutable and a tuple is not. "
    "I would use a dictionary when I need to find a value by its key quickly."
)
# espeak-ng mispronounces some words ("value" comes out as "mail you"); these it says well.
KEY_WORDS = {"python", "list", "mutable", "tuple", "dictionary", "find", "key"}


@pytest.fixture(scope="session")
def models_dir() -> Path:
    path = Path(os.environ.get("GREENROOM_MODELS_DIR", "~/.cache/greenroom/models")).expanduser()
    if not (path / "whisper-base" / "model.bin").is_file():
        pytest.skip(
            f"no whisper-base model in {path}: run `bash scripts/setup/models.sh` "
            "(or point GREENROOM_MODELS_DIR at the models folder)"
        )
    return path


@pytest.fixture(scope="module")
def engine(models_dir: Path) -> WhisperEngine:
    return WhisperEngine(models_dir / "whisper-base", device="cpu", threads=2, beam_size=5)


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (apt-get install {tool})")


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return float(w.getnframes() / w.getframerate())


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need("espeak-ng")
    _need("ffmpeg")
    folder = tmp_path_factory.mktemp("speech")
    raw, wav = folder / "raw.wav", folder / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), SENTENCE], check=True)
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(raw),
            "-ar",
            "16000",
            "-ac",
            "1",
            str(wav),
        ],
        check=True,
    )
    return wav


def test_auto_device_without_gpu_is_cpu_int8() -> None:
    device, compute_type = _resolve_device("auto", "auto")
    assert (device, compute_type) in {("cpu", "int8"), ("cuda", "float16")}
    assert _resolve_device("cpu", "auto") == ("cpu", "int8")
    assert _resolve_device("cuda", "auto") == ("cuda", "float16")
    assert _resolve_device("cpu", "float32") == ("cpu", "float32")


def test_speech_gives_words_with_increasing_timestamps(
    engine: WhisperEngine, speech_wav: Path
) -> None:
    doc = engine.transcribe(speech_wav)

    assert doc.model == "whisper-base" == engine.model_name
    assert doc.engine == "faster-whisper"
    assert doc.timing_method == "whisper-word-timestamps"
    assert doc.device == "cpu"
    assert doc.language == "en"
    assert 0.5 < doc.language_probability <= 1.0
    assert doc.duration_s == pytest.approx(_wav_seconds(speech_wav), abs=0.01)
    assert doc.inference_s > 0

    said = set(re.findall(r"[a-z]+", doc.text.lower()))
    assert said >= KEY_WORDS, f"missing {KEY_WORDS - said} in {doc.text!r}"
    assert doc.segments and doc.text == " ".join(s.text for s in doc.segments)

    assert len(doc.words) >= 20
    assert {w.word.strip(".,").lower() for w in doc.words} >= KEY_WORDS
    starts = [w.start for w in doc.words]
    assert starts == sorted(starts)
    assert starts[-1] > starts[0]
    for w in doc.words:
        assert 0.0 <= w.start <= w.end <= doc.duration_s
        assert 0.0 <= w.probability <= 1.0
    # The words span the speech: espeak starts at once and stops at the end.
    assert doc.words[0].start < 1.0
    assert doc.words[-1].end > doc.duration_s - 1.5


def test_silence_gives_an_empty_transcript(engine: WhisperEngine, tmp_path: Path) -> None:
    wav = tmp_path / "silence.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * 16000 * 3)

    doc = engine.transcribe(wav)

    assert doc.words == [] and doc.segments == [] and doc.text == ""
    assert doc.duration_s == pytest.approx(3.0)
    assert doc.language == "en" and doc.language_probability == 0.0


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
    engine: WhisperEngine, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "answer.wav"
    bad.write_bytes(content)
    with pytest.raises(AudioUnreadable, match="damaged or is not audio"):
        engine.transcribe(bad)


def test_video_without_audio_raises_audio_unreadable(engine: WhisperEngine, tmp_path: Path) -> None:
    _need("ffmpeg")
    video = tmp_path / "silent.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5",
            "-t",
            "1",
            str(video),
        ],
        check=True,
    )
    with pytest.raises(AudioUnreadable, match="no audio track"):
        engine.transcribe(video)


def test_missing_file_is_not_the_candidates_fault(engine: WhisperEngine, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        engine.transcribe(tmp_path / "nowhere.wav")
