"""Transient versus poison: which failures a stage waits out and which it gives up on.

An answer must never fail because Kafka or MinIO blinked. A failure is *transient* when it
comes from the infrastructure (a refused connection, a timeout, a 5xx from storage, any
Kafka client error); the worker then retries with capped exponential backoff for as long as
the operator's budget allows. Any other error is a *poison candidate*: it is retried a few
times, and only if it keeps failing while the infrastructure answers its health checks is
the event dead-lettered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka.errors import KafkaError
from minio.error import InvalidResponseError, S3Error, ServerError
from urllib3.exceptions import HTTPError as Urllib3Error

# Storage answers that mean "not now" rather than "never".
_RETRYABLE_S3 = {"ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout",
                 "XMinioServerNotInitialized", "XMinioStorageFull", "OperationTimedOut"}


# Exception types that are transient whatever their details (S3Error depends on its code).
TRANSIENT_KINDS: tuple[type[Exception], ...] = (
    ConnectionError, TimeoutError, KafkaError, Urllib3Error, ServerError, InvalidResponseError)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is an infrastructure failure worth waiting out."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (*TRANSIENT_KINDS, asyncio.TimeoutError)):
            return True
        if isinstance(current, S3Error) and (
                current.code in _RETRYABLE_S3
                or (current.response is not None and current.response.status >= 500)):
            return True
        current = current.__cause__ or current.__context__
    return False


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff: ``first``, 2×, 4× … up to ``cap`` seconds between tries."""

    first_s: float = 1.0
    cap_s: float = 30.0

    def delay(self, retry: int) -> float:
        """Pause before retry number ``retry`` (1-based)."""
        return float(min(self.cap_s, self.first_s * 2.0 ** max(retry - 1, 0)))
