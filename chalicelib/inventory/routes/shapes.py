"""JSON shapes (and their schemas) of keys, batches, key-access records and stock rows."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.domain import Product
from chalicelib.http.schema import boolean, id_of, integer, obj, string, timestamp
from chalicelib.inventory.domain.keys import KEY_STATUSES, Batch, KeyAccess
from chalicelib.inventory.domain.models import StockLevel
from chalicelib.inventory.service.keys import BatchDetail, ShownKey

KEY = obj({
    "id": id_of("ck", "names the key's slot in the pool: product, shard and number"),
    "object": string(enum=("card_key",)), "product_id": id_of("prd"),
    "masked": string("at most 4 characters (and at most a quarter) of the key; the rest is hidden"),
    "status": string(enum=KEY_STATUSES), "batch_id": id_of("bat"),
    "order_id": string("the order holding or owning the key", nullable=True),
    "reserved_until": timestamp(nullable=True), "voided_at": timestamp(nullable=True),
    "void_reason": string(enum=("merchant", "refund"), nullable=True), "created_at": timestamp(),
}, title="CardKey")
REVEALED = obj({"key": KEY, "value": string("the plaintext key; this reveal is recorded")})
BATCH = obj({
    "id": id_of("bat"), "object": string(enum=("key_batch",)), "product_id": id_of("prd"),
    "imported": integer(minimum=0), "duplicates": integer(minimum=0), "rejected": integer(minimum=0),
    "supplier": string(nullable=True), "cost_per_key": integer(minimum=0, nullable=True),
    "currency": string("currency of cost_per_key", nullable=True), "created_by": string("API key id"),
    "created_by_name": string(), "created_at": timestamp(),
}, title="KeyBatch")
COUNTS = obj({s: integer(minimum=0) for s in KEY_STATUSES})
BATCH_DETAIL = obj({**BATCH["properties"], "counts": COUNTS}, title="KeyBatchDetail")
KEY_ACCESS = obj({
    "id": id_of("evt"), "object": string(enum=("key_access",)), "action": string(enum=("reveal", "export")),
    "product_id": id_of("prd"), "key_id": string(nullable=True), "count": integer(minimum=0),
    "api_key_id": string("the API key, or the staff member's user id"),
    "api_key_name": string("the API key's name, or the staff member's e-mail"), "request_id": string(),
    "created_at": timestamp(), "reason": string("why, as given (staff reveals must give one)"),
    "actor_kind": string(enum=("api_key", "staff")),
}, title="KeyAccess")
STOCK_ROW = obj({
    "product_id": id_of("prd"), "name": string(), "available": integer(minimum=0), "reserved": integer(minimum=0),
    "sold": integer(minimum=0), "low_stock_threshold": integer(minimum=0),
    "low": boolean("available is at or below the product's low_stock_threshold"), "active": boolean(),
    "archived": boolean(),
}, title="StockRow")


def key(k: ShownKey) -> dict[str, Any]:
    p = k.key
    return {"id": k.id, "object": "card_key", "product_id": p.product_id, "masked": k.masked, "status": p.status,
            "batch_id": p.batch_id, "order_id": p.order_id, "reserved_until": p.reserved_until,
            "voided_at": p.voided_at, "void_reason": p.void_reason, "created_at": p.created_at}


def batch(b: Batch) -> dict[str, Any]:
    return {"id": b.id, "object": "key_batch", "product_id": b.product_id, "imported": b.imported,
            "duplicates": b.duplicates, "rejected": b.rejected, "supplier": b.supplier,
            "cost_per_key": b.cost_per_key, "currency": b.currency, "created_by": b.created_by,
            "created_by_name": b.created_by_name, "created_at": b.created_at}


def batch_detail(d: BatchDetail) -> dict[str, Any]:
    return {**batch(d.batch), "counts": {s: d.counts.get(s, 0) for s in KEY_STATUSES}}


def key_access(a: KeyAccess) -> dict[str, Any]:
    return {"id": a.id, "object": "key_access", "action": a.action, "product_id": a.product_id,
            "key_id": a.key_id, "count": a.count, "api_key_id": a.api_key_id, "api_key_name": a.api_key_name,
            "request_id": a.request_id, "created_at": a.created_at, "reason": a.reason, "actor_kind": a.actor_kind}


def stock_row(p: Product, s: StockLevel) -> dict[str, Any]:
    return {"product_id": p.id, "name": p.name, "available": s.available, "reserved": s.reserved, "sold": s.sold,
            "low_stock_threshold": p.low_stock_threshold, "low": s.available <= p.low_stock_threshold,
            "active": p.active, "archived": p.archived}
