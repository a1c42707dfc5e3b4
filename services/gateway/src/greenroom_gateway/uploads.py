"""Streaming multipart parsing with a hard size limit.

The body is parsed as it arrives: file data goes to a spooled temporary file (memory up to
1 MB, disk beyond) and the request is refused the moment it passes the limit, so an
oversized upload is never stored and never held in memory.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import PurePath

from greenroom_common.contracts import AnswerMode
from starlette.datastructures import FormData
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

# Room for the multipart envelope and the small fields around the file.
ENVELOPE_BYTES = 64 * 1024


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"limit {limit}")
        self.limit = limit


class BadForm(Exception):
    pass


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise TooLarge(limit)
        yield chunk


async def parse_upload(request: Request, max_file_bytes: int) -> FormData:
    limit = max_file_bytes + ENVELOPE_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(max_file_bytes)  # refused before a byte of the body is read
    content_type = request.headers.get("content-type", "")
    parser: MultiPartParser | FormParser
    if content_type.startswith("multipart/form-data"):
        parser = MultiPartParser(request.headers, _limited(request, limit), max_files=1,
                                 max_fields=8, max_part_size=1024 * 1024)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        # Typed answers need no file: a plain form is accepted too.
        parser = FormParser(request.headers, _limited(request, 1024 * 1024))
    else:
        raise BadForm("Send the answer as multipart/form-data with a question_id field and "
                      "one of file, text or code.")
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise BadForm(f"The form could not be read: {exc.message}") from exc


EXTENSIONS = {".webm", ".mp4", ".mkv", ".mov", ".ogg", ".oga", ".mp3", ".wav", ".m4a", ".flac"}


def media_mode(content_type: str | None, filename: str | None) -> AnswerMode:
    if content_type and content_type.startswith("audio/"):
        return AnswerMode.AUDIO
    if filename and PurePath(filename).suffix.lower() in {".mp3", ".wav", ".m4a", ".oga",
                                                         ".flac"}:
        return AnswerMode.AUDIO
    return AnswerMode.VIDEO


def upload_extension(filename: str | None) -> str:
    suffix = PurePath(filename or "").suffix.lower()
    return suffix if suffix in EXTENSIONS else ".bin"
