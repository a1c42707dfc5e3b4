"""The interviewer speaks, and follows up, in Chromium against the fake API (offline.py):
each question is read aloud before the candidate can record (the server's voice through the
page's <audio> element, or the browser's speech synthesis when the platform has no voice or
its voice fails), its text stays on screen as the caption, "Read it myself" skips the voice
and lets the candidate start at once, and a follow-up goes round: offered with why it was
asked, spoken, answered, and shown lifting the verdict in the answer and session reports.
test_follow_up_in_browser.py runs the voice and a follow-up against the whole platform."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.offline import (
    BANK,
    FOLLOW_UP,
    OfflineApp,
    offline_app,
    offline_browser,
    offline_media_browser,
)
from tests.browser.webtools import assert_accessible

__all__ = ["offline_browser", "offline_media_browser"]  # the fixtures, for this module

PROBE = Path(__file__).with_name("voice_probe.js")
PROMPT = {q["id"]: q["prompt"] for q in BANK}


@pytest.fixture
def app(offline_browser: Browser) -> Iterator[OfflineApp]:
    for opened in offline_app(offline_browser):
        opened.page.add_init_script(path=str(PROBE))
        yield opened


@pytest.fixture
def media_app(offline_media_browser: Browser) -> Iterator[OfflineApp]:
    for opened in offline_app(offline_media_browser, media=True):
        opened.page.add_init_script(path=str(PROBE))
        yield opened


def start(page: Page, round_: str, count: int, mode: str) -> None:
    page.check(f"input[name='round'][value='{round_}']")
    page.fill("#count", str(count))
    page.check(f"input[name='mode'][value='{mode}']")
    page.click("#start-button")


def wait_until(page: Page, expression: str, timeout_s: float = 15.0) -> None:
    """Polls from outside the page: its Content-Security-Policy refuses wait_for_function."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        page.wait_for_timeout(50)


def media_events(page: Page) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = page.evaluate("window.__media")
    return events


def spoken(page: Page) -> list[dict[str, Any]]:
    said: list[dict[str, Any]] = page.evaluate("window.__spoken")
    return said


def speech_requests(app: OfflineApp) -> list[str]:
    return [r for r in app.api.requests if r.endswith("/speech")]


ENABLED_AT = ("(() => { const b = document.querySelector('#btn-start');"
              " if (!b.disabled && !window.__enabledAt) window.__enabledAt = performance.now();"
              " return !!window.__enabledAt; })()")


def test_the_server_voice_reads_the_question_before_recording(media_app: OfflineApp) -> None:
    app, page = media_app, media_app.page
    app.api.server_voice = True
    app.open()
    start(page, "fundamentals", 1, "video")
    page.click("#consent-agree")
    # The caption is on screen at once and marked as being spoken; recording waits.
    caption = page.locator("#question-text")
    expect(caption).to_have_text(PROMPT["lf-1"])
    expect(caption).to_be_visible()
    expect(caption).to_have_attribute("data-speaking", "true")
    expect(page.locator("#voice-state")).to_contain_text("reading the question aloud")
    expect(page.locator("#btn-start")).to_be_disabled()
    expect(page.locator("#rec-status")).to_contain_text("Listen to the question")
    assert_accessible(page, "room, the interviewer speaking")
    wait_until(page, ENABLED_AT)
    events = media_events(page)
    played = [e for e in events if e["src"].endswith("/api/questions/lf-1/speech")]
    assert {"playing", "ended"} <= {e["event"] for e in played}, events
    ended = next(e["at"] for e in played if e["event"] == "ended")
    assert ended <= page.evaluate("window.__enabledAt"), "recording opened before the voice ended"
    assert spoken(page) == []  # the server's voice, not the browser's
    expect(caption).not_to_have_attribute("data-speaking", "true")
    expect(caption).to_be_visible()  # the caption stays
    # Replay reads it again (not while recording), then recording opens again.
    page.click("#btn-replay")
    expect(page.locator("#btn-start")).to_be_disabled()
    expect(page.locator("#btn-start")).to_be_enabled()
    assert len(speech_requests(app)) >= 2
    page.click("#btn-start")
    expect(page.locator("#rec-badge")).to_be_visible()
    expect(page.locator("#btn-replay")).to_be_disabled()


@pytest.mark.parametrize("speech_status", [503, 502])
def test_without_a_working_server_voice_the_browser_speaks(
        app: OfflineApp, speech_status: int) -> None:
    page = app.page
    # 503: no server voice (as /config.json says); 502: it is configured but fails.
    app.api.server_voice = speech_status != 503
    app.api.speech_status = speech_status
    app.open()
    start(page, "fundamentals", 2, "text")
    expect(page.locator("#question-text")).to_have_text(PROMPT["lf-1"])
    wait_until(page, "window.__spoken.length > 0")
    assert spoken(page)[0]["text"] == PROMPT["lf-1"]
    expect(page.locator("#question-text")).to_have_attribute("data-speaking", "true")
    wait_until(page, "window.__spoken[0].ended !== null")
    expect(page.locator("#question-text")).not_to_have_attribute("data-speaking", "true")
    assert len(speech_requests(app)) == (0 if speech_status == 503 else 1)
    # Code in backticks is read as code, without the marks.
    page.fill("#typed-text", "A tuple is immutable and hashable.")
    page.click("#typed-form button[type='submit']")
    page.click("#btn-next")
    wait_until(page, "window.__spoken.length > 1")
    assert spoken(page)[1]["text"] == PROMPT["lf-2"].replace("`", "")


def test_read_it_myself_skips_the_voice_and_opens_recording_at_once(
        media_app: OfflineApp) -> None:
    app, page = media_app, media_app.page
    app.api.server_voice = True
    app.open()
    start(page, "fundamentals", 2, "video")
    page.click("#consent-agree")
    expect(page.locator("#question-text")).to_have_attribute("data-speaking", "true")
    # Switched on while the voice speaks: it stops, and recording opens at once.
    page.check("#read-myself")
    expect(page.locator("#question-text")).not_to_have_attribute("data-speaking", "true")
    expect(page.locator("#btn-start")).to_be_enabled()
    expect(page.locator("#countdown")).to_have_text("3:00")
    assert page.evaluate("localStorage.getItem('greenroom.read-myself.v1')") == "1"
    # The next question, and the next visit: no voice at all, recording ready at once.
    page.click("#switch-typed")
    page.fill("#typed-text", "A tuple is immutable and hashable.")
    page.click("#typed-form button[type='submit']")
    requests = len(speech_requests(app))
    page.click("#btn-next")
    expect(page.locator("#question-text")).to_have_text(PROMPT["lf-2"].replace("`", ""))
    expect(page.locator("#read-myself")).to_be_checked()
    expect(page.locator("#btn-start")).to_be_enabled()
    expect(page.locator("#countdown")).to_have_text("3:00")
    assert page.evaluate("document.querySelector('#question-text').dataset.speaking") is None
    page.wait_for_timeout(500)
    assert len(speech_requests(app)) == requests
    assert not [e for e in media_events(page) if e["event"] == "playing"
                and e["src"].endswith("/lf-2/speech")]
    assert spoken(page) == []
    # Replay still reads it once, on request.
    page.click("#btn-replay")
    wait_until(page, "window.__media.some((e) => e.event === 'playing'"
               " && e.src.endsWith('/lf-2/speech'))")
    # The choice is kept on this device.
    app.open()
    assert page.evaluate("document.querySelector('#read-myself').checked")


def test_a_follow_up_is_offered_asked_answered_and_shown_lifting_the_verdict(
        app: OfflineApp) -> None:
    page = app.page
    app.api.server_voice = True
    app.api.follow_ups = True
    page.add_init_script("window.__speechMs = 200;")
    app.open()
    start(page, "fundamentals", 2, "text")
    page.fill("#typed-text", "A list is mutable, so it cannot be a key.")
    page.click("#typed-form button[type='submit']")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "fail")
    # The offer: the question, why it was asked, the time; answer or skip.
    offer = page.locator("#follow-up-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("The interviewer asks a follow-up")
    expect(page.locator("#follow-up-question")).to_have_text(FOLLOW_UP["question"])
    why = f"Why it was asked: {FOLLOW_UP['reason']}"
    expect(page.locator("#follow-up-reason")).to_have_text(why)
    expect(page.locator("#follow-up-limit")).to_contain_text("1 min 30 s")
    assert_accessible(page, "answer report with a follow-up offered")
    page.click("#btn-follow-up")
    # The room asks it: the caption, why, spoken by the browser (it is not a bank question).
    expect(page.locator("#room-step")).to_contain_text("Follow-up on question 1 of 2")
    expect(page.locator("#follow-up-intro")).to_be_visible()
    expect(page.locator("#question-text")).to_have_text(FOLLOW_UP["question"])
    expect(page.locator("#follow-up-why")).to_contain_text(FOLLOW_UP["reason"])
    expect(page.locator("#typed-form")).to_be_visible()
    expect(page.locator("#typed-text")).to_have_value("")
    wait_until(page, f"window.__spoken.some((s) => s.text === {FOLLOW_UP['question']!r})")
    assert not [r for r in speech_requests(app) if r != "/api/questions/lf-1/speech"]
    assert_accessible(page, "room, follow-up")
    page.fill("#typed-text", "A tuple is hashable because it is immutable; a key's hash must "
                             "never change.")
    page.click("#typed-form button[type='submit']")
    # Its result, marked as lifting the verdict.
    expect(page.locator("#answer-title")).to_have_text("Your answer to the follow-up on question 1")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "pass")
    expect(page.locator("#follow-up-lifted")).to_have_text("Lifted the verdict to a pass")
    expect(page.locator("#exchange-question")).to_contain_text(FOLLOW_UP["question"])
    expect(page.locator("#follow-up-offer")).to_be_hidden()
    first, second = app.api.answers.values()
    assert second["follow_up_of"] == first["answer_id"]
    assert_accessible(page, "follow-up report")
    # Next question; then the session report shows the exchange.
    page.click("#btn-next")
    expect(page.locator("#room-step")).to_contain_text("Question 2 of 2")
    expect(page.locator("#follow-up-intro")).to_be_hidden()
    page.fill("#typed-text", "`is` compares identity.")
    page.click("#typed-form button[type='submit']")
    expect(page.locator("#follow-up-offer")).to_be_hidden()
    page.click("#btn-next")
    exchange = page.locator("#follow-ups li.exchange[data-question='lf-1']")
    expect(exchange).to_be_visible()
    expect(exchange).to_have_attribute("data-lifted", "true")
    expect(exchange).to_contain_text(FOLLOW_UP["question"])
    expect(exchange).to_contain_text(FOLLOW_UP["reason"])
    expect(exchange).to_contain_text("Lifted the verdict to a pass")
    row = page.locator("#answers-table tr[data-question='lf-1']")
    expect(row).to_contain_text("Pass")
    expect(row).to_contain_text("lifted by the follow-up")
    assert_accessible(page, "session report with a follow-up")
    # The follow-up's own report opens from the exchange.
    exchange.get_by_role("button", name="Open the report of the answer to the follow-up").click()
    expect(page.locator("#answer-title")).to_have_text("Your answer to the follow-up on question 1")
    expect(page.locator("#answer-question")).to_have_text(FOLLOW_UP["question"])


def test_a_follow_up_can_be_skipped(app: OfflineApp) -> None:
    page = app.page
    app.api.follow_ups = True
    app.open()
    start(page, "fundamentals", 1, "text")
    page.fill("#typed-text", "A list is mutable.")
    page.click("#typed-form button[type='submit']")
    expect(page.locator("#follow-up-offer")).to_be_visible()
    page.click("#btn-follow-up-skip")
    expect(page.locator("#follow-up-offer")).to_be_hidden()
    expect(page.locator("#btn-next")).to_be_focused()
    page.click("#btn-next")
    exchange = page.locator("#follow-ups li.exchange")
    expect(exchange).to_contain_text("Not answered")
    assert len(app.api.answers) == 1
