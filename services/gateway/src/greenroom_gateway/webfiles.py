"""Serving the web app's files: versioned URLs cached for good, compressed bodies.

There is no build step, so the version is computed here: a digest of every file of the web
app. The page (``/``, never cached without revalidation) names its assets under
``/static/<version>/``; a browser may keep those for a year without asking again, and since
ES modules import each other by relative URL, a page always runs one consistent set of modules,
old or new, never a mix (a file of an older version asked for later is served as it is today,
revalidated). Plain ``/static/<path>`` still works, revalidated on every load (ETag).

Text bodies (HTML, CSS, JavaScript, SVG, JSON) are sent gzip-compressed to browsers that accept
it, compressed once per file version and kept in memory: the whole app is well under a megabyte.
Brotli would save a little more but needs a compiled dependency; gzip is in the standard library.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS_BYTES = 512
VERSION = re.compile(r"[0-9a-f]{12}")


@lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:  # noqa: ARG001 - the cache key
    """One file's gzip body; the key includes its mtime and size, so an edit is picked up."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


class WebVersion:
    """The digest of the web app's files, recomputed only when a file's size or mtime changes
    (a cheap stat of a few dozen files per page load)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stamp: tuple[tuple[str, int, int], ...] = ()
        self._digest = ""

    def _files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def current(self) -> str:
        files = self._files()
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        if stamp != self._stamp:
            digest = hashlib.sha256()
            for path in files:
                digest.update(path.relative_to(self.root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
            self._digest, self._stamp = digest.hexdigest()[:12], stamp
        return self._digest


def accepts_gzip(headers: Headers) -> bool:
    return "gzip" in headers.get("accept-encoding", "").lower()


def encoded(headers: Headers, media_type: str, *, etag: str, cache_control: str,
            raw: Callable[[], bytes], gzipped: Callable[[], bytes] | None) -> Response:
    """A body, gzip-compressed when the browser accepts it (``gzipped`` given); ``304`` when
    the browser's copy (``If-None-Match``) is current. Each encoding has its own ETag."""
    compress = gzipped is not None and accepts_gzip(headers)
    tag = f'"{etag}-gzip"' if compress else f'"{etag}"'
    common = {"etag": tag, "cache-control": cache_control, "vary": "accept-encoding"}
    known = [t.strip().removeprefix("W/") for t in headers.get("if-none-match", "").split(",")]
    if tag in known:
        return Response(status_code=304, headers=common)
    if compress and gzipped is not None:
        return Response(gzipped(), media_type=media_type,
                        headers={**common, "content-encoding": "gzip"})
    return Response(raw(), media_type=media_type, headers=common)


def file_response(path: Path, media_type: str, headers: Headers, *, etag: str,
                  cache_control: str) -> Response:
    stat = path.stat()
    worth = media_type.startswith(COMPRESSIBLE) and stat.st_size >= MIN_COMPRESS_BYTES
    return encoded(headers, media_type, etag=etag, cache_control=cache_control,
                   raw=path.read_bytes,
                   gzipped=(lambda: _gzipped(str(path), stat.st_mtime_ns, stat.st_size))
                   if worth else None)


class WebFiles(StaticFiles):
    """The web app's files: ``/static/<version>/…`` cached for good, ``/static/…`` revalidated;
    text compressed."""

    def __init__(self, *, directory: Path, version: WebVersion) -> None:
        super().__init__(directory=directory)
        self.version = version

    async def get_response(self, path: str, scope: Scope) -> Response:
        head, _, rest = path.partition("/")
        prefixed = bool(rest) and VERSION.fullmatch(head) is not None
        # An older version's URL (a page loaded before an update) gets today's file, but
        # revalidated: only the current version may be cached for good.
        versioned = prefixed and head == self.version.current()
        response = await super().get_response(rest if prefixed else path, scope)
        if response.status_code != 200 or not hasattr(response, "path"):
            response.headers["cache-control"] = REVALIDATE
            return response
        file = Path(response.path)
        media_type = response.media_type or "application/octet-stream"
        etag = (response.headers.get("etag") or "").strip('"') or _stat_tag(file)
        return file_response(file, media_type, Headers(scope=scope), etag=etag,
                             cache_control=IMMUTABLE if versioned else REVALIDATE)


def _stat_tag(path: Path) -> str:
    stat = os.stat(path)
    return f"{stat.st_mtime_ns:x}-{stat.st_size:x}"


def index_response(web_dir: Path, version: WebVersion, headers: Headers) -> Response:
    """The page, its asset URLs under the current version; revalidated on every load."""
    current = version.current()
    page = (web_dir / "index.html").read_text(encoding="utf-8")
    body = page.replace('"/static/', f'"/static/{current}/').encode()
    return encoded(headers, "text/html; charset=utf-8",
                   etag=hashlib.sha256(body).hexdigest()[:16], cache_control=REVALIDATE,
                   raw=lambda: body, gzipped=lambda: gzip.compress(body, 9, mtime=0))
