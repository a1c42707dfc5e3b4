"""Browser security of the gateway's origin: response headers on every answer, and the
API documentation pages served without third-party scripts.

The origin keeps practice-session tokens in the browser's storage, so it runs only its own
scripts: the Content-Security-Policy allows scripts, styles and connections to ``'self'``
and nothing inline (the web app has no build step and needs none). Recordings are played
back from ``blob:`` URLs; plots and icons may be ``data:`` images.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_DIR = Path(__file__).parent / "docs_assets"
SWAGGER_UI = "swagger-ui-5.35.0"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode(), value.encode()) for name, value in (
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("permissions-policy", "camera=(self), microphone=(self), geolocation=(), "
                               "payment=(), usb=(), display-capture=()"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ))
_NAMES = {name for name, _ in HEADERS}


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response (API, web app, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _NAMES]
                message["headers"] = headers + list(HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def swagger_page(title: str) -> str:
    base = f"/docs-assets/{SWAGGER_UI}"
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(title)} — API</title>
  <link rel="stylesheet" href="{base}/swagger-ui.css">
  <script src="{base}/swagger-ui-bundle.js" defer></script>
  <script src="/docs-assets/docs.js" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>
"""


def _schema_block(value: Any) -> str:
    return f"<pre>{html.escape(json.dumps(value, indent=2))}</pre>"


def asyncapi_page(document: dict[str, Any]) -> str:
    """The AsyncAPI document as plain HTML (no script at all): servers, then each channel
    with its messages and their payload schemas."""
    info = document.get("info", {})
    parts = [f"<h1>{html.escape(str(info.get('title', 'Events')))} "
             f"<small>{html.escape(str(info.get('version', '')))}</small></h1>",
             f"<p>{html.escape(str(info.get('description', '')))}</p>",
             '<p>The machine-readable document: <a href="/asyncapi.json">asyncapi.json</a> '
             f"(AsyncAPI {html.escape(str(document.get('asyncapi', '')))}).</p>",
             "<h2>Servers</h2><ul>"]
    for name, server in document.get("servers", {}).items():
        parts.append(f"<li><code>{html.escape(name)}</code>: "
                     f"{html.escape(str(server.get('host', server.get('url', ''))))} "
                     f"({html.escape(str(server.get('protocol', '')))})</li>")
    parts.append("</ul><h2>Channels</h2>")
    messages = document.get("components", {}).get("messages", {})
    schemas = document.get("components", {}).get("schemas", {})
    for name, channel in document.get("channels", {}).items():
        address = channel.get("address", name)
        parts.append(f'<section><h3 id="{html.escape(name)}"><code>'
                     f"{html.escape(str(address))}</code></h3>")
        if channel.get("description"):
            parts.append(f"<p>{html.escape(str(channel['description']))}</p>")
        for message_name, ref in channel.get("messages", {}).items():
            target = ref.get("$ref", "").rsplit("/", 1)[-1]
            message = messages.get(target, ref)
            payload = message.get("payload", {})
            schema_name = payload.get("$ref", "").rsplit("/", 1)[-1]
            parts.append(f"<h4>{html.escape(message_name)}</h4>")
            parts.append(_schema_block(schemas.get(schema_name, payload)))
        parts.append("</section>")
    body = "\n".join(parts)
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(str(info.get('title', 'Events')))} — events</title>
  <link rel="stylesheet" href="/docs-assets/asyncapi.css">
</head>
<body>
{body}
</body>
</html>
"""


def add_docs(app: FastAPI, asyncapi: dict[str, Any]) -> None:
    """``/docs`` (Swagger UI from ``docs_assets``) and ``/asyncapi`` (plain HTML)."""
    page = asyncapi_page(asyncapi)

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(swagger_page(app.title))

    app.mount("/docs-assets", StaticFiles(directory=ASSETS_DIR), name="docs-assets")
