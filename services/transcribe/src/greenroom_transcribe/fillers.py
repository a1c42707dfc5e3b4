"""Fillers, repeated words and restarts, found in timed words (pure; no audio, no model).

The rules favour precision: "like", "you know", "I mean" and "sort of" are fillers only in
the positions where a listener hears them as such (set off by punctuation, between other
fillers, or without the object the verb would need), because telling a candidate that a
real comparison ("a few, like the cache decorator") was a filler costs more trust than
missing one. Whisper marks those positions with commas, which is what the rules read.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenroom_common.documents import Moment, Word
from greenroom_common.domain import FILLER_SOUNDS  # shared with the grader and the web app

_SAME_SOUND_GAP_S = 0.35
_PUNCT = ",.;:!?…\"'“”()[]"
_BREAK = ",.;:!?…—-"
_SUBJECTS_AND_AUXILIARIES = frozenset({
    "i", "you", "we", "they", "he", "she", "people", "would", "i'd", "you'd", "we'd",
    "they'd", "do", "does", "did", "don't", "doesn't", "didn't", "really", "also", "not",
    "to", "just", "kind", "sort", "much", "more", "most", "look", "looks", "feel", "feels",
    "sound", "sounds", "seem", "seems"})
_KNOW_OBJECTS = frozenset({
    "what", "that", "how", "why", "when", "where", "who", "whom", "which", "whether", "if",
    "the", "a", "an", "it", "this", "these", "those", "them", "him", "her", "about", "your",
    "my", "our", "their", "his", "its"})
_KNOW_ASKERS = frozenset({"do", "does", "did", "don't", "doesn't", "didn't", "if", "you'd",
                          "might", "may", "should", "must", "let", "to", "would"})
_MEAN_OBJECTS = frozenset({"that", "it", "to", "the", "a", "an", "this", "is", "what", "by",
                           "you", "them", "those", "these"})
_DETERMINERS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "what", "which", "any", "some",
    "every", "each", "one", "same", "different", "another", "no", "my", "your", "our",
    "their", "its", "his", "her", "all", "many", "certain", "particular", "new", "other",
    "right", "wrong", "whatever", "special", "specific"})
# Doubled words that are often grammatical ("what it is is", "had had").
_GRAMMATICAL_DOUBLES = frozenset({"is", "had", "that"})
# Pronouns a restart opens with: "I was, I am". (Determiners would flag enumerations.)
_RESTART_OPENERS = frozenset({"i", "we", "you", "it", "it's", "they", "he", "she", "there"})


@dataclass(frozen=True)
class Token:
    """One word, normalised, with the punctuation around it (Whisper's cue for a break)."""

    text: str
    raw: str
    start: float
    end: float
    break_before: bool
    break_after: bool
    cut_off: bool


def tokens(words: list[Word]) -> list[Token]:
    out: list[Token] = []
    for i, w in enumerate(words):
        raw = w.word.strip()
        text = raw.lower().strip(_PUNCT + "—-")
        previous = words[i - 1].word.strip() if i else ""
        out.append(Token(
            text=text, raw=raw, start=w.start, end=w.end,
            break_before=i == 0 or previous.endswith(tuple(_BREAK)) or raw[:1] in _BREAK,
            break_after=raw.endswith(tuple(_BREAK)),
            cut_off=raw.endswith(("-", "—")) and len(raw.strip("-—")) > 0,
        ))
    return out


def _moment(toks: list[Token], i: int, j: int, label: str) -> Moment:
    return Moment(start=toks[i].start, end=toks[j].end, label=label)


def _text(toks: list[Token], i: int) -> str:
    return toks[i].text if 0 <= i < len(toks) else ""


def find_fillers(words: list[Word]) -> list[Moment]:
    """Filler words and phrases, in time order, labelled with what was said."""
    toks = tokens(words)
    found: list[Moment] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        prev, nxt, after = _text(toks, i - 1), _text(toks, i + 1), _text(toks, i + 2)
        if t.text in FILLER_SOUNDS:
            if found and found[-1].label == t.text and toks[i - 1].text == t.text \
                    and t.start - found[-1].end < _SAME_SOUND_GAP_S:
                # "mm-mm-mm" is one long hum, not seven fillers
                found[-1] = Moment(start=found[-1].start, end=t.end, label=t.text)
            else:
                found.append(_moment(toks, i, i, t.text))
        elif t.text == "like" and _like_is_filler(toks, i):
            found.append(_moment(toks, i, i, "like"))
        elif t.text == "you" and nxt == "know" and _you_know_is_filler(toks, i):
            found.append(_moment(toks, i, i + 1, "you know"))
            i += 1
        elif t.text == "i" and nxt == "mean" and _i_mean_is_filler(toks, i):
            found.append(_moment(toks, i, i + 1, "I mean"))
            i += 1
        elif t.text in ("sort", "kind") and nxt == "of" and prev not in _DETERMINERS \
                and not toks[i].break_after and after not in ("", "thing", "things"):
            found.append(_moment(toks, i, i + 1, f"{t.text} of"))
            i += 1
        i += 1
    return found


def _like_is_filler(toks: list[Token], i: int) -> bool:
    prev, nxt = _text(toks, i - 1), _text(toks, i + 1)
    if prev in FILLER_SOUNDS or nxt in FILLER_SOUNDS:
        return True
    if prev in _SUBJECTS_AND_AUXILIARIES or prev in ("was", "is", "be", "are", "were"):
        # "I like", "would like", "it was like" (a comparison or a quotation) are not counted
        return toks[i].break_before and toks[i].break_after
    # "..., like, ..." or "Like, ..." set off on its own
    return toks[i].break_after and (toks[i].break_before or i == 0)


def _you_know_is_filler(toks: list[Token], i: int) -> bool:
    prev, obj = _text(toks, i - 1), _text(toks, i + 2)
    if prev in _KNOW_ASKERS and not toks[i].break_before:
        return False  # "do you know", "if you know"
    if toks[i + 1].break_after or i + 2 >= len(toks):
        return True  # "you know, ..."
    return toks[i].break_before and obj not in _KNOW_OBJECTS


def _i_mean_is_filler(toks: list[Token], i: int) -> bool:
    prev, obj = _text(toks, i - 1), _text(toks, i + 2)
    if prev in ("what", "which", "that") and not toks[i].break_before:
        return False  # "what I mean is"
    if toks[i + 1].break_after:
        return True  # "I mean, ..."
    return toks[i].break_before and obj not in _MEAN_OBJECTS and obj != ""


def find_repetitions(words: list[Word]) -> list[Moment]:
    """Repeated words or phrases ("the the", "I think I think") and restarts (a cut-off
    word, or a phrase dropped and begun again: "it was, it is"). Fillers between the two
    halves are ignored ("the, um, the")."""
    toks = [t for t in tokens(words) if t.text and t.text not in FILLER_SOUNDS]
    found: list[Moment] = []
    i = 0
    while i < len(toks):
        matched = 0
        for k in (3, 2, 1):
            if i + 2 * k > len(toks):
                continue
            first = [t.text for t in toks[i:i + k]]
            if first == [t.text for t in toks[i + k:i + 2 * k]]:
                if k == 1 and first[0] in _GRAMMATICAL_DOUBLES:
                    continue
                found.append(_moment(toks, i, i + 2 * k - 1, "repeated: " + " ".join(first)))
                matched = 2 * k
                break
        if matched:
            i += matched
            continue
        if toks[i].cut_off and i + 1 < len(toks):
            found.append(_moment(toks, i, i + 1, "restart"))
            i += 2
            continue
        restart = _restart_at(toks, i)
        if restart:
            found.append(_moment(toks, i, restart, "restart"))
            i = restart + 1
            continue
        i += 1
    return found


def _restart_at(toks: list[Token], i: int) -> int:
    """Index of the last word of a restart beginning at ``i`` ("It was, it is": a pronoun,
    one word, a break, the same pronoun and a different word), else 0. Parallel clauses
    ("it is fast, it is small") keep their second word and are not restarts."""
    j = i + 2
    if toks[i].text not in _RESTART_OPENERS or j + 1 >= len(toks):
        return 0
    if toks[j].text == toks[i].text and toks[i + 1].raw.endswith((",", "-", "—", "…")) \
            and toks[j + 1].text != toks[i + 1].text:
        return j + 1
    return 0
