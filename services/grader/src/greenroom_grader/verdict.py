"""Verdict rules: one explicit, documented rule per round, plus the session rule.

Each rule reads only dimension scores and rubric facts. On-camera presence is not among
them (its weight is 0 and no rule reads it), so the face can never decide pass or fail.
A dimension that does not apply (delivery and confidence of a typed answer) is left out and
the remaining weights are rescaled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class RoundRule:
    round: str
    weights: dict[str, float]
    min_content: float = 0.0
    min_overall: float = 0.0
    min_structure: float = 0.0
    needs_core: bool = True
    star_parts: tuple[str, ...] = ()
    text: str = ""


_TECHNICAL_WEIGHTS = {"content": 0.55, "structure": 0.15, "clarity": 0.15, "delivery": 0.10,
                      "confidence": 0.05}
RULES: dict[str, RoundRule] = {
    "recruiter": RoundRule(
        "recruiter", {"content": 0.45, "structure": 0.20, "clarity": 0.15, "delivery": 0.10,
                      "confidence": 0.10},
        min_content=50, min_overall=55,
        text="Recruiter screen: passes when the answer is on topic, states no misconception, "
             "covers the question's core key points, scores at least 50 on content and 55 "
             "overall (content 45%, structure 20%, clarity 15%, delivery 10%, confidence 10%)."),
    "fundamentals": RoundRule(
        "fundamentals", _TECHNICAL_WEIGHTS, min_content=60, min_overall=60,
        text="Language fundamentals: passes when the answer is on topic, states no "
             "misconception, covers every core key point, scores at least 60 on content and "
             "60 overall (content 55%, structure 15%, clarity 15%, delivery 10%, "
             "confidence 5%)."),
    "domain": RoundRule(
        "domain", _TECHNICAL_WEIGHTS, min_content=60, min_overall=60,
        text="Domain round: passes when the answer is on topic, states no misconception, "
             "covers every core key point, scores at least 60 on content and 60 overall "
             "(content 55%, structure 15%, clarity 15%, delivery 10%, confidence 5%)."),
    "behavioural": RoundRule(
        "behavioural", {"content": 0.40, "structure": 0.25, "clarity": 0.15, "delivery": 0.10,
                        "confidence": 0.10},
        min_content=50, min_overall=55, star_parts=("action", "result"),
        text="Behavioural round: passes when the story is on topic, shows no red flag, covers "
             "the core key points, tells what you did and how it ended (the action and "
             "result of STAR), scores at least 50 on content and 55 overall (content 40%, "
             "structure 25%, clarity 15%, delivery 10%, confidence 10%)."),
    "coding": RoundRule(
        "coding", {"correctness": 0.60, "complexity": 0.15, "pythonic": 0.25},
        needs_core=False, min_overall=70,
        text="Coding round: passes when the code runs in the sandbox within its limits, "
             "passes every hidden test, grows no faster than the problem allows (where "
             "measurable), scores at least 60 on the Pythonic review and 70 overall "
             "(correctness 60%, complexity 15%, Pythonic review 25%)."),
}
MIN_PYTHONIC = 60.0
SESSION_RULE = ("Session: a round passes when at least two thirds of its answers pass; the "
                "session passes when every round in it passes.")


BAND = 5.0  # score points either side of a pass line that make a verdict borderline


@dataclass
class Decision:
    verdict: Literal["pass", "fail"]
    overall: float
    reasons: list[str] = field(default_factory=list)
    margin: float = 0.0  # score points to the nearest pass line: + above, - below
    borderline: bool = False
    tipping: list[str] = field(default_factory=list)


def _margins(rule: RoundRule, scores: dict[str, float], total: float,
             extra: dict[str, tuple[float, float]] | None = None) -> dict[str, float]:
    lines = {"content": (scores.get("content"), rule.min_content),
             "overall": (total, rule.min_overall), **(extra or {})}
    return {name: value - line for name, (value, line) in lines.items()
            if value is not None and line > 0}


def _settle(decision: Decision, margins: dict[str, float], hard: bool,
            near: list[str], near_missed: list[str]) -> Decision:
    """Margin, borderline and what would tip it. ``hard``: a condition that is not a score
    failed (off topic, a misconception, a core point missed that was not close)."""
    if not margins:
        return decision
    name, margin = min(margins.items(), key=lambda kv: kv[1])
    if decision.verdict == "fail":
        below = {k: v for k, v in margins.items() if v < 0}
        if below:
            name, margin = min(below.items(), key=lambda kv: kv[1])
        decision.margin = round(margin, 1)
        if hard:
            return decision
        if near_missed and not below:
            decision.borderline = True
            decision.tipping = [f"Stating clearly that {p[0].lower()}{p[1:]} would pass it."
                                for p in near_missed[:2]]
        elif below and -BAND <= margin < 0 and not near_missed:
            decision.borderline = True
            decision.tipping = [f"{-v:.0f} more points on {k} would pass it."
                                for k, v in sorted(below.items(), key=lambda kv: kv[1])]
        return decision
    decision.margin = round(margin, 1)
    if margin < BAND:
        decision.borderline = True
        decision.tipping.append(f"It is {margin:.0f} points over the pass line on {name}: "
                                "a little less would fail it.")
    if near:
        decision.borderline = True
        decision.tipping += [f"“{p}” was judged close to the line; say it more plainly."
                             for p in near[:2]]
    return decision


def overall(rule: RoundRule, scores: dict[str, float]) -> float:
    used = {k: w for k, w in rule.weights.items() if k in scores}
    total = sum(used.values()) or 1.0
    return round(sum(scores[k] * w for k, w in used.items()) / total, 1)


def decide_spoken(rule: RoundRule, scores: dict[str, float], *, off_topic: bool,
                  misconceptions: int, core_missed: list[str],
                  star_missing: list[str], telegraphic: bool = False,
                  core_near: list[str] | None = None,
                  core_near_missed: list[str] | None = None,
                  english: bool = True) -> Decision:
    """The rule of the recruiter, fundamentals, domain and behavioural rounds.

    ``core_near``: core points covered, but judged close to the threshold;
    ``core_near_missed``: core points missed, but close to it (the verdict is borderline
    when they are the only reason it fails)."""
    total = overall(rule, scores)
    reasons = []
    if not english:
        reasons.append("the answer is not in English")
    if off_topic:
        reasons.append("the answer is off topic")
    if telegraphic:
        reasons.append("the answer lists terms without explaining how they work")
    if misconceptions:
        reasons.append(f"{misconceptions} misconception(s) stated")
    if rule.needs_core and core_missed:
        reasons.append("core key points missed: "
                       + "; ".join(p.rstrip(".") for p in core_missed))
    if scores.get("content", 0.0) < rule.min_content:
        reasons.append(f"content {scores.get('content', 0.0):.0f} is under {rule.min_content:.0f}")
    missing = [p for p in rule.star_parts if p in star_missing]
    if missing:
        reasons.append("the story lacks its " + " and ".join(missing))
    if total < rule.min_overall:
        reasons.append(f"overall {total:.0f} is under {rule.min_overall:.0f}")
    decision = Decision("fail" if reasons else "pass", total, reasons)
    near_missed = core_near_missed or []
    hard = (not english or off_topic or telegraphic or bool(misconceptions) or bool(missing)
            or len(core_missed) > len(near_missed) or len(near_missed) > 1)
    return _settle(decision, _margins(rule, scores, total), hard, core_near or [],
                   near_missed)


def decide_code(rule: RoundRule, scores: dict[str, float], *, passed: int, total_tests: int,
                growth_ok: bool | None, limits: list[str], load_error: str) -> Decision:
    total = overall(rule, scores)
    reasons = []
    if load_error:
        reasons.append(f"the code did not load: {load_error}")
    if limits:
        reasons.append("the code hit sandbox limits: " + ", ".join(limits))
    if passed < total_tests:
        reasons.append(f"{passed} of {total_tests} hidden tests passed")
    if growth_ok is False:
        reasons.append("the code grows faster than the problem allows")
    if scores.get("pythonic", 100.0) < MIN_PYTHONIC:
        reasons.append(f"Pythonic review {scores['pythonic']:.0f} is under {MIN_PYTHONIC:.0f}")
    if total < rule.min_overall:
        reasons.append(f"overall {total:.0f} is under {rule.min_overall:.0f}")
    decision = Decision("fail" if reasons else "pass", total, reasons)
    hard = bool(load_error or limits or passed < total_tests or growth_ok is False)
    extra = {"Pythonic review": (scores["pythonic"], MIN_PYTHONIC)} if "pythonic" in scores \
        else {}
    return _settle(decision, _margins(rule, scores, total, extra), hard, [], [])


def round_passes(passed: int, answers: int) -> bool:
    return answers > 0 and 3 * passed >= 2 * answers
