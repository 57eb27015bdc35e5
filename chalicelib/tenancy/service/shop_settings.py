"""The merchant's storefront settings: name, logo, announcement, support contact, stock display, methods."""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.shop import ShopSettingsStore, shop_changes


class ShopSettingsService:
    def __init__(self, *, tenants: ShopSettingsStore, allow_http_urls: bool) -> None:
        self._tenants = tenants
        self._allow_http = allow_http_urls

    def update(self, *, tenant_id: str, body: Any) -> Tenant:
        changes = shop_changes(v.body_object(body), allow_http=self._allow_http)
        updated = dataclasses.replace(self._tenants.get(tenant_id=tenant_id), **changes)
        self._tenants.update_shop(updated)
        return updated
