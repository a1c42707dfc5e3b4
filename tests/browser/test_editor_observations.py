"""The coding editor in Chromium, with the real keyboard and clipboard: in a hiring-team
session it sends what it measured with the code (a paste from another page, the page left
for another tab; moving one's own code and quoting the question marked as such), never the
pasted text; in a
practice session it sends nothing at all. (The tab switch is the one thing emulated: see
``set_visibility``.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.offline import OfflineApp, offline_app, offline_browser

__all__ = ["offline_browser"]  # the fixture, imported for this module

PASTED = "def pairs(xs, target):\n    seen = {}\n    count = 0\n    for x in xs:\n" \
         "        count += seen.get(target - x, 0)\n        seen[x] = seen.get(x, 0) + 1\n" \
         "    return count\n"


@pytest.fixture
def app(offline_browser: Browser) -> Iterator[OfflineApp]:
    yield from offline_app(offline_browser)


def open_coding_question(app: OfflineApp) -> Page:
    page = app.page
    app.open()
    page.check("input[name='round'][value='coding']")
    page.fill("#count", "1")
    page.check("input[name='mode'][value='text']")
    page.click("#start-button")
    expect(page.locator("#code-form .CodeMirror")).to_be_visible()
    focus_editor_end(page)
    return page


def copy_from_another_page(page: Page, text: str) -> None:
    """Copy ``text`` with the keyboard on another page (the browser's clipboard is shared)."""
    other = page.context.new_page()
    other.set_content("<textarea id='elsewhere'></textarea>")
    other.fill("#elsewhere", text)
    other.focus("#elsewhere")
    other.keyboard.press("ControlOrMeta+A")
    other.keyboard.press("ControlOrMeta+C")
    other.close()


def copy_the_question(page: Page) -> str:
    """Select the question's text on the page and copy it, as a candidate quoting it."""
    page.evaluate("""() => {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById("question-text"));
        document.getSelection().removeAllRanges();
        document.getSelection().addRange(range);
    }""")
    page.keyboard.press("ControlOrMeta+C")
    return page.inner_text("#question-text")


def set_visibility(page: Page, state: str) -> None:
    """What the browser does when another tab comes in front or goes away. Headless Chromium
    never hides a page (each page is a window of its own), so the state is set and the event
    sent here, as the browser would."""
    page.evaluate("""state => {
        Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""", state)


def write_and_submit(page: Page, *, leave_for_s: float) -> str:
    """Type a line, move it with cut and paste, quote the question, paste a solution copied
    on another page, leave the page for another tab, come back and submit; the question."""
    page.keyboard.type("# counts pairs")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("ControlOrMeta+X")  # cut in the editor ...
    page.keyboard.press("ControlOrMeta+V")  # ... and put back: one's own text
    page.keyboard.press("Enter")
    prompt = copy_the_question(page)
    focus_editor_end(page)
    page.keyboard.press("ControlOrMeta+V")  # quoting the question: on this page
    page.keyboard.press("Enter")
    copy_from_another_page(page, PASTED)
    focus_editor_end(page)
    page.keyboard.press("ControlOrMeta+V")  # copied elsewhere
    set_visibility(page, "hidden")  # another tab in front
    page.wait_for_timeout(leave_for_s * 1000)
    set_visibility(page, "visible")
    page.click("#code-form button[type='submit']")
    expect(page.locator("#verdict")).to_be_visible()
    return prompt


def focus_editor_end(page: Page) -> None:
    page.locator("#code-form .CodeMirror-code").click()
    page.keyboard.press("ControlOrMeta+End")


def test_a_hiring_session_sends_pastes_and_pages_left_with_the_code(app: OfflineApp) -> None:
    app.api.observations = True
    page = open_coding_question(app)
    prompt = write_and_submit(page, leave_for_s=2.5)
    [form] = app.api.forms
    assert "seen[x] = seen.get(x, 0) + 1" in form["code"] and prompt in form["code"]
    events = json.loads(form["editor_events"])
    pastes = [e for e in events if e["kind"] == "paste"]
    assert [(e["from_page"], e["chars"]) for e in pastes] == [
        (True, len("# counts pairs")), (True, len(prompt)), (False, len(PASTED))], events
    assert pastes[2]["lines"] == PASTED.count("\n")
    [left] = [e for e in events if e["kind"] == "left_page"]
    assert left["away_s"] >= 2.5 and left["at_s"] >= pastes[2]["at_s"], events
    assert "seen" not in form["editor_events"]  # figures only, never the text


def test_a_practice_session_sends_no_editor_events(app: OfflineApp) -> None:
    page = open_coding_question(app)
    write_and_submit(page, leave_for_s=0.5)
    [form] = app.api.forms
    assert "editor_events" not in form and "seen[x]" in form["code"]
