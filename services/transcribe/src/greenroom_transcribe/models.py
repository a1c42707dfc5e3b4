"""Which model folders the transcribe service loads from the offline models directory.

``scripts/setup/models.sh`` assembles ``whisper-base`` there; an operator provisions larger
CTranslate2 Whisper models and a wav2vec2 alignment model into the same directory (see the
service's README). Nothing is ever downloaded: a folder is used only when it is complete.
Also the alignment model's loader, and the sentence splitter WhisperX's alignment wants.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A CTranslate2 Whisper model: the weights, their config, the tokenizer and the vocabulary
# (vocabulary.json in recent conversions, vocabulary.txt in older ones).
_WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
_WHISPER_VOCABULARIES = ("vocabulary.json", "vocabulary.txt")
# A wav2vec2 CTC model saved by transformers (``save_pretrained``), or torchaudio's checkpoint.
_HF_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_HF_FILES = ("config.json", "vocab.json", "preprocessor_config.json")
_TORCHAUDIO_CHECKPOINT = "wav2vec2_fairseq_base_ls960_asr_ls960.pth"
AUTO = "auto"


class ModelMissingError(RuntimeError):
    """A model folder is missing or incomplete: run ``scripts/setup/models.sh``."""


@dataclass(frozen=True)
class AlignModel:
    """A provisioned alignment model: ``kind`` is ``huggingface`` or ``torchaudio``."""

    path: Path
    kind: str

    @property
    def name(self) -> str:
        return self.path.name


def whisper_missing(folder: Path) -> list[str]:
    """The files a CTranslate2 Whisper model folder lacks (empty when it is complete)."""
    missing = [name for name in _WHISPER_FILES if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in _WHISPER_VOCABULARIES):
        missing.append(" or ".join(_WHISPER_VOCABULARIES))
    return missing


def resolve_whisper_model(models_dir: Path, name: str) -> Path:
    """The Whisper model folder to load.

    ``name`` is a folder under ``models_dir``; ``auto`` picks the largest complete
    ``whisper-*`` folder there (a provisioned large model over the bundled base one)."""
    models_dir = Path(models_dir).expanduser()
    if name == AUTO:
        found = [p for p in sorted(models_dir.glob("whisper-*"))
                 if p.is_dir() and not whisper_missing(p)]
        if not found:
            raise ModelMissingError(
                f"no complete Whisper model folder (whisper-*) in {models_dir}; "
                "run scripts/setup/models.sh (models are never downloaded at run time)")
        return max(found, key=lambda p: (p / "model.bin").stat().st_size).resolve()
    folder = (models_dir / name).resolve()
    missing = whisper_missing(folder)
    if missing:
        raise ModelMissingError(
            f"Whisper model folder {folder} lacks {', '.join(missing)}; run "
            "scripts/setup/models.sh or provision the model (models are never downloaded "
            "at run time)")
    return folder


def resolve_align_model(models_dir: Path, name: str | None) -> AlignModel | None:
    """The provisioned wav2vec2 alignment model, or ``None`` when there is none.

    Optional by design: without it, word times come from Whisper's own cross-attention."""
    if not name:
        return None
    folder = (Path(models_dir).expanduser() / name).resolve()
    if not folder.is_dir():
        return None
    if all((folder / f).is_file() for f in _HF_FILES) and any(
            (folder / w).is_file() for w in _HF_WEIGHTS):
        return AlignModel(folder, "huggingface")
    if (folder / _TORCHAUDIO_CHECKPOINT).is_file():
        return AlignModel(folder, "torchaudio")
    raise ModelMissingError(
        f"alignment model folder {folder} is incomplete: it needs a transformers wav2vec2 "
        f"CTC model ({', '.join(_HF_FILES)} and {' or '.join(_HF_WEIGHTS)}) or torchaudio's "
        f"{_TORCHAUDIO_CHECKPOINT}; see services/transcribe/README.md")


def load_aligner(align_model: AlignModel, device: str) -> tuple[Any, dict[str, Any]]:
    """WhisperX's wav2vec2 aligner, from the provisioned folder only (import this module
    after ``engine``, which switches the hub off before WhisperX loads)."""
    import whisperx

    _ensure_sentence_splitter()
    if align_model.kind == "torchaudio":
        model, metadata = whisperx.load_align_model(
            "en", device, model_name="WAV2VEC2_ASR_BASE_960H",
            model_dir=str(align_model.path))
    else:
        model, metadata = whisperx.load_align_model(
            "en", device, model_name=str(align_model.path), model_cache_only=True)
    return model, metadata


def _ensure_sentence_splitter() -> None:
    """``whisperx.align`` splits segments into sentences with NLTK's Punkt, and downloads its
    parameters when they are missing. Offline, give it an untrained English Punkt (it splits
    at sentence punctuation, all that is needed here, since only words are kept)."""
    import nltk

    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
        return
    except LookupError:
        pass
    root = Path(tempfile.gettempdir()) / "greenroom-nltk"
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("collocations.tab", "sent_starters.txt", "abbrev_types.txt",
                 "ortho_context.tab"):
        (folder / name).touch()
    if str(root) not in nltk.data.path:
        nltk.data.path.append(str(root))
    nltk.data.find("tokenizers/punkt_tab/english/")
