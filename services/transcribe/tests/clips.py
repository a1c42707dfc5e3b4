"""Spoken test answers made here with espeak-ng, with what is said and when (ground truth).

Shared by the tests and by ``bench/transcribe_*.py``. An answer is a list of pieces: text
that espeak-ng speaks (one rendering each, its silent edges trimmed, so the true start and
end of every piece are known to 10 ms) or silences of a given length. Also the word error
rate used to score transcripts against the scripts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SAMPLE_RATE = 16_000

# A 60 s answer to "What is a decorator, and how do you write one?" (espeak-ng, 160 wpm).
DECORATOR_SCRIPT = (
    "A decorator in Python is a function that takes another function and returns a new "
    "function that adds some behaviour. For example, I could write a timing decorator that "
    "records how long a call takes. Inside it I define a wrapper that accepts any positional "
    "and keyword arguments, calls the original function, and returns its result. The "
    "important detail is to use functools dot wraps on the wrapper, so the new function "
    "keeps the name and the documentation string of the original. Without it, debugging and "
    "introspection become confusing. Decorators can also take their own arguments, which "
    "means writing a function that returns the decorator itself. In practice I use them for "
    "caching, for logging, for checking permissions in a web application, and for retrying "
    "a network call when it fails. The standard library already gives us a few, like the "
    "cache decorator and the property decorator, and I would reach for those first before "
    "writing my own."
)

GIL_SCRIPT = (
    "The global interpreter lock, the GIL, is a mutex in CPython that lets only one thread "
    "run Python bytecode at a time. It makes reference counting safe and keeps the "
    "interpreter simple, but it means threads do not speed up work that is bound by the "
    "processor. For input and output, threads are still useful, because the lock is "
    "released while a thread waits on the network or the disk. For heavy computation I "
    "would use multiprocessing, or a library such as numpy that releases the lock inside "
    "its own code. Recent versions of Python also offer a build without the lock, which is "
    "still experimental."
)

SLOTS_SCRIPT = (
    "Defining slots on a class replaces the per instance dictionary with a fixed set of "
    "attributes. Each object then uses less memory, and attribute access is a little "
    "faster. The cost is flexibility: you cannot add new attributes at run time, and "
    "multiple inheritance gets harder when several bases define slots. I would use them "
    "for small classes that are created millions of times, like points or records in a "
    "data pipeline."
)


@dataclass
class Piece:
    """What happens in one stretch of the answer: ``text`` spoken, or a silence."""

    text: str | None
    start: float
    end: float
    filler: bool = False


@dataclass
class Clip:
    audio: NDArray[np.float32]
    pieces: list[Piece] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    @property
    def script(self) -> str:
        return " ".join(p.text for p in self.pieces if p.text)

    def fillers(self) -> list[Piece]:
        return [p for p in self.pieces if p.filler]

    def silences(self) -> list[Piece]:
        return [p for p in self.pieces if p.text is None]

    def write(self, path: Path) -> Path:
        write_wav(path, self.audio)
        return path


def need(tool: str) -> None:
    """Skips the calling test when a program it needs is not installed."""
    if shutil.which(tool) is None:
        import pytest

        pytest.skip(f"{tool} is not installed (apt-get install {tool})")


def speak(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50
          ) -> NDArray[np.float32]:
    """espeak-ng's rendering of ``text`` at 16 kHz mono, silent edges trimmed."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch),
                        "-w", str(raw), text], check=True)
        audio, rate = read_wav(raw)
    return trim(resample(audio, rate, SAMPLE_RATE))


def read_wav(path: Path) -> tuple[NDArray[np.float32], int]:
    with wave.open(str(path)) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        data = w.readframes(w.getnframes())
    assert width == 2, "16-bit PCM expected"
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def write_wav(path: Path, audio: NDArray[np.float32]) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def resample(audio: NDArray[np.float32], rate: int, target: int) -> NDArray[np.float32]:
    """Linear-phase resampling by FFT (espeak-ng speaks at 22.05 kHz)."""
    if rate == target:
        return audio
    n = round(len(audio) * target / rate)
    spectrum = np.fft.rfft(audio)
    keep = n // 2 + 1
    out = np.fft.irfft(spectrum[:keep] if len(spectrum) >= keep
                       else np.pad(spectrum, (0, keep - len(spectrum))), n)
    return (out * (n / len(audio))).astype(np.float32)


def trim(audio: NDArray[np.float32], threshold_db: float = -45.0) -> NDArray[np.float32]:
    """Cuts leading and trailing silence (10 ms frames under ``threshold_db`` of the peak)."""
    frame = SAMPLE_RATE // 100
    n = len(audio) // frame
    if n == 0:
        return audio
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(20 * np.log10(rms / (np.max(rms) + 1e-12)) > threshold_db)[0]
    if len(loud) == 0:
        return audio[:0]
    return audio[loud[0] * frame:(loud[-1] + 1) * frame]


def compose(parts: list[str | float | tuple[str, bool]], voice: str = "en-us",
            speed: int = 160, gap_s: float = 0.25, pitch: int = 50) -> Clip:
    """An answer from parts: a string is spoken, a float is a silence of that many seconds,
    ``(text, True)`` is a spoken filler. Spoken parts are ``gap_s`` apart (a breath)."""
    chunks: list[NDArray[np.float32]] = []
    pieces: list[Piece] = []
    t = 0.0
    previous_spoken = False
    for part in parts:
        if isinstance(part, float | int):
            n = round(float(part) * SAMPLE_RATE)
            chunks.append(np.zeros(n, np.float32))
            pieces.append(Piece(None, t, t + n / SAMPLE_RATE))
            t += n / SAMPLE_RATE
            previous_spoken = False
            continue
        text, filler = (part, False) if isinstance(part, str) else part
        if previous_spoken and gap_s > 0:
            n = round(gap_s * SAMPLE_RATE)
            chunks.append(np.zeros(n, np.float32))
            t += n / SAMPLE_RATE
        audio = speak(text, voice, speed, pitch)
        chunks.append(audio)
        pieces.append(Piece(text, t, t + len(audio) / SAMPLE_RATE, filler=filler))
        t += len(audio) / SAMPLE_RATE
        previous_spoken = True
    return Clip(np.concatenate(chunks) if chunks else np.zeros(0, np.float32), pieces)


def with_noise(audio: NDArray[np.float32], snr_db: float, seed: int = 7) -> NDArray[np.float32]:
    """``audio`` plus white noise at the given signal-to-noise ratio (over speech power)."""
    rng = np.random.default_rng(seed)
    speech = audio[np.abs(audio) > 1e-4]
    power = float(np.mean(speech**2)) if len(speech) else 1e-4
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(audio))
    return (audio + noise).astype(np.float32)


# -- scoring ---------------------------------------------------------------------------------

_SPELLINGS = {"behaviour": "behavior", "colour": "color", "optimise": "optimize"}


def normalise(text: str) -> list[str]:
    """Lower case, no punctuation, British and American spellings joined, "cannot" and
    "can not" alike, "." spoken as "dot" and "functools.wraps" written as one word both
    become "functools dot wraps"."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"\bcannot\b", "can not", text)  # one word or two, the same words
    text = re.sub(r"(?<=[a-z_])\.(?=[a-z_])", " dot ", text)
    words = re.findall(r"[a-z0-9_']+", text)
    return [_SPELLINGS.get(w, w) for w in words if w != "'"]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalised words."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / len(ref)
