"""What the tenancy services need from their store."""

from __future__ import annotations

from typing import Protocol

from .models import ApiKey, Tenant, User


class TenantStore(Protocol):
    def create(self, *, tenant: Tenant, owner: User, api_key: ApiKey) -> None: ...
    def get(self, *, tenant_id: str) -> Tenant: ...
    def by_slug(self, slug: str) -> Tenant | None: ...
    def api_key_by_hash(self, key_hash: str) -> ApiKey | None: ...


class TenantDirectory(Protocol):
    """What other capabilities read of tenancy (its TenantService): a tenant by id, a shop by its address."""

    def get(self, *, tenant_id: str) -> Tenant: ...
    def by_slug(self, slug: str) -> Tenant | None: ...
