"""The public HTTP API of DESIGN.md (the gRPC API in ``proto/`` mirrors it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from greenroom_common.contracts import AnswerMode
from starlette.datastructures import UploadFile

from greenroom_gateway.interviews import Interviews, Invalid
from greenroom_gateway.live import LiveEvents
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
from greenroom_gateway.tenancy import PUBLIC_TENANT, Caller, Tenancy
from greenroom_gateway.uploads import BadForm, TooLarge, parse_upload

router = APIRouter(prefix="/api")
KEEPALIVE_S = 15.0


async def _caller(request: Request, token: str | None = Query(
        None, description="Session token (for clients that cannot set headers, such as "
        "EventSource).")) -> Caller:
    """A hiring team by its ``X-API-Key``, or a practice candidate by the session token
    (``Authorization: Bearer …`` or ``?token=``)."""
    api_key = request.headers.get("x-api-key")
    if api_key:
        tenancy: Tenancy = request.app.state.tenancy
        tenant = await tenancy.resolve(api_key)
        await tenancy.check_rate(tenant)
        return Caller(tenant)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    return Caller(PUBLIC_TENANT, token)


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


@router.get("/questions", response_model=QuestionsView)
async def list_questions(interviews: Core, _: Who, round: str | None = None
                         ) -> QuestionsView:
    bank = await interviews.bank()
    return QuestionsView(version=bank.version,
                         questions=await interviews.questions(round))

@router.post("/sessions", status_code=201, response_model=SessionCreated)
async def create_session(body: SessionCreate, interviews: Core, caller: Who) -> SessionCreated:
    session, token, questions = await interviews.create_session(
        caller, round_=body.round, count=body.count, question_ids=body.question_ids,
        reference=body.reference)
    return SessionCreated(session_id=session.session_id, token=token, questions=questions)

@router.post("/sessions/{session_id}/answers", status_code=202,
          response_model=AnswerAccepted,
          responses={413: {"description": "Upload over the size limit"},
                     422: {"description": "Invalid answer (message says what to fix)"}})
async def submit_answer(session_id: str, request: Request, caller: Who, interviews: Core,
                        tenancy: Tenants) -> Response:
    session = await interviews.session(session_id, caller)
    try:
        limit = (await tenancy.tenant(session.tenant)).max_upload_bytes
        form = await parse_upload(request, limit)
    except TooLarge as exc:
        mb = exc.limit / (1024 * 1024)
        return problem(413, "too_large", f"The upload is larger than {mb:.0f} MB. "
                        "Answers are at most 3 minutes; record again at a lower quality.")
    except BadForm as exc:
        return problem(422, "invalid", str(exc))
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
                return problem(422, failure.reason, failure.message,
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
                              status_url=f"/answers/{doc.answer_id}")
    return JSONResponse(accepted.model_dump(), status_code=202)

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
                         interviews: Core) -> StreamingResponse:
    """Server-sent events for the web app: ``snapshot`` (the session view), then one event
    per pipeline event of the session, named by its topic (``answers.graded`` …)."""
    session = await interviews.session(session_id, caller)
    live: LiveEvents = request.app.state.live

    async def stream() -> AsyncIterator[str]:
        with live.watch(session_id) as queue:  # subscribe first, then snapshot
            snapshot = session_view(await interviews.report(session))
            yield f"event: snapshot\ndata: {snapshot.model_dump_json()}\n\n"
            while not await request.is_disconnected():
                try:
                    topic, event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {topic.value}\ndata: {event.model_dump_json()}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
