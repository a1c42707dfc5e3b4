"""The web app on a phone, measured by Lighthouse (npm, tests/browser/package.json) in
Debian's Chromium: mobile emulation, simulated slow 4G, an empty cache. Starts Kafka, MinIO,
the gateway and the grader (a typed answer needs no other service), grades one typed answer,
then audits the start page and that session's report. Exits non-zero when either scores
under 95 (the bar of tests/browser/test_lighthouse.py, which runs the same measurement).

Run: ``make bench-web``; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import httpx
from greenroom_local.platform import LocalPlatform

from tests.browser.webtools import LIGHTHOUSE_MIN_SCORE, describe, graded_session, measure_pages


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="write the Lighthouse figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-web-") as folder:
        platform = LocalPlatform.on_free_ports(Path(folder), services=("gateway", "grader"))
        platform.start()
        try:
            with httpx.Client(base_url=platform.url(), timeout=60) as http:
                sid, token = graded_session(http)
            results = measure_pages(platform.url(), sid, token)
        finally:
            platform.stop()
    print(describe(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    low = [name for name, r in results.items()
           if r["score"] < LIGHTHOUSE_MIN_SCORE or not r["shows"]]
    if low:
        print(f"under the bar of {LIGHTHOUSE_MIN_SCORE}: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
