"""Speech to text with WhisperX: the transcribe service's core (no bus, no storage).

One call turns an answer's audio into a :class:`TranscriptDoc`: text, every word with its
start, end and probability, the detected language and the delivery measurements.

The steps, all offline:

1. decode the audio to 16 kHz mono (PyAV's bundled FFmpeg);
2. WhisperX's batched pipeline: its bundled pyannote voice activity detector cuts the speech
   into chunks of up to 30 s, which Whisper (CTranslate2) decodes ``batch_size`` at a time,
   with the question's vocabulary as the prompt;
3. word times (``timing``): WhisperX's wav2vec2 alignment when an alignment model is
   provisioned, else Whisper's cross-attention on the encoder outputs step 2 computed;
4. language: Whisper's language detector on those same encoder outputs, averaged over the
   speech chunks (decoding is in English: interviews are graded in English);
5. delivery measurements (``speech``, ``fillers``, ``prosody``) from the words, the voiced
   regions and the waveform.

Models load only from the models folder (``models``); hub access and telemetry are
switched off before any of the libraries is imported, so a missing model fails loudly
instead of being downloaded. Measured figures are in the service's README.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Zero network traffic: no hub look-ups, no telemetry (pyannote.audio and onnxruntime send
# some unless told not to). pyannote's loader writes under $TORCH_HOME: keep it writable.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TORCH_HOME", str(Path(tempfile.gettempdir()) / "greenroom-torch"))

import dataclasses
import logging
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import ctranslate2
import numpy as np
import torch
from greenroom_common.documents import Segment, TranscriptDoc
from numpy.typing import NDArray

from greenroom_transcribe import prosody, quality, speech, timing, voices
from greenroom_transcribe.audio_file import SAMPLE_RATE, AudioUnreadable, read_audio
from greenroom_transcribe.models import (
    AlignModel,
    ModelMissingError,
    load_aligner,
    whisper_missing,
)

# pyannote and lightning speak up about checkpoint versions and optional backends on every
# load; none of it is actionable here.
warnings.filterwarnings("ignore", module=r"pyannote\..*")
warnings.filterwarnings("ignore", module=r"lightning\..*|pytorch_lightning\..*")
warnings.filterwarnings("ignore", message=r".*torchcodec.*")
warnings.filterwarnings("ignore", message=r".*TensorFloat-32.*")
logging.getLogger("lightning.pytorch.utilities.migration.utils").setLevel(logging.ERROR)
logging.getLogger("whisperx").setLevel(logging.WARNING)

import whisperx  # noqa: E402 - after the environment above
from whisperx.asr import WhisperModel as _WhisperXModel  # noqa: E402
from whisperx.audio import N_SAMPLES, log_mel_spectrogram  # noqa: E402
from whisperx.vads import Vad  # noqa: E402

__all__ = ["AudioUnreadable", "ModelMissingError", "WhisperXEngine"]

ENGINE = "whisperx"
ENGLISH = "en"
# The sequential decoder's temperature fallback for a chunk decoded again (fewer steps than
# its default six: each is a whole decode of up to 30 s).
RETRY_TEMPERATURES = (0.0, 0.4, 0.8)
# The voice activity detector scores 5 s windows. Speaker-change detection (``voices``) needs
# them every 0.5 s (pyannote's default); voice activity alone reads as well every 2.5 s
# (half-overlapping windows) at a fifth of the cost: 2.5 s less CPU on a 2-minute answer.
SPEAKERS_STEP_S = 0.5
VOICE_ONLY_STEP_S = 2.5
log = logging.getLogger("greenroom.transcribe")
T = TypeVar("T")
R = TypeVar("R")


def _resolve_device(device: str, compute_type: str) -> tuple[str, str]:
    """``auto`` picks CUDA (float16) when CTranslate2 sees a GPU, else CPU (int8)."""
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


_THREAD = threading.local()  # a worker thread's own list of encoder outputs


class _RecordingModel(_WhisperXModel):  # type: ignore[misc]
    """WhisperX's batched Whisper model, keeping the encoder outputs of one transcription,
    and decoding a batch's chunks in ``replicas`` parts side by side.

    Word alignment and language detection reuse the encoder outputs instead of encoding the
    audio again. On a CPU, ``replicas`` single-threaded model replicas (CTranslate2's
    ``inter_threads``) each decoding part of the batch waste less time than the same cores
    sharing every matrix product of one batch (its ``intra_threads``), and a core taken by
    another process slows one part instead of stalling all of them."""

    recorded: list[Any] | None = None
    replicas: int = 1
    pool: ThreadPoolExecutor | None = None

    def encode(self, features: np.ndarray) -> Any:
        output = super().encode(features)
        sink = getattr(_THREAD, "sink", self.recorded)
        if sink is not None:
            sink.append(output)
        return output

    def generate_segment_batched(self, features: np.ndarray, tokenizer: Any, options: Any,
                                 encoder_output: Any = None) -> dict[str, list[Any]]:
        """WhisperX's batch decode (which encodes ``features`` itself, ignoring
        ``encoder_output``), in parts side by side when there are several replicas."""
        del encoder_output
        parts = [rows for rows in np.array_split(np.arange(features.shape[0]), self.replicas)
                 if len(rows)]
        if len(parts) < 2 or self.pool is None:
            whole: dict[str, list[Any]] = super().generate_segment_batched(
                features, tokenizer, options)
            return whole

        def decode(rows: NDArray[np.int64]) -> tuple[dict[str, list[Any]], list[Any]]:
            _THREAD.sink = []
            try:
                result = _WhisperXModel.generate_segment_batched(self, features[rows],
                                                                 tokenizer, options)
                return result, _THREAD.sink
            finally:
                del _THREAD.sink

        done = list(self.pool.map(decode, parts))
        if self.recorded is not None:
            for _, outputs in done:
                self.recorded += outputs
        return {key: [v for result, _ in done for v in result[key]] for key in done[0][0]}


class _ObservedVad(Vad):  # type: ignore[misc]
    """WhisperX's voice activity detector, unchanged, keeping the chunks it produced (with
    the voiced regions inside each) for word fitting and the delivery measurements."""

    def __init__(self, inner: Any) -> None:
        super().__init__(0.5)
        self.inner = inner
        self.chunks: list[dict[str, Any]] = []
        # The segmentation model scores three local speakers per 5 s window; the VAD keeps
        # only their maximum. Keep the raw scores too: speaker-change detection (``voices``)
        # reads them, at no extra inference.
        self.segmentation: voices.Segmentation | None = None
        self._inference: Any = getattr(getattr(inner, "vad_pipeline", None), "_segmentation",
                                       None)
        hook = getattr(self._inference, "pre_aggregation_hook", None)
        if hook is not None and self._inference is not None:
            self._inference.pre_aggregation_hook = self._recording(hook)

    def _recording(self, hook: Any) -> Any:
        def record(scores: np.ndarray) -> Any:
            self.segmentation = voices.Segmentation(
                np.asarray(scores, dtype=np.float32), float(self._inference.step),
                float(self._inference.duration))
            return hook(scores)
        return record

    @property
    def step(self) -> float:
        """Seconds between the detector's 5 s analysis windows."""
        return float(self._inference.step) if self._inference is not None else 0.0

    @step.setter
    def step(self, seconds: float) -> None:
        if self._inference is not None:
            self._inference.step = seconds

    def __call__(self, audio: Any, **kwargs: Any) -> Any:
        return self.inner(audio, **kwargs)

    def preprocess_audio(self, audio: Any) -> Any:
        return self.inner.preprocess_audio(audio)

    def merge_chunks(self, segments: Any, chunk_size: int, onset: float,
                     offset: float | None) -> list[dict[str, Any]]:
        chunks = list(self.inner.merge_chunks(segments, chunk_size, onset=onset,
                                              offset=offset))
        self.chunks = chunks
        return chunks


class WhisperXEngine:
    """A Whisper model in CTranslate2 format behind WhisperX's batched, VAD-driven pipeline,
    loaded once, transcribing one file per call.

    ``threads`` is the CPU cores it may use. On a CPU they become ``replicas`` single-threaded
    copies of the model (one per thread unless told otherwise) that decode parts of each
    batch side by side: measured on a 104 s answer, 8-10 -> 7 s and a quarter less CPU
    than two threads sharing one copy, with the same words and times (``bench/
    transcribe_cpu.py``). On a GPU one replica decodes each batch whole.

    Not safe for concurrent ``transcribe`` calls from several threads; a service runs one
    engine per worker process.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        align_model: AlignModel | None = None,
        device: str = "auto",
        compute_type: str = "auto",
        threads: int = 2,
        beam_size: int = 5,
        batch_size: int = 8,
        replicas: int | None = None,
    ) -> None:
        model_dir = Path(model_dir).expanduser().resolve()
        missing = whisper_missing(model_dir)
        if missing:
            raise ModelMissingError(
                f"Whisper model folder {model_dir} lacks {', '.join(missing)}; "
                "run scripts/setup/models.sh (models are never downloaded at run time)")
        self.model_dir = model_dir
        self.device, self.compute_type = _resolve_device(device, compute_type)
        self.threads = threads
        self.beam_size = beam_size
        self.batch_size = max(1, batch_size)
        started = time.perf_counter()
        torch.set_num_threads(max(1, threads))
        if replicas is None:
            replicas = max(1, threads) if self.device == "cpu" else 1
        self.replicas = max(1, replicas)
        self._model = _RecordingModel(
            str(model_dir), device=self.device, compute_type=self.compute_type,
            cpu_threads=max(1, threads // self.replicas), num_workers=self.replicas,
            local_files_only=True)
        self._model.replicas = self.replicas
        if self.replicas > 1:
            self._model.pool = ThreadPoolExecutor(self.replicas, "whisper-replica")
        self._pipeline = whisperx.load_model(
            str(model_dir), device=self.device, compute_type=self.compute_type,
            language=ENGLISH, model=self._model, threads=threads, vad_method="pyannote",
            asr_options={"beam_size": beam_size, "best_of": beam_size},
        )
        self._vad = _ObservedVad(self._pipeline.vad_model)
        self._vad.step = SPEAKERS_STEP_S
        self._pipeline.vad_model = self._vad
        self.align_model = align_model
        self._aligner: tuple[Any, dict[str, Any]] | None = None
        if align_model is not None:
            self._aligner = load_aligner(align_model, self.device)
        self.load_s = time.perf_counter() - started
        log.info("loaded %s (%s, %s) with %s in %.1f s", self.model_name, self.device,
                 self.compute_type, self.timing_method, self.load_s)

    @property
    def model_name(self) -> str:
        """The model folder's name, e.g. ``whisper-base``."""
        return self.model_dir.name

    @property
    def timing_method(self) -> str:
        return timing.WAV2VEC2 if self._aligner is not None else timing.CROSS_ATTENTION

    def transcribe(self, wav_path: Path, *, prompt: str | None = None,
                   speakers: bool = True) -> TranscriptDoc:
        """Transcribes one audio file (any format FFmpeg reads; ingest gives 16 kHz mono WAV).

        ``prompt`` is Whisper's initial prompt (see ``prompt.build_prompt``). ``speakers``:
        look for a second voice (hiring-team sessions; their observations); without it the
        voice activity detector takes its cheaper step and ``observations`` stays empty.

        Raises ``AudioUnreadable`` when the file cannot be decoded and ``FileNotFoundError``
        when there is no file (a fault of the caller, not of the candidate's upload).
        Silence gives a transcript without words.
        """
        wav_path = Path(wav_path)
        if not wav_path.is_file():
            raise FileNotFoundError(f"no audio file at {wav_path}")
        started = time.perf_counter()
        audio = read_audio(wav_path)
        duration_s = audio.shape[0] / SAMPLE_RATE
        self._vad.step = SPEAKERS_STEP_S if speakers else VOICE_ONLY_STEP_S

        chunks, texts, encoded = self._decode_chunks(audio, prompt)
        texts = [self._checked(audio, c, t, prompt) for c, t in zip(chunks, texts, strict=True)]
        voiced = [(float(s), float(e)) for c in chunks for s, e in c["segments"]]
        if len(encoded) != len(chunks):  # WhisperX changed how it encodes: encode again
            encoded = self._encode(audio, chunks)
        language, language_p, english_p = self._language(encoded, chunks)
        raw_words, method = self._words(audio, chunks, texts, encoded)
        timing.fit_to_voice(raw_words, speech.union(voiced))
        words = timing.to_words(raw_words, duration_s)
        segments = [
            Segment(start=round(c["start"], 3), end=round(min(c["end"], duration_s), 3),
                    text=t.strip())
            for c, t in zip(chunks, texts, strict=True) if t.strip()
        ]
        voice = prosody.analyse(audio, voiced)
        metrics = speech.measure(words, voiced, duration_s, voice)
        observations = voices.second_voices(self._vad.segmentation, duration_s, audio) \
            if speakers else []
        inference_s = time.perf_counter() - started

        return TranscriptDoc(
            model=self.model_name,
            engine=ENGINE,
            device=self.device,
            compute_type=self.compute_type,
            language=language,
            language_probability=round(language_p, 4),
            english_probability=None if english_p is None else round(english_p, 4),
            duration_s=round(duration_s, 3),
            text=" ".join(s.text for s in segments),
            segments=segments,
            words=words,
            timing_method=method,
            align_model=self.align_model.name
            if method == timing.WAV2VEC2 and self.align_model else None,
            inference_s=round(inference_s, 3),
            prompt=prompt or None,
            speech=metrics,
            observations=observations,
        )

    # -- steps ---------------------------------------------------------------------------

    def _decode_chunks(self, audio: NDArray[np.float32], prompt: str | None
                       ) -> tuple[list[dict[str, Any]], list[str], list[Any]]:
        """WhisperX's pipeline: VAD chunks, their decoded text, one encoder output each."""
        pipeline = self._pipeline
        pipeline.options = dataclasses.replace(pipeline.options, initial_prompt=prompt or None)
        self._vad.chunks = []
        self._vad.segmentation = None
        self._model.recorded = []
        try:
            result = pipeline.transcribe(audio, batch_size=self.batch_size, language=ENGLISH)
            batches = list(self._model.recorded)
        finally:
            self._model.recorded = None
        chunks = list(self._vad.chunks)
        texts = [str(s["text"]) for s in result["segments"]]
        if len(texts) != len(chunks):
            raise RuntimeError(f"WhisperX returned {len(texts)} segments for {len(chunks)} "
                               "speech chunks")
        encoded = [(batch, i) for batch in batches for i in range(int(batch.shape[0]))]
        return chunks, texts, encoded

    def _checked(self, audio: NDArray[np.float32], chunk: dict[str, Any], text: str,
                 prompt: str | None) -> str:
        """``text``, or a better reading of the chunk when the batched decode looks wrong
        (``quality``): the sequential decoder, with its temperature fallback, with the
        prompt and then without it."""
        voiced_s = sum(e - s for s, e in chunk["segments"])
        found = quality.problems(text, voiced_s, prompt)
        if not found:
            return text
        piece = audio[int(chunk["start"] * SAMPLE_RATE):int(chunk["end"] * SAMPLE_RATE)]
        best = text
        for retry_prompt in dict.fromkeys([prompt, None]):
            segments, _ = self._model.transcribe(
                piece, language=ENGLISH, beam_size=self.beam_size, vad_filter=False,
                condition_on_previous_text=False, initial_prompt=retry_prompt,
                temperature=RETRY_TEMPERATURES)
            candidate = " ".join(s.text.strip() for s in segments)
            if quality.better(candidate, best, voiced_s, prompt):
                best = candidate
            if not quality.problems(best, voiced_s, prompt):
                break
        log.info("chunk %.1f-%.1f s decoded again (%s): %d words -> %d", chunk["start"],
                 chunk["end"], ", ".join(found), len(text.split()), len(best.split()))
        return best

    def _encode(self, audio: NDArray[np.float32], chunks: list[dict[str, Any]]) -> list[Any]:
        """Encoder outputs for each chunk, computed as WhisperX's pipeline computes them."""
        n_mels = self._model.feat_kwargs.get("feature_size") or 80
        encoded: list[Any] = []
        for lo in range(0, len(chunks), self.batch_size):
            feats = []
            for c in chunks[lo:lo + self.batch_size]:
                piece = audio[int(c["start"] * SAMPLE_RATE):int(c["end"] * SAMPLE_RATE)]
                feats.append(log_mel_spectrogram(piece, n_mels=n_mels,
                                                 padding=N_SAMPLES - piece.shape[0]))
            batch = self._model.encode(torch.stack(feats).numpy())
            encoded += [(batch, i) for i in range(len(feats))]
        return encoded

    def _language(self, encoded: list[Any], chunks: list[dict[str, Any]]
                  ) -> tuple[str, float, float | None]:
        """The spoken language, averaged over the speech chunks weighted by their voiced
        time: (code, its probability, probability of English). No speech: English, 0."""
        if not encoded:
            return ENGLISH, 0.0, None
        totals: dict[str, float] = {}
        weight_sum = 0.0
        batches = list({id(batch): batch for batch, _ in encoded}.values())
        results = dict(zip(map(id, batches), self._map(self._model.model.detect_language,
                                                       batches), strict=True))
        for (batch, i), chunk in zip(encoded, chunks, strict=True):
            weight = sum(e - s for s, e in chunk["segments"]) or 1e-3
            weight_sum += weight
            for token, p in results[id(batch)][i]:
                code = token.strip("<|>")
                totals[code] = totals.get(code, 0.0) + weight * float(p)
        probs = {code: p / weight_sum for code, p in totals.items()}
        code = max(probs, key=lambda c: probs[c])
        return code, probs[code], probs.get(ENGLISH, 0.0)

    def _words(self, audio: NDArray[np.float32], chunks: list[dict[str, Any]],
               texts: list[str], encoded: list[Any]) -> tuple[list[dict[str, Any]], str]:
        """Timed words and the method that timed them."""
        if self._aligner is not None and chunks:
            model, metadata = self._aligner
            segments = [{"start": c["start"], "end": c["end"], "text": t}
                        for c, t in zip(chunks, texts, strict=True) if t.strip()]
            result = whisperx.align(segments, model, metadata, audio, self.device,
                                    return_char_alignments=False)
            words = timing.aligned_words(result["segments"])
            if all(any(s["start"] <= w["start"] <= s["end"] for w in words) for s in segments):
                return words, timing.WAV2VEC2
            # The aligner gave up on a segment (no alignable characters, or too little
            # audio): time the whole answer one way rather than mix two methods.
            log.warning("wav2vec2 alignment left a segment without words; using "
                        "cross-attention word times for this answer")
        return self._cross_attention_words(chunks, texts, encoded), timing.CROSS_ATTENTION

    def _cross_attention_words(self, chunks: list[dict[str, Any]], texts: list[str],
                               encoded: list[Any]) -> list[dict[str, Any]]:
        tokenizer = self._pipeline.tokenizer
        # One alignment call per encoder batch, over the chunks that batch holds.
        groups: list[range] = []
        while (position := groups[-1].stop if groups else 0) < len(encoded):
            groups.append(range(position, position + int(encoded[position][0].shape[0])))

        def align(members: range) -> list[list[dict[str, Any]]]:
            return timing.cross_attention_words(
                self._model, tokenizer, encoded[members.start][0], [texts[i] for i in members],
                [float(chunks[i]["start"]) for i in members],
                [float(chunks[i]["end"] - chunks[i]["start"]) for i in members])

        return [word for found in self._map(align, groups) for chunk_words in found
                for word in chunk_words]

    def _map(self, function: Callable[[T], R], items: list[T]) -> list[R]:
        """``function`` over ``items``, on the model's replicas side by side when it has
        several (each call takes one replica)."""
        pool = self._model.pool
        return list(pool.map(function, items) if pool is not None and len(items) > 1
                    else map(function, items))
