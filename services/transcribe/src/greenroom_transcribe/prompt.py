"""The decoding prompt: the question's key terms, then the way a candidate talks.

Whisper continues the style of its prompt. A prompt that names the topic's jargon
("functools.wraps", "__slots__", "GIL") makes those spellings likely; one that ends with
spoken fillers keeps the candidate's "um"s and "uh"s in the transcript, which the delivery
feedback counts (Whisper drops them otherwise).

The order matters, measured on espeak-ng answers (bench/transcribe_accuracy.py): with the
fillers first and the terms last ("Um, so, ... it's about __slots__, __dict__."), batched
decoding sometimes wrote the terms back instead of the speech; with the terms first and the
spoken opening last, it continues as speech. A prompt of fillers alone made Whisper drop
whole sentences in earlier measurements, so the terms (or the topic) always come first.
"""

from __future__ import annotations

from collections.abc import Sequence

# Whisper's prompt holds at most 223 tokens; jargon tokenises into many, so stay well below.
MAX_TERMS = 24
MAX_CHARS = 400
SPOKEN_OPENING = "Um, so, uh, you know, I think"
# Without the question's terms: the platform's topic.
GENERIC_TOPIC = "A Python interview."


def vocabulary_terms(vocabulary: Sequence[str]) -> list[str]:
    """The terms worth prompting, in order, without duplicates or blanks."""
    seen: set[str] = set()
    terms: list[str] = []
    length = 0
    for raw in vocabulary:
        term = " ".join(str(raw).split())
        key = term.lower()
        if not term or key in seen:
            continue
        if len(terms) >= MAX_TERMS or length + len(term) + 2 > MAX_CHARS:
            break
        seen.add(key)
        terms.append(term)
        length += len(term) + 2
    return terms


def build_prompt(vocabulary: Sequence[str]) -> str:
    """The initial prompt for one answer (never empty: see the module's note)."""
    terms = vocabulary_terms(vocabulary)
    topic = f"Python: {', '.join(terms)}." if terms else GENERIC_TOPIC
    return f"{topic} {SPOKEN_OPENING}"
