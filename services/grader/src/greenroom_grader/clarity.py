"""Clarity: concise sentences, technical terms explained, parts in a coherent order."""

from __future__ import annotations

from dataclasses import dataclass

from greenroom_grader.text import Answer, find, phrase, words_of

CONCISE_WORDS = 22.0
RAMBLING_WORDS = 45.0
LONG_SENTENCE = 35
EXPLAIN_CUES = ["which means", "that is", "i e", "in other words", "meaning", "is a", "is an",
                "is the", "is when", "refers to", "stands for", "called", "so that",
                "are a", "are the", "because", "sugar for", "short for", "shorthand for",
                "which copies", "which is", "such as", "like"]


@dataclass
class ClarityResult:
    score: float
    mean_words: float
    long_sentences: list[str]
    terms_used: list[str]
    terms_explained: list[str]
    evidence: list[str]


def assess(answer: Answer, vocabulary: list[str], in_order: float) -> ClarityResult:
    lengths = [len(words_of(s)) for s in answer.sentences]
    lengths = [n for n in lengths if n]
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    if mean <= CONCISE_WORDS:
        concise = 100.0
    else:
        concise = max(30.0, 100.0 - 70.0 * (mean - CONCISE_WORDS) / (RAMBLING_WORDS -
                                                                       CONCISE_WORDS))
    long = [s for s, n in zip(answer.sentences, (len(words_of(s)) for s in answer.sentences),
                              strict=True) if n > LONG_SENTENCE]
    concise = max(0.0, concise - 5.0 * len(long))
    used: list[str] = []
    explained: list[str] = []
    cues = find(answer, EXPLAIN_CUES)
    cue_sentences = {answer.tokens[start].sentence for start, _ in cues}
    for term in vocabulary:
        spans = find(answer, [term]) if phrase(term) else []
        if not spans:
            continue
        used.append(term)
        if any(answer.tokens[start].sentence in cue_sentences for start, _ in spans):
            explained.append(term)
    explain = 100.0 * len(explained) / len(used) if used else 50.0
    score = 0.5 * concise + 0.25 * explain + 0.25 * 100.0 * in_order
    evidence = [f"{len(lengths)} sentences, {mean:.0f} words each on average"]
    if long:
        evidence.append(f"{len(long)} sentences over {LONG_SENTENCE} words, e.g. "
                        f"“{long[0][:100]}…”")
    if used:
        evidence.append(f"{len(explained)} of {len(used)} key terms explained where used"
                        + (f" (not: {', '.join(t for t in used if t not in explained)[:80]})"
                           if len(explained) < len(used) else ""))
    return ClarityResult(round(score, 1), round(mean, 1), long, used, explained, evidence)
