"""The web app's files: versioned URLs cached for good, plain ones revalidated, text sent
gzip-compressed with its own ETag, and the page naming its assets under the version."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from greenroom_gateway.webfiles import IMMUTABLE, REVALIDATE, WebFiles, WebVersion, index_response

SCRIPT = "export const answer = 42;\n" * 100


@pytest.fixture
def web(tmp_path: Path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text(SCRIPT)
    (tmp_path / "app.css").write_text("body { margin: 0 }\n")
    (tmp_path / "index.html").write_text(
        '<link rel="stylesheet" href="/static/app.css">'
        '<script type="module" src="/static/js/app.js"></script>' + "<p>page</p>" * 100)
    return tmp_path


def client(web: Path) -> tuple[TestClient, WebVersion]:
    app = FastAPI()
    version = WebVersion(web)

    @app.get("/")
    async def index(request: Request) -> Response:
        return index_response(web, version, request.headers)

    app.mount("/static", WebFiles(directory=web, version=version))
    return TestClient(app), version


def test_versioned_assets_are_cached_for_good_and_compressed(web: Path) -> None:
    http, version = client(web)
    page = http.get("/", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert page.headers["cache-control"] == REVALIDATE
    current = version.current()
    assert f'src="/static/{current}/js/app.js"' in page.text
    asset = http.get(f"/static/{current}/js/app.js", headers={"accept-encoding": "gzip, br"})
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert asset.headers["content-encoding"] == "gzip"
    assert asset.headers["vary"] == "accept-encoding"
    assert "javascript" in asset.headers["content-type"]
    assert asset.text == SCRIPT  # httpx decodes it
    assert int(asset.headers["content-length"]) < len(SCRIPT) / 10


def test_plain_urls_are_revalidated_and_answer_304(web: Path) -> None:
    http, _ = client(web)
    first = http.get("/static/js/app.js", headers={"accept-encoding": "gzip"})
    assert first.headers["cache-control"] == REVALIDATE
    tag = first.headers["etag"]
    assert tag.endswith('-gzip"')
    again = http.get("/static/js/app.js",
                     headers={"accept-encoding": "gzip", "if-none-match": tag})
    assert again.status_code == 304
    # The uncompressed body has its own tag: the gzip one does not match it.
    plain = http.get("/static/js/app.js",
                     headers={"accept-encoding": "identity", "if-none-match": tag})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.content == SCRIPT.encode()


def test_small_files_and_missing_ones(web: Path) -> None:
    http, version = client(web)
    css = http.get(f"/static/{version.current()}/app.css", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in css.headers  # too small to be worth it
    assert css.headers["cache-control"] == IMMUTABLE
    assert http.get("/static/nope.js").status_code == 404
    # An old version's URL still serves the current file, but only revalidated.
    old = http.get("/static/0123456789ab/js/app.js")
    assert old.status_code == 200 and old.headers["cache-control"] == REVALIDATE


def test_the_version_follows_the_files(web: Path) -> None:
    _, version = client(web)
    before = version.current()
    assert version.current() == before
    (web / "js" / "app.js").write_text(SCRIPT + "// changed\n")
    assert version.current() != before
