"""Reading an answer's audio: 16 kHz mono float32 samples, or :class:`AudioUnreadable` with
the reason in words a candidate can act on."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from greenroom_common.tool_log import complaint
from numpy.typing import NDArray

__all__ = ["SAMPLE_RATE", "AudioUnreadable", "read_audio", "read_pcm_wav"]

SAMPLE_RATE = 16_000


class AudioUnreadable(Exception):
    """The audio file cannot be decoded (corrupt, not audio, or no audio samples at all).

    The message is the reason alone, in words for a person ("the file has no audio track"),
    for the caller to put in a sentence of its own."""


def read_pcm_wav(path: Path) -> NDArray[np.float32] | None:
    """The samples of a 16 kHz mono 16-bit PCM WAV file (what ingest writes), read as they
    are: the same values PyAV gives, without its 0.35 s decode and the full garbage
    collection faster-whisper runs after it (0.3 s on a 2-minute answer). None for any other
    file."""
    try:
        with wave.open(str(path), "rb") as w:
            if (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getcomptype()) \
                    != (1, 2, SAMPLE_RATE, "NONE"):
                return None
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError):
        return None
    if len(frames) % 2:
        return None
    samples: NDArray[np.float32] = np.frombuffer(frames, dtype="<i2").astype(np.float32)
    samples /= 32768.0
    return samples


def read_audio(path: Path) -> NDArray[np.float32]:
    """Decodes any FFmpeg-readable audio to 16 kHz mono float32 (PyAV, bundled FFmpeg)."""
    pcm = read_pcm_wav(path)
    if pcm is not None:
        if pcm.size == 0:
            raise AudioUnreadable("the file holds no audio samples")
        return pcm
    from faster_whisper.audio import decode_audio  # heavy; not needed for ingest's WAV

    try:
        audio: NDArray[np.float32] = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except IndexError as exc:  # PyAV: the container has no audio stream
        raise AudioUnreadable("the file has no audio track") from exc
    except Exception as exc:  # PyAV raises many kinds (InvalidDataError, EOFError, ...)
        # FFmpeg's own words, without the (temporary) file name.
        detail = getattr(exc, "strerror", None) or complaint(str(exc), path)
        raise AudioUnreadable(f"the file is damaged or is not audio: {detail}") from exc
    if audio.size == 0:
        raise AudioUnreadable("the file holds no audio samples")
    if not np.all(np.isfinite(audio)):
        raise AudioUnreadable("the file holds invalid samples")
    return audio

