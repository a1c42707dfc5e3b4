"""What the gateway serves for the web app, checked over HTTP: every asset the page names,
the deployment's settings, and the retention promise of the consent screen."""

from __future__ import annotations

import re

import pytest
from minio import Minio

from tests.conftest import WEB_ANSWER_LIMIT_S
from tests.support.client import Client

pytestmark = pytest.mark.platform


def test_page_and_every_asset_it_names_are_served(client: Client) -> None:
    page = client.http.get("/", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["content-encoding"] == "gzip"
    assert page.headers["cache-control"] == "no-cache"  # the page names the current version
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    version = re.fullmatch(r"/static/([0-9a-f]{12})/js/app.js",
                           next(a for a in assets if a.endswith("/js/app.js")))
    assert version, assets
    prefix = f"/static/{version[1]}"
    assert all(a.startswith(prefix) for a in assets), assets
    for asset in assets:
        answer = client.http.get(asset)
        assert answer.status_code == 200, asset
        # Versioned: cached for good; an update changes the version, so never a mix.
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable", asset
    # ES modules import each other by relative URL: follow the imports, under the version.
    modules = [f"{prefix}/js/app.js"]
    seen: set[str] = set()
    while modules:
        path = modules.pop()
        if path in seen:
            continue
        seen.add(path)
        source = client.http.get(path, headers={"accept-encoding": "gzip"})
        assert source.status_code == 200, path
        assert "javascript" in source.headers["content-type"], path
        assert source.headers.get("content-encoding") == "gzip", path
        modules += [f"{prefix}/js/{name}" for name in re.findall(
            r'from "\./([\w-]+\.js)"', source.text)]
    assert {f"{prefix}/js/{m}" for m in ("recorder.js", "report.js", "plots.js")} <= seen
    # The code editor is not named by the page: it loads for coding questions only.
    assert not any("codemirror" in a for a in assets)
    assert client.http.get(f"{prefix}/vendor/codemirror-5.65.21/codemirror.js").status_code == 200
    # Unversioned URLs still work, revalidated on every load.
    assert client.http.get("/static/js/app.js").headers["cache-control"] == "no-cache"


def test_config_carries_the_recording_limit(client: Client) -> None:
    config = client.http.get("/config.json").json()
    assert config["answer_limit_s"] == WEB_ANSWER_LIMIT_S
    assert config["retention_days"] == 30


def test_practice_sessions_expire_as_the_consent_screen_says(client: Client, s3: Minio) -> None:
    lifecycle = s3.get_bucket_lifecycle(client.platform.bucket)
    assert lifecycle is not None
    rules = {rule.rule_id: rule for rule in lifecycle.rules}
    rule = rules["greenroom-practice-retention"]
    assert rule.rule_filter is not None and rule.rule_filter.prefix == "media/public/"
    assert rule.expiration is not None and rule.expiration.days == 30
