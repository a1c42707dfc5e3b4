"""The ingest core on real media made with ffmpeg: what it accepts, extracts and refuses."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import pytest
from greenroom_common.errors import Rejected
from greenroom_ingest.media import Limits, Probe, extract, validate


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    out = tmp_path / "clip.webm"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=3",
           "-f", "lavfi", "-i", "sine=frequency=300:duration=3:sample_rate=48000",
           "-ac", "2", "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", str(out))
    return out


def test_extracts_16khz_mono_audio_and_probes_the_video(clip: Path, tmp_path: Path) -> None:
    result = extract(clip, tmp_path, Limits())
    with wave.open(str(result.audio)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16_000, 1)
    assert result.duration_s == pytest.approx(3.0, abs=0.1)
    assert result.probe.has_video and (result.probe.width, result.probe.height) == (320, 240)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audio.wav", "clip.webm"]


def test_audio_only_upload_has_no_video(tmp_path: Path) -> None:
    out = tmp_path / "voice.ogg"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "libopus", str(out))
    result = extract(out, tmp_path, Limits())
    assert not result.probe.has_video and result.duration_s == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty"), (b"\x1a\x45\xdf\xa3junk" * 99,
                                                                  "not_media")])
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, content: bytes,
                                                     reason: str) -> None:
    path = tmp_path / "upload.webm"
    path.write_bytes(content)
    with pytest.raises(Rejected) as caught:
        extract(path, tmp_path, Limits())
    assert caught.value.reason == reason
    assert str(tmp_path) not in caught.value.message and " @ 0x" not in caught.value.message


def test_too_long_is_refused_with_the_measured_length() -> None:
    probe = Probe("webm", 240.0, "opus", "vp8", 320, 240)
    with pytest.raises(Rejected) as caught:
        validate(probe, Limits(max_answer_s=180, grace_s=5))
    assert caught.value.reason == "too_long"
    assert "4:00" in caught.value.message and "3:00" in caught.value.message


def test_length_hidden_from_the_header_is_measured_by_decoding(tmp_path: Path) -> None:
    """MediaRecorder's WebM has no duration in its header: the decoder finds the length."""
    out = tmp_path / "stream.webm"
    subprocess.run(
        "ffmpeg -nostdin -v error -f lavfi -i sine=duration=8 -c:a libopus -f webm "
        f"-live 1 - | cat > {out}", shell=True, check=True, timeout=120)
    with pytest.raises(Rejected) as caught:
        extract(out, tmp_path, Limits(max_answer_s=5, grace_s=1))
    assert caught.value.reason == "too_long"
