"""gRPC adapter of the gateway: ``greenroom.v1.InterviewService`` over the same core as the
HTTP API, with standard health checking, server reflection and per-method metrics.

Every call needs an ``x-api-key`` metadata entry (hiring teams; keys are per tenant). Errors
use the canonical codes: INVALID_ARGUMENT (with ``google.rpc.BadRequest`` field details),
NOT_FOUND (also for another tenant's objects), RESOURCE_EXHAUSTED (size and rate limits),
UNAUTHENTICATED. Deadlines are honoured by grpc.aio, which cancels the handler when the
client's deadline passes; nothing stored is left half-written (objects are announced only
once complete).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import wraps
from typing import Any, TypeVar, cast

import grpc
from google.protobuf import any_pb2, empty_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from greenroom.v1 import interview_pb2 as pb
from greenroom.v1 import interview_pb2_grpc as pb_grpc
from greenroom_common.config import Settings
from greenroom_common.contracts import AnswerMode, Topic
from greenroom_common.metrics import REGISTRY
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from prometheus_client import Counter, Histogram

from greenroom_gateway import grpc_mapping as to_pb
from greenroom_gateway.errors import Expired, Invalid, NotFound, TooMany, Unavailable
from greenroom_gateway.interviews import Interviews
from greenroom_gateway.limits import Limits, RateLimited
from greenroom_gateway.live import Item, LiveEvents, still_open
from greenroom_gateway.tenancy import Caller, Tenancy, Unauthenticated

SERVICE = pb.DESCRIPTOR.services_by_name["InterviewService"].full_name
GRPC_CALLS = Counter("greenroom_grpc_calls_total", "gRPC calls by method and status code.",
                     ["method", "code"], registry=REGISTRY)
GRPC_SECONDS = Histogram("greenroom_grpc_call_seconds", "gRPC call duration by method.",
                         ["method"], registry=REGISTRY)
SPOOL_BYTES = 1024 * 1024
PAGE_TOKEN = re.compile(r"[0-9]{1,9}")
T = TypeVar("T")


async def _abort_invalid(context: grpc.aio.ServicerContext[Any, Any], field: str,
                         message: str) -> None:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=field, description=message)]))
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message,
                               details=[detail])
    await context.abort_with_status(rpc_status.to_status(status))


@asynccontextmanager
async def _rpc(name: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
    """Per-method metrics, and the mapping of the core's exceptions to status codes."""
    started = time.perf_counter()
    code = grpc.StatusCode.OK
    try:
        yield
    except (NotFound, Expired):
        code = grpc.StatusCode.NOT_FOUND
        await context.abort(code, "No such session or answer.")
    except TooMany as exc:
        code = grpc.StatusCode.RESOURCE_EXHAUSTED
        await context.abort(code, exc.message)
    except RateLimited as exc:
        code = grpc.StatusCode.RESOURCE_EXHAUSTED
        await context.abort(code, exc.message,
                            trailing_metadata=(("retry-after", exc.retry_after),))
    except Invalid as exc:
        code = grpc.StatusCode.INVALID_ARGUMENT
        await _abort_invalid(context, exc.field, exc.message)
    except Unavailable as exc:
        code = grpc.StatusCode.UNAVAILABLE
        await context.abort(code, str(exc))
    except Exception:
        code = context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[assignment]
        raise
    finally:
        GRPC_CALLS.labels(name, code.name).inc()
        GRPC_SECONDS.labels(name).observe(time.perf_counter() - started)


def observed(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    @wraps(method)
    async def call(self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> T:
        async with _rpc(method.__name__, context):
            return await method(self, request, context)
        raise AssertionError("unreachable")  # _rpc re-raises or aborts

    return call


def streamed(method: Callable[..., AsyncIterator[T]]) -> Callable[..., AsyncIterator[T]]:
    @wraps(method)
    async def call(self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]
                   ) -> AsyncIterator[T]:
        async with _rpc(method.__name__, context):
            async for item in method(self, request, context):
                yield item

    return call


class InterviewService(pb_grpc.InterviewServiceServicer):
    def __init__(self, interviews: Interviews, tenancy: Tenancy, live: LiveEvents,
                 limits: Limits, settings: Settings) -> None:
        self.interviews = interviews
        self.tenancy = tenancy
        self.live = live
        self.limits = limits
        self.recheck_s = settings.stream_recheck_s

    @staticmethod
    def _address(context: grpc.aio.ServicerContext[Any, Any]) -> str:
        """The peer's address without its port (``ipv4:1.2.3.4:5678`` → ``1.2.3.4``)."""
        peer = context.peer() or "unknown"
        kind, _, rest = peer.partition(":")
        return rest.rsplit(":", 1)[0] if kind in {"ipv4", "ipv6"} else peer

    async def _caller(self, context: grpc.aio.ServicerContext[Any, Any]) -> Caller:
        metadata = dict(context.invocation_metadata() or ())
        api_key = metadata.get("x-api-key")
        if not isinstance(api_key, str) or not api_key:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED,
                                "Send your API key as the 'x-api-key' metadata entry.")
        address = self._address(context)
        try:
            if not self.tenancy.known(cast(str, api_key)):
                self.limits.auth_blocked(address)  # a key guesser costs no lookups
            try:
                tenant = await self.tenancy.resolve(cast(str, api_key))
            except Unauthenticated:
                self.limits.auth_failed(address)
                raise
            await self.tenancy.check_rate(tenant)
        except Unauthenticated:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Unknown API key.")
        except RateLimited as exc:
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, exc.message,
                                trailing_metadata=(("retry-after", exc.retry_after),))
        return Caller(tenant, api_key=cast(str, api_key))

    async def _session_id(self, name: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        ids = to_pb.parse_name(name, "sessions")
        if ids is None:
            await _abort_invalid(context, "name", "Expected a name like 'sessions/{session}'.")
        return cast(list[str], ids)[0]

    async def _session_message(self, caller: Caller, session_id: str) -> pb.Session:
        doc = await self.interviews.session(session_id, caller)
        report = await self.interviews.report(doc)
        bank = {q.id: q for q in await self.interviews.questions()}
        return to_pb.session(doc, report, [bank[q] for q in doc.question_ids if q in bank])

    @observed
    async def ListQuestions(self, request: pb.ListQuestionsRequest,
                            context: grpc.aio.ServicerContext[Any, Any]
                            ) -> pb.ListQuestionsResponse:
        await self._caller(context)
        questions = await self.interviews.questions(request.round or None)
        size = min(request.page_size, 200) if request.page_size > 0 else 50
        if request.page_token and not PAGE_TOKEN.fullmatch(request.page_token):
            raise Invalid("page_token", "Not a page token of this list; pass the "
                          "next_page_token of the previous page, or none for the first.")
        start = int(request.page_token or 0)
        if start > len(questions):
            raise Invalid("page_token", "The page token is past the end of the list.")
        page = questions[start:start + size]
        more = start + size < len(questions)
        return pb.ListQuestionsResponse(questions=[to_pb.question(q) for q in page],
                                        next_page_token=str(start + size) if more else "")

    @observed
    async def CreateSession(self, request: pb.CreateSessionRequest,
                            context: grpc.aio.ServicerContext[Any, Any]) -> pb.Session:
        caller = await self._caller(context)
        selection = request.WhichOneof("selection")
        if selection is None:
            raise Invalid("selection", "Give a round (with a count) or question ids.")
        doc, token, questions = await self.interviews.create_session(
            caller,
            round_=request.round.round if selection == "round" else None,
            count=request.round.count or None if selection == "round" else None,
            question_ids=list(request.questions.question_ids) if selection == "questions"
            else None,
            reference=request.candidate_ref or None,
            follow_ups=request.follow_ups if request.HasField("follow_ups") else True,
        )
        return to_pb.session(doc, {"answers": [], "report": None}, questions, token)

    @observed
    async def UploadAnswer(self, request_iterator: AsyncIterator[pb.UploadAnswerRequest],
                           context: grpc.aio.ServicerContext[Any, Any]) -> pb.Answer:
        caller = await self._caller(context)
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise Invalid("metadata", "The first message must carry the answer's metadata.")
        meta = first.metadata
        session_id = await self._session_id(meta.session, context)
        session = await self.interviews.session(session_id, caller)
        inline = meta.WhichOneof("inline")
        follow_up_of = meta.follow_up_of.rsplit("/", 1)[-1] or None
        if inline is not None:
            mode = AnswerMode.TEXT if inline == "text" else AnswerMode.CODE
            doc = await self.interviews.submit_text(session, meta.question_id,
                                                    getattr(meta, inline), mode, follow_up_of,
                                                    to_pb.editor_events(meta.editor_events))
            return to_pb.answer(await self.interviews.answer(doc.answer_id, caller))
        tenant = await self.tenancy.tenant(caller.tenant)
        limit = tenant.max_upload_bytes
        checksum = hashlib.sha256()
        size = 0
        with self.limits.upload(f"tenant:{tenant.tenant}", SPOOL_BYTES,
                                tenant.max_concurrent_uploads) as budget, \
                tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            async for message in request_iterator:
                chunk = message.chunk
                size += len(chunk)
                if size > limit:
                    await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                        f"The upload is larger than {limit} bytes.")
                budget.grow(size)  # the spool's disk budget, held as the file grows
                checksum.update(chunk)
                spool.write(chunk)
            if meta.sha256 and meta.sha256.lower() != checksum.hexdigest():
                raise Invalid("metadata.sha256", "The checksum does not match the bytes "
                              f"received ({checksum.hexdigest()}); upload the file again.")
            spool.seek(0)
            doc, _ = await self.interviews.submit_media(
                session, meta.question_id, spool, size, meta.content_type or None,  # type: ignore[arg-type]
                meta.filename or None, follow_up_of=follow_up_of)
        return to_pb.answer(await self.interviews.answer(doc.answer_id, caller))

    @observed
    async def GetAnswer(self, request: pb.GetAnswerRequest,
                        context: grpc.aio.ServicerContext[Any, Any]) -> pb.Answer:
        caller = await self._caller(context)
        ids = to_pb.parse_name(request.name, "sessions", "answers")
        if ids is None:
            raise Invalid("name", "Expected 'sessions/{session}/answers/{answer}'.")
        status = await self.interviews.answer(ids[1], caller)
        if status.answer.session_id != ids[0]:
            raise NotFound(request.name)
        return to_pb.answer(status)

    @observed
    async def GetSession(self, request: pb.GetSessionRequest,
                         context: grpc.aio.ServicerContext[Any, Any]) -> pb.Session:
        caller = await self._caller(context)
        return await self._session_message(caller, await self._session_id(request.name,
                                                                          context))

    @observed
    async def DeleteSession(self, request: pb.DeleteSessionRequest,
                            context: grpc.aio.ServicerContext[Any, Any]) -> empty_pb2.Empty:
        caller = await self._caller(context)
        session_id = await self._session_id(request.name, context)
        await self.interviews.delete_session(await self.interviews.session(session_id, caller))
        return empty_pb2.Empty()

    @streamed
    async def WatchSession(self, request: pb.WatchSessionRequest,
                           context: grpc.aio.ServicerContext[Any, Any]
                           ) -> AsyncIterator[pb.SessionEvent]:
        caller = await self._caller(context)
        session_id = await self._session_id(request.name, context)
        name = to_pb.session_name(session_id)
        with self.live.watch(session_id) as queue:  # subscribe first, then snapshot
            snapshot = await self._session_message(caller, session_id)
            yield pb.SessionEvent(session=name, event_time=to_pb.timestamp(None),
                                  snapshot=snapshot)
            if snapshot.state == pb.SESSION_STATE_COMPLETED:
                return
            next_check = time.monotonic() + self.recheck_s
            while True:
                item: Item | bool
                try:
                    item = await asyncio.wait_for(queue.get(), self.recheck_s)
                except TimeoutError:
                    item = False
                if item is not None and time.monotonic() >= next_check:
                    next_check = time.monotonic() + self.recheck_s
                    if not await still_open(self.interviews, self.tenancy, caller,
                                            session_id):
                        item = None
                if item is None:  # deleted, expired or key revoked: the stream ends
                    await context.abort(grpc.StatusCode.NOT_FOUND,
                                        "The session was deleted or the API key revoked.")
                if not isinstance(item, tuple):
                    continue
                topic, event = item
                stamp = to_pb.timestamp(event.occurred_at)
                if topic in to_pb.TOPIC_STAGES:
                    yield pb.SessionEvent(session=name, event_time=stamp,
                                          stage_reached=pb.StageReached(
                                              answer=to_pb.answer_name(session_id,
                                                                       event.answer_id),
                                              stage=to_pb.TOPIC_STAGES[topic]))
                elif topic in (Topic.GRADED, Topic.FAILED):
                    status = await self.interviews.answer(event.answer_id, caller)
                    yield pb.SessionEvent(session=name, event_time=stamp,
                                          answer_finished=to_pb.answer(status))
                elif topic is Topic.SESSION_COMPLETED:
                    yield pb.SessionEvent(session=name, event_time=stamp,
                                          session_completed=await self._session_message(
                                              caller, session_id))
                    return


async def start_server(address: str, service: InterviewService) -> grpc.aio.Server:
    # Without BDP probing the HTTP/2 window stays small, so a fast client cannot park tens
    # of megabytes of an upload in the server's buffers while parts go to storage.
    server = grpc.aio.server(options=[("grpc.http2.bdp_probe", 0),
                                      ("grpc.max_receive_message_length", 4 * 1024 * 1024)])
    pb_grpc.add_InterviewServiceServicer_to_server(service, server)  # type: ignore[no-untyped-call]
    checker = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    reflection.enable_server_reflection(
        (SERVICE, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME), server)
    server.add_insecure_port(address)
    await server.start()
    await checker.set(SERVICE, health_pb2.HealthCheckResponse.SERVING)
    await checker.set("", health_pb2.HealthCheckResponse.SERVING)
    return server
