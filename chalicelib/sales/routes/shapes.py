"""JSON shape of an order (the public contract)."""

from __future__ import annotations

from typing import Any

from chalicelib.http.schema import array, integer, obj, string
from chalicelib.sales.domain.models import Order

PRICING = obj({
    "list_amount": integer("unit price × quantity, before any step", minimum=0),
    "lines": array(obj({"kind": string(enum=("list", "tier", "threshold", "coupon", "floor")),
                        "amount": integer("the list amount, then what each step changed (negative: a saving)"),
                        "ref": string("the tier's quantity, the threshold's spend or the coupon's code",
                                      nullable=True)}),
                   "the pricing steps in the order they apply; they add up to `amount`"),
}, title="Pricing", description="the price the order was sold at, step by step")


def order_json(o: Order) -> dict[str, Any]:
    return {"id": o.id, "object": "order", "status": o.status.value, "product_id": o.product_id,
            "product_name": o.product_name, "quantity": o.quantity, "amount": o.amount, "currency": o.currency,
            "email": o.email, "created_at": o.created_at, "expires_at": o.expires_at, "paid_at": o.paid_at,
            "delivered_at": o.delivered_at, "refunded_at": o.refunded_at, "failure_reason": o.failure_reason,
            "pricing": pricing_json(o), "risk": risk_json(o)}


def risk_json(o: Order) -> dict[str, Any] | None:
    """The risk decision at checkout and its reasons (None for orders placed before the rules, or with them off)."""
    if not o.risk_decision:
        return None
    return {"score": o.risk_score, "decision": o.risk_decision,
            "reasons": [{"reason": r, "points": p} for r, p in o.risk_reasons]}


def pricing_json(o: Order) -> dict[str, Any]:
    """The price the order was sold at, step by step (marketing.domain.pricing); the lines add up to `amount`."""
    lines = o.pricing
    return {"list_amount": lines[0][1], "lines": [{"kind": k, "amount": a, "ref": r or None} for k, a, r in lines]}
