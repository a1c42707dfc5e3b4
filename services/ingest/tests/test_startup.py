"""A service refuses to start with the example S3 credentials published in this repository
unless a local run says so; it never starts and quietly works with them in production."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from greenroom_common.config import InsecureSettings, Settings


def start_ingest(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GREENROOM_")}
    return subprocess.run([sys.executable, "-m", "greenroom_ingest"], env=clean | env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_example_secret_stops_a_service_at_start() -> None:
    result = start_ingest(GREENROOM_PORT="1")  # would fail later anyway: it must not get there
    assert result.returncode == 2, result.stderr[-2000:]
    assert "example credentials" in result.stderr
    assert "GREENROOM_ALLOW_EXAMPLE_CREDENTIALS=1" in result.stderr


@pytest.mark.parametrize(("secret", "allowed", "refused"), [
    ("greenroom-secret", False, True), ("minioadmin", False, True),
    ("REPLACE-WITH-S3-SECRET-KEY", False, True), ("greenroom-secret", True, False),
    ("a-real-secret-from-the-vault", False, False)])
def test_which_credentials_are_refused(secret: str, allowed: bool, refused: bool) -> None:
    settings = Settings(s3_secret_key=secret, allow_example_credentials=allowed)
    if refused:
        with pytest.raises(InsecureSettings):
            settings.refuse_example_credentials()
    else:
        settings.refuse_example_credentials()
