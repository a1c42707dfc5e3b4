"""HTTP adapter of the gateway: the public API of DESIGN.md, the web app, health, metrics
and the AsyncAPI document of the event flow."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from faststream.kafka.fastapi import KafkaRouter
from greenroom_common.asyncapi import specification
from greenroom_common.config import Settings, get_settings
from greenroom_common.contracts import Event, Topic
from greenroom_common.documents import VisionDoc
from greenroom_common.faults import TRANSIENT_KINDS, is_transient
from greenroom_common.keys import AnswerKeys
from greenroom_common.metrics import EVENTS_PRODUCED, HTTP_REQUESTS, REGISTRY, initialise
from greenroom_common.storage import ObjectStore
from greenroom_common.topics import IDEMPOTENT_PRODUCERS
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp

from greenroom_gateway.api import Who, add_limit_handlers, problem
from greenroom_gateway.api import router as api_router
from greenroom_gateway.errors import Invalid, NotFound, Unavailable
from greenroom_gateway.grpc_api import InterviewService, start_server
from greenroom_gateway.interviews import AnswerCaps, Interviews
from greenroom_gateway.limits import Limits
from greenroom_gateway.live import LiveEvents
from greenroom_gateway.security import SecurityHeaders, add_docs
from greenroom_gateway.speech import SpeechClient, speech_router
from greenroom_gateway.tenancy import Tenancy, Unauthenticated
from greenroom_gateway.webfiles import WebFiles, WebVersion, index_response

log = logging.getLogger("greenroom.gateway")
WEB_DIR = Path(__file__).parent / "web"
RETENTION_RULE = "greenroom-practice-retention"
PRACTICE_PREFIX = "media/public/"
TENANT_RETENTION_RULE = "greenroom-session-retention"
SESSIONS_PREFIX = "media/"


async def apply_retention(store: ObjectStore, days: int, tenant_days: int = 0) -> None:
    """Make the bucket delete practice sessions ``days`` after they were written (the web
    app's consent screen promises it), and every session ``tenant_days`` after (hiring
    teams'; the shorter rule wins for practice sessions); other lifecycle rules of the bucket
    are kept. Storage without lifecycle support only logs a warning: deleting stays
    available to candidates."""
    from minio.commonconfig import ENABLED, Filter
    from minio.lifecycleconfig import Expiration, LifecycleConfig, Rule

    client, bucket = store.client, store.bucket

    def apply() -> None:
        current = client.get_bucket_lifecycle(bucket)
        ours = {RETENTION_RULE, TENANT_RETENTION_RULE}
        rules = [r for r in (current.rules if current else []) if r.rule_id not in ours]
        if days > 0:
            rules.append(Rule(ENABLED, rule_filter=Filter(prefix=PRACTICE_PREFIX),
                              rule_id=RETENTION_RULE, expiration=Expiration(days=days)))
        if tenant_days > 0:
            rules.append(Rule(ENABLED, rule_filter=Filter(prefix=SESSIONS_PREFIX),
                              rule_id=TENANT_RETENTION_RULE,
                              expiration=Expiration(days=tenant_days)))
        if rules:
            client.set_bucket_lifecycle(bucket, LifecycleConfig(rules))
        elif current is not None:
            client.delete_bucket_lifecycle(bucket)

    try:
        await anyio.to_thread.run_sync(apply)
    except Exception as exc:  # noqa: BLE001 - retention is best effort, never fatal
        log.warning("could not apply the %d-day retention rule: %s", days, exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    initialise("gateway", [], produces=[Topic.SUBMITTED.value])
    store = ObjectStore(settings)
    router = KafkaRouter(settings.kafka_bootstrap, client_id="greenroom-gateway",
                         enable_idempotence=IDEMPOTENT_PRODUCERS,
                         schema_url=None, include_in_schema=False)

    async def publish(topic: Topic, event: Event) -> None:
        await router.broker.publish(event, topic=topic.value, key=event.key)
        EVENTS_PRODUCED.labels("gateway", topic.value).inc()

    live = LiveEvents()
    live.subscribe(router)
    interviews = Interviews(
        store, publish, settings.max_text_chars,
        token_ttl_s=settings.session_token_ttl_h * 3600,
        caps=AnswerCaps(settings.max_answers_per_question, settings.max_answers_per_session),
        on_deleted=live.end)
    tenancy = Tenancy(store, settings.max_upload_bytes, cache_ttl_s=settings.key_cache_ttl_s,
                      key_cache_size=settings.key_cache_size)
    limits = Limits(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.ensure_bucket()
        await apply_retention(store, settings.retention_days, settings.tenant_retention_days)
        grpc_server = await start_server(
            f"{settings.host}:{settings.grpc_port}",
            InterviewService(interviews, tenancy, live, limits, settings))
        try:
            yield
        finally:
            await grpc_server.stop(grace=30)

    # The Kafka router's own lifespan (broker start and stop) is merged in by include_router.
    app = FastAPI(title="Greenroom", version="1", lifespan=lifespan,
                  description="Mock interviews for Python developers: the public HTTP API.",
                  docs_url=None, redoc_url=None)
    app.include_router(router)
    app.include_router(speech(settings, store, interviews))
    for name, value in (("interviews", interviews), ("tenancy", tenancy), ("live", live),
                        ("limits", limits), ("settings", settings)):
        setattr(app.state, name, value)
    app.add_middleware(SecurityHeaders)

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels("gateway", path, str(response.status_code)).inc()
        return response

    @app.exception_handler(NotFound)
    async def not_found(_: Request, __: NotFound) -> JSONResponse:
        # Missing, wrong token, other tenant: one answer, no details (DESIGN.md).
        return problem(404, "not_found", "No such session or answer.")

    @app.exception_handler(Invalid)
    async def invalid(_: Request, exc: Invalid) -> JSONResponse:
        return problem(422, "invalid", exc.message, field=exc.field)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, __: Unauthenticated) -> JSONResponse:
        return problem(401, "unauthenticated", "Unknown API key.")

    add_limit_handlers(app, settings)

    @app.exception_handler(Unavailable)
    async def unavailable(_: Request, exc: Unavailable) -> JSONResponse:
        response = problem(503, "unavailable", str(exc))
        response.headers["Retry-After"] = "5"
        return response

    add_outage_handlers(app)

    # -- operations -----------------------------------------------------------------------

    @app.get("/healthz", include_in_schema=False)
    async def health() -> Response:
        if await router.broker.ping(timeout=5.0) and await store.ping():
            return Response("ok")
        return Response("not ready", status_code=503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    spec = specification(settings.kafka_bootstrap)

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json() -> Response:
        return Response(spec.to_specification().to_json(), media_type="application/json")

    add_docs(app, json.loads(spec.to_specification().to_json()))

    app.include_router(api_router)

    add_web_app(app, settings, interviews, store)

    return app


def add_web_app(app: FastAPI, settings: Settings, interviews: Interviews,
                store: ObjectStore) -> None:
    """The candidate's web app (static files, no build step) and what only it needs."""
    web_dir = settings.public_dir or WEB_DIR
    version = WebVersion(web_dir)  # static files: versioned URLs, compressed (webfiles.py)

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        return index_response(web_dir, version, request.headers)

    @app.get("/config.json", include_in_schema=False)
    async def web_config() -> dict[str, Any]:
        """What the web app needs to know of this deployment."""
        return {
            "answer_limit_s": min(settings.web_answer_limit_s, settings.max_answer_s),
            "max_upload_bytes": settings.max_upload_bytes,
            "max_text_chars": settings.max_text_chars,
            "retention_days": settings.retention_days,
            "token_ttl_hours": settings.session_token_ttl_h,
            "server_voice": bool(settings.voice_url.strip()),
        }

    @app.get("/api/answers/{answer_id}/presence", include_in_schema=False)
    async def presence(answer_id: str, caller: Who) -> dict[str, Any]:
        """The on-camera timeline behind the web app's presence plot: per sampled frame,
        whether a face was seen and whether it faced the camera."""
        status = await interviews.answer(answer_id, caller)
        doc = status.answer
        vision = await store.get_model(
            AnswerKeys.of(doc).vision, VisionDoc)
        if vision is None:
            return {"frames": [], "moments": []}
        return {
            "frames": [{"t": f.t, "faces": f.faces, "facing": f.facing}
                       for f in vision.frames],
            "moments": [m.model_dump() for m in vision.moments],
        }

    app.mount("/static", WebFiles(directory=web_dir, version=version), name="static")


async def infrastructure_down(_: Request, exc: Exception) -> JSONResponse:
    """Kafka or storage unreachable: the caller may try again shortly (503), never a 500
    for what a restart of the infrastructure causes."""
    if not is_transient(exc):
        raise exc
    response = problem(503, "unavailable", "The platform is recovering from an outage; try "
                       "again in a few seconds.")
    response.headers["Retry-After"] = "5"
    return response


def add_outage_handlers(app: FastAPI) -> None:
    for kind in TRANSIENT_KINDS:
        app.add_exception_handler(kind, infrastructure_down)


def create_asgi(settings: Settings | None = None) -> ASGIApp:
    """The served application: the security headers wrap even Starlette's error middleware,
    so an unexpected 500 carries them too (a middleware added inside would not see it)."""
    return SecurityHeaders(create_app(settings))


def speech(settings: Settings, store: ObjectStore, interviews: Interviews) -> APIRouter:
    """The questions read aloud by the voice service (a separate process: its runtime is
    GPL), cached in object storage; without one the web app uses the browser's voice."""

    async def prompt_of(question_id: str) -> str | None:
        found = [q.prompt for q in await interviews.questions() if q.id == question_id]
        return found[0] if found else None

    return speech_router(prompt_of, SpeechClient.from_settings(settings, store))
