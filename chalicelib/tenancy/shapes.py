"""JSON shape of a tenant (the public contract)."""

from __future__ import annotations

from typing import Any

from chalicelib.tenancy.domain.models import Tenant


def tenant_json(t: Tenant) -> dict[str, Any]:
    return {"id": t.id, "object": "tenant", "slug": t.slug, "name": t.name, "email": t.email, "plan": t.plan,
            "created_at": t.created_at, "logo_url": t.logo_url or None, "announcement": t.announcement,
            "support_contact": t.support_contact or None, "show_stock_counts": t.show_stock_counts,
            "payment_methods": list(t.payment_methods), "locale": t.locale,
            "timezone": t.zone}
