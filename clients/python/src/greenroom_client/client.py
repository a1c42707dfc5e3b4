"""A thin synchronous client: API key on every call, streamed uploads with a checksum."""

from __future__ import annotations

import hashlib
import mimetypes
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

import grpc
from greenroom.v1 import interview_pb2 as pb
from greenroom.v1 import interview_pb2_grpc as pb_grpc

CHUNK_BYTES = 1024 * 1024


class Client:
    def __init__(self, target: str, api_key: str, *, secure: bool = False,
                 timeout_s: float = 60.0) -> None:
        self.channel = (grpc.secure_channel(target, grpc.ssl_channel_credentials()) if secure
                        else grpc.insecure_channel(target))
        self.stub = pb_grpc.InterviewServiceStub(self.channel)  # type: ignore[no-untyped-call]
        self.metadata = (("x-api-key", api_key),)
        self.timeout_s = timeout_s

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.channel.close()

    def questions(self, round_: str = "") -> list[pb.Question]:
        response = self.stub.ListQuestions(pb.ListQuestionsRequest(round=round_),
                                           metadata=self.metadata, timeout=self.timeout_s)
        return list(response.questions)

    def create_session(self, *, question_ids: list[str] | None = None, round_: str = "",
                       count: int = 0, candidate_ref: str = "",
                       follow_ups: bool | None = None) -> pb.Session:
        """``follow_ups``: whether the interviewer asks follow-ups (``None``: the server's
        default, yes)."""
        request = pb.CreateSessionRequest(candidate_ref=candidate_ref)
        if follow_ups is not None:
            request.follow_ups = follow_ups
        if question_ids:
            request.questions.question_ids.extend(question_ids)
        else:
            request.round.round, request.round.count = round_, count
        session: pb.Session = self.stub.CreateSession(request, metadata=self.metadata,
                                                      timeout=self.timeout_s)
        return session

    def upload_file(self, session: str, question_id: str, path: Path,
                    content_type: str | None = None) -> pb.Answer:
        """Streams ``path`` in 1 MiB chunks after its metadata and SHA-256."""
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
                digest.update(block)
        meta = pb.AnswerMetadata(
            session=session, question_id=question_id, filename=path.name,
            content_type=content_type or mimetypes.guess_type(path.name)[0] or "video/webm",
            sha256=digest.hexdigest(),
        )

        def messages() -> Iterator[pb.UploadAnswerRequest]:
            yield pb.UploadAnswerRequest(metadata=meta)
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
                    yield pb.UploadAnswerRequest(chunk=block)

        answer: pb.Answer = self.stub.UploadAnswer(messages(), metadata=self.metadata,
                                                   timeout=max(self.timeout_s, 600))
        return answer

    def answer_text(self, session: str, question_id: str, text: str,
                    follow_up_of: str = "") -> pb.Answer:
        """A typed answer; ``follow_up_of`` (an answer's name) answers its follow-up."""
        return self._inline(pb.AnswerMetadata(session=session, question_id=question_id,
                                              text=text, follow_up_of=follow_up_of))

    def answer_code(self, session: str, question_id: str, code: str,
                    editor_events: Iterable[pb.EditorEvent] = ()) -> pb.Answer:
        """A coded answer, with what your editor measured while it was written (pastes,
        the page left): reported back as observations, never part of the verdict."""
        return self._inline(pb.AnswerMetadata(session=session, question_id=question_id,
                                              code=code, editor_events=list(editor_events)))

    def _inline(self, meta: pb.AnswerMetadata) -> pb.Answer:
        answer: pb.Answer = self.stub.UploadAnswer(
            iter([pb.UploadAnswerRequest(metadata=meta)]), metadata=self.metadata,
            timeout=self.timeout_s)
        return answer

    def answer(self, name: str) -> pb.Answer:
        found: pb.Answer = self.stub.GetAnswer(pb.GetAnswerRequest(name=name),
                                               metadata=self.metadata, timeout=self.timeout_s)
        return found

    def finished(self, name: str, timeout_s: float = 300, poll_s: float = 0.5) -> pb.Answer:
        """The answer once it is graded or failed (polling; ``watch`` streams instead).
        ``TimeoutError`` when it is not done within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.answer(name)
            if found.status in (pb.ANSWER_STATUS_GRADED, pb.ANSWER_STATUS_FAILED):
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{name} is not graded after {timeout_s:g} s")
            time.sleep(poll_s)

    def session(self, name: str) -> pb.Session:
        found: pb.Session = self.stub.GetSession(pb.GetSessionRequest(name=name),
                                                 metadata=self.metadata, timeout=self.timeout_s)
        return found

    def watch(self, name: str, timeout_s: float = 900) -> Iterator[pb.SessionEvent]:
        """Stage and result events of a session, starting with a snapshot."""
        yield from self.stub.WatchSession(pb.WatchSessionRequest(name=name),
                                          metadata=self.metadata, timeout=timeout_s)

    def delete_session(self, name: str) -> None:
        self.stub.DeleteSession(pb.DeleteSessionRequest(name=name), metadata=self.metadata,
                                timeout=self.timeout_s)
