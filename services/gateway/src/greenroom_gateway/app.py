"""HTTP adapter of the gateway: the public API of DESIGN.md, the web app, health, metrics
and the AsyncAPI document of the event flow."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from faststream.kafka.fastapi import KafkaRouter
from faststream.specification.asyncapi.site import get_asyncapi_html
from greenroom_common.asyncapi import specification
from greenroom_common.config import Settings, get_settings
from greenroom_common.contracts import AnswerMode, Event, Topic
from greenroom_common.metrics import EVENTS_PRODUCED, HTTP_REQUESTS, REGISTRY
from greenroom_common.storage import ObjectStore
from prometheus_client import make_asgi_app
from starlette.datastructures import UploadFile

from greenroom_gateway.interviews import Interviews, Invalid, NotFound, Unavailable
from greenroom_gateway.schemas import (
    AnswerAccepted,
    AnswerView,
    QuestionsView,
    SessionCreate,
    SessionCreated,
    SessionView,
    answer_view,
    session_view,
)
from greenroom_gateway.uploads import BadForm, TooLarge, parse_upload

log = logging.getLogger("greenroom.gateway")
WEB_DIR = Path(__file__).parent / "web"


def _token(request: Request, token: str | None = Query(None, description="Session token "
           "(for clients that cannot set headers, such as EventSource).")) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return token


Token = Annotated[str | None, Depends(_token)]


def _problem(status: int, reason: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"reason": reason, "message": message, **extra}},
                        status_code=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    store = ObjectStore(settings)
    router = KafkaRouter(settings.kafka_bootstrap, client_id="greenroom-gateway",
                         schema_url=None, include_in_schema=False)

    async def publish(topic: Topic, event: Event) -> None:
        await router.broker.publish(event, topic=topic.value, key=event.key)
        EVENTS_PRODUCED.labels("gateway", topic.value).inc()

    interviews = Interviews(store, publish, settings.max_text_chars)
    app = FastAPI(title="Greenroom", version="1",
                  description="Mock interviews for Python developers: the public HTTP API.")
    app.include_router(router)
    app.state.interviews = interviews

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels("gateway", path, str(response.status_code)).inc()
        return response

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        # Missing, wrong token, other tenant: one answer, no details (DESIGN.md).
        return _problem(404, "not_found", "No such session or answer.")

    @app.exception_handler(Invalid)
    async def invalid(_: Request, exc: Invalid) -> JSONResponse:
        return _problem(422, "invalid", exc.message, field=exc.field)

    @app.exception_handler(Unavailable)
    async def unavailable(_: Request, exc: Unavailable) -> JSONResponse:
        return _problem(503, "unavailable", str(exc))

    @app.on_event("startup")
    async def _bucket() -> None:
        await store.ensure_bucket()

    # -- operations -----------------------------------------------------------------------

    @app.get("/healthz", include_in_schema=False)
    async def health() -> Response:
        if await router.broker.ping(timeout=5.0) and await store.ping():
            return Response("ok")
        return Response("not ready", status_code=503)

    app.mount("/metrics", make_asgi_app(REGISTRY))

    spec = specification(settings.kafka_bootstrap)

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json() -> Response:
        return Response(spec.to_specification().to_json(), media_type="application/json")

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(spec.to_specification()))

    # -- public API ---------------------------------------------------------------------

    @app.get("/api/questions", response_model=QuestionsView)
    async def list_questions(round: str | None = None) -> QuestionsView:  # noqa: A002
        bank = await interviews.bank()
        return QuestionsView(version=bank.version,
                             questions=await interviews.questions(round))

    @app.post("/api/sessions", status_code=201, response_model=SessionCreated)
    async def create_session(body: SessionCreate) -> SessionCreated:
        session, token, questions = await interviews.create_session(
            round_=body.round, count=body.count, question_ids=body.question_ids,
            reference=body.reference)
        return SessionCreated(session_id=session.session_id, token=token, questions=questions)

    @app.post("/api/sessions/{session_id}/answers", status_code=202,
              response_model=AnswerAccepted,
              responses={413: {"description": "Upload over the size limit"},
                         422: {"description": "Invalid answer (message says what to fix)"}})
    async def submit_answer(session_id: str, request: Request, token: Token) -> Response:
        session = await interviews.session(session_id, token)
        try:
            form = await parse_upload(request, settings.max_upload_bytes)
        except TooLarge as exc:
            mb = exc.limit / (1024 * 1024)
            return _problem(413, "too_large", f"The upload is larger than {mb:.0f} MB. "
                            "Answers are at most 3 minutes; record again at a lower quality.")
        except BadForm as exc:
            return _problem(422, "invalid", str(exc))
        try:
            question_id = form.get("question_id")
            if not isinstance(question_id, str) or not question_id:
                raise Invalid("question_id", "question_id is required.")
            upload = form.get("file")
            if isinstance(upload, UploadFile):
                size = upload.size or 0
                doc, failure = await interviews.submit_media(
                    session, question_id, upload.file, size, upload.content_type,
                    upload.filename)
                if failure is not None:
                    return _problem(422, failure.reason, failure.message,
                                    answer_id=doc.answer_id)
            else:
                code, text = form.get("code"), form.get("text")
                if isinstance(code, str):
                    doc = await interviews.submit_text(session, question_id, code,
                                                       AnswerMode.CODE)
                elif isinstance(text, str):
                    doc = await interviews.submit_text(session, question_id, text,
                                                       AnswerMode.TEXT)
                else:
                    raise Invalid("file", "Send one of file, text or code.")
        finally:
            await form.close()
        accepted = AnswerAccepted(answer_id=doc.answer_id, status="queued",
                                  status_url=f"/api/answers/{doc.answer_id}")
        return JSONResponse(accepted.model_dump(), status_code=202)

    @app.get("/api/answers/{answer_id}", response_model=AnswerView)
    async def get_answer(answer_id: str, token: Token) -> AnswerView:
        return answer_view(await interviews.answer(answer_id, token))

    @app.get("/api/sessions/{session_id}", response_model=SessionView)
    async def get_session(session_id: str, token: Token) -> SessionView:
        session = await interviews.session(session_id, token)
        return session_view(await interviews.report(session))

    @app.delete("/api/sessions/{session_id}", status_code=204)
    async def delete_session(session_id: str, token: Token) -> Response:
        session = await interviews.session(session_id, token)
        await interviews.delete_session(session)
        return Response(status_code=204)

    # -- web app ------------------------------------------------------------------------

    web_dir = settings.public_dir or WEB_DIR

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(web_dir / "index.html")

    return app
