"""Test media made on the spot from real sources: scikit-image's bundled astronaut photo (a
real face) and espeak-ng speech, muxed by ffmpeg. Nothing is downloaded."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
from skimage import data, io

# Words espeak-ng pronounces well enough for Whisper base to get right without a prompt.
SENTENCE = (
    "Python lists are mutable, but tuples are immutable. Every key of a dictionary must be "
    "hashable, so a tuple can be a key and a list cannot."
)
SENTENCE_WORDS = {"lists", "mutable", "tuples", "immutable", "key", "tuple", "list"}


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=600)


def speech(text: str, out: Path, voice: str = "en-us", speed: int = 150) -> Path:
    """espeak-ng speech resampled to 16 kHz mono WAV."""
    raw = out.with_suffix(".raw.wav")
    run("espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text)
    run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(raw), "-ac", "1", "-ar", "16000",
        str(out))
    raw.unlink()
    return out


def face_image(out: Path) -> Path:
    io.imsave(out, data.astronaut(), check_contrast=False)
    return out


def _vp8(fps: int = 10) -> list[str]:
    return ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "400k",
            "-r", str(fps), "-pix_fmt", "yuv420p"]


def face_video_with_speech(out: Path, text: str = SENTENCE) -> Path:
    """A WebM like a browser's: the face photo as video, espeak-ng speech as Opus audio."""
    work = out.parent
    face = face_image(work / "face.png")
    voice = speech(text, work / "speech.wav")
    run("ffmpeg", "-nostdin", "-v", "error", "-y", "-loop", "1", "-i", str(face),
        "-i", str(voice), "-vf", "scale=320:320", *_vp8(), "-c:a", "libopus", "-shortest",
        str(out))
    return out


def video_without_pictures(out: Path) -> Path:
    """A face video with speech whose video track lost every packet: a probe still sees a
    video stream, a decoder finds no picture in it."""
    whole = face_video_with_speech(out.parent / f"whole-{out.name}")
    run("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(whole), "-c", "copy",
        "-bsf:v", "noise=dropamount=1", str(out))
    return out


def video_without_audio(out: Path, seconds: float = 3.0) -> Path:
    face = face_image(out.parent / "face-silent.png")
    run("ffmpeg", "-nostdin", "-v", "error", "-y", "-loop", "1", "-i", str(face),
        "-t", str(seconds), "-vf", "scale=160:160", *_vp8(), str(out))
    return out


def long_video(out: Path, seconds: float = 240.0) -> Path:
    """A small synthetic video with a tone: long, but cheap to make."""
    run("ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=size=96x96:rate=5:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        *_vp8(fps=5), "-c:a", "libopus", "-b:a", "16k", str(out))
    return out


def random_bytes(out: Path, size: int = 256 * 1024, seed: int = 7) -> Path:
    out.write_bytes(np.random.default_rng(seed).bytes(size))
    return out


def sparse_file(out: Path, size: int) -> Path:
    """A large file that costs no disk blocks (for size-limit tests)."""
    with out.open("wb") as handle:
        handle.truncate(size)
    os.utime(out)
    return out


def wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path)) as wav:
        return wav.getnframes() / float(wav.getframerate())
