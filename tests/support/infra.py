"""Where Kafka and MinIO come from in tests, chosen explicitly by ``GREENROOM_TEST_INFRA``:

* ``local`` (the default): local processes (shape 1 of DESIGN.md), no Docker needed;
* ``containers``: testcontainers, Kafka (KRaft) and MinIO as generic containers;
* ``compose``: the whole platform is docker compose's stack, already running, its published
  ports in ``GREENROOM_COMPOSE_PORTS`` (``make test-containers`` sets both).

Whether a Docker engine happens to answer never changes the route: a test run means the
same thing on every machine. Test bodies see the same platform either way.

Images: ``GREENROOM_KAFKA_IMAGE`` / ``GREENROOM_MINIO_IMAGE`` when set; otherwise the upstream
image if the engine has it, else the local build of ``make images`` (the same jars and binary
the local route runs) if the engine has that, else the upstream image, pulled.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from greenroom_local.platform import CORE, External, LocalPlatform

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

ROUTES = ("local", "containers", "compose")
KAFKA_VERSION = os.environ.get("KAFKA_VERSION", "4.3.1")
MINIO_VERSION = os.environ.get("MINIO_VERSION", "v0.0.0-20260212201848-7aac2a2c5b7c")
KAFKA_IMAGES = (f"apache/kafka:{KAFKA_VERSION}", f"greenroom-local/kafka:{KAFKA_VERSION}")
MINIO_IMAGES = ("minio/minio:RELEASE.2025-09-07T16-13-09Z",
                f"greenroom-local/minio:{MINIO_VERSION}")
ACCESS_KEY = "greenroom"
SECRET_KEY = "greenroom-secret"


def route() -> str:
    """The infrastructure route of this run (``GREENROOM_TEST_INFRA``, default ``local``)."""
    chosen = os.environ.get("GREENROOM_TEST_INFRA", "").strip() or "local"
    if chosen not in ROUTES:
        raise ValueError(f"GREENROOM_TEST_INFRA={chosen!r}: expected one of {', '.join(ROUTES)}")
    return chosen


def _testcontainers_defaults() -> None:
    """Settings testcontainers reads at import time, with defaults that work on a local engine.

    * Ryuk (the reaper) is an image pulled from a registry: off by default; every container
      here is removed by its context manager instead.
    * A ``/.dockerenv`` file (a CI sandbox) makes testcontainers believe it runs inside a
      container and hand out the bridge gateway's address; a local socket means the mapped
      ports are on this host.
    Anything set in the environment wins."""
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    docker_host = os.environ.get("DOCKER_HOST", "unix://")
    if docker_host.startswith("unix://"):
        os.environ.setdefault("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
        os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")


def pick_image(variable: str, candidates: tuple[str, ...]) -> str:
    """The variable's image, else the first candidate the engine has, else the first one."""
    if chosen := os.environ.get(variable):
        return chosen
    import docker
    from docker.errors import ImageNotFound

    client = docker.from_env()
    try:
        for image in candidates:
            try:
                client.images.get(image)
                return image
            except ImageNotFound:
                continue
    finally:
        client.close()
    return candidates[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kafka_container(image: str) -> tuple[DockerContainer, str]:
    """A single-node KRaft broker configured by ``KAFKA_*`` variables (apache/kafka's
    convention, which the local image follows too).

    The broker listens inside the container on the same port number it is published on, so the
    one advertised address (``127.0.0.1:<port>``) is right for clients on this host and for the
    broker itself; that port must therefore be fixed before start."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    port = _free_port()
    env = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENERS": f"PLAINTEXT://:{port},CONTROLLER://:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT",
        "CLUSTER_ID": "7M5stE9dRUODx-nhcEO-Jg",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_HEAP_OPTS": "-Xms256m -Xmx512m",
    }
    container = (
        DockerContainer(image)
        .with_envs(**env)
        .with_bind_ports(port, port)
        .waiting_for(LogMessageWaitStrategy("Kafka Server started"))
    )
    return container, f"127.0.0.1:{port}"


def minio_container(image: str) -> DockerContainer:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    return (
        DockerContainer(image)
        .with_envs(MINIO_ROOT_USER=ACCESS_KEY, MINIO_ROOT_PASSWORD=SECRET_KEY,
                   MINIO_BROWSER="off", MINIO_UPDATE="off")
        .with_command("server /data --address :9000")
        .with_exposed_ports(9000)
        .waiting_for(HttpWaitStrategy(9000, "/minio/health/ready"))
    )


@contextlib.contextmanager
def containers() -> Iterator[External]:
    """Kafka and MinIO as throwaway containers, removed on exit whatever happens."""
    _testcontainers_defaults()
    kafka, bootstrap = kafka_container(pick_image("GREENROOM_KAFKA_IMAGE", KAFKA_IMAGES))
    minio = minio_container(pick_image("GREENROOM_MINIO_IMAGE", MINIO_IMAGES))
    with kafka, minio:
        yield External(
            kafka_bootstrap=bootstrap,
            s3_endpoint=f"{minio.get_container_host_ip()}:{minio.get_exposed_port(9000)}",
            s3_access_key=ACCESS_KEY,
            s3_secret_key=SECRET_KEY,
        )


def compose_platform(data_dir: Path, extra_env: dict[str, str]) -> LocalPlatform:
    """The compose stack as the tests' platform: nothing is started here (``start()`` only
    makes sure topics and bucket exist), addresses are the stack's published ports."""
    spec = os.environ.get("GREENROOM_COMPOSE_PORTS", "")
    ports = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    missing = {"kafka", "minio", "grpc", *CORE} - set(ports)  # no server voice in compose
    if missing:
        raise ValueError(f"GREENROOM_COMPOSE_PORTS lacks {sorted(missing)}: run the compose "
                         "route through `make test-containers`")
    external = External(
        kafka_bootstrap=f"127.0.0.1:{ports['kafka']}",
        s3_endpoint=f"127.0.0.1:{ports['minio']}",
        s3_access_key=os.environ.get("GREENROOM_S3_ACCESS_KEY", ACCESS_KEY),
        s3_secret_key=os.environ.get("GREENROOM_S3_SECRET_KEY", SECRET_KEY),
    )
    return LocalPlatform(data_dir, ports={name: int(ports[name]) for name in CORE},
                         grpc_port=int(ports["grpc"]), services=(), external=external,
                         extra_env=extra_env)
