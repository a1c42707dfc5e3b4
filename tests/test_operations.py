"""What an operator relies on: health, metrics, the event-flow document, deploy manifests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from greenroom_common.contracts import Topic
from greenroom_local.platform import CORE as SERVICES
from greenroom_local.platform import LocalPlatform

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.platform
@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_healthy_and_exposes_its_metrics(platform: LocalPlatform,
                                                          service: str) -> None:
    assert httpx.get(f"{platform.url(service)}/healthz", timeout=10).status_code == 200
    metrics = httpx.get(f"{platform.url(service)}/metrics", timeout=10)
    assert metrics.status_code == 200
    for family in ("greenroom_events_consumed_total", "greenroom_events_produced_total",
                   "greenroom_events_failed_total", "greenroom_handler_seconds"):
        assert f"# TYPE {family.removesuffix('_total')}" in metrics.text, family


@pytest.mark.platform
def test_gateway_serves_the_asyncapi_document_of_the_flow(platform: LocalPlatform) -> None:
    document = httpx.get(f"{platform.url()}/asyncapi.json", timeout=10).json()
    assert set(document["channels"]) == {t.value for t in Topic}
    page = httpx.get(f"{platform.url()}/asyncapi", timeout=10)
    assert page.status_code == 200 and "Greenroom events" in page.text


@pytest.mark.platform
def test_web_page_and_api_reference_are_served(platform: LocalPlatform) -> None:
    assert "Greenroom" in httpx.get(platform.url(), timeout=10).text
    paths = httpx.get(f"{platform.url()}/openapi.json", timeout=10).json()["paths"]
    assert {"/api/questions", "/api/sessions", "/api/sessions/{session_id}/answers",
            "/api/answers/{answer_id}", "/api/sessions/{session_id}"} <= set(paths)


def _compose(*files: str) -> subprocess.CompletedProcess[str]:
    args = [arg for f in files for arg in ("-f", f)]
    return subprocess.run(["docker", "compose", *args, "config", "-q"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_docker_compose_accepts_the_stack_and_the_gpu_overlay() -> None:
    plain = _compose("docker-compose.yml")
    assert plain.returncode == 0, plain.stderr
    gpu = _compose("docker-compose.yml", "docker-compose.gpu.yml")
    assert gpu.returncode == 0, gpu.stderr


def test_compose_runs_every_service_and_prometheus_scrapes_them() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert set(SERVICES) <= set(compose["services"])
    assert {"kafka", "minio", "prometheus"} <= set(compose["services"])
    scrape = (REPO / "deploy" / "compose" / "prometheus.yml").read_text()
    for service in SERVICES:
        assert service in scrape


def test_kubernetes_manifests_parse_and_gpu_workers_request_a_gpu() -> None:
    docs = [d for path in sorted((REPO / "deploy" / "k8s").glob("*.yaml"))
            for d in yaml.safe_load_all(path.read_text()) if d]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(SERVICES) <= set(deployments)
    for name in ("transcribe", "vision"):
        limits = deployments[name]["spec"]["template"]["spec"]["containers"][0]["resources"]
        assert limits["limits"]["nvidia.com/gpu"] in (1, "1")
    scaled = {d["metadata"]["name"] for d in docs if d["kind"] == "ScaledObject"}
    assert {"transcribe", "vision"} <= {name.split("-")[0] for name in scaled}
