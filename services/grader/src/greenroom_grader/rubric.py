"""Content: key-point coverage, misconceptions and off-topic detection against a rubric.

Why not similarity: sentence embeddings put a vague answer that names the topic close to a
strong one (see the grading notes), so coverage here needs the *concepts* of each key point
to occur together (``requires`` groups within a window of words). A misconception is found
by its own detector phrases, cancelled by a negation just before it ("it is a myth that
...") or by an ``unless`` phrase nearby. An answer is off topic when it covers (almost) no key
point and hardly uses the topic's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from greenroom_grader.bank import KeyPoint, Misconception, Question
from greenroom_grader.text import (
    STOPWORDS,
    Answer,
    co_occur,
    co_occur_spans,
    find,
    phrase,
    stem,
    words_of,
)

MISCONCEPTION_PENALTY = 25.0
# "not" negates the words right after it; "myth", "misconception" and the like negate a
# whole claim that follows ("it is a common myth that the GIL ...").
NEGATIONS = frozenset(stem(w) for w in ("not", "no", "never", "nor", "nothing", "neither",
                                        "none"))
DISCLAIMERS = frozenset(stem(w) for w in ("myth", "mistake", "mistaken", "misconception",
                                          "incorrect", "false", "untrue", "wrongly"))
NEGATION_REACH = 2
GENERIC = frozenset(stem(w) for w in (
    "python", "code", "program", "write", "thing", "way", "example", "time", "good", "work",
    "question", "answer", "think", "know", "want", "need", "people", "lot", "well", "yes",
    "okay", "one", "new", "first", "also", "would", "explain", "describe", "tell", "walk",
    "today", "different", "day", "back", "next", "last", "went", "go", "going", "every",
    "year", "week", "month", "great", "little", "big", "small", "long", "short", "bad",
    "better", "best", "take", "took", "put", "see", "saw", "look", "come", "came", "give",
    "gave", "keep", "kept", "still", "even", "always", "never", "often", "usually",
    "sometimes", "before", "after", "then", "now", "later", "again", "around", "across",
    "family", "friend", "place", "start", "end", "part", "whole", "same", "other", "another",
    "many", "much", "most", "love", "nice", "happy", "try", "tried", "said", "say", "found",
    "find", "let", "lets", "allow", "help", "helps", "right", "wrong", "thing", "things",
    "stay", "stayed", "play", "played", "set", "run", "ran", "turn", "turned", "done"))
MIN_TOPIC_TERMS = 3
MIN_TOPIC_SHARE = 0.06
MIN_WORDS = 8
MAX_OFF_TOPIC_COVERAGE = 25.0


@dataclass
class PointResult:
    point: KeyPoint
    quote: str = ""
    position: int = -1

    @property
    def covered(self) -> bool:
        return self.position >= 0


@dataclass
class Found:
    misconception: Misconception
    quote: str
    position: int


@dataclass
class Content:
    points: list[PointResult]
    misconceptions: list[Found]
    off_topic: bool
    too_short: bool
    topic_terms: list[str]
    topic_share: float
    score: float
    evidence: list[str] = field(default_factory=list)

    @property
    def covered(self) -> list[PointResult]:
        return [p for p in self.points if p.covered]

    @property
    def missed(self) -> list[KeyPoint]:
        return [p.point for p in self.points if not p.covered]


def lexicon(question: Question) -> frozenset[str]:
    """The topic's own words: vocabulary, key point concepts and the prompt."""
    words: set[str] = set(words_of(question.prompt))
    for term in question.vocabulary:
        words |= set(phrase(term))
    for point in question.key_points:
        for group in point.requires:
            for alternative in group:
                words |= set(phrase(alternative))
    return frozenset(w for w in words if w not in STOPWORDS and w not in GENERIC
                     and not w.isdigit() and len(w) > 2)


def _negated(answer: Answer, spans: list[tuple[int, int]]) -> bool:
    """A negation right before any part of the claim ("type hints are *not* enforced at run
    time"), or a disclaimer earlier in its sentence ("it is a myth that the GIL ..."),
    cancels it; words inside a detector phrase (the claim's own words) do not."""
    matched = {i for s, e in spans for i in range(s, e)}
    for start, _ in spans:
        sentence = answer.tokens[start].sentence
        opening = start
        while opening > 0 and answer.tokens[opening - 1].sentence == sentence:
            opening -= 1
        near = range(max(0, start - NEGATION_REACH), start)
        if any(answer.stems[i] in NEGATIONS for i in near if i not in matched):
            return True
        if any(answer.stems[i] in DISCLAIMERS for i in range(opening, start)):
            return True
    return False


def misconceptions(answer: Answer, question: Question) -> list[Found]:
    found = []
    for item in question.misconceptions:
        spans = co_occur_spans(answer, item.detect, item.window)
        if spans is None or _negated(answer, spans):
            continue
        span = (min(s[0] for s in spans), max(s[1] for s in spans))
        if item.unless:
            near = [s for s in find(answer, item.unless)
                    if s[0] >= span[0] - item.window and s[1] <= span[1] + item.window]
            if near:
                continue
        found.append(Found(item, answer.quote(*span), span[0]))
    return found


def assess(answer: Answer, question: Question) -> Content:
    points = []
    for point in question.key_points:
        span = co_occur(answer, point.requires, point.window)
        points.append(PointResult(point, answer.quote(*span), span[0]) if span
                      else PointResult(point))
    wrong = misconceptions(answer, question)
    content_words = answer.content_words()
    topic = lexicon(question)
    used = [w for w in content_words if w in topic]
    share = len(used) / len(content_words) if content_words else 0.0
    terms = sorted(set(used))
    too_short = len(content_words) < MIN_WORDS
    covered = [p for p in points if p.covered]
    total = sum(p.weight for p in question.key_points) or 1.0
    score = 100.0 * sum(p.point.weight for p in covered) / total
    # A stray phrase can touch one minor key point; an answer about something else still
    # covers almost nothing and hardly uses the topic's words.
    off_topic = score < MAX_OFF_TOPIC_COVERAGE and not wrong and (
        len(terms) < MIN_TOPIC_TERMS or share < MIN_TOPIC_SHARE)
    score = max(0.0, score - MISCONCEPTION_PENALTY * len(wrong))
    if off_topic:
        score = 0.0
    evidence = [f"{len(covered)} of {len(points)} key points covered"]
    evidence += [f"covered “{p.point.point}”: {p.quote}" for p in covered]
    evidence += [f"missed “{p.point}”" for p in (x.point for x in points if not x.covered)]
    evidence += [f"misconception “{f.misconception.claim}”: {f.quote}" for f in wrong]
    if off_topic:
        evidence.append(f"off topic: {len(used)} of {len(content_words)} content words belong "
                        f"to the question's topic ({', '.join(terms[:6]) or 'none'})")
    return Content(points, wrong, off_topic, too_short, terms, round(share, 3),
                   round(score, 1), evidence)
