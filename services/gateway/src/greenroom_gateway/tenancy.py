"""Tenants, API keys and per-tenant limits.

Hiring teams are tenants. An admin issues API keys per tenant (``python -m
greenroom_gateway.admin``); only a key's SHA-256 is stored, so a leaked bucket leaks no key
(keys are 256-bit random, so a fast hash is enough: nothing to brute-force). Practice
sessions from the web app belong to the ``public`` tenant and are opened by their token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from greenroom_common.documents import Document
from greenroom_common.domain import PUBLIC_TENANT
from greenroom_common.storage import ObjectStore
from pydantic import Field

from greenroom_gateway.limits import RateLimited

__all__ = ["PUBLIC_TENANT", "Caller", "RateLimited", "Tenancy", "Unauthenticated"]
KEY_PREFIX = "grk_"


class TenantDoc(Document):
    tenant: str
    max_upload_bytes: int = Field(200 * 1024 * 1024, description="Largest upload accepted.")
    requests_per_minute: int = Field(600, description="Calls per minute, per gateway replica.")
    max_concurrent_uploads: int = Field(8, description="Uploads in flight at once, per "
                                        "gateway replica.")


class ApiKeyDoc(Document):
    key_id: str
    tenant: str
    created_at: float


def tenant_key(tenant: str) -> str:
    return f"tenants/{tenant}/tenant.json"


def api_key_key(digest: str) -> str:
    return f"tenants/keys/{digest}.json"


def digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is calling: a tenant (by API key) or a public practice candidate (by token)."""

    tenant: str
    token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False, compare=False)

    @property
    def public(self) -> bool:
        return self.tenant == PUBLIC_TENANT

    def owns(self, tenant: str, token_sha256: str) -> bool:
        """May this caller see an object of ``tenant`` guarded by ``token_sha256``?"""
        if self.public:
            return (tenant == PUBLIC_TENANT and self.token is not None
                    and hmac.compare_digest(token_sha256, digest(self.token)))
        return tenant == self.tenant


class Unauthenticated(Exception):
    """A key was sent but is not valid."""


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class Tenancy:
    store: ObjectStore
    default_max_upload_bytes: int
    cache_ttl_s: float = 5.0
    key_cache_size: int = 10_000
    _tenants: dict[str, tuple[float, TenantDoc]] = field(default_factory=dict)
    # Known and unknown keys alike, least recently used first; bounded, so a flood of random
    # keys costs at most ``key_cache_size`` entries (and is rate-limited per client too).
    _keys: OrderedDict[str, tuple[float, ApiKeyDoc | None]] = field(
        default_factory=OrderedDict)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    async def create_tenant(self, tenant: str, max_upload_bytes: int | None = None,
                            requests_per_minute: int | None = None) -> TenantDoc:
        if tenant == PUBLIC_TENANT or not tenant.replace("-", "").isalnum():
            raise ValueError(f"invalid tenant name {tenant!r}: letters, digits and '-' only")
        doc = TenantDoc(tenant=tenant)
        if max_upload_bytes is not None:
            doc.max_upload_bytes = max_upload_bytes
        if requests_per_minute is not None:
            doc.requests_per_minute = requests_per_minute
        await self.store.put_json(tenant_key(tenant), doc)
        self._tenants.pop(tenant, None)
        return doc

    async def issue_key(self, tenant: str) -> str:
        """A new API key for ``tenant`` (shown once; only its hash is kept)."""
        if await self.store.get_model(tenant_key(tenant), TenantDoc) is None:
            raise ValueError(f"no tenant {tenant!r}: create it first")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        doc = ApiKeyDoc(key_id=digest(key)[:12], tenant=tenant, created_at=time.time())
        await self.store.put_json(api_key_key(digest(key)), doc)
        return key

    async def revoke_key(self, api_key: str) -> None:
        await self.store.delete(api_key_key(digest(api_key)))
        self._keys.pop(digest(api_key), None)

    def known(self, api_key: str) -> bool:
        """Is ``api_key`` a valid key this replica looked up within ``cache_ttl_s``?"""
        cached = self._keys.get(digest(api_key))
        return (cached is not None and cached[1] is not None
                and time.monotonic() - cached[0] <= self.cache_ttl_s)

    async def resolve(self, api_key: str, fresh: bool = False) -> str:
        """The tenant of a key; :class:`Unauthenticated` if the key is unknown. A lookup is
        remembered ``cache_ttl_s`` (the bound on how long a revoked key still works on a
        replica); ``fresh`` asks storage again."""
        if len(api_key) > 256 or not api_key.isascii():
            raise Unauthenticated("malformed API key")
        hashed = digest(api_key)
        cached = self._keys.pop(hashed, None)
        now = time.monotonic()
        if fresh or cached is None or now - cached[0] > self.cache_ttl_s:
            cached = (now, await self.store.get_model(api_key_key(hashed), ApiKeyDoc))
        self._keys[hashed] = cached
        while len(self._keys) > self.key_cache_size:
            self._keys.popitem(last=False)
        if cached[1] is None:
            raise Unauthenticated("unknown API key")
        return cached[1].tenant

    async def tenant(self, tenant: str) -> TenantDoc:
        if tenant == PUBLIC_TENANT:
            # Practice callers are limited per address and per session (limits.Limits).
            return TenantDoc(tenant=tenant, max_upload_bytes=self.default_max_upload_bytes,
                             requests_per_minute=10**6)
        cached = self._tenants.get(tenant)
        now = time.monotonic()
        if cached is None or now - cached[0] > self.cache_ttl_s:
            doc = await self.store.get_model(tenant_key(tenant), TenantDoc) \
                or TenantDoc(tenant=tenant)
            cached = (now, doc)
            self._tenants[tenant] = cached
        return cached[1]

    async def check_rate(self, tenant: str) -> None:
        """Token bucket per tenant (per replica: the limit scales with the replica count)."""
        limit = (await self.tenant(tenant)).requests_per_minute
        now = time.monotonic()
        bucket = self._buckets.setdefault(tenant, _Bucket(float(limit), now))
        bucket.tokens = min(float(limit), bucket.tokens + (now - bucket.stamp) * limit / 60.0)
        bucket.stamp = now
        if bucket.tokens < 1.0:
            raise RateLimited((1.0 - bucket.tokens) * 60.0 / limit,
                              "Your team's rate limit is reached")
        bucket.tokens -= 1.0
