"""The per-container tenant cache: fresh for its TTL, never caches misses or API keys."""

from __future__ import annotations

import dataclasses

from chalicelib.kernel.ids import token_hash
from chalicelib.tenancy.domain.models import ApiKey, Tenant, User
from chalicelib.tenancy.store.tenant_cache import CachedTenantStore
from tests.fakes import FakeTenantStore


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _tenant(slug: str = "acme") -> tuple[Tenant, User, ApiKey]:
    tenant = Tenant(id="ten_1", slug=slug, name="Acme", email="o@acme.test", plan="starter", branch_key_id="bk",
                    fingerprint_key_ciphertext=b"x", created_at=1)
    user = User(tenant_id="ten_1", id="usr_1", email="o@acme.test", password_hash="h", role="owner", created_at=1)
    key = ApiKey(tenant_id="ten_1", id="key_1", key_hash=token_hash("kd_live_x"), name="k", scopes=("read",),
                 created_at=1)
    return tenant, user, key


def test_reads_are_served_from_memory_until_the_ttl_passes() -> None:
    # given a cached store over a fake, with a tenant read once
    inner, tick = FakeTenantStore(), Ticker()
    cache = CachedTenantStore(inner, ttl=30, clock=tick)
    tenant, user, key = _tenant()
    cache.create(tenant=tenant, owner=user, api_key=key)
    assert cache.by_slug("acme") == tenant
    # when the stored tenant changes behind the cache
    inner.tenants[tenant.id] = dataclasses.replace(tenant, name="Renamed")
    # then the cache answers the old value within the TTL and the new one after it
    assert cache.get(tenant_id="ten_1").name == "Acme"
    tick.now += 31
    assert cache.get(tenant_id="ten_1").name == "Renamed"


def test_a_missing_slug_is_not_remembered_and_api_keys_are_always_read() -> None:
    inner, tick = FakeTenantStore(), Ticker()
    cache = CachedTenantStore(inner, ttl=30, clock=tick)
    tenant, user, key = _tenant()
    assert cache.by_slug("acme") is None
    cache.create(tenant=tenant, owner=user, api_key=key)
    assert cache.by_slug("acme") == tenant  # the earlier miss did not stick
    assert cache.api_key_by_hash(key.key_hash) == key
