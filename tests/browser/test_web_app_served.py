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
    page = client.http.get("/")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert "/static/js/app.js" in assets
    for asset in assets:
        assert client.http.get(asset).status_code == 200, asset
    # ES modules import each other: follow the imports too.
    modules = ["/static/js/app.js"]
    seen: set[str] = set()
    while modules:
        path = modules.pop()
        if path in seen:
            continue
        seen.add(path)
        source = client.http.get(path)
        assert source.status_code == 200, path
        assert "javascript" in source.headers["content-type"], path
        assert source.headers["cache-control"] == "no-cache", path  # updates apply whole
        modules += [f"/static/js/{name}" for name in re.findall(r'from "\./([\w-]+\.js)"',
                                                                 source.text)]
    assert {"/static/js/recorder.js", "/static/js/report.js", "/static/js/plots.js"} <= seen


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
