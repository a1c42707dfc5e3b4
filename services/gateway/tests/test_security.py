"""The edge's pure parts: rate buckets, upload slots and the spool budget, id checks, the
security headers, and the pinned assets of /docs (their HTTP and gRPC behaviour is tested
over real ports in tests/test_security_edge.py)."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from greenroom_common.config import Settings
from greenroom_gateway.limits import Busy, Limits, RateLimited, TokenBuckets, valid_id
from greenroom_gateway.security import (
    ASSETS_DIR,
    SWAGGER_UI,
    SecurityHeaders,
    asyncapi_page,
    swagger_page,
)


def test_buckets_refuse_past_the_rate_and_say_when_to_retry() -> None:
    buckets = TokenBuckets(per_minute=2, max_keys=10)
    buckets.take("a", "x")
    buckets.take("a", "x")
    with pytest.raises(RateLimited) as caught:
        buckets.take("a", "x")
    assert 0 < caught.value.retry_after_s <= 30 and caught.value.retry_after == "30"
    buckets.take("b", "x")  # per key


def test_buckets_forget_the_least_recent_keys_beyond_their_bound() -> None:
    buckets = TokenBuckets(per_minute=1, max_keys=3)
    for key in ("a", "b", "c", "d"):
        buckets.take(key, "x")
    assert list(buckets._buckets) == ["b", "c", "d"]


def test_uploads_are_capped_per_client_and_by_the_spool_budget() -> None:
    limits = Limits(Settings(max_concurrent_uploads_per_client=1,
                             upload_spool_budget_bytes=100))
    with limits.upload("1.2.3.4", 60):
        with pytest.raises(RateLimited), limits.upload("1.2.3.4", 1):
            pass
        with pytest.raises(Busy), limits.upload("5.6.7.8", 50):
            pass
        with limits.upload("5.6.7.8", 10) as spool:
            with pytest.raises(Busy):
                spool.grow(41)  # a gRPC upload grows its share as bytes arrive
            spool.grow(40)
            assert limits.spooled == 100
    assert limits.spooled == 0 and not limits._uploads


def test_unknown_keys_block_an_address_after_the_allowed_failures() -> None:
    limits = Limits(Settings(auth_failures_per_ip_per_min=2))
    limits.auth_blocked("9.9.9.9")
    limits.auth_failed("9.9.9.9")
    limits.auth_failed("9.9.9.9")
    with pytest.raises(RateLimited):
        limits.auth_blocked("9.9.9.9")
    limits.auth_blocked("8.8.8.8")


def test_ids_that_cannot_name_an_object_are_refused() -> None:
    assert valid_id("0f3c2a9e5b7d4c1e8a6b2d4f6e8a0c2e") and valid_id("lf-02")
    for odd in ("", "a" * 1100, "a\x00", "a\nb", "été", "../x", "a/b", " a"):
        assert not valid_id(odd), odd


def test_every_response_gets_the_headers_errors_included() -> None:
    app = FastAPI()

    @app.get("/number/{n}")
    async def number(n: int) -> int:
        return n

    app.add_middleware(SecurityHeaders)
    client = TestClient(app)
    for path in ("/number/x", "/missing", "/openapi.json", "/number/1"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY"
        assert headers["permissions-policy"].startswith("camera=(self), microphone=(self)")


def test_docs_assets_are_the_pinned_ones() -> None:
    folder = ASSETS_DIR / SWAGGER_UI
    sums = dict(reversed(line.split()) for line in
                (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, expected in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == expected, name
    page = swagger_page("Greenroom")
    assert re.findall(r'src="([^"]+)"', page) == [
        f"/docs-assets/{SWAGGER_UI}/swagger-ui-bundle.js", "/docs-assets/docs.js"]


def test_asyncapi_page_is_plain_html_and_escapes_the_document() -> None:
    page = asyncapi_page({"asyncapi": "3.0.0", "info": {"title": "<b>x</b>"},
                          "channels": {"answers.submitted": {"messages": {}}}})
    assert "<script" not in page and "&lt;b&gt;" in page and "answers.submitted" in page


def test_an_unexpected_error_still_carries_the_security_headers() -> None:
    app = FastAPI()
    app.add_middleware(SecurityHeaders)  # inside Starlette's error middleware, as in create_app

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    inner = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert inner.status_code == 500 and "content-security-policy" not in inner.headers
    served = TestClient(SecurityHeaders(app), raise_server_exceptions=False).get("/boom")
    assert served.status_code == 500
    assert served.headers["x-frame-options"] == "DENY"
    assert "default-src" in served.headers["content-security-policy"]
