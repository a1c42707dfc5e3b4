"""Lighthouse's mobile performance (a mid-range phone on a slow 4G network, simulated; an
empty cache) of the start page and of a session report, served by the real gateway: at least
95 each. `make bench-web` runs the same measurement on a smaller platform and prints it."""

from __future__ import annotations

import httpx
import pytest
from greenroom_local.platform import LocalPlatform

from tests.browser.webtools import LIGHTHOUSE_MIN_SCORE, describe, graded_session, measure_pages

pytestmark = pytest.mark.platform


def test_start_page_and_report_score_95_on_a_phone(platform: LocalPlatform) -> None:
    with httpx.Client(base_url=platform.url(), timeout=60) as http:
        sid, token = graded_session(http)
    results = measure_pages(platform.url(), sid, token)
    print(describe(results))
    for name, result in results.items():
        assert result["shows"], f"the {name} page did not show what it should: {result}"
        assert not result["runtime_error"], result
        assert result["score"] >= LIGHTHOUSE_MIN_SCORE, describe(results)
