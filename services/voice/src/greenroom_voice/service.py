"""HTTP adapter of the voice (standard library only: the environment holds nothing else).

* ``POST /speech`` with ``{"text": "..."}``: 200 ``audio/ogg`` (Opus), or ``audio/wav`` when
  the request's ``Accept`` asks for it or no ffmpeg exists; 413 over ``max_chars``
  characters or a body over 16 kB; 422 empty text, not plain text, or not that JSON; 500 if
  encoding fails. Errors are ``{"detail": "..."}``.
* ``GET /healthz``: 200 ``{"status": "ok", "voice": ...}``; the voice is loaded (and warmed
  up) before the port opens, so a refused connection means "not ready yet".
* ``GET /metrics``: Prometheus text: renders, refusals by reason, render and audio seconds.

Responses carry ``X-Voice-Id`` and ``X-Audio-Seconds``. Renders run one at a time
(:class:`~greenroom_voice.synth.Voice` holds a lock); other calls are answered meanwhile.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from greenroom_voice.synth import (
    MAX_TEXT_CHARS,
    OGG,
    WAV,
    EncodingFailed,
    TextRejected,
    Voice,
    ffmpeg_path,
)

LOG = logging.getLogger("greenroom_voice")
DEFAULT_PORT = 8105
MAX_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class VoiceSettings:
    """``GREENROOM_*`` variables of the voice service (it has no greenroom-common)."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    model: Path | None = None  # None: the joe voice's model_path()
    threads: int = 2
    max_chars: int = MAX_TEXT_CHARS
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> VoiceSettings:
        env = dict(os.environ) if env is None else env
        model = env.get("GREENROOM_VOICE_MODEL", "").strip()
        return cls(
            host=env.get("GREENROOM_HOST", "127.0.0.1"),
            port=int(env.get("GREENROOM_PORT", "0") or 0) or DEFAULT_PORT,
            model=Path(model) if model else None,
            threads=int(env.get("GREENROOM_VOICE_THREADS", "2")),
            max_chars=int(env.get("GREENROOM_VOICE_MAX_CHARS", str(MAX_TEXT_CHARS))),
            log_level=env.get("GREENROOM_LOG_LEVEL", "INFO"),
        )


@dataclass
class Metrics:
    renders: int = 0
    render_s: float = 0.0
    audio_s: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def text(self, voice_id: str) -> str:
        with self.lock:
            lines = [
                "# HELP greenroom_voice_renders_total Texts rendered to speech.",
                "# TYPE greenroom_voice_renders_total counter",
                f'greenroom_voice_renders_total{{voice="{voice_id}"}} {self.renders}',
                "# HELP greenroom_voice_render_seconds_total Seconds spent rendering.",
                "# TYPE greenroom_voice_render_seconds_total counter",
                f"greenroom_voice_render_seconds_total {self.render_s:.6f}",
                "# HELP greenroom_voice_audio_seconds_total Seconds of speech rendered.",
                "# TYPE greenroom_voice_audio_seconds_total counter",
                f"greenroom_voice_audio_seconds_total {self.audio_s:.6f}",
                "# HELP greenroom_voice_refused_total Requests refused, by reason.",
                "# TYPE greenroom_voice_refused_total counter",
            ]
            lines += [f'greenroom_voice_refused_total{{reason="{reason}"}} {count}'
                      for reason, count in sorted(self.refused.items())]
        return "\n".join(lines) + "\n"


class VoiceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, settings: VoiceSettings, voice: Voice, ffmpeg: str | None) -> None:
        super().__init__((settings.host, settings.port), Handler)
        self.settings = settings
        self.voice = voice
        self.ffmpeg = ffmpeg
        self.metrics = Metrics()


class Handler(BaseHTTPRequestHandler):
    server: VoiceServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc: dict[str, Any]) -> None:
        self._send(status, json.dumps(doc).encode(), "application/json")

    def _refuse(self, status: HTTPStatus, reason: str, detail: str) -> None:
        with self.server.metrics.lock:
            self.server.metrics.refused[reason] += 1
        self._json(status, {"detail": detail})

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._json(200, {"status": "ok", "voice": self.server.voice.voice_id,
                             "sample_rate": self.server.voice.sample_rate,
                             "opus": self.server.ffmpeg is not None})
        elif path == "/metrics":
            body = self.server.metrics.text(self.server.voice.voice_id).encode()
            self._send(200, body, "text/plain; version=0.0.4")
        else:
            self._json(404, {"detail": "not found"})

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != "/speech":
            self._json(404, {"detail": "not found"})
            return
        text = self._read_text()
        if text is None:
            return
        try:
            speech = self.server.voice.render(text, self.server.settings.max_chars)
        except TextRejected as exc:
            status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE if exc.too_long \
                else HTTPStatus.UNPROCESSABLE_ENTITY
            self._refuse(status, "too_long" if exc.too_long else "not_speakable", str(exc))
            return
        wants_wav = "audio/wav" in self.headers.get("Accept", "") \
            or "audio/x-wav" in self.headers.get("Accept", "")
        try:
            if wants_wav or self.server.ffmpeg is None:
                body, content_type = speech.wav(), WAV
            else:
                body, content_type = speech.opus(self.server.ffmpeg), OGG
        except EncodingFailed as exc:
            LOG.error("encoding failed: %s", exc)
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "encoding", str(exc))
            return
        with self.server.metrics.lock:
            self.server.metrics.renders += 1
            self.server.metrics.render_s += speech.render_s
            self.server.metrics.audio_s += speech.duration_s
        LOG.info("rendered %d chars: %.2f s of speech in %.2f s (RTF %.3f), %d bytes %s",
                 len(text), speech.duration_s, speech.render_s, speech.real_time_factor,
                 len(body), content_type)
        self._send(200, body, content_type, {
            "X-Voice-Id": self.server.voice.voice_id,
            "X-Audio-Seconds": f"{speech.duration_s:.3f}",
        })

    def _read_text(self) -> str | None:
        """The request's ``text``, or ``None`` after answering the refusal."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "no_length", "send a Content-Length")
            return None
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the body is not read
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_long",
                         f"body of {length} bytes; at most {MAX_BODY_BYTES}")
            return None
        raw = self.rfile.read(length)
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            doc = None
        text = doc.get("text") if isinstance(doc, dict) else None
        if not isinstance(text, str):
            self._refuse(HTTPStatus.UNPROCESSABLE_ENTITY, "not_speakable",
                         'send JSON {"text": "..."} with the text to speak')
            return None
        return text


def build_server(settings: VoiceSettings) -> VoiceServer:
    """Load the voice, then bind: the port opens only once the voice can speak."""
    voice = Voice(settings.model, threads=settings.threads)
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        LOG.warning("no ffmpeg on PATH: speech is sent as WAV (about 15x larger than Opus)")
    server = VoiceServer(settings, voice, ffmpeg)
    LOG.info("voice %s loaded in %.2f s (%d threads); listening on %s:%d", voice.voice_id,
             voice.load_s, settings.threads, settings.host, server.server_port)
    return server


def main() -> None:
    settings = VoiceSettings.from_env()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = build_server(settings)

    def stop(_signum: int, _frame: object) -> None:
        # shutdown() waits for serve_forever() to return: call it from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        LOG.info("voice service stopped")
