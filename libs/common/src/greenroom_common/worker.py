"""The thin Kafka adapter every pipeline service shares.

A service registers one handler per topic; the worker turns that into a FastStream
subscriber with the platform's delivery rules:

* at-least-once: offsets are committed only after the handler returned, that is after its
  result was stored and its event published; a crash before that redelivers the event;
* one subscriber for all of a service's topics, so one answer's events (same key, same
  partition index) are handled one at a time and a join never races with itself;
* bad input (:class:`Rejected`) becomes the answer's recorded outcome, never a retry;
* an unexpected error is retried ``max_attempts`` times, then the event goes to the
  dead-letter topic with its error and the answer is recorded as failed, so a poison event
  neither blocks the partition nor disappears;
* ``/metrics`` and ``/healthz`` are served beside the consumer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.asgi.types import Scope
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import make_asgi_app
from pydantic import BaseModel, ValidationError

from greenroom_common.config import Settings, get_settings
from greenroom_common.contracts import AnswerFailed, DeadLetter, Event, Stage, Topic
from greenroom_common.documents import FailureDoc
from greenroom_common.errors import Rejected
from greenroom_common.keys import AnswerKeys, session_doc
from greenroom_common.metrics import (
    EVENT_AGE,
    EVENTS_CONSUMED,
    EVENTS_FAILED,
    EVENTS_PRODUCED,
    HANDLER_SECONDS,
    IN_FLIGHT,
    REGISTRY,
)
from greenroom_common.storage import ObjectStore

E = TypeVar("E", bound=Event)
D = TypeVar("D", bound=BaseModel)
log = logging.getLogger("greenroom")

INTERNAL_ERROR_MESSAGE = (
    "We could not process this answer because of an internal error. It has been kept for "
    "an operator to look at; please record the answer again later."
)


@dataclass(frozen=True)
class Route:
    model: type[Event]
    stage: Stage
    handler: Callable[[Any], Awaitable[None]]


class Worker:
    """One pipeline service: its broker, its store, its routes."""

    def __init__(self, name: str, settings: Settings | None = None) -> None:
        self.name = name
        self.settings = settings or get_settings()
        self.store = ObjectStore(self.settings)
        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap,
            client_id=f"greenroom-{name}",
            graceful_timeout=120.0,
            middlewares=(
                KafkaPrometheusMiddleware(registry=REGISTRY, app_name=f"greenroom-{name}"),
            ),
        )
        self.routes: dict[str, Route] = {}
        self._startup: list[Callable[[], Awaitable[None]]] = [self.store.ensure_bucket]

    # -- registration -------------------------------------------------------------------

    def route(
        self, topic: Topic, model: type[E], stage: Stage
    ) -> Callable[[Callable[[E], Awaitable[None]]], Callable[[E], Awaitable[None]]]:
        def register(handler: Callable[[E], Awaitable[None]]) -> Callable[[E], Awaitable[None]]:
            self.routes[topic.value] = Route(model, stage, handler)
            return handler

        return register

    def on_startup(self, fn: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        self._startup.append(fn)
        return fn

    async def once(self, key: str, model: type[D], compute: Callable[[], Awaitable[D]]) -> D:
        """A stage's stored result, computed and stored first when absent.

        This is the idempotency rule of every stage: a redelivered or duplicated event finds
        the stored document and re-announces it instead of producing a second result. The
        document is written last, so its presence means the stage is complete."""
        found = await self.store.get_model(key, model)
        if found is None:
            found = await compute()
            await self.store.put_json(key, found)
        return found

    # -- publishing ---------------------------------------------------------------------

    async def publish(self, topic: Topic, event: Event) -> None:
        await self.broker.publish(event, topic=topic.value, key=event.key)
        EVENTS_PRODUCED.labels(self.name, topic.value).inc()

    async def fail(self, event: Event, stage: Stage, reason: str, message: str) -> None:
        """Record an answer's failure as its outcome (once) and announce it."""
        keys = AnswerKeys(event.tenant, event.session_id, event.answer_id)
        existing = await self.store.get_model(keys.failure, FailureDoc)
        if existing is None:
            existing = FailureDoc(stage=stage, reason=reason, message=message)
            await self.store.put_json(keys.failure, existing)
        await self.publish(
            Topic.FAILED,
            AnswerFailed(
                tenant=event.tenant, session_id=event.session_id, answer_id=event.answer_id,
                stage=existing.stage, reason=existing.reason, message=existing.message,
            ),
        )

    async def dead_letter(self, topic: str, payload: bytes, key: bytes | None, error: str,
                          attempts: int) -> None:
        letter = DeadLetter(
            source_topic=topic, service=self.name, error=error[:4000], attempts=attempts,
            payload=payload.decode("utf-8", "replace"),
        )
        await self.broker.publish(letter, topic=Topic.DEAD_LETTER.value, key=key)
        EVENTS_PRODUCED.labels(self.name, Topic.DEAD_LETTER.value).inc()

    # -- consumption --------------------------------------------------------------------

    async def dispatch(self, topic: str, payload: bytes, key: bytes | None) -> None:
        route = self.routes[topic]
        EVENTS_CONSUMED.labels(self.name, topic).inc()
        IN_FLIGHT.labels(self.name).inc()
        started = time.perf_counter()
        try:
            await self._handle(route, topic, payload, key)
        finally:
            IN_FLIGHT.labels(self.name).dec()
            HANDLER_SECONDS.labels(self.name, topic).observe(time.perf_counter() - started)

    async def _handle(self, route: Route, topic: str, payload: bytes, key: bytes | None) -> None:
        try:
            event = route.model.model_validate_json(payload)
        except ValidationError as exc:
            log.error("%s: unreadable event on %s dead-lettered: %s", self.name, topic, exc)
            EVENTS_FAILED.labels(self.name, topic, "invalid_event").inc()
            await self.dead_letter(topic, payload, key, f"invalid event: {exc}", attempts=1)
            return
        age = (datetime.now(UTC) - event.occurred_at).total_seconds()
        EVENT_AGE.labels(self.name, topic).observe(max(age, 0.0))
        if not await self.store.exists(session_doc(event.tenant, event.session_id)):
            log.info("%s: session %s was deleted; skipping %s", self.name, event.session_id,
                     event.answer_id)
            return
        attempts = max(1, self.settings.max_attempts)
        for attempt in range(1, attempts + 1):
            try:
                await route.handler(event)
                return
            except Rejected as rejected:
                log.info("%s: answer %s rejected: %s", self.name, event.answer_id, rejected)
                EVENTS_FAILED.labels(self.name, topic, rejected.reason).inc()
                await self.fail(event, route.stage, rejected.reason, rejected.message)
                return
            except Exception as exc:
                log.exception("%s: attempt %d/%d on %s failed", self.name, attempt, attempts,
                              event.answer_id)
                if attempt == attempts:
                    EVENTS_FAILED.labels(self.name, topic, "dead_lettered").inc()
                    await self.dead_letter(topic, payload, key, repr(exc), attempts)
                    await self.fail(event, route.stage, "internal_error", INTERNAL_ERROR_MESSAGE)
                    return
                await asyncio.sleep(min(2.0**attempt, 10.0))

    # -- assembly -----------------------------------------------------------------------

    def app(self) -> AsgiFastStream:
        """The ASGI app: the consumer plus ``/healthz`` and ``/metrics``."""
        if self.routes:
            self.broker.subscriber(
                *self.routes,
                group_id=f"greenroom-{self.name}",
                ack_policy=AckPolicy.NACK_ON_ERROR,
                auto_offset_reset="earliest",
                # The longest handler (a 180 s answer on CPU) must fit between two polls.
                max_poll_interval_ms=15 * 60 * 1000,
            )(self._consume)
        return AsgiFastStream(
            self.broker,
            asgi_routes=[("/healthz", self._health()), ("/metrics", make_asgi_app(REGISTRY))],
            on_startup=list(self._startup),
        )

    async def _consume(self, message: KafkaMessage) -> None:
        record = cast(ConsumerRecord, message.raw_message)  # one record: not a batch subscriber
        await self.dispatch(record.topic, message.body, record.key)

    def _health(self) -> Any:
        broker, store = self.broker, self.store

        @get(include_in_schema=False)
        async def health(scope: Scope) -> AsgiResponse:  # noqa: ARG001
            if await broker.ping(timeout=5.0) and await store.ping():
                return AsgiResponse(b"ok", 200)
            return AsgiResponse(b"not ready", 503)

        return health


def serve(app: Any, default_port: int, settings: Settings | None = None) -> None:
    """Run an ASGI app with uvicorn; SIGTERM finishes in-flight work before exiting."""
    import uvicorn

    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port or default_port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=120,
        access_log=False,
    )
