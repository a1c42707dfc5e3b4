"""The grader's pure core: an answer's evidence in, a result out.

Deterministic (the same evidence always gives the same result) and offline. It composes the
dimension modules (``rubric``, ``structure``, ``clarity``, ``delivery``, ``confidence``,
``presence``, ``coding``), ranks the feedback, and applies the round's rule (``verdict``).
Feedback states what was observed, then what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from greenroom_common.documents import (
    DimensionScore,
    GradeDoc,
    Moment,
    SpeechMetrics,
    VisionSummary,
    Word,
)

from greenroom_grader import (
    clarity,
    coding,
    confidence,
    delivery,
    follow_up,
    language,
    presence,
    review,
    rubric,
    structure,
)
from greenroom_grader.bank import Question
from greenroom_grader.coding import Runner
from greenroom_grader.sandbox import Limits, run_code
from greenroom_grader.text import Answer, from_text, from_words
from greenroom_grader.verdict import RULES, Decision, RoundRule, decide_code, decide_spoken

MAX_SHOWN_POINTS = 3


@dataclass(frozen=True)
class Advice:
    priority: int
    theme: str
    text: str


def _dimensions(scores: dict[str, float], evidence: dict[str, list[str]],
                weights: dict[str, float]) -> list[DimensionScore]:
    used = {k: w for k, w in weights.items() if k in scores}
    total = sum(used.values()) or 1.0
    return [DimensionScore(name=name, score=round(score, 1), evidence=evidence.get(name, []),
                           weight=round(used.get(name, 0.0) / total, 3))
            for name, score in scores.items()]


def _ranked(advice: list[Advice], limit: int = 3) -> tuple[list[str], list[str]]:
    chosen: list[Advice] = []
    for item in sorted(advice, key=lambda a: -a.priority):
        if item.theme not in {c.theme for c in chosen}:
            chosen.append(item)
    chosen = chosen[:limit]
    return [c.text for c in chosen], [c.theme for c in chosen]


def grade(
    answer_id: str,
    question: Question,
    text: str,
    words: list[Word] | None = None,
    duration_s: float | None = None,
    vision: VisionSummary | None = None,
    speech: SpeechMetrics | None = None,
    moments: list[Moment] | None = None,
    bank_version: str = "",
    unmeasured: str | None = None,
    limits: Limits | None = None,
    runner: Runner = run_code,
) -> GradeDoc:
    if question.round == "coding":
        doc = _grade_code(answer_id, question, text, limits, runner)
    else:
        doc = _grade_spoken(answer_id, question, text, words or [], duration_s, speech)
    coaching = presence.assess(vision, moments) if vision is not None else None
    if coaching is not None:
        doc.dimensions.append(DimensionScore(name="presence", score=coaching.score,
                                             evidence=coaching.evidence, weight=0.0))
        if len(doc.improvements) < 3 and coaching.tips:
            doc.improvements.append(coaching.tips[0])
            doc.themes.append("presence")
    elif unmeasured is not None:  # said whatever else is said: the candidate sent a video
        doc.improvements.append(presence.unmeasured(unmeasured))
        doc.themes.append("presence")
    doc.bank_version = bank_version
    return doc


def _content_advice(answer: Answer, question: Question, content: rubric.Content,
                    english: bool, core_missed: bool) -> list[Advice]:
    """What the content calls for: the one thing that stops grading (another language, a list
    of terms, too little, another topic) first, then misconceptions and missed points."""
    advice: list[Advice] = []
    if not english:
        advice.append(Advice(110, "language", "The answer is not in English. This interview "
                             "is held in English: answer in English so that it can be graded."))
    elif content.telegraphic:
        advice.append(Advice(100, "explain", "You named the terms; explain how they work and "
                             "why. Say what each one does in a full sentence (\"the wrapper "
                             "calls the original function and returns its result\"), then give "
                             "an example."))
    elif content.too_short and not content.covered:
        advice.append(Advice(100, "develop", f"The answer has {len(answer.content_words())} "
                             "content words; answer the question fully: the idea, how it "
                             "works, an example and a trade-off."))
    elif content.off_topic:
        advice.append(Advice(100, "off-topic", "The answer did not address the question: it "
                             f"used {len(content.topic_terms)} of the topic's terms and "
                             f"covered none of its key points. Answer what was asked: "
                             f"“{question.prompt}”"))
    for found in content.misconceptions[:2]:  # leave room to name the missed key points
        advice.append(Advice(95, f"misconception-{found.misconception.id}",
                             f"You said {found.quote}: {found.misconception.claim} "
                             f"That is a misconception. {found.misconception.correction}"))
    missed = sorted(content.missed, key=lambda p: (p.id not in question.core, -p.weight))
    if missed and not content.off_topic:
        names = "; ".join(p.point.rstrip(".") for p in missed[:MAX_SHOWN_POINTS])
        more = f" (and {len(missed) - MAX_SHOWN_POINTS} more)" \
            if len(missed) > MAX_SHOWN_POINTS else ""
        advice.append(Advice(90 if core_missed else 70, "missed-key-points",
                             f"You covered {len(content.covered)} of {len(content.points)} key "
                             f"points. Missing: {names}{more}. Say each one and show how it "
                             "works with a short example."))
    return advice


def _grade_spoken(answer_id: str, question: Question, text: str, words: list[Word],
                  duration_s: float | None, speech: SpeechMetrics | None) -> GradeDoc:
    """Every round but coding; typed answers too (they lack delivery and confidence)."""
    rule = RULES[question.round]
    english = language.is_english(text)
    answer = from_words(text, words) if words else from_text(text)
    content = rubric.assess(answer, question, rubric.TUNING)
    shape = structure.assess(answer, question.structure)
    clear = clarity.assess(answer, question.vocabulary, shape.in_order)
    scores = {"content": content.score, "structure": shape.score, "clarity": clear.score}
    evidence = {"content": content.evidence, "structure": shape.evidence,
                "clarity": clear.evidence}
    advice: list[Advice] = []
    strengths: list[str] = []
    measures = delivery.measure(words, duration_s, speech) if words else None
    if measures is not None:
        spoken = delivery.assess(measures)
        sure = confidence.assess(answer, measures)
        scores |= {"delivery": spoken.score, "confidence": sure.score}
        evidence |= {"delivery": spoken.evidence, "confidence": sure.evidence}
        advice += [Advice(45, f"delivery-{i}", t) for i, t in enumerate(spoken.tips)]
        advice += [Advice(40, f"confidence-{i}", t) for i, t in enumerate(sure.tips)]
        strengths += spoken.strengths + sure.strengths
    core = [p for p in content.points if p.point.id in question.core]
    core_missed = [p.point.point for p in core if not p.covered]
    tuning = rubric.TUNING
    decision = decide_spoken(
        rule, scores, off_topic=content.off_topic, misconceptions=len(content.misconceptions),
        core_missed=core_missed, star_missing=shape.missing, telegraphic=content.telegraphic,
        core_near=[p.point.point for p in core if p.route == "meaning"
                   and p.similarity < tuning.cover + tuning.near],
        core_near_missed=[p.point.point for p in core if not p.covered
                          and p.similarity >= tuning.cover - tuning.near],
        english=english)
    advice += _content_advice(answer, question, content, english, bool(core_missed))
    if shape.missing and not content.off_topic:
        label = "STAR (situation, task, action, result)" if shape.kind == "star" else \
            "concept, mechanism, example, trade-offs, conventions"
        advice.append(Advice(75 if set(rule.star_parts) & set(shape.missing) else 55,
                             "structure", f"Parts missing from the answer: "
                             f"{', '.join(shape.missing)}. Organise it as {label}."))
    if clear.long_sentences:
        advice.append(Advice(50, "clarity", f"{len(clear.long_sentences)} sentences run over "
                             f"{clarity.LONG_SENTENCE} words; split them: one idea per "
                             "sentence."))
    elif len(clear.terms_used) > len(clear.terms_explained) + 1:
        unexplained = [t for t in clear.terms_used if t not in clear.terms_explained]
        advice.append(Advice(35, "clarity", "You used terms without saying what they mean ("
                             + ", ".join(unexplained[:3]) + "); define each in a few words "
                             "the first time."))
    if content.covered and content.score >= rule.min_content:
        shown = content.covered[0]
        strengths.insert(0, f"Covered {len(content.covered)} of {len(content.points)} key "
                         f"points, e.g. {shown.point.point} ({shown.quote})")
    if shape.score >= 80:
        strengths.append("Well structured: " + ", ".join(shape.stages) + ".")
    if clear.mean_words and clear.mean_words <= clarity.CONCISE_WORDS and not content.off_topic:
        strengths.append(f"Concise sentences ({clear.mean_words:.0f} words on average).")
    return _result(
        answer_id, question, text, rule, decision, scores, evidence, strengths, advice,
        off_topic=content.off_topic,
        covered=[p.point.point for p in content.covered],
        missed=[p.point for p in content.missed],
        misconceptions=[f"{f.misconception.claim} ({f.quote})" for f in content.misconceptions],
        follow_up=None if not english else follow_up.choose(
            question, content, decision.verdict, decision.borderline),
    )


def _result(answer_id: str, question: Question, text: str, rule: RoundRule,
            decision: Decision, scores: dict[str, float], evidence: dict[str, list[str]],
            strengths: list[str], advice: list[Advice], **extra: Any) -> GradeDoc:
    """The grade document every round shares; ``extra`` holds the round's own fields."""
    improvements, themes = _ranked(advice)
    return GradeDoc(
        answer_id=answer_id, question_id=question.id, verdict=decision.verdict,
        score=decision.overall,
        rule=_rule_text(rule.text, decision.reasons),
        margin=decision.margin, borderline=decision.borderline, tipping=decision.tipping,
        dimensions=_dimensions(scores, evidence, rule.weights),
        strengths=strengths[:3], improvements=improvements, themes=themes, transcript=text,
        round=question.round, **extra,
    )


def _rule_text(rule: str, reasons: list[str]) -> str:
    """The rule, then "Not met: a; b.". A reason may quote key points that end in their own
    full stop ("core key points missed: X is y.; Z."): punctuation before a separator or the
    end is dropped, so the text never shows ".;" or ".."."""
    if not reasons:
        return rule + " All met."
    tidy = [re.sub(r"[\s.;:,]+(?=;|$)", "", reason.strip()) for reason in reasons]
    return rule + " Not met: " + "; ".join(r for r in tidy if r) + "."


def _grade_code(answer_id: str, question: Question, text: str, limits: Limits | None,
                runner: Runner) -> GradeDoc:
    assert question.code is not None
    spec = question.code
    rule = RULES["coding"]
    result = coding.assess(text, question, limits, runner)
    run = result.run
    scores: dict[str, float] = {"correctness": result.correctness}
    if result.complexity is not None:
        scores["complexity"] = result.complexity
    scores["pythonic"] = result.pythonic
    correctness, complexity, findings = coding.evidence(result, spec)
    evidence = {"correctness": correctness, "complexity": complexity, "pythonic": findings}
    decision = decide_code(
        rule, scores, passed=run.passed if run else 0, total_tests=len(spec.tests),
        growth_ok=result.growth_ok, limits=run.limits_hit if run else [],
        load_error=result.syntax_error or (run.load_error if run else ""))
    advice: list[Advice] = []
    strengths: list[str] = []
    if result.syntax_error:
        advice.append(Advice(100, "runnable", f"The submission is not valid Python "
                             f"({result.syntax_error}); submit the complete function "
                             f"{spec.entry} as code."))
    elif run is not None and run.load_error:
        advice.append(Advice(100, "runnable", f"Loading the code failed ({run.load_error}); "
                             f"define {spec.entry} exactly as the prompt names it."))
    elif run is not None and run.passed < len(run.tests):
        first = next(t for t in run.tests if not t.passed)
        got = f"raised {first.error}" if first.error else f"returned {first.got[:80]}"
        advice.append(Advice(95, "tests", f"{run.passed} of {len(run.tests)} hidden tests "
                             f"passed; {coding.call_text(spec, first.args)} should give "
                             f"{first.expected[:80]} but {got}. Check the edge cases "
                             "(empty input, ties, limits) before submitting."))
    if run is not None and run.limits_hit:
        advice.append(Advice(97, "limits", "The run hit the sandbox's "
                             + ", ".join(run.limits_hit) + " limit; the code must finish "
                             "quickly without spawning processes, touching the network or "
                             "filling memory."))
    if result.growth_ok is False:
        advice.append(Advice(80, "complexity", coding.growth_advice(result, spec)))
    worst_first = sorted(result.findings, key=lambda f: (-review.PENALTY[f.rule], f.line))
    for i, finding in enumerate(worst_first[:3]):
        advice.append(Advice(60 - i, f"review-{finding.rule}", f"Line {finding.line}: "
                             f"{finding.message}"))
    if run is not None and run.tests and run.passed == len(run.tests):
        strengths.append(f"All {len(run.tests)} hidden tests pass.")
    if result.growth_ok:
        strengths.append(f"Efficient: growth within {spec.growth_label} "
                         f"(exponent {result.growth:.2f}).")
    if not result.syntax_error and not result.findings:
        strengths.append("Idiomatic code: the review found nothing to change.")
    return _result(
        answer_id, question, text, rule, decision, scores, evidence, strengths, advice,
        findings=[str(f) for f in result.findings],
        off_topic=bool(result.syntax_error) or bool(run and run.load_error.startswith(
            "NameError: no function named")),
        tests_passed=run.passed if run else 0, tests_total=len(spec.tests),
        sandbox=run.outcome if run else "not run",
    )
