"""Model folders, the decoding prompt and the English rule (pure logic, no model loaded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from greenroom_transcribe.language import is_english, language_name, not_english_message
from greenroom_transcribe.models import (
    ModelMissingError,
    resolve_align_model,
    resolve_whisper_model,
)
from greenroom_transcribe.prompt import MAX_TERMS, SPOKEN_OPENING, build_prompt, vocabulary_terms


def whisper_folder(root: Path, name: str, size: int, vocabulary: str = "vocabulary.json"
                   ) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0" * size)
    for f in ("config.json", "tokenizer.json", vocabulary):
        (folder / f).write_text("{}")
    return folder


def test_named_whisper_model_must_be_complete(tmp_path: Path) -> None:
    whisper_folder(tmp_path, "whisper-base", 10)
    assert resolve_whisper_model(tmp_path, "whisper-base") == (tmp_path / "whisper-base")
    (tmp_path / "whisper-base" / "tokenizer.json").unlink()
    with pytest.raises(ModelMissingError, match=r"tokenizer\.json"):
        resolve_whisper_model(tmp_path, "whisper-base")
    with pytest.raises(ModelMissingError, match="never downloaded"):
        resolve_whisper_model(tmp_path, "whisper-large-v3")


def test_auto_picks_the_largest_complete_whisper_model(tmp_path: Path) -> None:
    whisper_folder(tmp_path, "whisper-base", 10)
    whisper_folder(tmp_path, "whisper-large-v3", 100, vocabulary="vocabulary.txt")
    broken = whisper_folder(tmp_path, "whisper-huge", 1000)
    (broken / "config.json").unlink()
    assert resolve_whisper_model(tmp_path, "auto").name == "whisper-large-v3"
    with pytest.raises(ModelMissingError):
        resolve_whisper_model(tmp_path / "empty", "auto")


def test_alignment_model_is_used_only_when_provisioned(tmp_path: Path) -> None:
    assert resolve_align_model(tmp_path, "wav2vec2-base-960h") is None
    assert resolve_align_model(tmp_path, "") is None
    folder = tmp_path / "wav2vec2-base-960h"
    folder.mkdir()
    with pytest.raises(ModelMissingError, match="incomplete"):
        resolve_align_model(tmp_path, "wav2vec2-base-960h")
    for f in ("config.json", "vocab.json", "preprocessor_config.json", "model.safetensors"):
        (folder / f).write_text("{}")
    found = resolve_align_model(tmp_path, "wav2vec2-base-960h")
    assert found is not None and (found.kind, found.name) == ("huggingface", folder.name)
    torch_folder = tmp_path / "wav2vec2-torchaudio"
    torch_folder.mkdir()
    (torch_folder / "wav2vec2_fairseq_base_ls960_asr_ls960.pth").write_bytes(b"x")
    found = resolve_align_model(tmp_path, "wav2vec2-torchaudio")
    assert found is not None and found.kind == "torchaudio"


def test_prompt_names_the_vocabulary_then_spoken_fillers() -> None:
    prompt = build_prompt(["functools.wraps", "__slots__", "GIL", "gil", " ", "GIL"])
    assert prompt == f"Python: functools.wraps, __slots__, GIL. {SPOKEN_OPENING}"


def test_prompt_without_vocabulary_still_carries_content_words() -> None:
    prompt = build_prompt([])
    assert prompt.endswith(SPOKEN_OPENING) and "Python" in prompt


def test_prompt_stays_short() -> None:
    terms = vocabulary_terms([f"term_{i}_{'x' * 30}" for i in range(100)])
    assert 0 < len(terms) <= MAX_TERMS
    assert len(build_prompt([f"t{i}" for i in range(100)])) < 600


def test_english_rule_gives_accented_english_the_benefit_of_the_doubt() -> None:
    assert is_english("en", 0.9)
    assert is_english("nl", 0.35)  # another language on top, English close behind
    assert not is_english("de", 0.01)
    assert not is_english("fr", None)
    assert language_name("de") == "German" and language_name("xx") == "Xx"
    message = not_english_message("es", 0.93)
    assert "Spanish" in message and "93%" in message and "English" in message
