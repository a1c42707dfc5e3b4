"""The interviewer's voice through the running platform: the gateway serves each bank
question read aloud by the voice service, renders it once and then serves it from object
storage; an unknown question is a 404."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
from greenroom_gateway.speech import DEFAULT_VOICE_ID, cache_key
from greenroom_local.platform import LocalPlatform
from minio import Minio

from tests.support.infra import route

pytestmark = [pytest.mark.platform,
              pytest.mark.skipif(route() == "compose", reason="the compose stack provisions no "
                                 "server voice (optional: its runtime is GPL)")]


def test_a_question_is_spoken_once_and_then_served_from_storage(
        platform: LocalPlatform, s3: Minio, tmp_path: Path) -> None:
    assert httpx.get(f"{platform.url()}/config.json", timeout=10).json()["server_voice"]

    def cached() -> set[str]:
        return {o.object_name for o in s3.list_objects(platform.bucket, prefix="voice/",
                                                         recursive=True) if o.object_name}

    # Sessions draw questions at random, so an earlier test may have had this one spoken:
    # its cached audio is removed first, and the first request below must render it again.
    questions = httpx.get(f"{platform.url()}/api/questions", timeout=10).json()["questions"]
    [prompt] = [q["prompt"] for q in questions if q["id"] == "lf-26"]
    s3.remove_object(platform.bucket, cache_key(DEFAULT_VOICE_ID, prompt))
    before = cached()
    url = f"{platform.url()}/api/questions/lf-26/speech"
    started = time.monotonic()
    first = httpx.get(url, timeout=120)
    rendered_s = time.monotonic() - started
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("audio/")
    audio = tmp_path / "question.ogg"
    audio.write_bytes(first.content)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "csv=p=0", str(audio)], capture_output=True, text=True,
                           check=True, timeout=60)
    assert 3.0 < float(probe.stdout) < 30.0  # a one-sentence prompt, spoken
    [added] = cached() - before
    assert added == cache_key(DEFAULT_VOICE_ID, prompt)
    started = time.monotonic()
    again = httpx.get(url, timeout=60)
    assert again.content == first.content and time.monotonic() - started < rendered_s
    assert cached() - before == {added}  # served from storage, not rendered again
    assert httpx.get(url, headers={"if-none-match": first.headers["etag"]},
                     timeout=30).status_code == 304
    assert httpx.get(f"{platform.url()}/api/questions/nope-99/speech",
                     timeout=30).status_code == 404
