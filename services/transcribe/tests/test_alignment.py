"""Word times from a provisioned wav2vec2 alignment model (WhisperX's forced alignment).

No trained alignment model can be had offline, so the test provisions a tiny wav2vec2 CTC
model with random weights in the format an operator drops into the models folder
(transformers' ``save_pretrained``). It checks the path end to end: the folder is found,
loaded without any download (NLTK's sentence splitter included), used for the word times,
and named in the transcript. The times themselves are only as good as the model, so the
test asserts their shape (in order, inside their speech chunk), not their accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

import clips
import pytest
from clips import need
from greenroom_transcribe.engine import WhisperXEngine
from greenroom_transcribe.models import resolve_align_model
from greenroom_transcribe.timing import WAV2VEC2


def tiny_wav2vec2(folder: Path) -> Path:
    import torch
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    folder.mkdir(parents=True)
    letters = ["<pad>", "<s>", "</s>", "<unk>", "|", "'", *"abcdefghijklmnopqrstuvwxyz"]
    vocab = folder / "vocab.json"
    vocab.write_text(json.dumps({c: i for i, c in enumerate(letters)}))
    torch.manual_seed(0)
    config = Wav2Vec2Config(
        vocab_size=len(letters), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, conv_dim=(32,) * 7, num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, pad_token_id=0)
    Wav2Vec2ForCTC(config).save_pretrained(folder)
    tokenizer = Wav2Vec2CTCTokenizer(str(vocab), word_delimiter_token="|")
    extractor = Wav2Vec2FeatureExtractor(sampling_rate=16_000, do_normalize=True,
                                         return_attention_mask=False)
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def aligned_engine(models_dir: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> WhisperXEngine:
    root = tmp_path_factory.mktemp("models")
    tiny_wav2vec2(root / "wav2vec2-tiny")
    align = resolve_align_model(root, "wav2vec2-tiny")
    assert align is not None and align.kind == "huggingface"
    return WhisperXEngine(models_dir / "whisper-base", align_model=align, device="cpu",
                          threads=2)


def test_a_provisioned_alignment_model_times_the_words(
        aligned_engine: WhisperXEngine, tmp_path: Path) -> None:
    need("espeak-ng")
    clip = clips.compose(["A tuple is immutable, so it can be a dictionary key.", 1.0,
                          "A list is mutable and cannot be one."])

    doc = aligned_engine.transcribe(clip.write(tmp_path / "answer.wav"))

    assert doc.timing_method == WAV2VEC2
    assert doc.align_model == "wav2vec2-tiny"
    assert clips.word_error_rate(clip.script, doc.text) < 0.3
    assert [w.word for w in doc.words] == doc.text.split()
    starts = [w.start for w in doc.words]
    assert starts == sorted(starts)
    for w in doc.words:
        assert 0.0 <= w.start <= w.end <= doc.duration_s
        assert any(s.start - 0.01 <= w.start <= s.end + 0.01 for s in doc.segments)
