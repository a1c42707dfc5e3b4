"""HTTP adapter of the gateway: the public API of DESIGN.md, the web app, health, metrics
and the AsyncAPI document of the event flow."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from faststream.kafka.fastapi import KafkaRouter
from faststream.specification.asyncapi.site import get_asyncapi_html
from greenroom_common.asyncapi import specification
from greenroom_common.config import Settings, get_settings
from greenroom_common.contracts import Event, Topic
from greenroom_common.metrics import EVENTS_PRODUCED, HTTP_REQUESTS, REGISTRY
from greenroom_common.storage import ObjectStore
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from greenroom_gateway.api import problem
from greenroom_gateway.api import router as api_router
from greenroom_gateway.grpc_api import InterviewService, start_server
from greenroom_gateway.interviews import Interviews, Invalid, NotFound, Unavailable
from greenroom_gateway.live import LiveEvents
from greenroom_gateway.tenancy import RateLimited, Tenancy, Unauthenticated

log = logging.getLogger("greenroom.gateway")
WEB_DIR = Path(__file__).parent / "web"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    store = ObjectStore(settings)
    router = KafkaRouter(settings.kafka_bootstrap, client_id="greenroom-gateway",
                         schema_url=None, include_in_schema=False)

    async def publish(topic: Topic, event: Event) -> None:
        await router.broker.publish(event, topic=topic.value, key=event.key)
        EVENTS_PRODUCED.labels("gateway", topic.value).inc()

    interviews = Interviews(store, publish, settings.max_text_chars)
    tenancy = Tenancy(store, settings.max_upload_bytes)
    live = LiveEvents()
    live.subscribe(router)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.ensure_bucket()
        grpc_server = await start_server(f"{settings.host}:{settings.grpc_port}",
                                         InterviewService(interviews, tenancy, live))
        try:
            yield
        finally:
            await grpc_server.stop(grace=30)

    # The Kafka router's own lifespan (broker start and stop) is merged in by include_router.
    app = FastAPI(title="Greenroom", version="1", lifespan=lifespan,
                  description="Mock interviews for Python developers: the public HTTP API.")
    app.include_router(router)
    app.state.interviews = interviews
    app.state.tenancy = tenancy
    app.state.live = live

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

    @app.exception_handler(RateLimited)
    async def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        response = problem(429, "rate_limited",
                           f"Rate limit reached; retry in {exc.retry_after_s:.1f} s.")
        response.headers["retry-after"] = str(max(1, round(exc.retry_after_s)))
        return response

    @app.exception_handler(Unavailable)
    async def unavailable(_: Request, exc: Unavailable) -> JSONResponse:
        return problem(503, "unavailable", str(exc))

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

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(spec.to_specification()))

    app.include_router(api_router)

    # -- web app ------------------------------------------------------------------------

    web_dir = settings.public_dir or WEB_DIR

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(web_dir / "index.html")

    return app
