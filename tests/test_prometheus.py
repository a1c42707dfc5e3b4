"""Prometheus for real: a Prometheus server (Debian's package) scrapes the running platform.

Every service's target is up; every series of the README's "Metrics" exists for every service
that reports it, at 0 before any event where it is pre-initialised; the process series
(memory, CPU, open fds) are there for every service; the rules of deploy/prometheus/alerts.yml
load and evaluate without error; and every query of the provisioned Grafana dashboard returns
data after one answer.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from greenroom_local.platform import CORE as SERVICES
from greenroom_local.platform import LocalPlatform, free_port

from tests.support import media
from tests.support.client import Client

pytestmark = pytest.mark.platform

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = REPO / "deploy" / "compose" / "grafana" / "dashboards" / "greenroom.json"
WORKERS = ("ingest", "transcribe", "vision", "grader")
# What each worker consumes (libs/common's worker pre-initialises these series at start).
CONSUMES = {"ingest": {"answers.submitted"}, "transcribe": {"answers.ingested"},
            "vision": {"answers.ingested"},
            "grader": {"answers.submitted", "answers.transcribed", "answers.observed"}}
# Grafana's variables, as a 1 s scrape interval makes them.
GRAFANA_VARIABLES = {"$__rate_interval": "30s", "$__interval": "1s", "$__range": "5m"}


class Prometheus:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/query", params={"query": expr})
        body = response.json()
        assert body.get("status") == "success", (expr, body)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def wait(self, what: str, ok: Any, timeout_s: float = 60) -> Any:
        deadline = time.monotonic() + timeout_s
        last: Any = None
        while time.monotonic() < deadline:
            last = ok()
            if last:
                return last
            time.sleep(0.5)
        pytest.fail(f"Prometheus: {what} not seen within {timeout_s:.0f} s (last: {last!r})")


@pytest.fixture(scope="module")
def prometheus(platform: LocalPlatform, tmp_path_factory: pytest.TempPathFactory,
               ) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus missing: run `make setup` (scripts/setup/system.sh installs it)"
    work = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [{
            "job_name": "greenroom",
            "honor_labels": True,  # as deploy/compose/prometheus.yml
            "static_configs": [
                {"targets": [platform.url(name).removeprefix("http://")],
                 "labels": {"service": name}}
                for name in SERVICES
            ],
        }],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (work / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}",
         f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        server = Prometheus(f"http://127.0.0.1:{port}")

        def ready() -> bool:
            try:
                return server.http.get("/-/ready").status_code == 200
            except httpx.TransportError:
                assert proc.poll() is None, (work / "prometheus.log").read_text()
                return False

        server.wait("readiness", ready, 30)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _by_service(result: list[dict[str, Any]]) -> set[str]:
    return {r["metric"].get("service", "") for r in result}


def test_every_service_target_is_up(prometheus: Prometheus) -> None:
    def targets() -> dict[str, str]:
        body = prometheus.http.get("/api/v1/targets").json()
        found = {t["labels"]["service"]: t["health"] for t in body["data"]["activeTargets"]}
        return found if set(found.values()) == {"up"} and len(found) == len(SERVICES) else {}

    assert set(prometheus.wait("every target up", targets)) == set(SERVICES)
    up = prometheus.query('up{job="greenroom"} == 1')
    assert _by_service(up) == set(SERVICES)


def test_series_exist_from_the_start_and_processes_are_measured(
        prometheus: Prometheus) -> None:
    prometheus.wait("a first scrape of every service",
                    lambda: len(prometheus.query('up{job="greenroom"}')) == len(SERVICES))
    for family in ("process_resident_memory_bytes", "process_cpu_seconds_total",
                   "process_open_fds"):
        assert _by_service(prometheus.query(family)) == set(SERVICES), family
    for service in WORKERS:
        for family in ("greenroom_events_consumed_total", "greenroom_handler_seconds_count",
                       "greenroom_event_age_seconds_count"):
            topics = {r["metric"]["topic"]
                      for r in prometheus.query(f'{family}{{service="{service}"}}')}
            assert CONSUMES[service] <= topics, (service, family, topics)
        failed = prometheus.query(f'greenroom_events_failed_total{{service="{service}"}}')
        assert {"dead_lettered", "invalid_event"} <= {r["metric"]["reason"] for r in failed}
        dead = prometheus.query('greenroom_events_produced_total'
                                f'{{service="{service}", topic="greenroom.deadletter"}}')
        assert dead, f"{service}: no dead-letter counter before the first dead letter"
        assert prometheus.query(f'greenroom_in_flight{{service="{service}"}}'), service


def test_after_one_answer_every_readme_series_is_present(
        prometheus: Prometheus, client: Client, tmp_path: Path) -> None:
    video = media.face_video_with_speech(tmp_path / "answer.webm")
    session = client.session(["lf-02"])
    response = client.upload(session, "lf-02", video)
    assert response.status_code == 202, response.text
    answer = client.wait(session, response.json()["answer_id"])
    assert answer["status"] == "graded", answer

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    listed = sorted(set(re.findall(
        r"`((?:greenroom|faststream|process)_[a-z_]*\*?)(?:\{[a-z, ]*\})?`", section)))
    assert {"greenroom_events_consumed_total", "process_open_fds", "faststream_*"} <= set(
        listed), listed

    def present(name: str) -> list[dict[str, Any]]:
        if name.endswith("_*"):
            return prometheus.query(f'{{__name__=~"{name[:-1]}.+", job="greenroom"}}')
        family = name
        if name.startswith("greenroom_") and name.endswith("_seconds"):  # histograms
            family = f"{name}_count"
        return prometheus.query(family)

    for name in listed:
        prometheus.wait(f"series {name}", lambda name=name: present(name), 30)
    # The answer went through every stage, and each one's work shows.
    consumed = prometheus.query("sum by (service) (greenroom_events_consumed_total) > 0")
    assert _by_service(consumed) == set(WORKERS)
    inference = prometheus.query("greenroom_model_inference_seconds_count > 0")
    assert {"transcribe", "vision"} <= _by_service(inference)


def test_alerting_rules_load_and_evaluate_without_error(prometheus: Prometheus) -> None:
    def evaluated() -> list[dict[str, Any]]:
        groups = prometheus.http.get("/api/v1/rules").json()["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        never = "0001-01-01"
        return rules if rules and not any(r.get("lastEvaluation", never).startswith(never)
                                          for r in rules) else []

    rules = prometheus.wait("every rule evaluated", evaluated, 90)
    assert len(rules) == sum(len(g["rules"]) for g in yaml.safe_load(RULES.read_text())["groups"])
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []
    # Nothing is wrong with a healthy platform.
    firing = [a for r in rules if r["type"] == "alerting" for a in r.get("alerts", [])
              if a["state"] == "firing"]
    assert firing == []


def test_every_dashboard_query_returns_data(prometheus: Prometheus) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [(panel["title"], target["expr"]) for panel in dashboard["panels"]
               for target in panel.get("targets", [])]
    assert len(queries) >= 10
    for title, template in queries:
        expr = template
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        prometheus.wait(f"data for panel {title!r}: {expr}",
                        lambda expr=expr: prometheus.query(expr), 60)
