"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright (the pip
wheel's driver; browsers are never downloaded), with a fake camera and microphone fed from
files built here. Screenshots of every screen land in .greenroom/screenshots/."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from greenroom_local.platform import LocalPlatform
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.fake_media import FakeDevices, build, build_silent
from tests.browser.webtools import assert_accessible

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / ".greenroom" / "screenshots"
# Generous: a loaded 2-core machine runs Whisper, deepface and the browser at once.
ACTION_TIMEOUT_MS = 60_000
PIPELINE_TIMEOUT_MS = 300_000


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: `make setup` installs Debian's chromium package "
                    "(scripts/setup/system.sh).")
    return found


@pytest.fixture(scope="session")
def fake_devices(tmp_path_factory: pytest.TempPathFactory) -> FakeDevices:
    return build(tmp_path_factory.mktemp("fake-devices"))


@pytest.fixture(scope="session")
def silent_devices(tmp_path_factory: pytest.TempPathFactory) -> FakeDevices:
    return build_silent(tmp_path_factory.mktemp("silent-devices"))


# Module scope, and the platform first: Playwright's sync API keeps an asyncio loop running
# in this thread while it lives, and asyncio.run() (the platform's start, other tests) refuses
# to run inside one.
@pytest.fixture(scope="module")
def playwright(platform: LocalPlatform) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def offline_driver() -> Iterator[Playwright]:
    """Playwright for the tests without the platform (offline.py): one per module, shared by
    its browsers (two sync drivers cannot run at once)."""
    with sync_playwright() as driver:
        yield driver


def launch(playwright: Playwright, devices: FakeDevices) -> Browser:
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True,
        args=[
            "--no-sandbox",  # tests may run as root (CI containers)
            "--disable-dev-shm-usage",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={devices.video}",
            f"--use-file-for-fake-audio-capture={devices.audio}",
            "--autoplay-policy=no-user-gesture-required",
        ])


@pytest.fixture(scope="module")
def browser(playwright: Playwright, fake_devices: FakeDevices) -> Iterator[Browser]:
    browser = launch(playwright, fake_devices)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def silent_browser(playwright: Playwright, silent_devices: FakeDevices) -> Iterator[Browser]:
    """A browser whose microphone hears only silence."""
    browser = launch(playwright, silent_devices)
    try:
        yield browser
    finally:
        browser.close()


class Screens:
    """Saves full-page screenshots named after the test, and runs axe-core on every screen
    shot: zero violations of any impact."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob(f"{self.prefix}-*.png"):
            old.unlink()
        self.count = 0

    def shoot(self, page: Page, name: str) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert_accessible(page, f"{self.prefix} {name}")
        return path


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    return Screens(request.node.name)


@contextlib.contextmanager
def app_page(browser: Browser, platform: LocalPlatform, *, camera: bool = True,
             width: int = 1200, height: int = 900) -> Iterator[Page]:
    """A fresh context (own storage, own permissions) on the app, closed afterwards; the
    test fails on any uncaught page error."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, base_url=platform.url(),
        permissions=["camera", "microphone"] if camera else [])
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/")
    page.wait_for_selector("body[data-ready='1'][data-bank='1']")  # the question bank is in
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def camera_page(browser: Browser, platform: LocalPlatform) -> Iterator[Page]:
    with app_page(browser, platform, camera=True) as page:
        yield page


@pytest.fixture
def silent_page(silent_browser: Browser, platform: LocalPlatform) -> Iterator[Page]:
    with app_page(silent_browser, platform, camera=True) as page:
        yield page


@pytest.fixture
def denied_page(browser: Browser, platform: LocalPlatform) -> Iterator[Page]:
    with app_page(browser, platform, camera=False) as page:
        yield page


@pytest.fixture
def phone_page(browser: Browser, platform: LocalPlatform) -> Iterator[Page]:
    with app_page(browser, platform, camera=False, width=360, height=740) as page:
        yield page
