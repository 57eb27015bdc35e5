"""The merchant's storefront settings: name, logo, announcement, support contact, stock display, methods."""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.kernel.activity import ActivityEntry, ActivityLog
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.roles import Actor, Permission
from chalicelib.tenancy.domain.shop import ShopSettingsStore, shop_changes


class ShopSettingsService:
    def __init__(self, *, tenants: ShopSettingsStore, allow_http_urls: bool, activity: ActivityLog | None = None,
                 clock: Clock | None = None) -> None:
        self._tenants = tenants
        self._allow_http = allow_http_urls
        self._activity = activity
        self._clock = clock

    def update(self, *, actor: Actor, tenant_id: str, body: Any) -> Tenant:
        """Checks every field first (a bad one is a 400 naming it, and nothing is saved), then saves them all."""
        actor.require(Permission.SETTINGS)
        changes = shop_changes(v.body_object(body), allow_http=self._allow_http)
        before = self._tenants.get(tenant_id=tenant_id)
        updated = dataclasses.replace(before, **changes)
        self._tenants.update_shop(updated)
        changed = sorted(k for k in changes if getattr(before, k) != getattr(updated, k))
        if self._activity is not None and self._clock is not None and changed:
            self._activity.record(ActivityEntry(
                tenant_id=tenant_id, id=new_id("activity"), at=self._clock.now(), actor_kind=actor.kind,
                actor_id=actor.id, actor_name=actor.name, action="settings.changed", target="shop",
                detail={"fields": ", ".join(changed)}))
        return updated
