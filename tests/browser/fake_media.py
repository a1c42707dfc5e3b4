"""Files for Chromium's fake camera and microphone: a Y4M video of a real face photo
(scikit-image's astronaut) and espeak-ng speech as 16-bit PCM WAV. Chromium loops both, so
a short clip covers a recording of any length."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support import media


@dataclass(frozen=True)
class FakeDevices:
    video: Path
    audio: Path


def camera_file(out: Path, seconds: float = 2.0) -> Path:
    """The photo letterboxed to 4:3 (as a webcam delivers), 10 frames per second."""
    face = media.face_image(out.parent / "camera-face.png")
    media.run("ffmpeg", "-nostdin", "-v", "error", "-y", "-loop", "1", "-i", str(face),
              "-t", str(seconds), "-r", "10",
              "-vf", "scale=360:360,pad=480:360:60:0,format=yuv420p",
              "-f", "yuv4mpegpipe", str(out))
    return out


def microphone_file(out: Path, text: str = media.SENTENCE) -> Path:
    """The sentence, then 1.5 s of silence before Chromium loops it."""
    spoken = media.speech(text, out.parent / "microphone-raw.wav")
    media.run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(spoken),
              "-af", "apad=pad_dur=1.5", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le",
              str(out))
    return out


def silent_microphone_file(out: Path, seconds: float = 3.0) -> Path:
    """A microphone that hears nothing: digital silence."""
    media.run("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
              "-i", "anullsrc=r=16000:cl=mono", "-t", str(seconds), "-c:a", "pcm_s16le",
              str(out))
    return out


def build(folder: Path) -> FakeDevices:
    folder.mkdir(parents=True, exist_ok=True)
    return FakeDevices(camera_file(folder / "camera.y4m"),
                       microphone_file(folder / "microphone.wav"))


def build_silent(folder: Path) -> FakeDevices:
    folder.mkdir(parents=True, exist_ok=True)
    return FakeDevices(camera_file(folder / "camera.y4m"),
                       silent_microphone_file(folder / "silence.wav"))
