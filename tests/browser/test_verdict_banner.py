"""The verdict banner over every rule text the grader can write: for every question of the
bank, its round's rule with every reason a verdict can have (its core key points missed,
scores under their lines, the coding round's failures), joined both by the grader's
``_rule_text`` and by its older join that left ".;" and "..". The banner shows the verdict,
the score and at most two deciding conditions in plain words, short; the whole rule sits
behind "Why"; the missed key points appear once on the page; no stray punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from greenroom_grader.bank import Question, load_bank
from greenroom_grader.scoring import _rule_text
from greenroom_grader.verdict import RULES, decide_code, decide_spoken
from playwright.sync_api import Browser, Page

from tests.browser.offline import offline_app, offline_browser

__all__ = ["offline_browser"]  # the fixture, imported for this module

# ".;" "..", ";." ",." or a lone mark between spaces; not "(...)" nor ", .suffix" (code).
STRAY = re.compile(r"[.;,:]\s*[.;](?=\s|$)|\s[.;,](?=\s|$)")
MAX_BANNER_CHARS = 260  # what shows without opening "Why": about six short lines at 360 px


def legacy_rule_text(rule: str, reasons: list[str]) -> str:
    """How grades stored before the fix were joined: kept readable by the web app too."""
    return rule + (" Not met: " + "; ".join(reasons) + "." if reasons else " All met.")


def failing_reasons(question: Question) -> list[list[str]]:
    """Every kind of reason the grader gives for this question's round, in a few mixes."""
    rule = RULES[question.round]
    core = [p.point for p in question.key_points if p.id in question.core] or ["A point."]
    if question.round == "coding":
        scores = {"correctness": 20.0, "complexity": 30.0, "pythonic": 40.0}
        mixes = [
            decide_code(rule, scores, passed=1, total_tests=6, growth_ok=False,
                        limits=["time", "memory"], load_error="").reasons,
            decide_code(rule, scores, passed=0, total_tests=6, growth_ok=None, limits=[],
                        load_error="SyntaxError: invalid syntax (line 3).").reasons,
            decide_code(rule, {**scores, "correctness": 100.0}, passed=6, total_tests=6,
                        growth_ok=True, limits=[], load_error="").reasons,
        ]
    else:
        low = {"content": 30.0, "structure": 20.0, "clarity": 40.0}
        mixes = [
            decide_spoken(rule, low, off_topic=False, misconceptions=0, core_missed=core,
                          star_missing=[]).reasons,
            decide_spoken(rule, low, off_topic=True, misconceptions=2, core_missed=core,
                          star_missing=["action", "result"], telegraphic=True,
                          english=False).reasons,
            decide_spoken(rule, {"content": 58.0, "structure": 60.0, "clarity": 60.0},
                          off_topic=False, misconceptions=0, core_missed=core[:1],
                          star_missing=[]).reasons,
        ]
    return [m for m in mixes if m]


def cases() -> Iterator[tuple[str, str, list[str], list[str]]]:
    for question in load_bank().questions:
        rule = RULES[question.round]
        core = [p.point for p in question.key_points if p.id in question.core]
        for i, reasons in enumerate(failing_reasons(question)):
            for name, join in (("grader", _rule_text), ("legacy", legacy_rule_text)):
                yield f"{question.id}-{i}-{name}", join(rule.text, reasons), reasons, core


def result(rule: str, missed: list[str]) -> dict[str, Any]:
    return {"answer_id": "a1", "question_id": "q1", "verdict": "fail", "score": 41.0,
            "rule": rule, "margin": -19.0, "borderline": False,
            "tipping": [], "missed": missed, "covered": [],
            "dimensions": [{"name": "content", "score": 30.0, "evidence": []}],
            "strengths": [], "improvements": []}


@pytest.fixture(scope="module")
def page(offline_browser: Browser) -> Iterator[Page]:
    app_iter = offline_app(offline_browser, width=360, height=740)
    app = next(app_iter)
    app.open()
    yield app.page
    next(app_iter, None)


def render_all(page: Page, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = page.evaluate("""async (results) => {
      const m = await import("/static/js/report.js");
      const out = document.getElementById("main");
      return results.map((result) => {
        out.textContent = "";
        out.append(m.answerReport({ answer_id: "a1", mode: "text", status: "graded", result }, {}));
        const banner = document.getElementById("verdict");
        const why = banner.querySelector("details");
        const visible = [...banner.childNodes].filter((n) => n !== why)
          .map((n) => n.textContent).join(" ");
        return {
          visible, why: why ? why.textContent : "", all: out.textContent,
          why_items: why ? why.querySelectorAll("li").length : 0,
          reasons: [...banner.querySelectorAll(".verdict-reasons li:not(.verdict-more)")]
            .map((li) => li.textContent),
        };
      });
    }""", results)
    return drawn


def test_every_rule_text_makes_a_short_clean_banner(page: Page) -> None:
    all_cases = list(cases())
    assert len({c[0].split("-")[0] for c in all_cases}) >= 5  # questions of the bank
    assert {RULES[q.round].round for q in load_bank().questions} == set(RULES)  # every round
    drawn = render_all(page, [result(rule, core) for _, rule, _, core in all_cases])
    for (name, rule, reasons, core), shown in zip(all_cases, drawn, strict=True):
        visible, why, everything = shown["visible"], shown["why"], shown["all"]
        assert "Fail" in visible and "Score 41 / 100" in visible, name
        assert len(visible) <= MAX_BANNER_CHARS, (name, len(visible), visible)
        assert 1 <= len(shown["reasons"]) <= 2, (name, shown["reasons"])
        assert not STRAY.search(everything), (name, STRAY.search(everything), everything)
        # The whole rule is behind "Why", with every reason.
        assert rule.split(" Not met:")[0].strip().rstrip(".") in why, name
        assert shown["why_items"] == len(reasons), (name, shown["why_items"], reasons)
        # Each missed key point is on the page once: under "Key points you missed".
        for point in core:
            text = point.rstrip(".").replace("`", "")  # backticks become <code>
            assert everything.count(text) == 1, (name, text, everything.count(text))


def test_the_grader_joins_reasons_without_stray_punctuation() -> None:
    for name, rule, reasons, _ in cases():
        if name.endswith("grader"):
            assert not STRAY.search(rule), (name, rule)
            assert rule.count("Not met:") == (1 if reasons else 0), name
