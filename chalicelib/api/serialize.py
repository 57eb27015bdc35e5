"""JSON shapes of the public contract."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.models import Order, Product, StockLevel, Tenant


def tenant(t: Tenant) -> dict[str, Any]:
    return {"id": t.id, "object": "tenant", "slug": t.slug, "name": t.name, "email": t.email, "plan": t.plan,
            "created_at": t.created_at, "logo_url": t.logo_url or None, "announcement": t.announcement,
            "support_contact": t.support_contact or None, "show_stock_counts": t.show_stock_counts,
            "payment_methods": list(t.payment_methods), "locale": t.locale}


def product(p: Product) -> dict[str, Any]:
    return {"id": p.id, "object": "product", "name": p.name, "price": p.price, "currency": p.currency,
            "description": p.description, "category": p.category or None, "image_url": p.image_url or None,
            "usage_guide": p.usage_guide, "usage_url": p.usage_url or None, "min_per_order": p.min_per_order,
            "max_per_order": p.max_per_order, "low_stock_threshold": p.low_stock_threshold,
            "activation_limit": p.activation_limit, "active": p.active, "archived": p.archived,
            "auto_replace": p.auto_replace, "replace_window_minutes": p.replace_window_minutes,
            "replace_max_per_order": p.replace_max_per_order,
            "created_at": p.created_at, "updated_at": p.updated_at}


def order(o: Order) -> dict[str, Any]:
    return {"id": o.id, "object": "order", "status": o.status.value, "product_id": o.product_id,
            "product_name": o.product_name, "quantity": o.quantity, "amount": o.amount, "currency": o.currency,
            "email": o.email, "created_at": o.created_at, "expires_at": o.expires_at, "paid_at": o.paid_at,
            "delivered_at": o.delivered_at, "refunded_at": o.refunded_at, "failure_reason": o.failure_reason}


def stock(s: StockLevel) -> dict[str, Any]:
    return {"available": s.available, "reserved": s.reserved, "sold": s.sold}


def page(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"object": "list", "data": items, "has_more": next_cursor is not None, "next_cursor": next_cursor}
