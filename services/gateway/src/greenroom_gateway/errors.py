"""What the gateway's use cases refuse, independent of HTTP or gRPC: each adapter maps
these to its status codes (``app.py``, ``grpc_api.py``)."""

from __future__ import annotations


class NotFound(Exception):
    """No such object for this caller (also what another tenant's object looks like)."""


class Invalid(Exception):
    """The request is wrong; ``field`` names the part to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Unavailable(Exception):
    """A dependency is not ready yet (e.g. the grader has not published the bank)."""


class Expired(Exception):
    """The practice session's token was right but is past its lifetime."""


class TooMany(Exception):
    """The session has all the answers it may have (in all, or for one question)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
