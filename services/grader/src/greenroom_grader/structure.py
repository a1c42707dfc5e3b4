"""Structure: does the answer follow the shape interviewers expect?

Technical answers: concept -> mechanism -> example -> trade-offs -> conventions.
Behavioural answers (and stories in the recruiter screen): STAR, situation -> task ->
action -> result. Each stage is recognised by its cue phrases; the score rewards the
stages present and their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from greenroom_grader.text import Answer, find

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
               "differently"],
}


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
