"""Every screen of the web app, against a fake API (offline.py): axe-core finds no violation
of any impact on any of them, a strict Content-Security-Policy refuses nothing, an answer's
report is drawn again however often it is reopened, the code editor loads only for coding
questions, and a link straight to a session report opens it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.offline import HISTORY_KEY, OfflineApp, offline_app, offline_browser
from tests.browser.webtools import assert_accessible

__all__ = ["offline_browser"]  # the fixture, imported for this module


@pytest.fixture
def app(offline_browser: Browser) -> Iterator[OfflineApp]:
    yield from offline_app(offline_browser)


@pytest.fixture
def phone(offline_browser: Browser) -> Iterator[OfflineApp]:
    yield from offline_app(offline_browser, width=320, height=640)


def start(page: Page, round_: str, count: int, mode: str) -> None:
    page.check(f"input[name='round'][value='{round_}']")
    page.fill("#count", str(count))
    page.check(f"input[name='mode'][value='{mode}']")
    page.click("#start-button")


def answer_typed(page: Page, text: str) -> None:
    page.fill("#typed-text", text)
    page.click("#typed-form button[type='submit']")
    expect(page.locator("#verdict")).to_be_visible()


def report_shown(page: Page) -> None:
    report = page.locator("#answer-report")
    expect(report).to_be_visible()
    expect(report.locator("#verdict")).to_be_visible()
    expect(report.locator("#dims-title")).to_be_visible()
    assert page.locator("#answer-report > *").count() > 0


def codemirror_requests(app: OfflineApp) -> list[str]:
    return [r for r in app.api.requests if "codemirror" in r]


def test_a_reopened_answer_report_is_drawn_again(app: OfflineApp) -> None:
    page = app.page
    app.open()
    start(page, "fundamentals", 2, "text")
    answer_typed(page, "A tuple is immutable, so its hash never changes.")
    report_shown(page)
    page.click("#btn-next")
    answer_typed(page, "`is` compares identity; `==` compares values.")
    page.click("#btn-next")  # the last one: on to the session report
    expect(page.locator("#session-verdict")).to_be_visible()
    # From the session report, the same answer twice, then the other one, then the first.
    for row in (0, 0, 1, 0):
        page.locator("#answers-table tbody tr").nth(row).get_by_role("button").click()
        report_shown(page)
        expect(page.locator("#answer-title")).to_have_text(f"Your answer to question {row + 1}")
        page.click("#btn-session")
        expect(page.locator("#session-verdict")).to_be_visible()


def test_every_screen_has_no_axe_violation(app: OfflineApp) -> None:
    page = app.page
    app.open()
    assert_accessible(page, "start")
    start(page, "fundamentals", 1, "video")
    expect(page.locator("#screen-consent")).to_be_visible()
    assert_accessible(page, "consent")
    page.click("#consent-typed")
    expect(page.locator("#typed-form")).to_be_visible()
    assert_accessible(page, "room, typed answer")
    answer_typed(page, "A tuple is immutable, so its hash never changes.")
    assert_accessible(page, "answer report")
    page.locator("#verdict-why summary").click()
    assert_accessible(page, "answer report, rule open")
    page.click("#btn-next")
    expect(page.locator("#session-verdict")).to_be_visible()
    assert_accessible(page, "session report")
    page.click("#nav-progress")
    expect(page.locator("#history-table")).to_be_visible()
    assert_accessible(page, "progress")
    page.click("#privacy-link")
    expect(page.locator("#screen-consent")).to_be_visible()
    assert_accessible(page, "privacy")
    page.click("#consent-back")
    page.click("#btn-new-2")
    start(page, "coding", 1, "text")
    expect(page.locator("#code-form .CodeMirror")).to_be_visible()
    assert_accessible(page, "room, coding question")


def one_typed_answer(page: Page) -> None:
    """A one-question typed session, answered, on to its session report."""
    start(page, "fundamentals", 1, "text")
    answer_typed(page, "A tuple is immutable.")
    page.click("#btn-next")


def test_the_code_editor_loads_only_for_coding_questions(app: OfflineApp) -> None:
    page = app.page
    app.open()
    one_typed_answer(page)
    expect(page.locator("#session-verdict")).to_be_visible()
    assert codemirror_requests(app) == []
    assert page.evaluate("typeof window.CodeMirror") == "undefined"
    page.click("#btn-new")
    start(page, "coding", 1, "text")
    expect(page.locator("#code-form .CodeMirror")).to_be_visible()
    expect(page.locator("#code-form .cm-keyword", has_text="def")).to_be_visible()
    assert any(r.endswith("codemirror.js") for r in codemirror_requests(app))


def test_the_delete_dialog_keeps_off_the_screen_edges(phone: OfflineApp) -> None:
    page = phone.page
    phone.open()
    one_typed_answer(page)
    page.click("#btn-delete-session")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 12 and box["x"] + box["width"] <= 320 - 12, box
    assert_accessible(page, "delete dialog at 320 px")
    page.click("#confirm-dialog button[value='cancel']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_no_id_is_used_twice_once_both_reports_are_drawn(app: OfflineApp) -> None:
    page = app.page
    app.open()
    one_typed_answer(page)
    expect(page.locator("#session-verdict")).to_be_visible()
    # The answer report is still in the page, hidden: ids must differ across both.
    duplicates = page.evaluate("""() => {
        const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
        return ids.filter((id, i) => ids.indexOf(id) !== i);
    }""")
    assert duplicates == []
    headers = page.locator("#answers-table th")
    for i in range(headers.count()):
        assert headers.nth(i).inner_text().strip() or headers.nth(i).text_content(), i


def test_a_link_to_a_session_report_opens_it_without_the_start_page(app: OfflineApp) -> None:
    page = app.page
    app.api.add_session("s9", ["lf-1"])
    app.api.add_answer("s9", "lf-1", "A tuple is immutable.")
    app.open()
    entry = {"session_id": "s9", "token": "token-s9", "started_at": "2026-01-01T00:00:00Z",
             "label": "Python fundamentals", "count": 1, "mode": "text"}
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [HISTORY_KEY, json.dumps([entry])])
    # Record what is painted: the start page must never show on the way to the report.
    page.add_init_script("""
        window.__startSeen = false;
        new MutationObserver(() => {
          const start = document.getElementById("screen-start");
          const onLink = location.hash.startsWith("#session/");
          if (onLink && start && start.checkVisibility()) window.__startSeen = true;
        }).observe(document, { subtree: true, childList: true, attributes: true });
    """)
    app.open("#session/s9")
    expect(page.locator("#session-verdict")).to_be_visible()
    expect(page.locator("#session-title")).to_be_focused()
    assert not page.evaluate("window.__startSeen")
    assert page.evaluate("document.documentElement.dataset.boot") is None
    assert_accessible(page, "session report from a link")
    # A link to a session this device does not have says so on the start page.
    app.open("#session/unknown")
    expect(page.locator("#start-error")).to_contain_text("not on this device")
