"""deploy/k8s renders (`kubectl kustomize`, the kustomize built into kubectl, Debian's 1.20
included) and agrees with the services' own settings: ports, environment, probes, scaling;
the CPU overlay (deploy/k8s-cpu) patches it for nodes without GPUs. Needs no cluster."""

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


def render(folder: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl missing: run `make setup` (Debian's kubernetes-client)"
    result = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return render(REPO / "deploy" / "k8s")


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
    secrets = {d["metadata"]["name"]: d for d in yaml.safe_load_all(
        (REPO / "deploy" / "k8s" / "secret.example.yaml").read_text()) if d}
    assert set(secrets) == {f"greenroom-s3-{s}" for s in SERVICES} | {"greenroom-minio-admin"}
    for name, secret in secrets.items():
        if name == "greenroom-minio-admin":  # read by the minio-users Job only
            assert set(secret["stringData"]) == {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
        else:
            assert set(secret["stringData"]) == {"GREENROOM_S3_ACCESS_KEY",
                                                 "GREENROOM_S3_SECRET_KEY"}
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
    # Configuration from the shared ConfigMap, S3 credentials from the service's own Secret.
    sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert sources == {"greenroom-config", f"greenroom-s3-{service}"}
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


# -- NetworkPolicies ---------------------------------------------------------------------------

def policies(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: doc["spec"] for name, doc in by_kind(docs, "NetworkPolicy").items()}


def pod_labels(docs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The labels of every pod this kustomization creates (Deployments and Jobs)."""
    found: dict[str, dict[str, str]] = {}
    for kind in ("Deployment", "Job"):
        for name, doc in by_kind(docs, kind).items():
            found[name] = doc["spec"]["template"]["metadata"]["labels"]
    return found


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes' label-selector semantics (matchLabels and In/NotIn/Exists)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        value, op = labels.get(expression["key"]), expression["operator"]
        if op == "In" and value not in expression["values"]:
            return False
        if op == "NotIn" and value in expression["values"]:
            return False
        if op == "Exists" and value is None:
            return False
    return True


def selected(docs: list[dict[str, Any]], spec: dict[str, Any]) -> set[str]:
    return {name for name, labels in pod_labels(docs).items()
            if selects(spec["podSelector"], labels)}


def container_port(docs: list[dict[str, Any]], service: str, name: str = "http") -> int:
    container = by_kind(docs, "Deployment")[service]["spec"]["template"]["spec"][
        "containers"][0]
    return int(next(p["containerPort"] for p in container["ports"] if p["name"] == name))


def test_every_pod_is_denied_all_traffic_unless_a_policy_allows_it(
        rendered: list[dict[str, Any]]) -> None:
    deny = policies(rendered)["default-deny"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert not deny.get("ingress") and not deny.get("egress")
    # Only the gateway and the workers' metrics ports admit anything.
    ingress = {name: spec for name, spec in policies(rendered).items() if spec.get("ingress")}
    assert set(ingress) == {"gateway-ingress"} | {f"{w}-metrics" for w in CONSUMES}


def test_the_gateway_is_reachable_from_outside_on_http_and_grpc_only(
        rendered: list[dict[str, Any]]) -> None:
    spec = policies(rendered)["gateway-ingress"]
    assert selected(rendered, spec) == {"gateway"}
    (rule,) = spec["ingress"]
    assert "from" not in rule  # any source: its ingress controller or load balancer
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {
        ("TCP", container_port(rendered, "gateway")),
        ("TCP", container_port(rendered, "gateway", "grpc"))}


@pytest.mark.parametrize("service", sorted(CONSUMES))
def test_a_worker_admits_only_prometheus_on_its_metrics_port(
        rendered: list[dict[str, Any]], service: str) -> None:
    admitting = {name: spec for name, spec in policies(rendered).items()
                 if spec.get("ingress") and service in selected(rendered, spec)}
    assert set(admitting) == {f"{service}-metrics"}
    spec = admitting[f"{service}-metrics"]
    assert selected(rendered, spec) == {service}
    (rule,) = spec["ingress"]
    deployment = by_kind(rendered, "Deployment")[service]
    scraped = deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
    assert [(p["protocol"], p["port"]) for p in rule["ports"]] == [
        ("TCP", container_port(rendered, service))]
    assert str(rule["ports"][0]["port"]) == scraped
    (peer,) = rule["from"]
    assert peer["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"}
    # Prometheus' own labels, not ours: kustomize's commonLabels must not have touched it.
    assert selects(peer["podSelector"], {"app.kubernetes.io/name": "prometheus"})
    assert "matchLabels" not in peer["podSelector"]


def test_egress_is_dns_kafka_minio_and_the_graders_endpoint_only(
        rendered: list[dict[str, Any]]) -> None:
    specs = policies(rendered)
    egress = {name: spec for name, spec in specs.items() if "Egress" in spec["policyTypes"]}
    assert set(egress) == {"default-deny", "allow-dns", "allow-kafka", "allow-minio",
                           "grader-llm-egress"}
    dns = specs["allow-dns"]
    assert dns["podSelector"] == {}
    (rule,) = dns["egress"]
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}
    bootstrap_port = int(config_map(rendered)["GREENROOM_KAFKA_BOOTSTRAP"].rsplit(":", 1)[1])
    s3_port = int(config_map(rendered)["GREENROOM_S3_ENDPOINT"].rsplit(":", 1)[1])
    for name, port, namespace, extra in (
            ("allow-kafka", bootstrap_port, "kafka", "kafka-topics"),
            ("allow-minio", s3_port, "minio", "minio-users")):
        spec = specs[name]
        assert selected(rendered, spec) == set(SERVICES) | {extra}, name
        (rule,) = spec["egress"]
        assert [(p["protocol"], p["port"]) for p in rule["ports"]] == [("TCP", port)]
        (peer,) = rule["to"]
        assert peer == {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": namespace}}}
    # The only configurable egress: the grader's, empty until an operator fills it in.
    llm = specs["grader-llm-egress"]
    assert selected(rendered, llm) == {"grader"}
    assert llm["egress"] == []


# -- S3 credentials: one MinIO user per service ---------------------------------------------

def test_each_deployment_takes_s3_credentials_from_its_own_secret_only(
        rendered: list[dict[str, Any]]) -> None:
    deployments = by_kind(rendered, "Deployment")
    for service in SERVICES:
        container = deployments[service]["spec"]["template"]["spec"]["containers"][0]
        secrets = {ref["secretRef"]["name"] for ref in container["envFrom"]
                   if "secretRef" in ref}
        assert secrets == {f"greenroom-s3-{service}"}, service
        assert not [e for e in container.get("env", []) if "valueFrom" in e], service
    # No pod sees MinIO's admin but the provisioning Job.
    for kind in ("Deployment", "Job"):
        for name, doc in by_kind(rendered, kind).items():
            if "greenroom-minio-admin" in yaml.safe_dump(doc):
                assert (kind, name) == ("Job", "minio-users")


def test_the_minio_users_job_runs_the_shared_provisioning_files(
        rendered: list[dict[str, Any]]) -> None:
    job = by_kind(rendered, "Job")["minio-users"]
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert env["MINIO_ROOT_USER"] == {"name": "greenroom-minio-admin", "key": "MINIO_ROOT_USER"}
    for service in SERVICES:
        for part in ("ACCESS", "SECRET"):
            assert env[f"GREENROOM_{service.upper()}_S3_{part}_KEY"] == {
                "name": f"greenroom-s3-{service}", "key": f"GREENROOM_S3_{part}_KEY"}
    (mount,) = container["volumeMounts"]
    assert container["command"] == ["python", f"{mount['mountPath']}/provision.py"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (volume,) = pod["volumes"]
    paths = {item["key"]: item["path"] for item in volume["configMap"]["items"]}
    assert paths == {"provision.py": "provision.py",
                     **{f"{s}.json": f"policies/{s}.json" for s in SERVICES}}
    # The ConfigMap (name suffixed by kustomize) holds the very files compose mounts.
    data = by_kind(rendered, "ConfigMap")[volume["configMap"]["name"]]["data"]
    minio = REPO / "deploy" / "minio"
    assert data["provision.py"] == (minio / "provision.py").read_text()
    for service in SERVICES:
        assert data[f"{service}.json"] == (minio / "policies" / f"{service}.json").read_text()


def test_the_cpu_overlay_runs_the_model_workers_without_gpus_at_the_capacity_models_scale(
        rendered: list[dict[str, Any]]) -> None:
    cpu = render(REPO / "deploy" / "k8s-cpu")
    assert sorted((d["kind"], d["metadata"]["name"]) for d in cpu) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in rendered)  # the same objects, patched
    assert "nvidia.com/gpu" not in yaml.safe_dump_all(cpu)
    partitions = int(config_map(cpu)["GREENROOM_TOPIC_PARTITIONS"])
    ceilings = {}
    for name in GPU_WORKERS:
        pod = by_kind(cpu, "Deployment")[name]["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert not pod.get("tolerations")
        assert container["resources"]["requests"]["cpu"] == "2"  # the models' two threads
        assert not container["image"].endswith("-cuda"), container["image"]
        ceilings[name] = by_kind(cpu, "ScaledObject")[name]["spec"]["maxReplicaCount"]
    assert ceilings == {"transcribe": 29, "vision": 9}
    assert max(ceilings.values()) <= partitions
