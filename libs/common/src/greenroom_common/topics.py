"""Creates the platform's topics (idempotent). Partitions bound how far a consumer group
can scale: KEDA never runs more busy consumers than partitions."""

from __future__ import annotations

import asyncio
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from greenroom_common.contracts import Topic


async def ensure_topics(bootstrap: str, partitions: int, timeout_s: float = 120.0,
                        retention_hours: float | None = None) -> None:
    """Create every topic of the flow, retrying until the broker answers or time runs out;
    with ``retention_hours``, every topic keeps its events that long (existing ones too)."""
    configs = {"retention.ms": str(int(retention_hours * 3600 * 1000))} \
        if retention_hours else None
    deadline = time.monotonic() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t.value for t in Topic if t.value not in existing]
            if missing:
                await admin.create_topics(
                    [NewTopic(name, num_partitions=partitions, replication_factor=1,
                              topic_configs=configs)
                     for name in missing]
                )
            if configs:
                await admin.alter_configs([
                    ConfigResource(ConfigResourceType.TOPIC, t.value, configs)
                    for t in Topic])
            return
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)
        finally:
            await admin.close()


def main() -> None:
    from greenroom_common.config import get_settings

    settings = get_settings()
    asyncio.run(ensure_topics(settings.kafka_bootstrap, settings.topic_partitions,
                              retention_hours=settings.topic_retention_hours))


if __name__ == "__main__":
    main()
