"""Structure: does the answer follow the shape interviewers expect?

Technical answers: concept -> mechanism -> example -> trade-offs -> conventions.
Behavioural answers (and stories in the recruiter screen): STAR, situation -> task ->
action -> result. Each stage is recognised by its cue phrases; the score rewards the
stages present and their order.

Beyond the fixed cue lists, a STAR story's parts are recognised by their shape, since people
tell stories in their own words: the action is something the candidate did or does, "I"
followed by a verb of doing in the past ("I reworked", "I went through", "I made"), for
practices in the present ("I push for", "we use"), or, when the story tells no other, in the
past progressive ("I was writing"); never a verb of thinking or wanting ("I considered",
"I felt", "I wanted", "I made sure"). The result is a measurable change ("from 12 minutes to
40 seconds", "20 seconds instead of 3 minutes", "down to 40 seconds", "now runs in 20
seconds", "3 times faster") or how things turned out ("it turned out well", "the timeouts
stopped", "zero incidents"), not a discovery ("it turned out the cache was stale") nor a
version change ("from 3.8 to 3.12"). The situation also by its setting ("at a fintech",
"our billing service"), the task by what was at stake ("had to", "the constraint was").
Tuned on the calibration corpus's train half only (grader README).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from greenroom_grader.text import Answer, find, stem, words_of

TECHNICAL: dict[str, list[str]] = {
    "concept": ["is a", "is an", "are a", "is the", "are the", "means", "refers to", "is when",
                "defined as", "in short", "is basically", "is just", "are objects",
                "is an object", "are used to", "is used to", "lets you", "let you",
                "allows you", "allow you"],
    "mechanism": ["because", "under the hood", "internally", "which means", "works by",
                  "so that", "behind the scenes", "when you call", "this happens",
                  "the reason", "that is why", "at runtime", "the interpreter", "calls",
                  "stores", "looks up", "is called", "are called", "mechanism",
                  "how it works", "which is why", "so the", "then it", "returns"],
    "example": ["for example", "for instance", "e.g.", "such as", "say you", "imagine",
                "let us say", "consider", "in my project", "like when", "a typical",
                "an example", "example", "in our", "at work", "last project"],
    "trade-offs": ["trade off", "downside", "drawback", "however", "on the other hand",
                   "cost", "at the expense", "whereas", "the catch", "limitation",
                   "pitfall", "careful", "overhead", "unless", "instead", "but", "slower",
                   "faster", "more memory", "risk", "price"],
    "conventions": ["convention", "idiomatic", "pythonic", "pep 8", "pep", "best practice",
                    "in practice", "prefer", "recommend", "always use", "rule of thumb",
                    "style", "should", "i would use", "i use", "we use", "good habit",
                    "the standard", "linter", "type checker"],
}
STAR: dict[str, list[str]] = {
    "situation": ["at my", "in my previous", "in my last", "when i was", "we had", "our team",
                  "the project", "at work", "last year", "years ago", "the situation",
                  "at the time", "our service", "our company", "a client", "we were",
                  "i was working", "i worked", "my team", "our app", "our system"],
    "task": ["my job was", "my task", "i was responsible", "i needed to", "i had to",
             "my goal", "the goal", "my role", "i was asked", "we needed to",
             "responsible for", "i owned", "the task", "the problem was", "the challenge",
             "my part", "i wanted to", "we had to"],
    "action": ["i decided", "i wrote", "i added", "i ran", "i proposed", "i built",
               "i set up", "i used", "i started", "i looked", "i reproduced", "i suggested",
               "i talked", "i organised", "i organized", "i measured", "i profiled",
               "i tested", "i created", "i changed", "i asked", "i checked", "i bisected",
               "i fixed", "i found", "i scheduled", "i met", "i listened", "first i",
               "then i", "i led", "i designed", "i moved", "i replaced", "i paired",
               "i compared", "i explained", "i reviewed", "i learned", "i read", "i rewrote",
               "i traced", "i logged", "i migrated", "i split", "i introduced"],
    "result": ["as a result", "in the end", "the result", "result was", "reduced",
               "improved", "dropped", "we shipped", "i learned", "i learnt", "lesson",
               "outcome", "since then", "saved", "percent", "fewer", "went from",
               "resolved", "never happened again", "now we", "it worked", "we released",
               "we agreed", "ended up", "afterwards", "the fix", "today i would",
               "differently", "result", "has since", "have since", "has stayed"],
}


Span = tuple[int, int]
Keep = Callable[[re.Match[str]], bool]

# -- Action: what the candidate did ("I reworked", "I went through") or does as a practice
# ("I push for", "we use"); never a verb of thinking, feeling or wanting ("I considered").
_THINKING = """
considered thought felt believed knew wanted need needed hoped liked loved enjoyed assumed
guessed realised realized noticed seemed wished expected preferred appreciated cared
understood remembered worried imagined wondered agreed supposed meant was were had did could
would should might must mentioned heard saw worked
"""
_NOT_ACTIONS = frozenset(_THINKING.split())
_DOING = """
went made wrote rewrote built rebuilt took ran reran set put got kept gave led chose spent
sent brought found told said dug held began caught cut split drew drove met paid read sat
shut sought spoke taught threw undid won broke bought fought rode sold stood struck swept
tore withdrew overrode
"""
_IRREGULAR_PAST = frozenset(_DOING.split())
_NOT_DOING = frozenset({"thinking", "hoping", "wondering", "trying", "feeling", "expecting",
                        "going", "planning", "wanting", "considering", "working"})
_NOT_AFTER = {"used": "to", "made": "sure", "tried": "to"}  # "I used to", "I made sure"
_ADVERB = (r"(?:then|also|first|just|finally|eventually|immediately|personally|quickly|"
           r"actually|always|usually|still|now|often|really|simply|carefully|instead|"
           r"basically|manually|\w+ly)")
_PAST = re.compile(rf"\bi\s+(?:{_ADVERB}\s+){{0,2}}(?P<verb>[a-z]+)\b(?:\s+(?P<next>[a-z]+))?")
_PROGRESSIVE = re.compile(rf"\bi\s+(?:was|am)\s+(?:{_ADVERB}\s+)?(?P<verb>[a-z]{{3,}}ing)\b")
_PRESENT = (
    re.compile(rf"\bi\s+(?:{_ADVERB}\s+){{0,2}}(?:use|run|add|write|review|push|insist|require|"
               r"enforce|advocate|introduce|pair|automate|set up|keep|check|test|measure|"
               r"profile|document|split|pin|block|gate|configure|teach|mentor|coach|propose|"
               r"suggest|recommend|encourage|rely on|lean on|turn on|default to|favou?r)\b"),
    re.compile(rf"\bwe\s+(?:{_ADVERB}\s+){{0,2}}(?:use|run|enforce|require|review|pin|gate|"
               r"block|pair|automate|rely on|turn on)\b"),
)


def _did(m: re.Match[str]) -> bool:
    """ "I <verb>" is an action when the verb is a past form of doing."""
    verb, after = m.group("verb"), m.group("next") or ""
    if verb in _NOT_ACTIONS or after == "not" or _NOT_AFTER.get(verb) == after:
        return False
    return verb in _IRREGULAR_PAST or (len(verb) > 4 and verb.endswith("ed"))


def _doing(m: re.Match[str]) -> bool:
    return m.group("verb") not in _NOT_DOING


# -- Result: a measurable change or how things turned out.
RESULT_CUES = ["worked out", "went well", "went fine", "went smoothly", "went away", "paid off",
               "taught me", "zero incidents", "no incidents", "without incident",
               "without a single", "has not had", "have not had", "has not happened",
               "stopped happening", "never came back", "from then on", "ever since",
               "to this day", "she agreed", "he agreed", "they agreed", "approved it",
               "was approved", "signed off", "halved", "doubled", "tripled"]


def _stems(words: str) -> str:
    return "|".join(sorted({stem(w) for w in words.split()}, key=len, reverse=True))


_UNIT = _stems("second minute hour day week month year ms millisecond microsecond percent gb "
               "mb kb tb euro dollar pound time x")
# A figure ("40", "1 6" as 1.6 is normalised, "10x", "an" as in "an hour"), then at most one
# word ("1 a month", "3 more days") before its unit.
_NUM = r"(?:\d+(?: \d+)?x?|a|an)(?: (?:a|an|per|more|fewer|less|extra))?"
_MEASURED = tuple(re.compile(p) for p in (
    # "went from 12 minutes to about 40 seconds", "from several a week to 1 a month"
    rf"\bfrom (?:\S+ ){{0,5}}?to (?:\S+ ){{0,2}}?{_NUM} (?:{_UNIT})\b",
    # "20 seconds instead of 3 minutes"
    rf"\b(?:{_UNIT}) (?:\S+ ){{0,2}}?instead of (?:\S+ ){{0,2}}?{_NUM} (?:{_UNIT})\b",
    # "down to 40 seconds", "dropped from 5 seconds"
    rf"\b(?:down|cut|drop|fell|fall|shrank|shrunk|went) (?:to|from) (?:\S+ ){{0,2}}?{_NUM} "
    rf"(?:{_UNIT})\b",
    # "now runs in 20 seconds", "the batch now takes about 50 minutes"
    rf"\bnow (?:\S+ ){{0,3}}?{_NUM} (?:{_UNIT})\b",
    rf"\bnow (?:{_stems('takes runs finishes completes loads responds costs')})\b",
    # "3 times faster", "10x fewer"
    r"\b\d+x? (?:time )?(?:faster|quicker|cheaper|smaller|fewer|less|lower|higher|more)\b",
))
_TURNED_OUT = (
    # "the timeouts stopped", "it stopped being flaky" -- not "I stopped the deploy".
    re.compile(r"(?<!\bi )(?<!\bwe )(?<!\bto )\bstopped\b"),
    # "it turned out well", "it turned out to be a good call" -- not a discovery ("it turned
    # out the cache was stale").
    re.compile(r"\bturned out(?:\s+(?:really|very|pretty|quite|rather|so|much|to be|a|an|"
               r"the)){0,3}(?:\s+(?:well|fine|great|good|ok|okay|nicely|better|right|successful|"
               r"worth it|to work)\b|\s*(?:[,.;:!]|$))"),
)

# -- Situation and task: where it happened and what was at stake.
SITUATION_CUES = ["a colleague", "a teammate", "a junior", "an intern", "a peer", "a new hire",
                  "back in", "a few months ago", "last month", "last quarter", "recently",
                  "one time", "there was a time", "we ran a", "we ran an", "i was mentoring"]
TASK_CUES = ["had to", "needed to", "the constraint", "the question was", "the catch was",
             "the issue was", "the requirement", "the deadline", "what mattered",
             "the criteria", "my first job", "my first task", "i was the one",
             "it was my job", "i was in charge", "was on me", "i took ownership",
             "the target was", "the aim was", "the brief was"]
_PLACES = _stems("company startup fintech bank agency firm consultancy group marketplace "
                 "retailer shop insurer publisher studio hospital university scaleup provider "
                 "chain store")
_SYSTEMS = _stems("service app api platform system pipeline backend monolith library codebase "
                  "job database product portal site website tool handlers engine cluster "
                  "dashboard report infrastructure stack manager lead head founder cto ceo "
                  "client customer stakeholder colleague intern junior teammate")
_SETTINGS = tuple(re.compile(p) for p in (
    # "at a subscription company", "at an e-commerce company", "at a fintech"
    rf"\bat (?:a|an) (?:\S+ ){{0,3}}?(?:{_PLACES})\b",
    # "our invoice PDF service", "our head of sales"
    rf"\bour (?:\S+ ){{0,3}}?(?:{_SYSTEMS})\b",
))


def _sentence_starts(answer: Answer) -> list[int]:
    """The index of each sentence's first token, and the token count at the end."""
    starts = [len(answer.tokens)] * (len(answer.sentences) + 1)
    for i in range(len(answer.tokens) - 1, -1, -1):
        starts[answer.tokens[i].sentence] = i
    for s in range(len(answer.sentences) - 1, -1, -1):
        starts[s] = min(starts[s], starts[s + 1])
    return starts


def _plain(sentence: str) -> str:
    text = sentence.lower().replace("’", "'").replace("n't", " not")
    return re.sub(r"\bi'(?:m|ve|d|ll)\b", "i x", text)  # "I'd use", "I'm" tell no action


def _in_text(answer: Answer, patterns: tuple[tuple[re.Pattern[str], Keep | None], ...]
             ) -> list[Span]:
    """Token spans where a pattern matches a sentence's text (tense lives in the words, not
    in their stems) and ``keep``, when given, accepts the match."""
    starts = _sentence_starts(answer)
    spans: list[Span] = []
    for s, sentence in enumerate(answer.sentences):
        lo, hi = starts[s], starts[s + 1]
        if lo >= hi:
            continue
        text = _plain(sentence)
        for pattern, keep in patterns:
            done, before = 0, 0  # words counted so far, in text[:done]
            for m in pattern.finditer(text):
                if keep is not None and not keep(m):
                    continue
                before += len(words_of(text[done:m.start()]))
                done = m.start()
                i = min(lo + before, hi - 1)
                spans.append((i, min(max(i + 1, i + len(words_of(m.group(0)))), hi)))
    return spans


def _in_stems(answer: Answer, patterns: tuple[re.Pattern[str], ...]) -> list[Span]:
    """Token spans where a pattern matches the answer's stems joined by spaces (figures are
    digits there: "twelve minutes" reads "12 minut")."""
    stems = answer.stems
    text = " ".join(stems)
    token_at: dict[int, int] = {}
    offset = 0
    for i, word in enumerate(stems):
        token_at[offset] = i
        offset += len(word) + 1
    spans: list[Span] = []
    for pattern in patterns:
        for m in pattern.finditer(text):
            if m.start() in token_at:
                i = token_at[m.start()]
                spans.append((i, i + len(m.group(0).split())))
    return spans


def _star_spans(answer: Answer, stage: str, cued: bool) -> list[Span]:
    """What the fixed cue lists miss, found by the shape of the words (``cued``: the stage's
    cue list found it already)."""
    if stage == "situation":
        return find(answer, SITUATION_CUES) + _in_stems(answer, _SETTINGS)
    if stage == "task":
        return find(answer, TASK_CUES)
    if stage == "action":
        done = _in_text(answer, ((_PAST, _did), *((p, None) for p in _PRESENT)))
        if done or cued:
            return done
        # "I was writing the rules engine" is often the scene being set: the action only
        # when the story tells no other.
        return _in_text(answer, ((_PROGRESSIVE, _doing),))
    if stage == "result":
        return (find(answer, RESULT_CUES) + _in_stems(answer, _MEASURED)
                + _in_text(answer, tuple((p, None) for p in _TURNED_OUT)))
    return []


@dataclass
class StructureResult:
    kind: str
    stages: dict[str, str]  # stage -> quote where it starts
    missing: list[str]
    in_order: float
    score: float
    evidence: list[str]


def assess(answer: Answer, kind: str) -> StructureResult:
    stages = STAR if kind == "star" else TECHNICAL
    first: dict[str, int] = {}
    quotes: dict[str, str] = {}
    for stage, cues in stages.items():
        spans = find(answer, cues)
        if kind == "star":
            spans = sorted(set(spans) | set(_star_spans(answer, stage, bool(spans))))
        if spans:
            first[stage] = spans[0][0]
            quotes[stage] = answer.quote(*spans[0], limit=90)
    order = [s for s in stages if s in first]
    pairs = list(pairwise(order))
    in_order = (sum(1 for a, b in pairs if first[a] <= first[b]) / len(pairs)) if pairs else (
        1.0 if order else 0.0)
    score = 80.0 * len(order) / len(stages) + 20.0 * in_order * (len(order) > 1)
    missing = [s for s in stages if s not in first]
    label = "STAR" if kind == "star" else "concept → mechanism → example → trade-offs → " \
        "conventions"
    evidence = [f"{len(order)} of {len(stages)} parts of {label}"]
    evidence += [f"{stage}: {quotes[stage]}" for stage in order]
    if missing:
        evidence.append("missing: " + ", ".join(missing))
    if len(order) > 1:
        evidence.append(f"{100 * in_order:.0f}% of the parts in the expected order")
    return StructureResult(kind, quotes, missing, in_order, round(score, 1), evidence)
