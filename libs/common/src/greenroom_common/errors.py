"""The one exception a service core raises for bad input."""

from __future__ import annotations


class Rejected(Exception):
    """The answer cannot be processed because of its input, not because of us.

    ``reason`` is a stable machine code (``not_media``, ``too_long`` …) used in metrics and
    by clients; ``message`` tells the candidate what happened and what to do about it.
    A rejected answer is recorded as ``failed`` and never retried.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
