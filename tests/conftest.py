"""Cross-service tests: the whole platform, real Kafka and MinIO, real models.

One platform is started per test session (services as processes on free ports, data in a
temporary folder) and stopped at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from greenroom_local.platform import LocalPlatform
from minio import Minio

from tests.support.client import Client
from tests.support.infra import compose_platform, containers, route

# Small enough to test quickly, large enough for the test videos.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
WEB_ANSWER_LIMIT_S = 12


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    data_dir = tmp_path_factory.mktemp("platform")
    env = {"GREENROOM_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES), "GREENROOM_LOG_LEVEL": "INFO",
           # The web app's countdown, shortened so a browser test sees it stop a recording.
           "GREENROOM_WEB_ANSWER_LIMIT_S": str(WEB_ANSWER_LIMIT_S),
           # Every test calls from 127.0.0.1: the per-address limits would be the whole
           # suite's (tests/test_security_edge.py checks them on a gateway of its own).
           "GREENROOM_LIMIT_REQUESTS_PER_IP_PER_MIN": "100000",
           "GREENROOM_LIMIT_SESSIONS_PER_IP_PER_MIN": "10000",
           "GREENROOM_LIMIT_ANSWERS_PER_IP_PER_MIN": "10000"}
    # GREENROOM_TEST_INFRA (tests/support/infra.py), never whether a Docker engine answers:
    # local (default): Kafka, MinIO and the services as local processes; containers: Kafka and
    # MinIO from testcontainers; compose: the stack `make test-containers` started.
    infra = route()
    with containers() if infra == "containers" else contextlib.nullcontext() as external:
        if infra == "compose":
            stack = compose_platform(data_dir, extra_env=env)
        else:
            stack = LocalPlatform.on_free_ports(data_dir, external=external, extra_env=env)
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
            _keep_logs(stack.log_dir)


def _keep_logs(log_dir: Path) -> None:
    """Leave the services' logs where CI and people look: .greenroom/test-logs."""
    target = Path(__file__).resolve().parents[1] / ".greenroom" / "test-logs"
    target.mkdir(parents=True, exist_ok=True)
    for log in log_dir.glob("*.log"):
        (target / log.name).write_bytes(log.read_bytes())


@pytest.fixture(scope="session")
def client(platform: LocalPlatform) -> Iterator[Client]:
    with httpx.Client(base_url=platform.url(), timeout=60) as http:
        yield Client(http, platform)


@pytest.fixture(scope="session")
def s3(platform: LocalPlatform) -> Minio:
    env = platform.service_env()
    return Minio(env["GREENROOM_S3_ENDPOINT"], access_key=env["GREENROOM_S3_ACCESS_KEY"],
                 secret_key=env["GREENROOM_S3_SECRET_KEY"], secure=False)
