"""Content: key-point coverage, misconceptions and off-topic detection against a rubric.
(One algorithm whose two routes and budget share their state; it is kept in one module so
the rules below can be read against the code that applies them.)

A key point counts when the answer *states* it, by one of two routes:

- **phrases**: a phrase of each of the point's concept groups (``requires``) occurs within a
  window of words, inside sentences the parser reads as statements;
- **meaning**: one clause (or two adjacent ones) that is a statement, names one of the
  point's concepts, and means the same as the point or one of its other wordings (``says``;
  sentence-embedding cosine over a tuned threshold, :mod:`greenroom_grader.meaning`), and
  clearly more so than any of its ``contrary`` statements.

Either way a list of terms earns nothing: clauses without a predicate ("Wrapper, closure,
functools.wraps.") are telegraphic and never cover a point, an answer that is mostly such
lists (or has few verbs per noun) is marked so, with feedback that says to explain, and a
sentence explains at most one point per ``words_per_point`` words. Similarity alone never
counts (a keyword list is often closer to a key point than a true paraphrase), hence the
concepts and the parse. A misconception is found by its detector phrases (cancelled by a
negation or an ``unless`` phrase nearby) or by meaning: a statement much closer to one of a
point's contrary statements than to any of its right wordings. An answer is off topic when
it covers (almost) no key point and hardly uses the topic's words. Every threshold is in
:class:`Tuning`, chosen on the calibration corpus's train half (``bank/calibration``) and
reported on its held-out half (``bench/grading_calibration.py``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from greenroom_grader import meaning
from greenroom_grader.bank import KeyPoint, Misconception, Question
from greenroom_grader.text import (
    STOPWORDS,
    Answer,
    co_occur_spans,
    find,
    from_text,
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
_UNLIKE = re.compile(r"\bunlike\b[^,;:.()]*(?:,\s*(?:where|which|in which|who)\b[^,;:.()]*)?",
                     re.IGNORECASE)
# After the claim only a retraction counts: "false" there is Python's literal ("return
# False"); "wrong" is never a disclaimer alone ("rejects the wrong types").
RETRACTIONS = ["which is wrong", "that is wrong", "this is wrong", "which is incorrect",
               "that is incorrect", "which is a myth", "that is a myth", "which is not true",
               "that is not true", "which is untrue", "is a misconception", "is a mistake",
               "is a common mistake"]
_LITERALS = frozenset({stem("false")})  # "return False": no disclaimer inside a statement
# A belief the candidate reports rather than holds ("people often say X, which is wrong").
REPORTED = ["people say", "people often say", "people think", "people often think",
            "people assume", "people often assume", "people believe", "people claim",
            "some people", "often described", "describe it that way", "common belief",
            "commonly believed", "wrong to think", "wrong to say", "wrong idea",
            "wrong belief", "wrong pattern"]
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


LONG_CLAUSE = 40  # words: a clause longer than this is read in pieces
PIECE_WORDS = 15
MAX_CLAUSES = 160  # a 3-minute answer has about 40; the rest of a huge paste is not read
TELEGRAPHIC_SHARE = 0.5  # of the answer's words, in clauses that only list terms


@dataclass(frozen=True)
class Tuning:
    """The meaning route's thresholds, tuned on the calibration corpus's training half."""

    cover: float = 0.50  # cosine of a statement to a key point that covers it
    near: float = 0.05  # a core point this close to its threshold makes a verdict borderline
    predicates: float = 0.28  # verbs per noun under which an answer is a list of terms
    contrast: float = 0.05  # a covering statement is at least this much closer to the point
    #                        (or its other wordings) than to any of its contrary statements
    contrary: float = 0.80  # cosine of a statement to a contrary version of a key point ...
    contrary_gap: float = 0.03  # ... and how much closer to it than to the point's wordings
    #                              (with a word of what sets the contrary apart, below)
    concept_votes: int = 1  # wordings of a point that must share a word for it to be a concept
    specific: float = 0.0  # a covering statement is this much closer to the point than to
    #                         the question itself ("Decorators are a powerful feature": no)
    words_per_point: int = 14  # a sentence explains at most one key point per this many words


TUNING = Tuning()


@dataclass
class PointResult:
    point: KeyPoint
    quote: str = ""
    position: int = -1
    route: str = ""  # "phrases" or "meaning"
    similarity: float = 0.0  # the best statement's cosine to the point
    last_sentence: int = -1  # the evidence runs from the sentence at ``position`` to here

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
    telegraphic: bool = False
    telegraphic_share: float = 0.0

    @property
    def covered(self) -> list[PointResult]:
        return [p for p in self.points if p.covered]

    @property
    def missed(self) -> list[KeyPoint]:
        return [p.point for p in self.points if not p.covered]


@dataclass(frozen=True)
class Unit:
    """A clause, or two adjacent ones, with the answer sentences it came from."""

    first: int
    last: int
    text: str
    statement: bool
    negated: bool
    disclaimed: bool = False  # it reports a claim rather than makes one (:func:`disclaims`)


@dataclass
class Reading:
    """What the parser and the encoder made of an answer."""

    units: list[Unit]
    vectors: meaning.Vector
    statement_sentences: set[int]
    telegraphic_share: float
    predicates: float  # verbs per noun over the whole answer


# read after text.py's normalisation, so "don't" with either apostrophe, a transcript's "dont" and
# "cannot" are all negations, as they are for the detectors
_NEGATION_STEMS = frozenset(stem(w) for w in (
    "not", "no", "never", "nor", "neither", "myth", "misconception", "wrong", "incorrect",
    "false", "mistake", "instead", "rather"))


def pieces(text: str) -> list[str]:
    """A clause as the encoder reads it: whole, or, when it runs on (a transcript without
    punctuation is one 200-word "sentence", of which the encoder would read the first 128
    tokens), in near-equal runs of about ``PIECE_WORDS`` words; adjacent runs are read
    together too (:func:`read`)."""
    words = text.split()
    if len(words) <= LONG_CLAUSE:
        return [text]
    count = -(-len(words) // PIECE_WORDS)
    size = -(-len(words) // count)
    return [" ".join(words[k:k + size]) for k in range(0, len(words), size)]


def negates(text: str) -> bool:
    """A negation, a correction or a contrast word ("not", "never", "instead") in the text."""
    return bool(set(words_of(text)) & _NEGATION_STEMS)


def read(answer: Answer) -> Reading:
    parsed = meaning.clauses(answer.sentences)
    singles: list[Unit] = []
    words = telegraphic_words = verbs = nouns = 0
    statements: set[int] = set()
    for i, sentence_clauses in enumerate(parsed):
        for clause in sentence_clauses:
            words += clause.words
            verbs += clause.verbs
            nouns += clause.terms
            telegraphic_words += clause.words if clause.telegraphic else 0
            if clause.statement:
                statements.add(i)
            for piece in pieces(clause.text):
                if len(singles) < MAX_CLAUSES:
                    singles.append(Unit(i, i, piece, clause.statement, negates(piece),
                                        disclaims(piece)))
    base = meaning.vectors([u.text for u in singles])
    units = list(singles)
    rows = [base]
    joined = [(i, a, b) for i, (a, b) in enumerate(itertools.pairwise(singles))
              if a.statement and b.statement]
    if joined:
        units += [Unit(a.first, b.last, f"{a.text} {b.text}", True, a.negated or b.negated)
                  for _, a, b in joined]
        summed = np.array([base[i] + base[i + 1] for i, _, _ in joined], dtype=np.float32)
        rows.append(summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-9))
    vectors = np.concatenate(rows) if units else np.zeros((0, 384), dtype=np.float32)
    share = telegraphic_words / words if words else 0.0
    return Reading(units, vectors, statements, share, verbs / nouns if nouns else 1.0)


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


_CONCEPTS: dict[tuple[str, int], tuple[list[str], frozenset[str]]] = {}


def concepts(point: KeyPoint, votes: int = 2) -> tuple[list[str], frozenset[str]]:
    """A point's concept phrases (every ``requires`` alternative) and its concept words: the
    content words of its statement, and those that ``votes`` of its wordings share."""
    key = (point.point, votes)
    if key not in _CONCEPTS:
        phrases = [alternative for group in point.requires for alternative in group]
        counts: dict[str, int] = {}
        for wording in (point.point, *point.says):
            for word in set(words_of(wording)):
                if word not in STOPWORDS and word not in GENERIC and len(word) > 3 \
                        and not word.isdigit():
                    counts[word] = counts.get(word, 0) + 1
        own = set(words_of(point.point))
        _CONCEPTS[key] = (phrases, frozenset(w for w, n in counts.items()
                                             if n >= votes or w in own))
    return _CONCEPTS[key]


def _names_a_concept(text: str, point: KeyPoint, votes: int = 2) -> bool:
    """One of the point's concept phrases or concept words."""
    phrases, own = concepts(point, votes)
    unit = from_text(text)
    return bool(own & set(unit.stems)) or bool(find(unit, phrases))


@dataclass(frozen=True)
class Exemplars:
    """A key point's statements as vectors: right (the point and its other wordings) and
    wrong (its contrary statements)."""

    right: meaning.Vector
    wrong: meaning.Vector


_EXEMPLARS: dict[tuple[str, ...], Exemplars] = {}


def exemplars(point: KeyPoint) -> Exemplars:
    key = (point.point, *point.says, "|", *point.contrary)
    if key not in _EXEMPLARS:
        right = np.stack([meaning.vector(t) for t in (point.point, *point.says)])
        wrong = (np.stack([meaning.vector(t) for t in point.contrary]) if point.contrary
                 else np.zeros((0, right.shape[1]), dtype=np.float32))
        _EXEMPLARS[key] = Exemplars(right, wrong)
    return _EXEMPLARS[key]


@dataclass(frozen=True)
class Closeness:
    """Every unit's cosine to each of a point's wrong (contrary) statements, and its best
    cosine to the right ones and to the wrong ones."""

    right: npt.NDArray[np.float32]
    each_wrong: npt.NDArray[np.float32]  # units x contrary statements
    wrong: npt.NDArray[np.float32]


def closeness(reading: Reading, point: KeyPoint) -> Closeness:
    known = exemplars(point)
    right = (reading.vectors @ known.right.T).max(axis=1)
    each_wrong = reading.vectors @ known.wrong.T
    wrong = (each_wrong.max(axis=1) if each_wrong.shape[1]
             else np.zeros(len(reading.units), dtype=np.float32))
    return Closeness(right, each_wrong, wrong)


_DISTINCT: dict[tuple[str, str, str], frozenset[str]] = {}


def _content(text: str) -> set[str]:
    return {w for w in words_of(text) if w not in STOPWORDS and len(w) > 2}


def distinct_words(question: Question, point: KeyPoint, contrary: str) -> frozenset[str]:
    """The words a contrary statement has that no right wording of the question has (of this
    point or another): what makes it wrong ("only when the block finishes *normally*", "turns
    into a list *automatically*"). A word that a right wording uses cannot be the error."""
    key = (question.id, point.point, contrary)
    if key not in _DISTINCT:
        right = set().union(*(_content(t) for p in question.key_points
                               for t in (p.point, *p.says)))
        _DISTINCT[key] = frozenset(_content(contrary) - right)
    return _DISTINCT[key]


def contrary_statements(answer: Answer, question: Question, reading: Reading,
                        near: dict[str, Closeness], tuning: Tuning) -> list[Found]:
    """Statements that say a key point the wrong way: closer to one of its contrary
    statements than to any right wording, *and* sharing a word with what sets that
    statement apart from the right wordings (cosine alone cannot tell a mechanism from its
    reverse: "closed even if an exception is raised" sits closer to "closes only when the
    block finishes normally" than to the point). Reported as misconceptions with the point
    as the correction."""
    found = []
    for point in question.key_points:
        close = near[point.id]
        best, best_at, best_claim = 0.0, -1, ""
        for i, unit in enumerate(reading.units):
            if unit.first != unit.last or not unit.statement or unit.disclaimed:
                continue
            said = _content(unit.text)
            for k, claim in enumerate(point.contrary):
                cosine = float(close.each_wrong[i, k])
                # a negated sentence says a contrary statement only if that statement is
                # negated too ("cached data never needs invalidation")
                if (cosine <= best or cosine - close.right[i] < tuning.contrary_gap
                        or (unit.negated and not negates(claim))
                        or not distinct_words(question, point, claim) & said):
                    continue
                best, best_at, best_claim = cosine, i, claim
        if best_at < 0 or best < tuning.contrary:
            continue
        unit = reading.units[best_at]
        quote, position = _sentence_quote(answer, unit.first, unit.last)
        wrong = Misconception(id=f"{point.id}-contrary", claim=best_claim,
                              correction=point.point, detect=[[best_claim]])
        found.append(Found(wrong, quote, position))
    return found


def _sentence_quote(answer: Answer, first: int, last: int) -> tuple[str, int]:
    position = next((i for i, t in enumerate(answer.tokens) if t.sentence == first), -1)
    if position < 0:
        text = " ".join(answer.sentences[first:last + 1])
        return f"“{text[:159]}”", 0
    end = max((i for i, t in enumerate(answer.tokens) if t.sentence <= last), default=position)
    return answer.quote(position, end + 1), position


_FUNCTION_WORDS = frozenset({"a", "an", "the", "in", "on", "at", "of", "to", "for", "with",
                             "by", "from", "into", "via", "through", "or"})


def _before(answer: Answer, start: int, opening: int) -> list[int]:
    """The ``NEGATION_REACH`` words before ``start`` in its sentence, articles and
    prepositions not counted ("not *in a* big-bang rewrite")."""
    found: list[int] = []
    counted, i = 0, start - 1
    while i >= opening and counted < NEGATION_REACH:
        found.append(i)
        counted += answer.stems[i] not in _FUNCTION_WORDS
        i -= 1
    return found


def _negated(answer: Answer, spans: list[tuple[int, int]]) -> bool:
    """A negation right before any part of the claim ("type hints are *not* enforced at run
    time"), a disclaimer earlier in its sentence ("it is a myth that the GIL ..."), a belief
    its sentence reports or retracts ("people often say ...", "..., which is wrong") or one
    said of the other side of an "unlike" aside cancels it; words inside a detector phrase
    (the claim's own words) do not."""
    matched = {i for s, e in spans for i in range(s, e)}
    starts = [s for s, _ in spans]
    sentence = answer.tokens[starts[0]].sentence  # one sentence (``one_sentence`` matching)
    opening = closing = starts[0]
    while opening > 0 and answer.tokens[opening - 1].sentence == sentence:
        opening -= 1
    while closing < len(answer.tokens) and answer.tokens[closing].sentence == sentence:
        closing += 1
    if any(answer.stems[i] in NEGATIONS for start in starts
           for i in _before(answer, start, opening) if i not in matched):
        return True
    if any(answer.stems[i] in DISCLAIMERS for i in range(opening, max(starts))):
        return True
    if any(opening <= s and e <= closing for s, e in find(answer, REPORTED)) or any(
            min(starts) <= s and e <= closing for s, e in find(answer, RETRACTIONS)):
        return True
    return any(opening + a <= s < opening + b for s in starts
               for a, b in _unlike(answer.sentences[sentence]))


def _unlike(sentence: str) -> list[tuple[int, int]]:
    """Token ranges of "unlike ..." asides up to the next comma (with a "where ..." clause
    of theirs): what they say is about the thing the answer contrasts with ("py-spy, unlike
    cProfile, samples"; "unlike JavaScript, where defaults are evaluated on each call")."""
    return [(len(words_of(sentence[:m.start()])), len(words_of(sentence[:m.end()])))
            for m in _UNLIKE.finditer(sentence)]


def disclaims(text: str) -> bool:
    """A disclaimer or a reported belief in the text: it reports a claim, it does not make
    one."""
    unit = from_text(text)
    return bool(set(unit.stems) & (DISCLAIMERS - _LITERALS)) \
        or bool(find(unit, [*REPORTED, *RETRACTIONS])) or bool(_UNLIKE.search(text))



def misconceptions(answer: Answer, question: Question) -> list[Found]:
    """The rubric's misconceptions, found by their detector phrases."""
    found = []
    for item in question.misconceptions:
        spans = co_occur_spans(answer, item.detect, item.window, one_sentence=True)
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


def _by_phrases(answer: Answer, point: KeyPoint, reading: Reading) -> tuple[int, int] | None:
    """The phrase route: the concepts together, inside statements (not a list of terms)."""
    spans = co_occur_spans(answer, point.requires, point.window)
    if spans is None:
        return None
    start, end = min(s[0] for s in spans), max(s[1] for s in spans)
    said = {answer.tokens[s[0]].sentence for s in spans}
    if not said <= reading.statement_sentences:
        return None
    return start, end


def _by_meaning(point: KeyPoint, reading: Reading, close: Closeness, wrong_sentences: set[int],
                topic: npt.NDArray[np.float32], tuning: Tuning) -> tuple[float, int]:
    """The best statement's cosine to the point or its other wordings, among statements
    that name one of its concepts and are not closer to one of its contrary statements."""
    if not reading.units:
        return 0.0, -1
    best, best_at = 0.0, -1
    for i in np.argsort(-close.right):
        unit = reading.units[int(i)]
        if (not unit.statement or {unit.first, unit.last} & wrong_sentences
                or close.right[i] - close.wrong[i] < tuning.contrast
                or close.right[i] - topic[i] < tuning.specific):
            continue
        score = float(close.right[i])
        if score > best and _names_a_concept(unit.text, point, tuning.concept_votes):
            best, best_at = score, int(i)
        if best_at >= 0 and float(close.right[i]) < best:
            break
    return best, best_at


def _one_sentence_one_idea(answer: Answer, points: list[PointResult],
                           tuning: Tuning) -> list[PointResult]:
    """A sentence that would be the evidence for more key points than its length can
    explain ("I use pyproject.toml, wheels, semantic versioning, entry points and PyPI") is
    naming them: it keeps only the points it is closest to, one per ``words_per_point``.
    Evidence that runs over several sentences counts against the one with most room."""
    def budget(sentence: int) -> int:
        words = len(answer.sentences[sentence].split()) if sentence < len(answer.sentences) \
            else 0
        return max(1, round(words / tuning.words_per_point))

    spans = {i: (answer.tokens[r.position].sentence, max(r.last_sentence,
                                                          answer.tokens[r.position].sentence))
             for i, r in enumerate(points) if r.covered}
    by_sentence: dict[int, list[int]] = {}
    for i, (first, last) in sorted(spans.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        room = {s: budget(s) - len(by_sentence.get(s, [])) for s in range(first, last + 1)}
        chosen = max(room, key=lambda s: (room[s], -s))
        by_sentence.setdefault(chosen, []).append(i)
    kept = list(points)
    for sentence, indices in by_sentence.items():
        allowed = budget(sentence)
        if len(indices) <= allowed:
            continue
        ranked = sorted(indices, key=lambda i: -points[i].similarity)
        for i in ranked[allowed:]:
            kept[i] = PointResult(points[i].point, similarity=points[i].similarity)
    return kept


def assess(answer: Answer, question: Question, tuning: Tuning = TUNING) -> Content:
    reading = read(answer)
    near = {p.id: closeness(reading, p) for p in question.key_points} if reading.units else {}
    wrong = misconceptions(answer, question)
    if reading.units:
        wrong += contrary_statements(answer, question, reading, near, tuning)
    wrong_sentences = {answer.tokens[f.position].sentence for f in wrong
                       if 0 <= f.position < len(answer.tokens)}
    points = []
    asked = reading.vectors @ meaning.vector(question.prompt) if reading.units else None
    for point in question.key_points:
        similarity, at = (_by_meaning(point, reading, near[point.id], wrong_sentences, asked,
                                      tuning) if asked is not None else (0.0, -1))
        span = _by_phrases(answer, point, reading)
        if span is not None and answer.tokens[span[0]].sentence not in wrong_sentences:
            points.append(PointResult(point, answer.quote(*span), span[0], "phrases",
                                      similarity, answer.tokens[span[1] - 1].sentence))
        elif at >= 0 and similarity >= tuning.cover:
            unit = reading.units[at]
            quote, position = _sentence_quote(answer, unit.first, unit.last)
            points.append(PointResult(point, quote, position, "meaning", similarity,
                                      unit.last))
        else:
            points.append(PointResult(point, similarity=similarity))
    points = _one_sentence_one_idea(answer, points, tuning)
    content_words = answer.content_words()
    topic = lexicon(question)
    used = [w for w in content_words if w in topic]
    share = len(used) / len(content_words) if content_words else 0.0
    terms = sorted(set(used))
    too_short = len(content_words) < MIN_WORDS
    telegraphic = bool(content_words) and (reading.telegraphic_share >= TELEGRAPHIC_SHARE
                                           or reading.predicates < tuning.predicates)
    covered = [p for p in points if p.covered]
    total = sum(p.weight for p in question.key_points) or 1.0
    score = 100.0 * sum(p.point.weight for p in covered) / total
    # A stray phrase can touch one minor key point; an answer about something else still
    # covers almost nothing and hardly uses the topic's words.
    off_topic = score < MAX_OFF_TOPIC_COVERAGE and not wrong and not telegraphic and (
        len(terms) < MIN_TOPIC_TERMS or share < MIN_TOPIC_SHARE)
    score = max(0.0, score - MISCONCEPTION_PENALTY * len(wrong))
    if off_topic:
        score = 0.0
    evidence = [f"{len(covered)} of {len(points)} key points covered"]
    evidence += [f"covered “{p.point.point}”: {p.quote}"
                 + (" (said in other words)" if p.route == "meaning" else "") for p in covered]
    evidence += [f"missed “{p.point}”" for p in (x.point for x in points if not x.covered)]
    evidence += [f"misconception “{f.misconception.claim}”: {f.quote}" for f in wrong]
    if telegraphic:
        evidence.append(f"terms listed rather than explained: {reading.predicates:.2f} verbs "
                        f"per noun, {100 * reading.telegraphic_share:.0f}% of the words in "
                        "clauses without a predicate")
    if off_topic:
        evidence.append(f"off topic: {len(used)} of {len(content_words)} content words belong "
                        f"to the question's topic ({', '.join(terms[:6]) or 'none'})")
    return Content(points, wrong, off_topic, too_short, terms, round(share, 3),
                   round(score, 1), evidence, telegraphic, round(reading.telegraphic_share, 3))
