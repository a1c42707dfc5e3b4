"""The interviewer on the whole platform, in Chromium with the fake camera and microphone:
the question is read aloud before recording opens (the platform's voice through the page's
<audio> element, or the browser's speech synthesis when the platform has no voice), its
caption stays on screen, and a typed answer to lf-01 that leaves out functools.wraps gets the
rubric's follow-up, whose answer the grader takes together with the first and lifts to a
pass, as the answer and session reports show."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from greenroom_local.platform import LocalPlatform
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PIPELINE_TIMEOUT_MS, Screens
from tests.conftest import WEB_ANSWER_LIMIT_S
from tests.support.answers import GRADER

pytestmark = pytest.mark.platform

PROBE = Path(__file__).with_name("voice_probe.js")
FIRST, FOLLOW_UP = GRADER.FOLLOW_UP_FIRST, GRADER.FOLLOW_UP_ANSWER


def wait_until(page: Page, expression: str, timeout_s: float = 60.0) -> None:
    """Polls from outside the page: its Content-Security-Policy refuses wait_for_function."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        page.wait_for_timeout(100)


def pin_questions(page: Page, question_ids: list[str]) -> None:
    """The session the start form creates asks exactly these questions (the API picks at
    random from a round otherwise)."""
    def handle(route: Route) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        body = json.loads(route.request.post_data or "{}")
        body["question_ids"] = question_ids
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/sessions", handle)


def start(page: Page, round_: str, count: int, mode: str) -> None:
    page.check(f"input[name='round'][value='{round_}']")
    page.fill("#count", str(count))
    page.check(f"input[name='mode'][value='{mode}']")
    page.click("#start-button")


def prompt_of(platform: LocalPlatform, qid: str) -> str:
    questions = httpx.get(f"{platform.url()}/api/questions", timeout=60).json()["questions"]
    prompt: str = next(q["prompt"] for q in questions if q["id"] == qid)
    return prompt


def server_voice(platform: LocalPlatform) -> bool:
    config: dict[str, Any] = httpx.get(f"{platform.url()}/config.json", timeout=60).json()
    return bool(config.get("server_voice"))


def test_the_question_is_read_aloud_before_recording_opens(
        camera_page: Page, platform: LocalPlatform, screens: Screens) -> None:
    page = camera_page
    voiced = server_voice(platform)
    if voiced:  # rendered once, then cached: a cold voice on a busy machine is not the point
        warm = httpx.get(f"{platform.url()}/api/questions/lf-02/speech", timeout=180)
        assert warm.status_code == 200 and warm.headers["content-type"].startswith("audio/")
    page.add_init_script(path=str(PROBE))
    page.reload()
    page.wait_for_selector("body[data-ready='1'][data-bank='1']")
    pin_questions(page, ["lf-02"])
    start(page, "fundamentals", 1, "video")
    page.click("#consent-agree")
    caption = page.locator("#question-text")
    expect(caption).to_have_text(prompt_of(platform, "lf-02").replace("`", ""))
    expect(caption).to_have_attribute("data-speaking", "true")
    expect(page.locator("#btn-start")).to_be_disabled()
    screens.shoot(page, "speaking")
    wait_until(page, "(() => { const b = document.querySelector('#btn-start');"
               " if (!b.disabled && !window.__enabledAt) window.__enabledAt = performance.now();"
               " return !!window.__enabledAt; })()")
    opened_at = page.evaluate("window.__enabledAt")
    media: list[dict[str, Any]] = page.evaluate("window.__media")
    spoken: list[dict[str, Any]] = page.evaluate("window.__spoken")
    if voiced:
        played = [e for e in media if e["src"].endswith("/api/questions/lf-02/speech")]
        assert {"playing", "ended"} <= {e["event"] for e in played}, media
        assert next(e["at"] for e in played if e["event"] == "ended") <= opened_at
        assert spoken == []
    else:
        assert spoken and spoken[0]["text"] == prompt_of(platform, "lf-02").replace("`", "")
        assert spoken[0]["ended"] is not None and spoken[0]["ended"] <= opened_at
    expect(caption).to_be_visible()
    expect(caption).not_to_have_attribute("data-speaking", "true")
    page.click("#btn-start")
    expect(page.locator("#rec-badge")).to_be_visible()
    # Two seconds of recording at least: a stop at once may record nothing at all.
    wait_until(page, "(() => { const [m, s] = document.querySelector('#countdown')"
               f".textContent.split(':').map(Number); return m * 60 + s <= "
               f"{WEB_ANSWER_LIMIT_S - 2}; }})()")
    page.click("#btn-stop")
    expect(page.locator("#btn-submit")).to_be_visible()


def test_a_follow_up_lifts_a_typed_answer_to_a_pass(
        camera_page: Page, platform: LocalPlatform, screens: Screens) -> None:
    page = camera_page
    page.add_init_script(path=str(PROBE))
    page.reload()
    page.wait_for_selector("body[data-ready='1'][data-bank='1']")
    pin_questions(page, ["lf-01"])
    start(page, "fundamentals", 1, "text")
    prompt = prompt_of(platform, "lf-01").replace("`", "")
    expect(page.locator("#question-text")).to_have_text(prompt)
    page.fill("#typed-text", FIRST)
    page.click("#typed-form button[type='submit']")
    expect(page.locator("#verdict")).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
    assert page.get_attribute("#verdict", "data-verdict") == "fail"
    # The offer: the rubric's question on the missed core point, and why it was asked.
    offer = page.locator("#follow-up-offer")
    expect(offer).to_be_visible()
    asked = page.inner_text("#follow-up-question")
    assert "name" in asked and "docstring" in asked, asked  # the rubric's point: wraps
    expect(page.locator("#follow-up-reason")).to_contain_text("core point")
    screens.shoot(page, "follow-up-offered")
    page.click("#btn-follow-up")
    # The room asks it: the caption, why, read by the browser's own voice (free text).
    expect(page.locator("#follow-up-intro")).to_be_visible()
    expect(page.locator("#question-text")).to_have_text(asked.replace("`", ""))
    expect(page.locator("#follow-up-why")).to_contain_text("core point")
    wait_until(page, "window.__spoken.length > 0")
    assert page.evaluate("window.__spoken.at(-1).text") == asked.replace("`", "")
    screens.shoot(page, "follow-up-room")
    page.fill("#typed-text", FOLLOW_UP)
    page.click("#typed-form button[type='submit']")
    # Graded with the first answer: a pass, marked as lifted by the follow-up.
    expect(page.locator("#answer-title")).to_have_text("Your answer to the follow-up on question 1")
    expect(page.locator("#verdict")).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
    assert page.get_attribute("#verdict", "data-verdict") == "pass"
    expect(page.locator("#follow-up-lifted")).to_be_visible()
    expect(page.locator("#exchange-reason")).to_contain_text("core point")
    screens.shoot(page, "follow-up-lifted")
    # The session report: the exchange, and the question passed.
    page.click("#btn-next")
    expect(page.locator("#session-report .verdict")).to_be_visible(timeout=PIPELINE_TIMEOUT_MS)
    exchange = page.locator("#follow-ups li.exchange[data-question='lf-01']")
    expect(exchange).to_have_attribute("data-lifted", "true", timeout=PIPELINE_TIMEOUT_MS)
    expect(exchange).to_contain_text(asked)
    row = page.locator("#answers-table tr[data-question='lf-01']")
    expect(row).to_contain_text("Pass")
    expect(row).to_contain_text("lifted by the follow-up")
    screens.shoot(page, "session-with-follow-up")
