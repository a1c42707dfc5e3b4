"""The browser's side of issue 14 in Debian's Chromium (headless, Playwright's pip driver):
the response headers as the browser receives them, and the web app, /docs and /asyncapi
working under the Content-Security-Policy with no violation reported. The gateway is the
edge gateway of tests/support/edge.py (no workers: answers stay queued)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from greenroom_local.platform import LocalPlatform
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.support.edge import edge_gateway

pytestmark = pytest.mark.platform
TIMEOUT_MS = 60_000
# Registered before any page script: every CSP violation the page meets is kept.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with edge_gateway(tmp_path_factory.mktemp("edge-browser")) as stack:
        yield stack


# After the platform: Playwright's sync API keeps an asyncio loop running in this thread.
@pytest.fixture(scope="module")
def playwright(edge: LocalPlatform) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.fail("Chromium is missing: `make setup` installs Debian's chromium package.")
    browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def context(browser: Browser, edge: LocalPlatform) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=edge.url())
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(WATCH_CSP)
    try:
        yield context
    finally:
        context.close()


class Watched:
    """A page with what it reports: page errors, CSP console messages, request URLs."""

    def __init__(self, context: BrowserContext) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text)
                     if "Content Security Policy" in msg.text else None)
        self.page.on("request", lambda request: self.urls.append(request.url))

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__csp")
        return found + self.errors


def start(page: Page, count: int, mode: str) -> None:
    page.wait_for_selector("body[data-ready='1']")
    page.check("input[name='round'][value='mock']")
    page.fill("#count", str(count))
    page.check(f"input[name='mode'][value='{mode}']")
    page.click("#start-button")


def test_the_browser_gets_the_security_headers(context: BrowserContext) -> None:
    watched = Watched(context)
    response = watched.page.goto("/")
    assert response is not None
    headers = response.all_headers()
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=(self)" in headers["permissions-policy"]
    # The browser enforces them: an injected inline script does not run, and is reported.
    ran = watched.page.evaluate("""() => new Promise((resolve) => {
        const script = document.createElement("script");
        script.textContent = "window.__inline = true;";
        document.head.append(script);
        setTimeout(() => resolve(window.__inline === true), 200);
    })""")
    assert ran is False
    assert any(v.startswith("script-src") for v in watched.violations())


def test_the_web_app_works_under_the_policy(context: BrowserContext) -> None:
    watched = Watched(context)
    page = watched.page
    page.goto("/")
    start(page, 1, "text")
    expect(page.locator("#typed-form")).to_be_visible()
    # The live stream is open: read with fetch and the token in the Authorization header.
    page.wait_for_selector("body[data-live='open']")
    page.fill("#typed-text", "I would use a dict keyed by id, so lookups are O(1).")
    page.click("#typed-form button[type='submit']")
    expect(page.locator("#stages")).to_be_visible()
    history = page.evaluate("localStorage.getItem('greenroom.history.v1')")
    assert history and "token" in history  # the app still keeps its session
    assert not [u for u in watched.urls if "token=" in u], watched.urls
    assert any(u.endswith("/events") for u in watched.urls)
    assert watched.violations() == []


def test_the_consent_screen_says_when_the_link_expires(context: BrowserContext) -> None:
    watched = Watched(context)
    page = watched.page
    page.goto("/")
    start(page, 1, "video")
    expect(page.locator("#screen-consent")).to_be_visible()
    kept = page.inner_text("#screen-consent")
    assert "30 days" in kept and "7 days" in kept and "expires" in kept
    assert watched.violations() == []


def test_docs_and_asyncapi_render_under_the_policy(context: BrowserContext) -> None:
    watched = Watched(context)
    page = watched.page
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Greenroom")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    page.goto("/asyncapi")
    expect(page.locator("h3").first).to_be_visible()
    origin = page.url.split("/asyncapi")[0]
    assert all(u.startswith(origin) for u in watched.urls), watched.urls
    assert watched.violations() == []
