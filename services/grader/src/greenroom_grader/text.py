"""Text normalisation and phrase matching, robust to how speech gets transcribed.

Typed and spoken answers must score alike, so both go through the same steps: lower case,
contractions expanded ("isn't" -> "is not"), identifiers split ("functools.wraps",
"__init__"), number words turned into digits ("three point ten" -> "3 10"), punctuation
dropped and a light suffix stemmer ("hashing", "hashed" -> "hash"; "tuples" -> "tuple").
Phrases are matched on the stems, and a word split or joined differently ("func tools" /
"functools", "data class" / "dataclass") still matches.

Every token keeps its sentence and, for a spoken answer, the time it was said, so that
evidence can quote the sentence and say when.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from greenroom_common.documents import Word

CONTRACTIONS = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not",
    "it's": "it is", "that's": "that is", "there's": "there is", "what's": "what is",
    "let's": "let us", "i'm": "i am", "you're": "you are", "we're": "we are",
    "they're": "they are", "i've": "i have", "we've": "we have", "i'd": "i would",
    "i'll": "i will", "we'll": "we will", "he's": "he is", "she's": "she is",
}
NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}
_STOPWORDS = """
a an the and or but if then so of to in on at by for with from as is are was were be been
being it its this that these those there here i you he she we they me my our your their his
her them us do does did done have has had having not no can could would should will shall
may might must just very really also about into than too more most some any all each such
what which who whom when where why how out up down over under again only own same other
both few nor off once while because until own s t like get got make made use used using
"""
STOPWORDS = frozenset(_STOPWORDS.split())
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[-*\d])")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, consistent suffix stripper: applied to answers and phrases alike."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"),
                         ("shes", "sh")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            word = word[: -len(suffix)] + keep
            break
    else:
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopped -> stop
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


_BARE_NEGATION = re.compile(
    r"\b(do|does|did|is|are|was|were|has|have|had|should|could|would|must|need|ca|wo)nt\b")
_BARE_STEMS = {"ca": "can", "wo": "will"}


def _clean(text: str) -> str:
    text = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", text)  # OrderedDict -> Ordered Dict
    text = text.lower().replace("’", "'").replace("‘", "'")
    for short, long in CONTRACTIONS.items():
        text = text.replace(short, long)
    text = text.replace("n't", " not")
    # A transcript or a quick typist drops the apostrophe: "dont", "isnt", "cant".
    text = _BARE_NEGATION.sub(lambda m: f"{_BARE_STEMS.get(m[1], m[1])} not", text)
    text = re.sub(r"'s\b", "", text)  # possessive: "the function's name"
    text = re.sub(r"__(\w+?)__", r" \1 ", text)  # __init__ and "dunder init" -> init
    text = text.replace("==", " double equals ").replace("!=", " not equals ")
    text = text.replace(":=", " walrus ")
    text = re.sub(r"(?<=\w)[._/-](?=\w)", " ", text)  # functools.wraps, trade-off, 3.10
    text = re.sub(r"(\d)\s*%", r"\1 percent", text)
    return text


Piece = tuple[str, int]  # a raw lower-case word and where it came from (a word's index)


def _numbers(raw: list[Piece]) -> list[Piece]:
    """Runs of number words as one figure: "two hundred fifty six" -> "256"."""
    out: list[Piece] = []
    total = current = 0
    origin = -1
    for word, where in [*raw, ("", -1)]:
        value = NUMBERS.get(word)
        if value is None:
            if origin >= 0:
                out.append((str(total + current), origin))
                total = current = 0
                origin = -1
            if word:
                out.append((word, where))
            continue
        tail = current % 100
        joins = value >= 100 or tail == 0 or (value < 10 and tail >= 20 and tail % 10 == 0)
        if origin >= 0 and not joins:  # "three ten", "one two": separate figures
            out.append((str(total + current), origin))
            total = current = 0
            origin = -1
        if origin < 0:
            origin = where
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total, current = total + max(current, 1) * 1000, 0
        else:
            current += value
    return out


def normalise(raw: list[Piece]) -> list[Piece]:
    """Stems of a word sequence, number words as digits, spoken separators dropped
    ("three point ten" and "3.10" both give ["3", "10"]); each keeps its origin."""
    merged = _numbers(raw)
    out: list[Piece] = []
    for i, (word, where) in enumerate(merged):
        if word in {"dot", "dunder"} or (word == "point" and out and out[-1][0].isdigit()
                                         and i + 1 < len(merged) and merged[i + 1][0].isdigit()):
            continue  # "functools dot wraps", "three point ten"
        out.append((stem(word), where))
    return out


def pieces(text: str, origin: int = 0) -> list[Piece]:
    return [(word, origin) for word in _WORD.findall(_clean(text))]


def words_of(text: str) -> list[str]:
    """Normalised stems of a text (see :func:`normalise`)."""
    return [word for word, _ in normalise(pieces(text))]


@dataclass(frozen=True)
class Token:
    stem: str
    sentence: int
    start: float | None = None


@dataclass
class Answer:
    """An answer ready for matching: tokens, sentences, and their times when spoken."""

    text: str
    tokens: list[Token]
    sentences: list[str]
    sentence_starts: list[float | None]
    spoken: bool = False
    _index: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[int]] = defaultdict(list)
        for i, token in enumerate(self.tokens):
            index[token.stem].append(i)
        self._index = dict(index)

    @property
    def stems(self) -> list[str]:
        return [t.stem for t in self.tokens]

    def positions(self, first: str) -> list[int]:
        return self._index.get(first, [])

    def content_words(self) -> list[str]:
        return [t.stem for t in self.tokens if t.stem not in STOPWORDS and not t.stem.isdigit()]

    def quote(self, start: int, end: int, limit: int = 160) -> str:
        """The sentence(s) holding tokens ``start`` to ``end`` (exclusive), with the time."""
        if not self.tokens:
            return ""
        first = self.tokens[min(start, len(self.tokens) - 1)].sentence
        last = self.tokens[min(max(end - 1, start), len(self.tokens) - 1)].sentence
        text = " ".join(self.sentences[first:last + 1]).strip()
        if len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        when = self.tokens[min(start, len(self.tokens) - 1)].start
        return f"“{text}”" + (f" at {clock(when)}" if when is not None else "")


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def from_text(text: str) -> Answer:
    sentences = split_sentences(text)
    tokens = [Token(w, i) for i, sentence in enumerate(sentences) for w in words_of(sentence)]
    return Answer(text, tokens, sentences, [None] * len(sentences))


def from_words(text: str, words: list[Word]) -> Answer:
    """A spoken answer: sentences end where a transcribed word ends with . ? or !, and
    every token keeps the time of the word it came from. The words are normalised as one
    sequence, so "three" "point" "ten" reads as "3.10" does."""
    if not words:
        return from_text(text)
    sentences: list[str] = []
    starts: list[float | None] = []
    sentence_of: list[int] = []
    current: list[str] = []
    raw: list[Piece] = []
    for i, word in enumerate(words):
        if not current:
            starts.append(word.start)
        current.append(word.word.strip())
        sentence_of.append(len(sentences))
        raw += pieces(word.word, i)
        if word.word.strip().endswith((".", "?", "!")):
            sentences.append(" ".join(current))
            current = []
    if current:
        sentences.append(" ".join(current))
    tokens = [Token(stem_, sentence_of[i], words[i].start) for stem_, i in normalise(raw)]
    return Answer(text, tokens, sentences, starts, spoken=True)


@lru_cache(maxsize=16384)
def phrase(text: str) -> tuple[str, ...]:
    return tuple(words_of(text))


def match_at(stems: list[str], i: int, pattern: tuple[str, ...]) -> int | None:
    """End (exclusive) of ``pattern`` matched at ``stems[i]``, allowing a word split in two
    ("func tools") or two words joined ("dataclass") on either side; None if no match."""
    j, k = 0, i
    while j < len(pattern):
        if k < len(stems) and stems[k] == pattern[j]:
            k, j = k + 1, j + 1
        elif k + 1 < len(stems) and stem(stems[k] + stems[k + 1]) == pattern[j]:
            k, j = k + 2, j + 1
        elif (j + 1 < len(pattern) and k < len(stems)
              and stems[k] == stem(pattern[j] + pattern[j + 1])):
            k, j = k + 1, j + 2
        else:
            return None
    return k


def find(answer: Answer, alternatives: list[str]) -> list[tuple[int, int]]:
    """Every (start, end) where one of the alternative phrases occurs."""
    stems = answer.stems
    spans: set[tuple[int, int]] = set()
    for alternative in alternatives:
        pattern = phrase(alternative)
        if not pattern:
            continue
        starts = set(answer.positions(pattern[0]))
        if len(pattern[0]) > 3:  # a split word: "func tools" for "functools"
            starts |= {i for i, s in enumerate(stems[:-1])
                       if pattern[0].startswith(s) and len(s) >= 2}
        if len(pattern) > 1:  # a joined word: "dataclass" for "data class"
            starts |= {i for i, s in enumerate(stems)
                       if s != pattern[0] and s.startswith(pattern[0])}
        for i in sorted(starts):
            end = match_at(stems, i, pattern)
            if end is not None:
                spans.add((i, end))
    return sorted(spans)


def co_occur(answer: Answer, groups: list[list[str]], window: int) -> tuple[int, int] | None:
    """The tightest span where a phrase of every group occurs within ``window`` tokens."""
    spans = co_occur_spans(answer, groups, window)
    if spans is None:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


def co_occur_spans(answer: Answer, groups: list[list[str]], window: int,
                   one_sentence: bool = False) -> list[tuple[int, int]] | None:
    """The matched phrase of each group, for the tightest span holding them all (inside one
    sentence when ``one_sentence``: a claim is one statement, and a phrase of the sentence
    before belongs to another)."""
    found = [find(answer, group) for group in groups]
    if any(not spans for spans in found):
        return None
    best: list[tuple[int, int]] | None = None
    best_width = window + 1
    for anchor in found[0]:
        lo, hi = anchor
        chosen = [anchor]
        for spans in found[1:]:
            near = [s for s in spans if s[0] >= anchor[0] - window and s[1] <= anchor[1] + window
                    and (not one_sentence
                         or answer.tokens[s[0]].sentence == answer.tokens[anchor[0]].sentence)]
            if not near:
                break
            pick = min(near, key=lambda s: max(hi, s[1]) - min(lo, s[0]))
            chosen.append(pick)
            lo, hi = min(lo, pick[0]), max(hi, pick[1])
        else:
            if hi - lo <= window and hi - lo < best_width:
                best, best_width = chosen, hi - lo  # the tightest span: the clearest quote
    return best
