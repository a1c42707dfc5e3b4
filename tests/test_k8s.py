"""deploy/k8s renders (`kubectl kustomize`, the kustomize built into kubectl, Debian's 1.20
included) and agrees with the services' own settings: ports, environment, probes, scaling.
Needs no cluster."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from greenroom_common.config import Settings
from greenroom_common.contracts import Topic

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("gateway", "ingest", "transcribe", "vision", "grader")
# What each consuming service subscribes to (its consumer group is greenroom-<service>).
CONSUMES = {"ingest": [Topic.SUBMITTED], "transcribe": [Topic.INGESTED],
            "vision": [Topic.INGESTED],
            "grader": [Topic.SUBMITTED, Topic.TRANSCRIBED, Topic.OBSERVED, Topic.FAILED]}
GPU_WORKERS = ("transcribe", "vision")


def default_port(service: str) -> int:
    """The port the service listens on when GREENROOM_PORT is 0: its own __main__ says."""
    main = (REPO / "services" / service / "src" / f"greenroom_{service}" / "__main__.py")
    found = re.search(r"default_port=(\d+)", main.read_text())
    assert found, main
    return int(found.group(1))


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl missing: run `make setup` (Debian's kubernetes-client)"
    result = subprocess.run([kubectl, "kustomize", str(REPO / "deploy" / "k8s")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def config_map(docs: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = by_kind(docs, "ConfigMap")["greenroom-config"]["data"]
    return data


def env_names() -> set[str]:
    return {f"GREENROOM_{name.upper()}" for name in Settings.model_fields}


def test_everything_lands_in_one_namespace_with_the_part_of_label(
        rendered: list[dict[str, Any]]) -> None:
    for doc in rendered:
        if doc["kind"] == "Namespace":
            continue
        assert doc["metadata"].get("namespace") == "greenroom", doc["metadata"]
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "greenroom"


def test_configuration_names_only_settings_the_services_read(
        rendered: list[dict[str, Any]]) -> None:
    known = env_names()
    assert set(config_map(rendered)) <= known, set(config_map(rendered)) - known
    secret = yaml.safe_load((REPO / "deploy" / "k8s" / "secret.example.yaml").read_text())
    assert set(secret["stringData"]) <= known
    assert int(config_map(rendered)["GREENROOM_TOPIC_PARTITIONS"]) >= 1


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_ports_env_and_probes_match_the_service(
        rendered: list[dict[str, Any]], service: str) -> None:
    deployment = by_kind(rendered, "Deployment")[service]
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert set(env) - {"HOME"} <= env_names(), env
    # The port it listens on is the one declared, probed, scraped and served.
    port = int(env["GREENROOM_PORT"]) if env.get("GREENROOM_PORT") else default_port(service)
    assert port == default_port(service)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == port
    if service == "gateway":
        assert ports["grpc"] == Settings().grpc_port
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    # Configuration and credentials come from the shared ConfigMap and Secret.
    sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert sources == {"greenroom-config", "greenroom-s3"}
    # GREENROOM_HOST must let the kubelet and Prometheus reach the server.
    assert config_map(rendered)["GREENROOM_HOST"] == "0.0.0.0"
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == "/healthz", (probe, get)
        assert get["port"] in ("http", port), (probe, get)
    # The image's user is the pod's: runAsNonRoot can be verified without a passwd lookup.
    assert pod["spec"]["securityContext"]["runAsUser"] == 10001
    assert container["resources"]["requests"] and container["resources"]["limits"]
    service_doc = by_kind(rendered, "Service")[service]
    assert {p["targetPort"] for p in service_doc["spec"]["ports"]} <= set(ports) | set(
        ports.values())


@pytest.mark.parametrize("service", GPU_WORKERS)
def test_gpu_workers_scale_on_their_own_lag_within_the_partitions(
        rendered: list[dict[str, Any]], service: str) -> None:
    scaled = by_kind(rendered, "ScaledObject")[service]
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == service
    partitions = int(config_map(rendered)["GREENROOM_TOPIC_PARTITIONS"])
    assert 1 <= spec["maxReplicaCount"] <= partitions
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["consumerGroup"] == f"greenroom-{service}"
    assert meta["topic"] in {t.value for t in CONSUMES[service]}
    # The broker address comes from the Deployment's environment (the ConfigMap).
    assert meta["bootstrapServersFromEnv"] in config_map(rendered)
    assert meta["offsetResetPolicy"] == "earliest"  # as the worker's auto_offset_reset
    container = by_kind(rendered, "Deployment")[service]["spec"]["template"]["spec"][
        "containers"][0]
    assert str(container["resources"]["limits"]["nvidia.com/gpu"]) == "1"
    assert service not in by_kind(rendered, "HorizontalPodAutoscaler")  # KEDA owns it


@pytest.mark.parametrize("service", ("ingest", "grader"))
def test_cpu_consumers_never_outgrow_the_partitions(rendered: list[dict[str, Any]],
                                                    service: str) -> None:
    hpa = by_kind(rendered, "HorizontalPodAutoscaler")[service]
    partitions = int(config_map(rendered)["GREENROOM_TOPIC_PARTITIONS"])
    assert hpa["spec"]["maxReplicas"] <= partitions
