"""Merchant API: keys (masked list, void, reveal, CSV export), the key-access log, batches, stock summary."""

from __future__ import annotations

import csv
import io
from typing import Any

from chalice import Blueprint, Response

from chalicelib.catalog.routes import FILTER_QUERY, LIST_QUERY, archived_filter
from chalicelib.http import serialize
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import integer, page_of, string
from chalicelib.inventory.domain.keys import KEY_STATUSES
from chalicelib.inventory.routes import shapes
from chalicelib.inventory.service.keys import MAX_EXPORT
from chalicelib.kernel.errors import InvalidRequest

inventory = Blueprint(__name__)

KEY_QUERY = (QueryParam("status", string(enum=KEY_STATUSES), "only keys in this status"),
             QueryParam("batch_id", string(max_length=64), "only keys of this import batch"))
EXPORT_QUERY = (QueryParam("limit", integer(minimum=1, maximum=MAX_EXPORT), "keys per file, default 1000"),
                QueryParam("cursor", string(max_length=500), "from the X-Next-Cursor header of the last file"),
                QueryParam("batch_id", string(max_length=64), "only keys of this import batch"))


@endpoint(inventory, "GET", "/v1/products/{product_id}/keys", summary="List a product's keys, masked", tag="Keys",
          scope="read", response=page_of(shapes.KEY), query=LIST_QUERY + KEY_QUERY,
          description="In pool order (the order keys sell). Values are masked: at most 4 characters show.")
def list_keys(call: Call, product_id: str) -> Any:
    limit, cursor = call.list_params()
    page = call.c.inventory.keys.list_keys(tenant_id=call.tenant_id, product_id=product_id,
                                      status=call.query.get("status"), batch_id=call.query.get("batch_id"),
                                      limit=limit, cursor=cursor)
    return serialize.page([shapes.key(k) for k in page.items], page.next_cursor)


@endpoint(inventory, "POST", "/v1/keys/{key_id}/void", summary="Void an available key", tag="Keys",
          scope="catalog_write", response=shapes.KEY, extra_statuses=(409,),
          description="A void key is never sold. Reserved or sold keys answer 409 key_not_available.")
def void_key(call: Call, key_id: str) -> Any:
    return shapes.key(call.c.inventory.keys.void_key(tenant_id=call.tenant_id, key_id=key_id, actor=call.actor))


@endpoint(inventory, "POST", "/v1/keys/{key_id}/reveal", summary="Reveal one key in plain text", tag="Keys",
          scope="keys_reveal", response=shapes.REVEALED, secret_answer=True,
          description="Recorded in the key-access log. A replay with the same Idempotency-Key answers 409 "
                      "`idempotent_secret_withheld`: plaintext keys are never kept for replays.")
def reveal_key(call: Call, key_id: str) -> Any:
    shown, value = call.c.inventory.keys.reveal_key(tenant_id=call.tenant_id, key_id=key_id, actor=call.actor)
    return {"key": shapes.key(shown), "value": value}


@endpoint(inventory, "GET", "/v1/products/{product_id}/keys/export", summary="Export unsold keys as CSV",
          tag="Keys", scope="keys_reveal", query=EXPORT_QUERY, produces="text/csv",
          description="Available keys in plain text: columns key_id, key, batch_id, created_at. When more "
                      "remain, the X-Next-Cursor header carries the cursor of the next file. Recorded.")
def export_keys(call: Call, product_id: str) -> Any:
    raw_limit = call.query.get("limit", "1000")
    if not raw_limit.isdigit() or len(raw_limit) > 6:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_EXPORT}", param="limit")
    cursor = call.query.get("cursor") or None
    if cursor is not None and len(cursor) > 500:
        raise InvalidRequest("cursor is not one this API returned", param="cursor")
    rows, next_cursor = call.c.inventory.keys.export(tenant_id=call.tenant_id, product_id=product_id,
                                                batch_id=call.query.get("batch_id"), limit=int(raw_limit),
                                                cursor=cursor, actor=call.actor)
    out = io.StringIO()
    # Values are written exactly as stored (quoted): they are secrets to load elsewhere, not formulas.
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["key_id", "key", "batch_id", "created_at"])
    for kid, k, value in rows:
        writer.writerow([kid, value, k.batch_id, k.created_at])
    headers: dict[str, str | list[str]] = {"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
               "Content-Disposition": f'attachment; filename="{product_id}-keys.csv"'}
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
    return Response(body=out.getvalue(), status_code=200, headers=headers)


@endpoint(inventory, "GET", "/v1/key_access_log", summary="Reveals and exports of plaintext keys", tag="Keys",
          scope="read", response=page_of(shapes.KEY_ACCESS), query=LIST_QUERY,
          description="Who (API key), what (key or product), when and how many; newest first.")
def key_access_log(call: Call) -> Any:
    limit, cursor = call.list_params()
    page = call.c.inventory.keys.access_log(tenant_id=call.tenant_id, limit=limit, cursor=cursor, actor=call.actor)
    return serialize.page([shapes.key_access(a) for a in page.items], page.next_cursor)


@endpoint(inventory, "GET", "/v1/products/{product_id}/batches", summary="A product's import batches",
          tag="Keys", scope="read", response=page_of(shapes.BATCH), query=LIST_QUERY)
def list_batches(call: Call, product_id: str) -> Any:
    limit, cursor = call.list_params()
    page = call.c.inventory.keys.batches(tenant_id=call.tenant_id, product_id=product_id, limit=limit, cursor=cursor)
    return serialize.page([shapes.batch(b) for b in page.items], page.next_cursor)


@endpoint(inventory, "GET", "/v1/batches/{batch_id}", summary="One import batch with its keys by status",
          tag="Keys", scope="read", response=shapes.BATCH_DETAIL)
def get_batch(call: Call, batch_id: str) -> Any:
    return shapes.batch_detail(call.c.inventory.keys.batch(tenant_id=call.tenant_id, batch_id=batch_id))


@endpoint(inventory, "GET", "/v1/stock", summary="Stock of every product", tag="Products", scope="read",
          response=page_of(shapes.STOCK_ROW), query=LIST_QUERY + FILTER_QUERY,
          description="Per product: available, reserved, sold, and low when available is at or below the "
                      "product's low_stock_threshold. Newest products first.")
def stock_summary(call: Call) -> Any:
    limit, cursor = call.list_params()
    page = call.c.inventory.keys.stock_summary(tenant_id=call.tenant_id, limit=limit, cursor=cursor,
                                          category=call.query.get("category"), archived=archived_filter(call))
    return serialize.page([shapes.stock_row(p, s) for p, s in page.items], page.next_cursor)
