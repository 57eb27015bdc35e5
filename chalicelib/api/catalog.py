"""Merchant API: products and key import."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import serialize
from .errors import error_response
from .parsing import MAX_IMPORT_BYTES
from .routes import Call, QueryParam, endpoint
from .schema import CURRENCY, array, boolean, id_of, integer, obj, page_of, string, timestamp

catalog = Blueprint(__name__)

PRODUCT = obj({
    "id": id_of("prd"), "object": string(enum=("product",)), "name": string(max_length=100),
    "price": integer(minimum=0), "currency": CURRENCY, "description": string(),
    "max_per_order": integer(minimum=1), "active": boolean(), "created_at": timestamp(), "updated_at": timestamp(),
}, title="Product")
PRODUCT_CREATE = obj({
    "name": string(max_length=100), "price": integer(minimum=0), "currency": CURRENCY,
    "description": string(max_length=5000), "max_per_order": integer(minimum=1, maximum=50),
}, required=("name", "price", "currency"), closed=True)
PRODUCT_PATCH = obj({
    "name": string(max_length=100), "price": integer(minimum=0), "description": string(max_length=5000),
    "max_per_order": integer(minimum=1, maximum=50), "active": boolean(),
}, required=(), closed=True)
IMPORT_RESULT = obj({
    "batch_id": id_of("bat"), "imported": integer(minimum=0), "duplicates": integer(minimum=0),
    "rejected": array(obj({"line": integer(minimum=1), "reason": string()})),
})
STOCK = obj({"available": integer(minimum=0), "reserved": integer(minimum=0), "sold": integer(minimum=0)})
LIST_QUERY = (QueryParam("limit", integer(minimum=1, maximum=100)), QueryParam("cursor", string(max_length=500)))


@endpoint(catalog, "POST", "/v1/products", summary="Create a product", tag="Products", scope="catalog_write",
          status=201, body=PRODUCT_CREATE, response=PRODUCT)
def create_product(call: Call) -> Any:
    return serialize.product(call.c.catalog.create(tenant_id=call.tenant_id, body=call.json()))


@endpoint(catalog, "GET", "/v1/products", summary="List products, newest first", tag="Products", scope="read",
          response=page_of(PRODUCT), query=LIST_QUERY)
def list_products(call: Call) -> Any:
    limit, cursor = call.list_params()
    result = call.c.catalog.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([serialize.product(p) for p in result.items], result.next_cursor)


@endpoint(catalog, "GET", "/v1/products/{product_id}", summary="Get a product", tag="Products", scope="read",
          response=PRODUCT)
def get_product(call: Call, product_id: str) -> Any:
    return serialize.product(call.c.catalog.get(tenant_id=call.tenant_id, product_id=product_id))


@endpoint(catalog, "PATCH", "/v1/products/{product_id}", summary="Change a product", tag="Products",
          scope="catalog_write", body=PRODUCT_PATCH, response=PRODUCT)
def patch_product(call: Call, product_id: str) -> Any:
    return serialize.product(call.c.catalog.patch(tenant_id=call.tenant_id, product_id=product_id, body=call.json()))


@endpoint(catalog, "POST", "/v1/products/{product_id}/keys", summary="Import card keys", tag="Keys",
          scope="keys_import", body=obj({"keys": array(string(max_length=1024), max_items=10_000)}, closed=True),
          response=IMPORT_RESULT, content_types=("application/json", "text/plain"),
          description="A JSON list of keys, or text/plain with one key a line (at most 10,000 keys).")
def import_keys(call: Call, product_id: str) -> Any:
    content_type = (call.header("content-type") or "application/json").lower()
    body: Any = call.raw(limit=MAX_IMPORT_BYTES)
    if not content_type.startswith("text/plain"):
        body = call.json(limit=MAX_IMPORT_BYTES)
    result = call.c.key_import.import_keys(tenant_id=call.tenant_id, product_id=product_id, body=body,
                                           content_type=content_type)
    summary: dict[str, Any] = {
        "batch_id": result.batch_id, "imported": result.imported, "duplicates": result.duplicates,
        "rejected": [{"line": r.line, "reason": r.reason} for r in result.rejected],
    }
    if result.failure is not None:
        # Truthful partial answer: counted what was committed; the failed lines can be re-sent as they are.
        failure = result.failure
        failure.extra = {**summary, "failed_lines": result.failed_lines,
                         "hint": "retry the same request: keys already stored count as duplicates"}
        response: Response = error_response(failure)
        return response
    return summary


@endpoint(catalog, "GET", "/v1/products/{product_id}/stock", summary="Stock of a product", tag="Products",
          scope="read", response=STOCK)
def product_stock(call: Call, product_id: str) -> Any:
    return serialize.stock(call.c.catalog.stock(tenant_id=call.tenant_id, product_id=product_id))
