"""The interviewer's voice, gateway side: a question's audio is rendered once by the voice
service (``services/voice``, Piper, offline) and cached in object storage, not per view.

* Cache key ``voice/<voice-id>/<sha256(text)[:32]>.ogg`` (``.wav`` when the voice service
  has no ffmpeg). The voice id is part of the key, so another voice never serves the old
  voice's audio; the service names the voice it spoke (``X-Voice-Id``), and audio from a
  voice other than the configured one is returned but not cached (a forgotten
  ``GREENROOM_VOICE_ID`` costs renders, never a wrong voice).
* A miss calls ``POST <voice_url>/speech``; renders are bounded (``concurrency``, one at a
  time by default: the voice service renders one at a time anyway) and the whole wait for a
  render (queue + render + store) has a deadline. Requests that queued behind a render of
  the same text are served from the cache it just filled.
* No voice URL configured: :meth:`SpeechClient.speech` returns ``None`` and the route answers
  503, and the web app falls back on the browser's own speech synthesis. Object storage
  down: the audio is rendered and served uncached.

Standard library HTTP (``urllib`` in a worker thread, like :mod:`greenroom_common.storage`):
the gateway's environment has no async HTTP client, and one small call needs none. Proxies
from the environment and redirects are ignored: the voice URL is an internal address.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from greenroom_common.metrics import REGISTRY
from greenroom_common.storage import ObjectStore
from prometheus_client import Counter, Histogram

LOG = logging.getLogger("greenroom_gateway.speech")

DEFAULT_VOICE_ID = "en_US-joe-medium"
CACHE_PREFIX = "voice"
CACHE_CONTROL = "public, max-age=86400"
NO_VOICE = "no server voice; use the browser's speech synthesis"
MAX_AUDIO_BYTES = 8 * 1024 * 1024  # 600 characters are ~45 s: 140 kB of Opus, 2 MB of WAV
EXTENSIONS = {"audio/ogg": "ogg", "audio/wav": "wav"}

SPEECH_SERVED = Counter(
    "greenroom_speech_served_total",
    "Question audio requests by outcome: cached, rendered, unavailable (voice service down or "
    "too slow), no_voice (none configured).",
    ["outcome"], registry=REGISTRY,
)
RENDER_SECONDS = Histogram(
    "greenroom_speech_render_seconds", "Time the voice service took for one text (cache miss).",
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64), registry=REGISTRY,
)
for _outcome in ("cached", "rendered", "unavailable", "no_voice"):
    SPEECH_SERVED.labels(_outcome)


class VoiceUnavailable(Exception):
    """The voice service failed, refused the text or did not answer in time."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class Speech:
    audio: bytes
    content_type: str  # audio/ogg or audio/wav
    key: str  # where it is (or would be) cached
    cached: bool  # served from object storage


@dataclass(frozen=True)
class Rendered:
    """What the voice service answered."""

    audio: bytes
    content_type: str
    voice_id: str | None = None


Render = Callable[[str], Awaitable[Rendered]]
PromptOf = Callable[[str], Awaitable[str | None]]


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cache_key(voice_id: str, text: str, extension: str = "ogg") -> str:
    return f"{CACHE_PREFIX}/{voice_id}/{text_digest(text)}.{extension}"


def sniff(audio: bytes) -> str | None:
    """The audio's type from its first bytes (object storage here keeps no content type)."""
    if audio.startswith(b"OggS"):
        return "audio/ogg"
    if audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
        return "audio/wav"
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def http_render(voice_url: str, timeout_s: float) -> Render:
    """``POST <voice_url>/speech`` in a worker thread (abandoned at the deadline; the socket
    timeout ends the thread soon after)."""
    base = voice_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"GREENROOM_VOICE_URL must be an http(s) URL, not {voice_url!r}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def post(text: str) -> Rendered:
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            f"{base}/speech", data=json.dumps({"text": text}).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "audio/ogg"})
        try:
            with opener.open(request, timeout=timeout_s) as response:
                audio = response.read(MAX_AUDIO_BYTES + 1)
                content_type = response.headers.get_content_type()
                voice_id = response.headers.get("X-Voice-Id")
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode(errors="replace")
            raise VoiceUnavailable(f"the voice service answered {exc.code}: {detail}") from exc
        except TimeoutError as exc:
            raise VoiceUnavailable("the voice service did not answer in time",
                                   timed_out=True) from exc
        except (urllib.error.URLError, OSError) as exc:
            timed_out = isinstance(getattr(exc, "reason", None), TimeoutError)
            raise VoiceUnavailable(f"the voice service is unreachable: {exc}",
                                   timed_out=timed_out) from exc
        if len(audio) > MAX_AUDIO_BYTES:
            raise VoiceUnavailable(f"the voice service sent over {MAX_AUDIO_BYTES} bytes")
        return Rendered(audio, content_type, voice_id)

    async def render(text: str) -> Rendered:
        return await anyio.to_thread.run_sync(post, text, abandon_on_cancel=True)

    return render


class SpeechClient:
    """Question audio from the cache, or rendered by the voice service and cached."""

    def __init__(self, store: ObjectStore, voice_url: str | None, *,
                 voice_id: str = DEFAULT_VOICE_ID, timeout_s: float = 30.0,
                 concurrency: int = 1, render: Render | None = None) -> None:
        self.store = store
        self.voice_url = (voice_url or "").strip()
        self.voice_id = voice_id
        self.timeout_s = timeout_s
        self._slots = anyio.Semaphore(max(1, concurrency))
        self._render: Render | None = render
        if self._render is None and self.voice_url:
            self._render = http_render(self.voice_url, timeout_s)

    @classmethod
    def from_settings(cls, settings: Any, store: ObjectStore) -> SpeechClient:
        """From ``voice_url``, ``voice_id``, ``voice_timeout_s`` and ``voice_concurrency``
        (defaults where the settings lack them)."""
        return cls(store, getattr(settings, "voice_url", None) or None,
                   voice_id=getattr(settings, "voice_id", None) or DEFAULT_VOICE_ID,
                   timeout_s=float(getattr(settings, "voice_timeout_s", 30.0)),
                   concurrency=int(getattr(settings, "voice_concurrency", 1)))

    @property
    def enabled(self) -> bool:
        return self._render is not None

    def etag(self, text: str) -> str:
        return f'"{self.voice_id}-{text_digest(text)}"'

    async def cached(self, text: str) -> Speech | None:
        for extension in EXTENSIONS.values():
            key = cache_key(self.voice_id, text, extension)
            try:
                audio = await self.store.get_bytes(key)
            except Exception as exc:  # noqa: BLE001 - storage down: render instead
                LOG.warning("speech cache unreadable (%s): rendering without it", exc)
                return None
            content_type = sniff(audio) if audio else None
            if audio and content_type:
                return Speech(audio, content_type, key, cached=True)
        return None

    async def speech(self, text: str) -> Speech | None:
        """``text`` spoken by the server voice; ``None`` when no voice service is configured
        (the browser's speech synthesis is the fallback). Raises :class:`VoiceUnavailable`."""
        if self._render is None:
            return None
        hit = await self.cached(text)
        if hit is not None:
            SPEECH_SERVED.labels("cached").inc()
            return hit
        try:
            with anyio.fail_after(self.timeout_s):
                async with self._slots:
                    hit = await self.cached(text)  # rendered meanwhile by the call we waited on
                    if hit is not None:
                        SPEECH_SERVED.labels("cached").inc()
                        return hit
                    return await self._render_and_store(self._render, text)
        except TimeoutError as exc:
            SPEECH_SERVED.labels("unavailable").inc()
            raise VoiceUnavailable(f"no speech within {self.timeout_s:g} s",
                                   timed_out=True) from exc
        except VoiceUnavailable:
            SPEECH_SERVED.labels("unavailable").inc()
            raise

    async def _render_and_store(self, render: Render, text: str) -> Speech:
        started = anyio.current_time()
        rendered = await render(text)
        RENDER_SECONDS.observe(anyio.current_time() - started)
        content_type = sniff(rendered.audio)
        if content_type is None:
            raise VoiceUnavailable(f"the voice service sent {rendered.content_type}, "
                                   "not Ogg or WAV audio")
        key = cache_key(self.voice_id, text, EXTENSIONS[content_type])
        SPEECH_SERVED.labels("rendered").inc()
        if rendered.voice_id and rendered.voice_id != self.voice_id:
            LOG.error("the voice service speaks %s but GREENROOM_VOICE_ID is %s: set it, or "
                      "question audio is rendered on every request", rendered.voice_id,
                      self.voice_id)
            return Speech(rendered.audio, content_type, key, cached=False)
        try:
            await self.store.put_bytes(key, rendered.audio, content_type)
        except Exception as exc:  # noqa: BLE001 - serve it anyway; the next view renders again
            LOG.warning("speech not cached (%s)", exc)
        return Speech(rendered.audio, content_type, key, cached=False)


def _error(status: int, reason: str, message: str,
           headers: dict[str, str] | None = None) -> JSONResponse:
    # ``detail`` for the web app's fallback check, ``error`` in the API's usual shape.
    return JSONResponse({"detail": message, "error": {"reason": reason, "message": message}},
                        status_code=status, headers=headers)


def speech_router(prompt_of: PromptOf, client: SpeechClient) -> APIRouter:
    """``GET /api/questions/{question_id}/speech``: the question read aloud.

    200 audio (``audio/ogg``, or ``audio/wav``) cacheable for a day, 304 on a matching
    ``If-None-Match``; 404 unknown question; 503 no server voice configured; 502 voice
    service failed, 504 too slow (the web app falls back on speech synthesis on any of them).
    """
    router = APIRouter()

    @router.get(
        "/api/questions/{question_id}/speech", response_class=Response,
        summary="The question read aloud by the interviewer's voice",
        responses={
            200: {"content": {"audio/ogg": {}, "audio/wav": {}},
                  "description": "The question's prompt as speech (Opus in Ogg)."},
            404: {"description": "No such question."},
            502: {"description": "The voice service failed."},
            503: {"description": "No server voice: use the browser's speech synthesis."},
            504: {"description": "The voice service did not answer in time."},
        })
    async def question_speech(question_id: str, request: Request) -> Response:
        prompt = await prompt_of(question_id)
        if prompt is None:
            return _error(404, "not_found", "No such question.")
        if not client.enabled:
            SPEECH_SERVED.labels("no_voice").inc()
            return _error(503, "no_server_voice", NO_VOICE)
        etag = client.etag(prompt)
        headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        try:
            speech = await client.speech(prompt)
        except VoiceUnavailable as exc:
            LOG.warning("speech for question %s unavailable: %s", question_id, exc)
            status = 504 if exc.timed_out else 502
            return _error(status, "voice_unavailable",
                          "The interviewer's voice is unavailable right now; use the "
                          "browser's speech synthesis.", {"Retry-After": "30"})
        if speech is None:  # the voice URL was removed meanwhile
            return _error(503, "no_server_voice", NO_VOICE)
        return Response(speech.audio, media_type=speech.content_type, headers=headers)

    return router
