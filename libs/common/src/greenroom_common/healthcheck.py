"""``python -m greenroom_common.healthcheck``: a container HEALTHCHECK without curl.

Exits 0 when the service's ``/healthz`` answers 2xx, 1 otherwise."""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('GREENROOM_PORT', '8000')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if 200 <= int(response.status) < 300 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
