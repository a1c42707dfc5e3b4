"""Is a decoded speech chunk plausible? Guards for WhisperX's batched decoding.

Batched decoding runs once per chunk at temperature 0, without the sequential decoder's
fallbacks, and the vocabulary prompt makes three failures more likely (measured on espeak
answers, bench/transcribe_accuracy.py):

* a loop: one short phrase repeated to the length limit ("or in Python, or in Python, ...");
* a drop: most of a 20 s chunk left out, only its last sentence decoded;
* an echo: the prompt's terms written back instead of the speech.

A chunk showing any of them is decoded again (``engine``) and the better reading is kept.
A loop is a phrase of up to ``MAX_LOOP_WORDS`` words repeated ``MIN_LOOP_REPEATS`` times in
a row, not a compressible text: a candidate who says the same sentences twice (or a test
script read in a loop) is not a decoding failure.
"""

from __future__ import annotations

import re

MAX_LOOP_WORDS = 8
MIN_LOOP_REPEATS = 4  # "the the the the" or "or in Python," four times running
# Words per second of voiced audio: speech is 2-4; under this much the decoder left some out.
MIN_WORDS_PER_VOICED_S = 1.2
MIN_VOICED_S = 3.0  # too little audio to judge a rate
MAX_PROMPT_SHARE = 0.5
_WORD = re.compile(r"[\w'*]+(?:\.[\w'*]+)*")
_OPENING = {"think", "it's", "about", "know", "python", "interview"}


def longest_run(words: list[str]) -> tuple[int, int]:
    """(repeats, phrase length) of the phrase repeated most times in a row."""
    best = (1, 0)
    for size in range(1, MAX_LOOP_WORDS + 1):
        for start in range(len(words) - 2 * size + 1):
            phrase = words[start:start + size]
            repeats = 1
            while words[start + repeats * size:start + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats > best[0]:
                best = (repeats, size)
    return best


def _words(text: str) -> list[str]:
    return [w.strip(".").lower() for w in _WORD.findall(text) if w.strip(".")]


def problems(text: str, voiced_s: float, prompt: str | None) -> list[str]:
    """What looks wrong with ``text`` decoded from ``voiced_s`` seconds of voiced audio."""
    found: list[str] = []
    words = _words(text)
    if longest_run(words)[0] >= MIN_LOOP_REPEATS:
        found.append("loop")
    if voiced_s >= MIN_VOICED_S and len(words) < MIN_WORDS_PER_VOICED_S * voiced_s:
        found.append("drop")
    if prompt and len(words) >= 2:
        # the prompt's terms, not the spoken opening every prompt shares
        prompted = {w for w in _words(prompt) if len(w) > 3} - _OPENING
        if sum(w in prompted for w in words) / len(words) > MAX_PROMPT_SHARE:
            found.append("echo")
    return found


def better(candidate: str, current: str, voiced_s: float, prompt: str | None) -> bool:
    """Whether ``candidate`` is the better reading: fewer problems, then more words."""
    a = problems(candidate, voiced_s, prompt)
    b = problems(current, voiced_s, prompt)
    if len(a) != len(b):
        return len(a) < len(b)
    return len(_words(candidate)) > len(_words(current))
