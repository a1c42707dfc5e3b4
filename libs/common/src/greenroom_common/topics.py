"""Creates the platform's topics (idempotent). Partitions bound how far a consumer group
can scale: KEDA never runs more busy consumers than partitions.

Every producer is idempotent and waits for all in-sync copies (``acks=all``). With
``replication`` copies of each partition, a topic needs two of them in sync to take a write
(``min.insync.replicas``), so an acknowledged event survives the loss of any one broker;
with one copy (a single local broker) that rule cannot apply and is not set.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from greenroom_common.contracts import Topic

# Every producer's setting (workers and gateway): idempotent, so it waits for all in-sync
# copies (acks=all) and a send it retries is written once.
IDEMPOTENT_PRODUCERS = True


class TopicsRefused(RuntimeError):
    """The cluster refused to create a topic as configured (e.g. more copies than brokers)."""


def topic_configs(retention_hours: float | None, replication: int) -> dict[str, str]:
    """Every topic's settings: how long it keeps events, and how many copies take a write."""
    configs = {}
    if retention_hours:
        configs["retention.ms"] = str(int(retention_hours * 3600 * 1000))
    if replication > 1:
        configs["min.insync.replicas"] = str(min(2, replication))
    return configs


def _refused(response: object) -> list[str]:
    """The topics a CreateTopics response refused (an existing topic is not a refusal: a
    second creator raced this one). aiokafka returns these errors instead of raising."""
    refused = []
    for name, code, *message in getattr(response, "topic_errors", ()):
        if code and for_code(code) is not TopicAlreadyExistsError:
            detail = message[0] if message and message[0] else for_code(code).__name__
            refused.append(f"{name}: {detail}")
    return refused


async def ensure_topics(bootstrap: str, partitions: int, timeout_s: float = 120.0,
                        retention_hours: float | None = None, replication: int = 1,
                        names: Sequence[str] | None = None) -> None:
    """Create every topic of the flow (or ``names``) with ``replication`` copies of each
    partition, retrying until the broker answers or time runs out; with ``retention_hours``,
    every topic keeps its events that long (existing ones too).

    Raises ``TopicsRefused`` when the cluster refuses a topic: asking for three copies of a
    one-broker cluster fails here, loudly, not later as lost events."""
    configs = topic_configs(retention_hours, replication) or None
    deadline = time.monotonic() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            wanted = list(names) if names is not None else [t.value for t in Topic]
            missing = [name for name in wanted if name not in existing]
            if missing:
                response = await admin.create_topics(
                    [NewTopic(name, num_partitions=partitions, replication_factor=replication,
                              topic_configs=configs)
                     for name in missing]
                )
                refused = _refused(response)
                if refused:
                    raise TopicsRefused(
                        f"Kafka refused to create {len(refused)} topic(s) with "
                        f"{partitions} partitions and {replication} copies each: "
                        f"{'; '.join(refused)}. Set GREENROOM_TOPIC_REPLICATION to at most "
                        "the number of brokers.")
            if configs:
                await admin.alter_configs([
                    ConfigResource(ConfigResourceType.TOPIC, name, configs)
                    for name in wanted])
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
                              retention_hours=settings.topic_retention_hours,
                              replication=settings.topic_replication))


if __name__ == "__main__":
    main()
