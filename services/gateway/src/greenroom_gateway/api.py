"""The public HTTP API of DESIGN.md (the gRPC API in ``proto/`` mirrors it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerMode
from greenroom_common.documents import SessionDoc
from starlette.datastructures import UploadFile

from greenroom_gateway import editor_events
from greenroom_gateway.errors import Expired, Invalid, TooMany
from greenroom_gateway.interviews import Interviews
from greenroom_gateway.limits import Busy, Limits, RateLimited
from greenroom_gateway.live import Item, LiveEvents, still_open
from greenroom_gateway.schemas import (
    AnswerAccepted,
    AnswerView,
    QuestionsView,
    RulesView,
    SessionCreate,
    SessionCreated,
    SessionView,
    answer_view,
    rules_view,
    session_view,
)
from greenroom_gateway.tenancy import PUBLIC_TENANT, Caller, Tenancy, Unauthenticated
from greenroom_gateway.uploads import BadForm, TooLarge, parse_upload

router = APIRouter(prefix="/api")
KEEPALIVE_S = 15.0


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn's ``--forwarded-allow-ips`` decides
    which ``X-Forwarded-For`` to believe)."""
    return request.client.host if request.client else "unknown"


async def _caller(request: Request) -> Caller:
    """A hiring team by its ``X-API-Key``, or a practice candidate by the session token in
    ``Authorization: Bearer …`` (only there: a token in a URL lands in proxy logs)."""
    limits: Limits = request.app.state.limits
    address = client_address(request)
    api_key = request.headers.get("x-api-key")
    if api_key:
        tenancy: Tenancy = request.app.state.tenancy
        if not tenancy.known(api_key):  # a client that guesses keys costs no lookups
            limits.auth_blocked(address)
        try:
            tenant = await tenancy.resolve(api_key)
        except Unauthenticated:
            limits.auth_failed(address)
            raise
        await tenancy.check_rate(tenant)
        return Caller(tenant, api_key=api_key)
    limits.request(address)
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    return Caller(PUBLIC_TENANT, token or None)


def _interviews(request: Request) -> Interviews:
    found: Interviews = request.app.state.interviews
    return found


def _tenancy(request: Request) -> Tenancy:
    found: Tenancy = request.app.state.tenancy
    return found


Who = Annotated[Caller, Depends(_caller)]
Core = Annotated[Interviews, Depends(_interviews)]
Tenants = Annotated[Tenancy, Depends(_tenancy)]


def problem(status: int, reason: str, message: str, **extra: Any) -> JSONResponse:
    """Every error body has one shape: ``{"error": {"reason", "message", ...}}``."""
    return JSONResponse({"error": {"reason": reason, "message": message, **extra}},
                        status_code=status)


def add_limit_handlers(app: FastAPI, settings: Settings) -> None:
    """Answers for expired tokens and reached limits (429 or 503, with Retry-After)."""

    @app.exception_handler(Expired)
    async def expired(_: Request, __: Expired) -> JSONResponse:
        return problem(401, "expired", "This practice session's link expired after "
                       f"{settings.session_token_ttl_h:g} hours; start a new session. Its "
                       f"data is deleted after {settings.retention_days} days.")

    @app.exception_handler(TooMany)
    async def too_many(_: Request, exc: TooMany) -> JSONResponse:
        return problem(429, "too_many_answers", exc.message)

    @app.exception_handler(RateLimited)
    async def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        busy = isinstance(exc, Busy)
        response = problem(503 if busy else 429, "busy" if busy else "rate_limited",
                           exc.message)
        response.headers["retry-after"] = exc.retry_after
        return response


@router.get("/questions", response_model=QuestionsView)
async def list_questions(interviews: Core, _: Who, round: str | None = None
                         ) -> QuestionsView:
    bank = await interviews.bank()
    return QuestionsView(version=bank.version,
                         questions=await interviews.questions(round))


@router.get("/rules", response_model=RulesView)
async def get_rules(_: Who) -> RulesView:
    """The delivery rules (long pause, comfortable pace, filler sounds), the rounds in
    interview order and each answer mode's stages: defined once in the platform, applied by
    the transcriber and the grader, and read from here by the web app."""
    return rules_view()


@router.post("/sessions", status_code=201, response_model=SessionCreated,
             responses={429: {"description": "Too many new sessions (Retry-After says when "
                                             "to try again)"}})
async def create_session(body: SessionCreate, request: Request, interviews: Core,
                         caller: Who) -> SessionCreated:
    if caller.public:
        limits: Limits = request.app.state.limits
        limits.session_created(client_address(request))
    session, token, questions = await interviews.create_session(
        caller, round_=body.round, count=body.count, question_ids=body.question_ids,
        reference=body.reference)
    return SessionCreated(session_id=session.session_id, token=token, questions=questions,
                          observations=not caller.public)

@router.post("/sessions/{session_id}/answers", status_code=202,
          response_model=AnswerAccepted,
          responses={413: {"description": "Upload over the size limit"},
                     422: {"description": "Invalid answer (message says what to fix)"},
                     429: {"description": "Too many answers or uploads at once"},
                     503: {"description": "The upload spool is full (Retry-After)"}})
async def submit_answer(session_id: str, request: Request, caller: Who, interviews: Core,
                        tenancy: Tenants) -> Response:
    session = await interviews.session(session_id, caller)
    limits: Limits = request.app.state.limits
    tenant = await tenancy.tenant(session.tenant)
    if caller.public:
        client, concurrent = client_address(request), None
        limits.answer(client, session_id)
    else:
        client, concurrent = f"tenant:{tenant.tenant}", tenant.max_concurrent_uploads
    declared = request.headers.get("content-length", "")
    reserve = min(int(declared), tenant.max_upload_bytes) if declared.isdigit() \
        else tenant.max_upload_bytes
    with limits.upload(client, reserve, concurrent):
        return await _submit(session, request, interviews, tenant.max_upload_bytes)


async def _submit(session: SessionDoc, request: Request, interviews: Interviews, limit: int
                  ) -> Response:
    try:
        form = await parse_upload(request, limit)
    except TooLarge as exc:
        mb = exc.limit / (1024 * 1024)
        settings: Settings = request.app.state.settings
        return problem(413, "too_large", f"The upload is larger than {mb:.0f} MB. Answers "
                       f"are at most {_minutes(settings.max_answer_s)}; record again at a "
                       "lower quality.")
    except BadForm as exc:
        return problem(422, "invalid", str(exc))
    try:
        question_id, follow_up_of = form.get("question_id"), form.get("follow_up_of")
        if not isinstance(follow_up_of, str) or not follow_up_of:
            follow_up_of = None  # an answer to a follow-up names the answer it follows
        if follow_up_of is not None:
            question_id = ""  # the follow-up's question is the first answer's
        elif not isinstance(question_id, str) or not question_id:
            raise Invalid("question_id", "question_id is required.")
        assert isinstance(question_id, str)
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            size = upload.size or 0
            doc, failure = await interviews.submit_media(
                session, question_id, upload.file, size, upload.content_type,
                upload.filename, follow_up_of=follow_up_of)
            if failure is not None:
                return problem(422, failure.reason, failure.message,
                                answer_id=doc.answer_id)
        else:
            code, text = form.get("code"), form.get("text")
            raw_events = form.get("editor_events")
            events = editor_events.parse(raw_events) if isinstance(raw_events, str) else []
            if isinstance(code, str):
                doc = await interviews.submit_text(session, question_id, code,
                                                   AnswerMode.CODE, follow_up_of, events)
            elif isinstance(text, str):
                doc = await interviews.submit_text(session, question_id, text,
                                                   AnswerMode.TEXT, follow_up_of, events)
            else:
                raise Invalid("file", "Send one of file, text or code.")
    finally:
        await form.close()
    accepted = AnswerAccepted(answer_id=doc.answer_id, status="queued",
                              status_url=f"/answers/{doc.answer_id}")
    return JSONResponse(accepted.model_dump(), status_code=202)

def _minutes(seconds: float) -> str:
    """180 -> "3 minutes", 90 -> "90 seconds"."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{seconds:g} seconds"


@router.get("/answers/{answer_id}", response_model=AnswerView)
async def get_answer(answer_id: str, caller: Who, interviews: Core) -> AnswerView:
    return answer_view(await interviews.answer(answer_id, caller))

@router.get("/sessions/{session_id}", response_model=SessionView)
async def get_session(session_id: str, caller: Who, interviews: Core) -> SessionView:
    session = await interviews.session(session_id, caller)
    return session_view(await interviews.report(session))

@router.delete("/sessions/{session_id}", status_code=204)
async def delete_session(session_id: str, caller: Who, interviews: Core) -> Response:
    session = await interviews.session(session_id, caller)
    await interviews.delete_session(session)
    return Response(status_code=204)


@router.get("/sessions/{session_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "A snapshot, then stage and result events."}})
async def session_events(session_id: str, request: Request, caller: Who,
                         interviews: Core, tenancy: Tenants) -> StreamingResponse:
    """Server-sent events for the web app: ``snapshot`` (the session view), then one event
    per pipeline event of the session, named by its topic (``answers.graded`` …). The
    token goes in the ``Authorization`` header (the web app reads the stream with fetch).
    The stream ends when the session is deleted or expires, or the API key is revoked."""
    session = await interviews.session(session_id, caller)
    live: LiveEvents = request.app.state.live
    settings: Settings = request.app.state.settings
    recheck_s = settings.stream_recheck_s

    async def stream() -> AsyncIterator[str]:
        with live.watch(session_id) as queue:  # subscribe first, then snapshot
            snapshot = session_view(await interviews.report(session))
            yield f"event: snapshot\ndata: {snapshot.model_dump_json()}\n\n"
            next_check = time.monotonic() + recheck_s
            while not await request.is_disconnected():
                item: Item | bool
                try:
                    item = await asyncio.wait_for(queue.get(), min(KEEPALIVE_S, recheck_s))
                except TimeoutError:
                    item = False
                if item is None:
                    return  # deleted through this replica
                if time.monotonic() >= next_check:
                    if not await still_open(interviews, tenancy, caller, session_id):
                        return
                    next_check = time.monotonic() + recheck_s
                if not isinstance(item, tuple):
                    yield ": keep-alive\n\n"
                    continue
                topic, event = item
                yield f"event: {topic.value}\ndata: {event.model_dump_json()}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
