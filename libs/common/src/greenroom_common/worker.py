"""The thin Kafka adapter every pipeline service shares.

A service registers one handler per topic; the worker turns that into a FastStream
subscriber with the platform's delivery rules:

* at-least-once: offsets are committed only after the handler returned, that is after its
  result was stored and its event published; a crash before that redelivers the event;
* one stored result per stage and answer, whatever the number of replicas: results are
  written with a conditional create (:meth:`Worker.once`), the first writer wins and the
  others take its result;
* one subscriber for all of a service's topics, so one answer's events (same key, same
  partition index) are handled one at a time by a replica;
* bad input (:class:`Rejected`) becomes the answer's recorded outcome, never a retry;
* an infrastructure failure (Kafka, MinIO, a timeout: :mod:`greenroom_common.faults`) is
  waited out with capped exponential backoff for up to ``retry_budget_s``; any other error
  is retried ``max_attempts`` times and dead-lettered only if it keeps failing while the
  infrastructure is healthy (a poison event), so it neither blocks the partition nor
  disappears;
* nothing is written for a deleted session: the session is checked before the handler runs
  and again after each write, and a write that raced with the deletion is swept;
* ``/metrics`` and ``/healthz`` are served beside the consumer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, Protocol, TypeVar, cast

import anyio.to_thread
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.asgi.types import Scope
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import make_asgi_app
from pydantic import BaseModel, ValidationError

from greenroom_common import metrics
from greenroom_common.config import InsecureSettings, Settings, get_settings
from greenroom_common.contracts import AnswerFailed, DeadLetter, Event, Stage, Topic
from greenroom_common.documents import Claim, FailureDoc
from greenroom_common.errors import Rejected
from greenroom_common.faults import Backoff, is_transient
from greenroom_common.keys import AnswerKeys, session_doc, session_prefix
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
from greenroom_common.topics import IDEMPOTENT_PRODUCERS

E = TypeVar("E", bound=Event)
D = TypeVar("D", bound=BaseModel)
P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("greenroom")

INTERNAL_ERROR_MESSAGE = (
    "We could not process this answer because of an internal error. It has been kept for "
    "an operator to look at; please record the answer again later."
)
UNAVAILABLE_MESSAGE = (
    "We could not process this answer because part of the platform was unavailable for "
    "too long. It has been kept for an operator to replay; please record the answer again "
    "later."
)


class Transport(Protocol):
    """Where a worker's events go: Kafka in production, an in-memory bus in unit tests."""

    async def publish(self, topic: str, message: BaseModel, key: str | bytes | None) -> None:
        """Publish ``message`` on ``topic`` with ``key``."""

    async def ping(self) -> bool:
        """Whether the broker answers."""


class KafkaTransport:
    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def publish(self, topic: str, message: BaseModel, key: str | bytes | None) -> None:
        await self.broker.publish(message, topic=topic, key=key)

    async def ping(self) -> bool:
        try:
            return bool(await self.broker.ping(timeout=5.0))
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False


class SessionDeleted(Exception):
    """The answer's session was deleted while a stage worked on it: drop the work."""


@dataclass(frozen=True)
class Route:
    model: type[Event]
    stage: Stage
    handler: Callable[[Any], Awaitable[None]]
    # Called instead of recording a failure when the stage gives up on an event (its
    # output is optional for the answer, e.g. vision: presence is coaching only).
    give_up: Callable[[Any, str], Awaitable[None]] | None = None


class Worker:
    """One pipeline service: its transport, its store, its routes."""

    def __init__(self, name: str, settings: Settings | None = None, *,
                 store: ObjectStore | None = None, transport: Transport | None = None) -> None:
        self.name = name
        self.settings = settings or get_settings()
        self.store = store if store is not None else ObjectStore(self.settings)
        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap,
            client_id=f"greenroom-{name}",
            enable_idempotence=IDEMPOTENT_PRODUCERS,
            graceful_timeout=120.0,
            middlewares=(
                KafkaPrometheusMiddleware(registry=REGISTRY, app_name=f"greenroom-{name}"),
            ),
        )
        self.transport: Transport = transport or KafkaTransport(self.broker)
        self.routes: dict[str, Route] = {}
        self._startup: list[Callable[[], Awaitable[None]]] = [self.store.ensure_bucket]
        self.backoff = Backoff(first_s=min(1.0, self.settings.retry_cap_s),
                               cap_s=self.settings.retry_cap_s)
        # A poison candidate is retried quickly: it is expected to fail the same way.
        self.poison_backoff = Backoff(first_s=self.backoff.first_s,
                                      cap_s=min(4.0, self.settings.retry_cap_s))

    # -- registration -------------------------------------------------------------------

    def route(
        self, topic: Topic, model: type[E], stage: Stage,
        give_up: Callable[[E, str], Awaitable[None]] | None = None,
    ) -> Callable[[Callable[[E], Awaitable[None]]], Callable[[E], Awaitable[None]]]:
        def register(handler: Callable[[E], Awaitable[None]]) -> Callable[[E], Awaitable[None]]:
            self.routes[topic.value] = Route(model, stage, handler, give_up)
            return handler

        return register

    def on_startup(self, fn: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        self._startup.append(fn)
        return fn

    async def startup(self) -> None:
        """Run the start-up hooks (the ASGI app runs them before consuming)."""
        for fn in self._startup:
            await fn()

    # -- helpers for handlers -----------------------------------------------------------

    @staticmethod
    async def blocking(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run synchronous work (a model, ffmpeg, a sandbox) in a thread: the event loop
        keeps the consumer's heartbeats and the health endpoint alive meanwhile."""
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))

    async def session_alive(self, event: Event) -> None:
        """Raise :class:`SessionDeleted` when the event's session no longer exists. Called
        after a write: whatever the stage wrote under the session is swept first, so a
        deletion that raced with the stage still leaves nothing behind."""
        if not await self.store.exists(session_doc(event.tenant, event.session_id)):
            await self.store.delete_prefix(session_prefix(event.tenant, event.session_id))
            raise SessionDeleted(event.session_id)

    async def once(self, event: Event, key: str, model: type[D],
                   compute: Callable[[], Awaitable[D]]) -> D:
        """A stage's stored result, computed and stored first when absent.

        This is the idempotency rule of every stage: a redelivered or duplicated event finds
        the stored document and re-announces it instead of producing a second result. The
        document is written last (so its presence means the stage is complete) and only if
        absent, so when two replicas race, both end with the first writer's result."""
        found = await self.store.get_model(key, model)
        if found is None:
            result = await compute()
            if not await self.store.create_json(key, result):
                found = await self.store.get_model(key, model)
            await self.session_alive(event)
            found = found or result
        return found

    async def claim(self, event: Event, key: str, owner: str) -> bool:
        """Whether this event should do the job claimed at ``key``: true for the first event
        to claim it, and for a redelivery of that event until it marked the job
        :meth:`done`, so a crash after claiming never strands the job; false for any other
        event and once the job is done (a duplicate announces nothing twice)."""
        if await self.store.create_json(key, Claim(owner=owner)):
            await self.session_alive(event)
            return True
        return await self.still_claimed(key, owner)

    async def still_claimed(self, key: str, owner: str) -> bool:
        """Whether the job claimed at ``key`` is still to be announced by ``owner``'s event.
        Checked again just before announcing: when a rebalance hands an event that one
        replica is still working on to another replica, both copies pass :meth:`claim`, and
        the one that finishes second must find the job done rather than announce it twice."""
        found = await self._claimed_by(key, owner)
        return found is not None and not found.done

    async def announced(self, key: str, owner: str) -> bool:
        """Whether ``owner``'s event did the job claimed at ``key`` (marked :meth:`done`)."""
        found = await self._claimed_by(key, owner)
        return found is not None and found.done

    async def _claimed_by(self, key: str, owner: str) -> Claim | None:
        found = await self.store.get_model(key, Claim)
        return found if found is not None and found.owner == owner else None

    async def done(self, key: str, owner: str) -> None:
        """Mark a claimed job finished: its events are published."""
        await self.store.put_json(key, Claim(owner=owner, done=True))

    # -- publishing ---------------------------------------------------------------------

    async def publish(self, topic: Topic, event: Event) -> None:
        await self.transport.publish(topic.value, event, event.key)
        EVENTS_PRODUCED.labels(self.name, topic.value).inc()

    async def fail(self, event: Event, stage: Stage, reason: str, message: str) -> None:
        """Record an answer's failure as its outcome (once) and announce it; a stored grade
        always wins, so a late failure never hides a verdict."""
        keys = AnswerKeys.of(event)
        if await self.store.exists(keys.grade):
            return
        await self.store.create_json(keys.failure, FailureDoc(
            stage=stage, reason=reason, message=message))
        await self.session_alive(event)
        existing = await self.store.get_model(keys.failure, FailureDoc)
        if existing is None:
            return
        await self.publish(
            Topic.FAILED,
            AnswerFailed(
                **event.ids(),
                stage=existing.stage, reason=existing.reason, message=existing.message,
            ),
        )

    async def dead_letter(self, topic: str, payload: bytes, key: bytes | None, error: str,
                          attempts: int) -> None:
        letter = DeadLetter(
            source_topic=topic, service=self.name, error=error[:4000], attempts=attempts,
            payload=payload.decode("utf-8", "replace"),
        )
        await self.transport.publish(Topic.DEAD_LETTER.value, letter, key)
        EVENTS_PRODUCED.labels(self.name, Topic.DEAD_LETTER.value).inc()

    async def infrastructure_ok(self) -> bool:
        """Whether storage and the broker answer: an error on healthy infrastructure counts
        towards dead-lettering, one during an outage does not."""
        return await self.store.ping() and await self.transport.ping()

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
        deadline = time.monotonic() + self.settings.retry_budget_s
        failures = waits = 0
        while True:
            try:
                if not await self.store.exists(session_doc(event.tenant, event.session_id)):
                    log.info("%s: session %s was deleted; skipping %s", self.name,
                             event.session_id, event.answer_id)
                    return
                await route.handler(event)
                return
            except SessionDeleted:
                log.info("%s: session %s deleted while %s was handled; its writes were "
                         "swept", self.name, event.session_id, event.answer_id)
                return
            except Rejected as rejected:
                log.info("%s: answer %s rejected: %s", self.name, event.answer_id, rejected)
                EVENTS_FAILED.labels(self.name, topic, rejected.reason).inc()
                await self.fail(event, route.stage, rejected.reason, rejected.message)
                return
            except Exception as exc:
                if is_transient(exc) or not await self.infrastructure_ok():
                    waits += 1
                    pause = self.backoff.delay(waits)
                    if time.monotonic() + pause <= deadline:
                        log.warning("%s: infrastructure unavailable for %s (%r); retry %d in "
                                    "%.0fs", self.name, event.answer_id, exc, waits, pause)
                        EVENTS_FAILED.labels(self.name, topic, "transient").inc()
                        await asyncio.sleep(pause)
                        continue
                    reason, message = "unavailable", UNAVAILABLE_MESSAGE
                else:
                    failures += 1
                    log.exception("%s: attempt %d/%d on %s failed", self.name, failures,
                                  self.settings.max_attempts, event.answer_id)
                    if failures < max(1, self.settings.max_attempts):
                        await asyncio.sleep(self.poison_backoff.delay(failures))
                        continue
                    reason, message = "internal_error", INTERNAL_ERROR_MESSAGE
                # Giving up: raised errors here (storage still down) leave the event
                # uncommitted, so it is redelivered and nothing is lost.
                EVENTS_FAILED.labels(self.name, topic, "dead_lettered").inc()
                await self.dead_letter(topic, payload, key, repr(exc), failures + waits)
                if route.give_up is not None:
                    await route.give_up(event, reason)
                else:
                    await self.fail(event, route.stage, reason, message)
                return

    # -- assembly -----------------------------------------------------------------------

    def app(self) -> AsgiFastStream:
        """The ASGI app: the consumer plus ``/healthz`` and ``/metrics``."""
        if self.routes:
            self.broker.subscriber(
                *self.routes,
                group_id=f"greenroom-{self.name}",
                ack_policy=AckPolicy.NACK_ON_ERROR,
                auto_offset_reset="earliest",
                # The longest handler (a 180 s answer on CPU) plus the retry budget of an
                # outage must fit between two polls.
                max_poll_interval_ms=int(self.settings.max_poll_interval_s * 1000),
            )(self._consume)
        async def initialise_metrics() -> None:  # a hook: building the app starts nothing
            metrics.initialise(self.name, list(self.routes),
                               bootstrap=self.settings.kafka_bootstrap)

        return AsgiFastStream(
            self.broker,
            asgi_routes=[("/healthz", self._health()), ("/metrics", make_asgi_app(REGISTRY))],
            on_startup=[initialise_metrics, *self._startup],
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
    try:
        settings.refuse_example_credentials()
    except InsecureSettings as exc:
        log.critical("refusing to start: %s", exc)
        raise SystemExit(2) from exc
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port or default_port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=120,
        access_log=False,
    )
