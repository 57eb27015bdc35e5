"""JSON shape of an order (the public contract)."""

from __future__ import annotations

from typing import Any

from chalicelib.sales.domain.models import Order


def order_json(o: Order) -> dict[str, Any]:
    return {"id": o.id, "object": "order", "status": o.status.value, "product_id": o.product_id,
            "product_name": o.product_name, "quantity": o.quantity, "amount": o.amount, "currency": o.currency,
            "email": o.email, "created_at": o.created_at, "expires_at": o.expires_at, "paid_at": o.paid_at,
            "delivered_at": o.delivered_at, "refunded_at": o.refunded_at, "failure_reason": o.failure_reason}
