"""Live events for watchers (the web app's SSE stream, gRPC ``WatchSession``).

Every gateway replica reads the answer topics without a consumer group, from the latest
offset, so each replica sees every event and fans it out to the watchers connected to it.
Watchers take a snapshot *after* subscribing, so no event falls between the two. A watch
ends (its queue yields ``None``) when its session is deleted through this replica; the
streams also re-check their session and key every ``GREENROOM_STREAM_RECHECK_S``, which
bounds how long a stream outlives a deletion or revocation made elsewhere.

Delivery through Kafka is at least once: a stage that dies after publishing publishes again
when its event is redelivered. A watch therefore passes each stage's event of an answer on
once (``news``), so a hiring team's client never counts an answer twice.
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

from greenroom_gateway.errors import Expired, NotFound
from greenroom_gateway.interviews import Interviews
from greenroom_gateway.tenancy import Caller, Tenancy, Unauthenticated

log = logging.getLogger("greenroom.gateway.live")

LIVE_TOPICS = (Topic.SUBMITTED, Topic.INGESTED, Topic.TRANSCRIBED, Topic.OBSERVED,
               Topic.GRADED, Topic.FAILED, Topic.SESSION_COMPLETED)
QUEUE_SIZE = 256
Item = tuple[Topic, Event] | None  # None: the watch is over
News = tuple[Topic, str]


def news(topic: Topic, event: Event) -> News:
    """What a live event tells a watcher: everything but its id and time, which differ
    between a publish and its repeat. A retake's new report, or a second stage's reason to
    fail an answer, is news; a stage publishing the same result again is not."""
    return topic, event.model_dump_json(exclude={"event_id", "occurred_at"})


async def still_open(interviews: Interviews, tenancy: Tenancy, caller: Caller,
                     session_id: str) -> bool:
    """May ``caller``'s stream of ``session_id`` go on? Not once the session is deleted or
    expired, nor once the caller's API key is revoked (asked of storage, not the cache)."""
    try:
        if caller.api_key is not None:
            await tenancy.resolve(caller.api_key, fresh=True)
        await interviews.session(session_id, caller)
    except (NotFound, Expired, Unauthenticated):
        return False
    return True


class LiveEvents:
    def __init__(self) -> None:
        # each watch's queue, with the news it has been given
        self._watchers: dict[str, dict[asyncio.Queue[Item], set[News]]] = defaultdict(dict)

    @contextlib.contextmanager
    def watch(self, session_id: str) -> Iterator[asyncio.Queue[Item]]:
        queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self._watchers[session_id][queue] = set()
        try:
            yield queue
        finally:
            self._watchers[session_id].pop(queue, None)
            if not self._watchers[session_id]:
                del self._watchers[session_id]

    def end(self, session_id: str) -> None:
        """End every watch of ``session_id`` on this replica (the session is gone)."""
        for queue in self._watchers.get(session_id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)

    def deliver(self, topic: Topic, event: Event) -> None:
        told = news(topic, event)
        for queue, seen in self._watchers.get(event.session_id, {}).items():
            if told in seen:
                continue
            seen.add(told)
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
