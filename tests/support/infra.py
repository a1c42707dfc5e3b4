"""Where Kafka and MinIO come from in tests: testcontainers when a Docker engine answers,
otherwise local processes (shape 1). Test bodies see the same platform either way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from greenroom_local.platform import External


def docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - no client, no socket, no engine: all mean "no"
        return False


@contextlib.contextmanager
def containers() -> Iterator[External]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.minio import MinioContainer

    with KafkaContainer("apache/kafka:4.3.1").with_kraft() as kafka, \
            MinioContainer("minio/minio:RELEASE.2025-09-07T16-13-09Z") as minio:
        config = minio.get_config()
        yield External(
            kafka_bootstrap=kafka.get_bootstrap_server(),
            s3_endpoint=config["endpoint"],
            s3_access_key=config["access_key"],
            s3_secret_key=config["secret_key"],
        )
