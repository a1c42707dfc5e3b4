"""Speech to text: the transcribe service's pure core (no bus, no storage).

Engine: faster-whisper (CTranslate2) with its own word timestamps (cross-attention alignment)
and its bundled Silero VAD. WhisperX is where the service is headed, but not yet, because:

* its word alignment (wav2vec2) and its Silero VAD are downloaded from a hub at run time, and
  no machine here reaches one. Offline, word times would come from faster-whisper's
  ``word_timestamps=True`` anyway (run on the model WhisperX loads), so it would add nothing;
* it pulls torch, pyannote and transformers (~7.6 GB of environment) for that same result.

WhisperX arrives in a later issue, with its alignment model provisioned into the models folder.
Measured here (base, int8, 2 CPU threads, espeak speech): word start errors ~0.2-0.3 s;
real-time factor ~0.1 on a 53 s answer and ~0.25 on a 12 s one (Whisper encodes whole 30 s
windows, so short answers cost relatively more); load ~2 s; see shared/notes/audio.md.

The model is loaded only from a local folder assembled at set-up (``scripts/setup/models.sh``);
hub access is switched off before faster-whisper (and huggingface_hub) is imported, so a
missing model fails loudly instead of being downloaded.
"""

from __future__ import annotations

import os

# Zero network traffic: no hub look-ups, no telemetry (onnxruntime runs the VAD).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import time
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from greenroom_common.documents import Segment, TranscriptDoc, Word
from numpy.typing import NDArray

SAMPLE_RATE = 16_000
ENGINE = "faster-whisper"
TIMING_METHOD = "whisper-word-timestamps"
# What a transcript reports when nothing was said: the VAD kept no speech, so the language
# detector had nothing to listen to. Interviews are held in English.
DEFAULT_LANGUAGE = "en"
_REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")


class AudioUnreadable(Exception):
    """The audio file cannot be decoded (corrupt, not audio, or no audio samples at all).

    The message is the reason alone, in words for a person ("the file has no audio track"),
    for the caller to put in a sentence of its own."""


class ModelMissingError(RuntimeError):
    """The model folder is missing or incomplete: run ``scripts/setup/models.sh``."""


def _resolve_device(device: str, compute_type: str) -> tuple[str, str]:
    """``auto`` picks CUDA (float16) when CTranslate2 sees a GPU, else CPU (int8)."""
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


class WhisperEngine:
    """A Whisper model in CTranslate2 format, loaded once, transcribing one file per call.

    Not safe for concurrent ``transcribe`` calls from several threads; a service runs one
    engine per worker.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        threads: int = 2,
        beam_size: int = 5,
    ) -> None:
        model_dir = Path(model_dir).expanduser().resolve()
        missing = [name for name in _REQUIRED_FILES if not (model_dir / name).is_file()]
        if missing:
            raise ModelMissingError(
                f"Whisper model folder {model_dir} lacks {', '.join(missing)}; "
                "run scripts/setup/models.sh (models are never downloaded at run time)"
            )
        self.model_dir = model_dir
        self.device, self.compute_type = _resolve_device(device, compute_type)
        self.threads = threads
        self.beam_size = beam_size
        started = time.perf_counter()
        self._model = WhisperModel(
            str(model_dir),
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
        self.load_s = time.perf_counter() - started

    @property
    def model_name(self) -> str:
        """The model folder's name, e.g. ``whisper-base``."""
        return self.model_dir.name

    def transcribe(self, wav_path: Path, *, prompt: str | None = None) -> TranscriptDoc:
        """Transcribes one audio file (any format FFmpeg reads; ingest gives 16 kHz mono WAV).

        ``prompt`` is Whisper's initial prompt (e.g. the question's vocabulary); measure any
        prompt before using it, as a bad one makes Whisper drop words.

        Raises ``AudioUnreadable`` when the file cannot be decoded and ``FileNotFoundError``
        when there is no file (a fault of the caller, not of the candidate's upload).
        Silence gives an empty transcript.
        """
        wav_path = Path(wav_path)
        if not wav_path.is_file():
            raise FileNotFoundError(f"no audio file at {wav_path}")
        audio = _decode(wav_path)
        duration_s = audio.shape[0] / SAMPLE_RATE

        started = time.perf_counter()
        segments_iter, info = self._model.transcribe(
            audio,
            language=None,  # detect, and report what was detected
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,
            condition_on_previous_text=False,  # no run-away repetition across segments
            initial_prompt=prompt or None,
        )
        raw_segments = list(segments_iter)  # decoding happens while iterating
        inference_s = time.perf_counter() - started

        segments: list[Segment] = []
        words: list[Word] = []
        for seg in raw_segments:
            text = seg.text.strip()
            if not text:
                continue
            segments.append(
                Segment(
                    start=_clamp(seg.start, duration_s), end=_clamp(seg.end, duration_s), text=text
                )
            )
            for w in seg.words or []:
                token = w.word.strip()
                if not token:
                    continue
                words.append(
                    Word(
                        word=token,
                        start=_clamp(w.start, duration_s),
                        end=_clamp(w.end, duration_s),
                        probability=round(float(w.probability), 4),
                    )
                )

        if segments:
            language, language_probability = info.language, float(info.language_probability)
        else:  # nothing was said: the detector's guess on silence means nothing
            language, language_probability = DEFAULT_LANGUAGE, 0.0

        return TranscriptDoc(
            model=self.model_name,
            engine=ENGINE,
            device=self.device,
            language=language,
            language_probability=round(language_probability, 4),
            duration_s=round(duration_s, 3),
            text=" ".join(seg.text for seg in segments),
            segments=segments,
            words=words,
            timing_method=TIMING_METHOD,
            inference_s=round(inference_s, 3),
        )


def _decode(path: Path) -> NDArray[np.float32]:
    """Decodes any FFmpeg-readable audio to 16 kHz mono float32 (PyAV, bundled FFmpeg)."""
    try:
        audio: NDArray[np.float32] = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except IndexError as exc:  # PyAV: the container has no audio stream
        raise AudioUnreadable("the file has no audio track") from exc
    except Exception as exc:  # PyAV raises many kinds (InvalidDataError, EOFError, ...)
        # FFmpeg's own words, without the (temporary) file name.
        detail = getattr(exc, "strerror", None) or str(exc)
        raise AudioUnreadable(f"the file is damaged or is not audio: {detail}") from exc
    if audio.size == 0:
        raise AudioUnreadable("the file holds no audio samples")
    return audio


def _clamp(t: float, duration_s: float) -> float:
    """Times rounded to milliseconds and kept within the audio."""
    return round(min(max(float(t), 0.0), duration_s), 3)
