"""Prometheus metrics every service exposes on ``/metrics``.

One registry per process; FastStream's own middleware adds its ``faststream_*`` series to it.

Every series a service will report exists from its start, at 0 (:func:`initialise`): a rate,
an ``increase()`` or an alert on "more than 0 dead letters" needs the 0 before the first event,
and a dashboard must show 0 after a restart, not "no data". The process collectors add the
standard ``process_*`` series (resident memory, CPU seconds, open file descriptors) and
``python_info``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from greenroom_common.contracts import Topic

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

_LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320)

EVENTS_CONSUMED = Counter(
    "greenroom_events_consumed_total", "Events taken from a topic.", ["service", "topic"],
    registry=REGISTRY,
)
EVENTS_PRODUCED = Counter(
    "greenroom_events_produced_total", "Events published to a topic.", ["service", "topic"],
    registry=REGISTRY,
)
EVENTS_FAILED = Counter(
    "greenroom_events_failed_total",
    "Events that ended in a failure, by reason (rejected input, dead-lettered, …).",
    ["service", "topic", "reason"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "greenroom_handler_seconds", "Time to handle one event, end to end.", ["service", "topic"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
INFERENCE_SECONDS = Histogram(
    "greenroom_model_inference_seconds", "Model inference time per answer.", ["service", "model"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "greenroom_in_flight", "Events being handled right now.", ["service"], registry=REGISTRY,
)
EVENT_AGE = Histogram(
    "greenroom_event_age_seconds",
    "Age of an event when its handling starts (a lag signal that needs no broker access).",
    ["service", "topic"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "greenroom_http_requests_total", "HTTP requests answered.", ["service", "route", "status"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "greenroom_consumer_lag",
    "Events on a topic not yet committed by the service's consumer group (sum over partitions), "
    "as the broker sees it; -1 until first measured.",
    ["service", "topic"],
    registry=REGISTRY,
)
CONSUMER_MEMBERS = Gauge(
    "greenroom_consumer_group_members",
    "Members of the service's consumer group, as the broker sees it; -1 until first measured.",
    ["service"],
    registry=REGISTRY,
)
LAG_UPDATED = Gauge(
    "greenroom_consumer_lag_updated_timestamp_seconds",
    "When the consumer group's lag was last measured (Unix time).",
    ["service"],
    registry=REGISTRY,
)

# Failure reasons the shared worker itself records, whatever the service.
WORKER_FAILURE_REASONS = ("invalid_event", "transient", "dead_lettered")
# Topics every worker may publish to besides its own output.
WORKER_OUTPUTS = (Topic.FAILED.value, Topic.DEAD_LETTER.value)

log = logging.getLogger("greenroom.metrics")


def initialise(service: str, topics: Iterable[str], *, produces: Iterable[str] = (),
               reasons: Iterable[str] = (), lag_interval_s: float | None = 15.0,
               bootstrap: str | None = None) -> None:
    """Create at 0 every series ``service`` will report, before its first event.

    ``topics`` are the topics it consumes (none for the gateway), ``produces`` the topics it
    publishes to (a worker's failure and dead-letter topics are added), ``reasons`` its own
    failure reasons (the worker's are added). For a consuming service, a daemon thread also
    measures its consumer group's lag and members on the broker every ``lag_interval_s``
    (``None``: not at all)."""
    consumed = list(dict.fromkeys(topics))
    IN_FLIGHT.labels(service)
    for topic in consumed:
        EVENTS_CONSUMED.labels(service, topic)
        HANDLER_SECONDS.labels(service, topic)
        EVENT_AGE.labels(service, topic)
        for reason in dict.fromkeys((*WORKER_FAILURE_REASONS, *reasons)):
            EVENTS_FAILED.labels(service, topic, reason)
    outputs = (*produces, *(WORKER_OUTPUTS if consumed else ()))
    for topic in dict.fromkeys(outputs):
        EVENTS_PRODUCED.labels(service, topic)
    if consumed and lag_interval_s is not None:
        for topic in consumed:
            CONSUMER_LAG.labels(service, topic).set(-1)
        CONSUMER_MEMBERS.labels(service).set(-1)
        LAG_UPDATED.labels(service)
        if bootstrap is None:
            from greenroom_common.config import get_settings

            bootstrap = get_settings().kafka_bootstrap
        LagWatcher(service, f"greenroom-{service}", consumed, bootstrap, lag_interval_s).start()


class LagWatcher(threading.Thread):
    """Measures a consumer group's lag and membership on the broker, off the service's loop.

    What the broker says, not what the consumer believes: a stuck or absent consumer still
    shows as growing lag or zero members (as long as this process runs; ``up`` covers the
    rest)."""

    def __init__(self, service: str, group: str, topics: list[str], bootstrap: str,
                 interval_s: float) -> None:
        super().__init__(name=f"lag-{service}", daemon=True)
        self.service, self.group, self.topics = service, group, topics
        self.bootstrap, self.interval_s = bootstrap, interval_s

    def run(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        import time

        while True:
            try:
                lag, members = await self.measure()
                for topic, value in lag.items():
                    CONSUMER_LAG.labels(self.service, topic).set(value)
                CONSUMER_MEMBERS.labels(self.service).set(members)
                LAG_UPDATED.labels(self.service).set(time.time())
            except Exception as exc:  # noqa: BLE001 - the broker may be away; try again later
                log.debug("lag of %s not measured: %r", self.group, exc)
            await asyncio.sleep(self.interval_s)

    async def measure(self) -> tuple[dict[str, int], int]:
        from aiokafka import AIOKafkaConsumer, TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    request_timeout_ms=5000)
        await admin.start()
        try:
            await consumer.start()
            committed = await admin.list_consumer_group_offsets(self.group)
            described = await admin.describe_consumer_groups([self.group])
            partitions = [TopicPartition(topic, p) for topic in self.topics
                          for p in sorted(consumer.partitions_for_topic(topic) or ())]
            if not partitions:
                await consumer.topics()  # fetch metadata, then try again
                partitions = [TopicPartition(topic, p) for topic in self.topics
                              for p in sorted(consumer.partitions_for_topic(topic) or ())]
            ends = await consumer.end_offsets(partitions) if partitions else {}
        finally:
            await consumer.stop()
            await admin.close()
        lag = dict.fromkeys(self.topics, 0)
        for tp, end in ends.items():
            done = committed.get(tp)
            position = done.offset if done is not None and done.offset >= 0 else 0
            lag[tp.topic] += max(end - position, 0)
        return lag, _members(described)


def _members(described: list[object]) -> int:
    """Members of the one group of a DescribeGroups answer (any API version)."""
    for response in described:
        for group in getattr(response, "groups", ()):
            # (error_code, group_id, state, protocol_type, protocol, members, ...)
            return len(group[5])
    return 0
