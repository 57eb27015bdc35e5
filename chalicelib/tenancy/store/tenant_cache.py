"""A per-container cache of tenants by id and slug: the storefront reads them on every request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chalicelib.tenancy.domain.models import ApiKey, Tenant, User
from chalicelib.tenancy.domain.ports import TenantStore

TTL_SECONDS = 30.0  # tenants change rarely (name, plan); API keys are never cached (revocation is immediate)


class CachedTenantStore:
    def __init__(self, inner: TenantStore, *, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._by_id: dict[str, tuple[float, Tenant]] = {}
        self._by_slug: dict[str, tuple[float, Tenant]] = {}

    def create(self, *, tenant: Tenant, owner: User, api_key: ApiKey) -> None:
        self._inner.create(tenant=tenant, owner=owner, api_key=api_key)

    def get(self, *, tenant_id: str) -> Tenant:
        hit = self._fresh(self._by_id, tenant_id)
        if hit is None:
            hit = self._inner.get(tenant_id=tenant_id)
            self._remember(hit)
        return hit

    def by_slug(self, slug: str) -> Tenant | None:
        hit = self._fresh(self._by_slug, slug)
        if hit is None:
            hit = self._inner.by_slug(slug)  # a miss is not cached: the slug may be taken a moment later
            if hit is not None:
                self._remember(hit)
        return hit

    def update_shop(self, tenant: Tenant) -> None:
        self._inner.update_shop(tenant)  # type: ignore[attr-defined]
        self._remember(tenant)  # this container sees the change at once; others within the TTL

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        return self._inner.api_key_by_hash(key_hash)

    def ids(self, *, after: str | None) -> tuple[list[str], str | None]:
        return self._inner.ids(after=after)  # the list of shops is never cached

    def _fresh(self, table: dict[str, tuple[float, Tenant]], key: str) -> Tenant | None:
        with self._lock:
            entry = table.get(key)
        if entry is None or entry[0] < self._clock():
            return None
        return entry[1]

    def _remember(self, tenant: Tenant) -> None:
        until = self._clock() + self._ttl
        with self._lock:
            if len(self._by_id) > 10_000:  # bounded: a container never holds more than this
                self._by_id.clear()
                self._by_slug.clear()
            self._by_id[tenant.id] = (until, tenant)
            self._by_slug[tenant.slug] = (until, tenant)
