"""The interviewer's voice on the gateway side: cache, fallbacks, the route.

The voice service is a fake (a callable, or a stdlib HTTP server on a free port); the last
test speaks to the real one, started from the voice environment, when it is built."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from greenroom_common.testing import MemoryStore
from greenroom_gateway.speech import (
    CACHE_CONTROL,
    NO_VOICE,
    Rendered,
    SpeechClient,
    VoiceUnavailable,
    cache_key,
    speech_router,
)

REPO = Path(__file__).resolve().parents[3]
PROMPTS = {"py-decorators": "What is a decorator in Python, and why use functools.wraps?",
           "py-gil": "What is the GIL?"}
OGG = b"OggS" + bytes(200)


async def prompt_of(question_id: str) -> str | None:
    return PROMPTS.get(question_id)


class FakeVoice:
    """Counts renders; answers Ogg after ``delay_s`` (or fails)."""

    def __init__(self, delay_s: float = 0.0, audio: bytes = OGG,
                 voice_id: str | None = "en_US-joe-medium") -> None:
        self.delay_s = delay_s
        self.audio = audio
        self.voice_id = voice_id
        self.texts: list[str] = []
        self.fail: VoiceUnavailable | None = None

    async def __call__(self, text: str) -> Rendered:
        self.texts.append(text)
        await asyncio.sleep(self.delay_s)
        if self.fail:
            raise self.fail
        return Rendered(self.audio, "audio/ogg", self.voice_id)


def app_with(client: SpeechClient) -> TestClient:
    app = FastAPI()
    app.include_router(speech_router(prompt_of, client))
    return TestClient(app)


def key_of(text: str, extension: str = "ogg") -> str:
    return f"voice/en_US-joe-medium/{hashlib.sha256(text.encode()).hexdigest()[:32]}.{extension}"


# -- the cache -------------------------------------------------------------------------

def test_cache_key_names_the_voice_and_the_texts_hash() -> None:
    assert cache_key("en_US-joe-medium", "What is the GIL?") == key_of("What is the GIL?")
    assert len(key_of("x").rsplit("/", 1)[1]) == 32 + len(".ogg")


def test_second_request_is_served_from_the_store_without_the_voice() -> None:
    store, voice = MemoryStore(), FakeVoice()
    with app_with(SpeechClient(store, "http://voice.invalid", render=voice)) as http:
        first = http.get("/api/questions/py-decorators/speech")
        second = http.get("/api/questions/py-decorators/speech")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == OGG
    assert first.headers["content-type"] == "audio/ogg"
    assert second.headers["cache-control"] == CACHE_CONTROL == "public, max-age=86400"
    assert voice.texts == [PROMPTS["py-decorators"]]  # rendered once
    key = key_of(PROMPTS["py-decorators"])
    assert store.objects[key] == OGG
    assert store.writes == {key: 1}


def test_concurrent_requests_for_one_question_render_it_once() -> None:
    store, voice = MemoryStore(), FakeVoice(delay_s=0.2)
    client = SpeechClient(store, "http://voice.invalid", render=voice)

    async def many() -> list[Any]:
        return await asyncio.gather(*(client.speech("What is the GIL?") for _ in range(5)))

    results = asyncio.run(many())
    assert [r.audio for r in results] == [OGG] * 5
    assert sum(not r.cached for r in results) == 1
    assert voice.texts == ["What is the GIL?"]


def test_wav_from_a_voice_without_ffmpeg_is_cached_as_wav() -> None:
    wav = b"RIFF\0\0\0\0WAVEfmt " + bytes(100)
    store, voice = MemoryStore(), FakeVoice(audio=wav)
    client = SpeechClient(store, "http://voice.invalid", render=voice)
    first = asyncio.run(client.speech("What is the GIL?"))
    second = asyncio.run(client.speech("What is the GIL?"))
    assert first is not None and second is not None
    assert (first.content_type, second.content_type) == ("audio/wav", "audio/wav")
    assert second.cached and second.key == key_of("What is the GIL?", "wav")
    assert len(voice.texts) == 1


def test_a_different_voice_is_served_but_never_cached_under_the_configured_id() -> None:
    store, voice = MemoryStore(), FakeVoice(voice_id="en_GB-someone-else")
    client = SpeechClient(store, "http://voice.invalid", render=voice)
    for _ in range(2):
        speech = asyncio.run(client.speech("What is the GIL?"))
        assert speech is not None and speech.audio == OGG
    assert store.objects == {}
    assert len(voice.texts) == 2


def test_storage_down_still_speaks() -> None:
    store, voice = MemoryStore(), FakeVoice()
    store.down = True
    speech = asyncio.run(SpeechClient(store, "http://voice.invalid", render=voice)
                         .speech("What is the GIL?"))
    assert speech is not None and speech.audio == OGG and not speech.cached


def test_not_audio_is_refused() -> None:
    client = SpeechClient(MemoryStore(), "http://voice.invalid",
                          render=FakeVoice(audio=b"<html>oops</html>"))
    with pytest.raises(VoiceUnavailable, match="not Ogg or WAV"):
        asyncio.run(client.speech("What is the GIL?"))


# -- fallbacks and errors ----------------------------------------------------------------

@pytest.mark.parametrize("url", [None, "", "  "])
def test_no_voice_url_means_the_browser_speaks(url: str | None) -> None:
    client = SpeechClient(MemoryStore(), url)
    assert not client.enabled
    assert asyncio.run(client.speech("What is the GIL?")) is None
    with app_with(client) as http:
        response = http.get("/api/questions/py-gil/speech")
    assert response.status_code == 503
    assert response.json()["detail"] == NO_VOICE == \
        "no server voice; use the browser's speech synthesis"


@pytest.mark.parametrize("url", [None, "http://voice.invalid"])
def test_unknown_question_is_404(url: str | None) -> None:
    voice = FakeVoice()
    client = SpeechClient(MemoryStore(), url, render=voice if url else None)
    with app_with(client) as http:
        response = http.get("/api/questions/no-such-question/speech")
    assert response.status_code == 404
    assert voice.texts == []


def test_a_slow_voice_answers_504_within_the_deadline() -> None:
    voice = FakeVoice(delay_s=5.0)
    client = SpeechClient(MemoryStore(), "http://voice.invalid", render=voice, timeout_s=0.3)
    started = time.monotonic()
    with app_with(client) as http:
        response = http.get("/api/questions/py-gil/speech")
    assert time.monotonic() - started < 3
    assert response.status_code == 504
    assert "speech synthesis" in response.json()["detail"]


def test_a_failing_voice_answers_502() -> None:
    voice = FakeVoice()
    voice.fail = VoiceUnavailable("the voice service answered 500: boom")
    with app_with(SpeechClient(MemoryStore(), "http://voice.invalid", render=voice)) as http:
        response = http.get("/api/questions/py-gil/speech")
    assert response.status_code == 502
    assert response.headers["retry-after"]


def test_etag_lets_the_browser_revalidate_without_a_body() -> None:
    voice = FakeVoice()
    with app_with(SpeechClient(MemoryStore(), "http://voice.invalid", render=voice)) as http:
        first = http.get("/api/questions/py-gil/speech")
        again = http.get("/api/questions/py-gil/speech",
                         headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_settings_are_read_where_they_exist() -> None:
    class Settings:
        voice_url = "http://127.0.0.1:8105"
        voice_id = "en_US-other"
        voice_timeout_s = 12.5

    client = SpeechClient.from_settings(Settings(), MemoryStore())
    assert client.enabled
    assert (client.voice_id, client.timeout_s) == ("en_US-other", 12.5)
    bare = SpeechClient.from_settings(object(), MemoryStore())
    assert not bare.enabled
    with pytest.raises(ValueError, match="http"):
        SpeechClient(MemoryStore(), "file:///etc/passwd")


# -- over HTTP --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeService(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *_args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeService.requests.append({"path": self.path, "body": body,
                                     "accept": self.headers["Accept"]})
        if len(body["text"]) > 600:
            self.send_response(413)
            payload = b'{"detail": "too long"}'
            self.send_header("Content-Type", "application/json")
        else:
            self.send_response(200)
            payload = OGG
            self.send_header("Content-Type", "audio/ogg")
            self.send_header("X-Voice-Id", "en_US-joe-medium")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def fake_service() -> Iterator[str]:
    FakeService.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_voice_service_is_called_over_http(fake_service: str) -> None:
    store = MemoryStore()
    client = SpeechClient(store, fake_service + "/")
    speech = asyncio.run(client.speech("What is the GIL?"))
    assert speech is not None and speech.audio == OGG
    assert FakeService.requests == [{"path": "/speech", "body": {"text": "What is the GIL?"},
                                     "accept": "audio/ogg"}]
    assert key_of("What is the GIL?") in store.objects
    with pytest.raises(VoiceUnavailable, match="413"):
        asyncio.run(client.speech("x" * 601))


def test_an_unreachable_voice_service_is_unavailable() -> None:
    client = SpeechClient(MemoryStore(), f"http://127.0.0.1:{free_port()}", timeout_s=5)
    with pytest.raises(VoiceUnavailable, match="unreachable"):
        asyncio.run(client.speech("What is the GIL?"))


def _voice_python() -> Path | None:
    envs = REPO / ".greenroom" / "envs.json"
    if not envs.exists():
        return None
    path = json.loads(envs.read_text()).get("voice")
    python = Path(path) / "bin" / "python" if path else None
    return python if python and python.exists() else None


@pytest.mark.skipif(_voice_python() is None, reason="voice environment not built")
def test_the_real_voice_renders_once_and_the_cache_serves_it(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "GREENROOM_PORT": str(port), "GREENROOM_VOICE_THREADS": "1",
           "PYTHONPATH": str(REPO / "services" / "voice" / "src")}
    log = tmp_path / "voice.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(_voice_python()), "-m", "greenroom_voice"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        store = MemoryStore()
        with app_with(SpeechClient(store, url, timeout_s=60)) as http:
            first = http.get("/api/questions/py-gil/speech")
            second = http.get("/api/questions/py-gil/speech")
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "audio/ogg"
        assert first.content.startswith(b"OggS") and first.content == second.content
        assert list(store.objects) == [key_of("What is the GIL?")]
    finally:
        proc.terminate()
        proc.wait(15)
