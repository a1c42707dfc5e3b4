"""Abuse limits of the gateway's edge, for callers with and without an API key.

Everything here is per replica and in memory (a token bucket per address or session, a
counter of uploads in flight, a byte budget for spooled uploads): a replica protects itself
without a shared store, and N replicas allow at most N times each limit. Every table is
bounded (least recently used entries go first), so a flood of new addresses or keys costs
memory up to that bound and no more. The README's security section lists every limit.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from greenroom_common.config import Settings

# Ids of sessions, answers and questions: printable ASCII, short. Anything else cannot name
# a stored object, so it is refused (404 or 422) before it reaches storage.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# Header-safe text (filename, content type): printable ASCII only.
PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def valid_id(value: str) -> bool:
    return ID_PATTERN.fullmatch(value) is not None


def printable_ascii(value: str) -> bool:
    return PRINTABLE_ASCII.fullmatch(value) is not None


class RateLimited(Exception):
    """A per-client or per-tenant limit was reached: HTTP 429, gRPC RESOURCE_EXHAUSTED."""

    def __init__(self, retry_after_s: float, what: str = "Rate limit reached") -> None:
        super().__init__(f"{what}; retry in {retry_after_s:.1f} s.")
        self.retry_after_s = retry_after_s
        self.what = what

    @property
    def message(self) -> str:
        return f"{self.what}; retry in {math.ceil(self.retry_after_s)} s."

    @property
    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))


class Busy(RateLimited):
    """The replica's shared capacity (the upload spool) is full: HTTP 503 with Retry-After,
    gRPC RESOURCE_EXHAUSTED."""


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One token bucket per key: ``per_minute`` tokens a minute, bursts up to the same."""

    def __init__(self, per_minute: int, max_keys: int) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _bucket(self, key: str) -> _Bucket:
        now = time.monotonic()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.per_minute), now)
        bucket.tokens = min(float(self.per_minute),
                            bucket.tokens + (now - bucket.stamp) * self.per_minute / 60.0)
        bucket.stamp = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return bucket

    def wait_s(self, key: str) -> float:
        """Seconds until ``key`` may act again (0: now), without using a token."""
        if self.per_minute <= 0:
            return 0.0
        bucket = self._bucket(key)
        return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) * 60.0 / self.per_minute

    def take(self, key: str, what: str) -> None:
        """Use one token of ``key``, or raise :class:`RateLimited`."""
        wait = self.wait_s(key)
        if wait > 0:
            raise RateLimited(wait, what)
        if self.per_minute > 0:
            self._buckets[key].tokens -= 1.0


class Limits:
    """The gateway's edge limits (settings documented in the README)."""

    UPLOAD_RETRY_S = 5.0

    def __init__(self, settings: Settings) -> None:
        tracked = settings.limit_clients_tracked
        self.requests = TokenBuckets(settings.limit_requests_per_ip_per_min, tracked)
        self.sessions = TokenBuckets(settings.limit_sessions_per_ip_per_min, tracked)
        self.answers_ip = TokenBuckets(settings.limit_answers_per_ip_per_min, tracked)
        self.answers_session = TokenBuckets(settings.limit_answers_per_session_per_min,
                                            tracked)
        self.auth_failures = TokenBuckets(settings.auth_failures_per_ip_per_min, tracked)
        self.max_concurrent_uploads = settings.max_concurrent_uploads_per_client
        self.spool_budget = settings.upload_spool_budget_bytes
        self.spooled = 0
        self._uploads: dict[str, int] = {}
        if settings.upload_spool_dir is not None:
            # Both the multipart parser and the gRPC upload spool through tempfile.
            settings.upload_spool_dir.mkdir(parents=True, exist_ok=True)
            tempfile.tempdir = str(settings.upload_spool_dir)

    def request(self, client: str) -> None:
        self.requests.take(client, "Too many requests from your address")

    def session_created(self, client: str) -> None:
        self.sessions.take(client, "Too many new sessions from your address")

    def answer(self, client: str, session_id: str) -> None:
        wait = max(self.answers_ip.wait_s(client), self.answers_session.wait_s(session_id))
        if wait > 0:
            raise RateLimited(wait, "Too many answers in a short time")
        self.answers_ip.take(client, "Too many answers from your address")
        self.answers_session.take(session_id, "Too many answers to this session")

    def auth_blocked(self, client: str) -> None:
        """Refuse a client that sent too many unknown keys, before any lookup."""
        wait = self.auth_failures.wait_s(client)
        if wait > 0:
            raise RateLimited(wait, "Too many unknown API keys from your address")

    def auth_failed(self, client: str) -> None:
        with contextlib.suppress(RateLimited):
            self.auth_failures.take(client, "")

    @contextlib.contextmanager
    def upload(self, client: str, reserve_bytes: int, max_concurrent: int | None = None
               ) -> Iterator[Spool]:
        """One upload in flight for ``client``, with ``reserve_bytes`` of the spool budget
        held until it ends (:class:`RateLimited` or :class:`Busy` if either is full)."""
        cap = max_concurrent or self.max_concurrent_uploads
        if self._uploads.get(client, 0) >= cap:
            raise RateLimited(self.UPLOAD_RETRY_S,
                              f"At most {cap} uploads at once from one client")
        spool = Spool(self)
        spool.grow(reserve_bytes)
        self._uploads[client] = self._uploads.get(client, 0) + 1
        try:
            yield spool
        finally:
            spool.release()
            left = self._uploads[client] - 1
            if left:
                self._uploads[client] = left
            else:
                del self._uploads[client]


class Spool:
    """Bytes of the shared spool budget held by one upload."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.held = 0

    def grow(self, total: int) -> None:
        """Hold ``total`` bytes in all (never less than already held), or raise :class:`Busy`."""
        extra = total - self.held
        if extra <= 0:
            return
        if self.limits.spooled + extra > self.limits.spool_budget:
            raise Busy(Limits.UPLOAD_RETRY_S, "The server is busy with other uploads")
        self.limits.spooled += extra
        self.held = total

    def release(self) -> None:
        self.limits.spooled -= self.held
        self.held = 0
