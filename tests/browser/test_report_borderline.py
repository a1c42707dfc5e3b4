"""The reports' borderline marking, rendered by the real modules in Debian's Chromium from
fixed results: no platform needed, so it runs in seconds. A borderline verdict must say so
in text (a badge, the margin in words, what would tip it), not by colour alone."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from tests.browser.conftest import chromium_path

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "services" / "gateway" / "src" / "greenroom_gateway" / "web"
ORIGIN = "http://greenroom.test"
PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>report</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main id="out"></main>'
        '</body></html>')


def _serve(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        route.fulfill(body=PAGE, content_type="text/html")
        return
    file = (WEB / path.removeprefix("/static/")).resolve()
    if not path.startswith("/static/") or WEB not in file.parents or not file.is_file():
        route.fulfill(status=404)
        return
    kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
    route.fulfill(body=file.read_bytes(), content_type=kind or "application/octet-stream")


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 800})
            context.route(f"{ORIGIN}/**", _serve)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{ORIGIN}/")
            yield page
            assert not errors, errors
        finally:
            browser.close()


def _grade(question_id: str, verdict: str, score: float, **extra: Any) -> dict[str, Any]:
    return {"answer_id": f"a-{question_id}", "question_id": question_id, "verdict": verdict,
            "score": score, "rule": "Passes at 60 overall.",
            "dimensions": [{"name": "content", "score": score, "evidence": []}],
            "strengths": [], "improvements": [], **extra}


def _answer(question_id: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"answer_id": f"a-{question_id}", "session_id": "s1", "question_id": question_id,
            "mode": "text", "status": "graded", "stages": ["grade"], "result": result}


def _render(page: Page, kind: str, data: dict[str, Any]) -> None:
    page.evaluate("""async ([kind, data]) => {
      const m = await import("/static/js/report.js");
      const out = document.getElementById("out");
      out.textContent = "";
      out.append(kind === "answer"
        ? m.answerReport(data, {})
        : m.sessionReport(data, { questions: new Map(), openAnswer: () => {} }));
    }""", [kind, data])


def test_borderline_answer_shows_badge_margin_and_what_would_tip_it(page: Page) -> None:
    tip = "It is 3 points over the pass line on overall: a little less would fail it."
    _render(page, "answer", _answer("q1", _grade("q1", "pass", 63.2, margin=3.2,
                                                 borderline=True, tipping=[tip])))
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "pass"
    assert verdict.get_attribute("data-borderline") == "true"
    expect(verdict.locator(".verdict-word")).to_contain_text("Pass")  # still a pass
    expect(page.locator("#borderline-badge")).to_have_text("Borderline")
    expect(page.locator("#verdict-margin")).to_contain_text("3 points above the pass line")
    expect(page.get_by_role("list", name="What would turn it into a fail")).to_have_text(tip)


def test_clear_verdict_shows_its_margin_without_a_badge(page: Page) -> None:
    _render(page, "answer", _answer("q1", _grade("q1", "fail", 41.0, margin=-19.0)))
    expect(page.locator("#verdict-margin")).to_have_text("19 points below the pass line.")
    expect(page.locator("#borderline-badge")).to_have_count(0)
    assert page.locator("#verdict").get_attribute("data-borderline") is None
    # A grade from before margins existed shows neither.
    _render(page, "answer", _answer("q1", _grade("q1", "pass", 80.0)))
    expect(page.locator("#verdict-margin")).to_have_count(0)


def test_session_report_marks_the_borderline_answers(page: Page) -> None:
    view = {
        "session_id": "s1", "question_ids": ["q1", "q2", "q3"], "complete": True,
        "answers": [_answer("q1", _grade("q1", "pass", 80.0, margin=20.0)),
                    _answer("q2", _grade("q2", "fail", 58.6, margin=-1.4, borderline=True,
                                         tipping=["2 more points on overall would pass it."])),
                    _answer("q3", _grade("q3", "pass", 61.0, margin=1.0, borderline=True))],
        "report": {"session_id": "s1", "verdict": "pass", "score": 66.5,
                   "answers": {"q1": "a-q1", "q2": "a-q2", "q3": "a-q3"},
                   "rule": "Passes when most answers pass.", "borderline": ["q2", "q3"]},
    }
    _render(page, "session", view)
    rows = page.locator("#answers-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#answers-table tr[data-borderline='true']")).to_have_count(2)
    expect(rows.nth(0)).not_to_contain_text("Borderline")
    expect(rows.nth(1)).to_contain_text("Borderline")
    expect(rows.nth(1)).to_contain_text("1 point below the pass line")
    expect(rows.nth(2)).to_contain_text("1 point above the pass line")
    expect(page.locator("#borderline-note")).to_contain_text("questions #2 and #3")
