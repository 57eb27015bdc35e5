"""JSON shapes of a product and its stock (the public contract)."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.domain import Product
from chalicelib.inventory.domain.models import StockLevel


def product_json(p: Product) -> dict[str, Any]:
    return {"id": p.id, "object": "product", "name": p.name, "price": p.price, "currency": p.currency,
            "description": p.description, "category": p.category or None, "image_url": p.image_url or None,
            "usage_guide": p.usage_guide, "usage_url": p.usage_url or None, "min_per_order": p.min_per_order,
            "max_per_order": p.max_per_order, "low_stock_threshold": p.low_stock_threshold,
            "activation_limit": p.activation_limit, "active": p.active, "archived": p.archived,
            "auto_replace": p.auto_replace, "replace_window_minutes": p.replace_window_minutes,
            "replace_max_per_order": p.replace_max_per_order, "sale_starts_at": p.sale_starts_at,
            "sale_ends_at": p.sale_ends_at, "max_per_buyer": buyer_limits_json(p),
            "price_tiers": [{"min_quantity": q, "unit_price": price} for q, price in p.price_tiers],
            "created_at": p.created_at, "updated_at": p.updated_at, "version": p.version}


def stock_json(s: StockLevel) -> dict[str, Any]:
    return {"available": s.available, "reserved": s.reserved, "sold": s.sold}


def buyer_limits_json(p: Product) -> dict[str, int | None]:
    return {"day": p.max_per_buyer_day or None, "month": p.max_per_buyer_month or None,
            "lifetime": p.max_per_buyer or None}
