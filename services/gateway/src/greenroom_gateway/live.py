"""Live events for watchers (the web app's SSE stream, gRPC ``WatchSession``).

Every gateway replica reads the answer topics without a consumer group, from the latest
offset, so each replica sees every event and fans it out to the watchers connected to it.
Watchers take a snapshot *after* subscribing, so no event falls between the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterator

from faststream import AckPolicy
from faststream.kafka.fastapi import KafkaMessage, KafkaRouter
from greenroom_common.contracts import TOPIC_PAYLOADS, Event, Topic

log = logging.getLogger("greenroom.gateway.live")

LIVE_TOPICS = (Topic.SUBMITTED, Topic.INGESTED, Topic.TRANSCRIBED, Topic.OBSERVED,
               Topic.GRADED, Topic.FAILED, Topic.SESSION_COMPLETED)
QUEUE_SIZE = 256


class LiveEvents:
    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Queue[tuple[Topic, Event]]]] = defaultdict(set)

    @contextlib.contextmanager
    def watch(self, session_id: str) -> Iterator[asyncio.Queue[tuple[Topic, Event]]]:
        queue: asyncio.Queue[tuple[Topic, Event]] = asyncio.Queue(QUEUE_SIZE)
        self._watchers[session_id].add(queue)
        try:
            yield queue
        finally:
            self._watchers[session_id].discard(queue)
            if not self._watchers[session_id]:
                del self._watchers[session_id]

    def deliver(self, topic: Topic, event: Event) -> None:
        for queue in self._watchers.get(event.session_id, ()):
            if queue.full():  # a stalled watcher loses its oldest events, never blocks others
                queue.get_nowait()
            queue.put_nowait((topic, event))

    def subscribe(self, router: KafkaRouter) -> None:
        """Attach the fan-out consumer to the gateway's Kafka router."""

        async def on_event(message: KafkaMessage) -> None:
            topic = Topic(message.raw_message.topic)  # type: ignore[union-attr]
            try:
                event = TOPIC_PAYLOADS[topic].model_validate_json(message.body)
            except ValueError:
                return  # the pipeline's consumers dead-letter it; watchers just skip it
            if isinstance(event, Event):
                self.deliver(topic, event)

        router.subscriber(
            *(t.value for t in LIVE_TOPICS), group_id=None, auto_offset_reset="latest",
            ack_policy=AckPolicy.ACK_FIRST, include_in_schema=False,
        )(on_event)
