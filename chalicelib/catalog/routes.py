"""Merchant API: products and key import."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.aftersales.domain import MAX_REPLACEMENTS, MAX_WINDOW_MINUTES
from chalicelib.catalog.shapes import product_json, stock_json
from chalicelib.http import serialize
from chalicelib.http.errors import error_response
from chalicelib.http.parsing import MAX_IMPORT_BYTES, if_match_version
from chalicelib.http.routes import LIST_QUERY, Call, QueryParam, endpoint
from chalicelib.http.schema import CURRENCY, array, boolean, id_of, integer, obj, page_of, string, timestamp
from chalicelib.kernel.errors import InvalidRequest

catalog = Blueprint(__name__)

_URL = "an absolute https URL (http only on a local stack); null clears it"
PRODUCT = obj({
    "id": id_of("prd"), "object": string(enum=("product",)), "name": string(max_length=200),
    "price": integer(minimum=0), "currency": CURRENCY, "description": string(),
    "category": string(nullable=True), "image_url": string(nullable=True),
    "usage_guide": string("how to use the key; shown to the buyer with it"), "usage_url": string(nullable=True),
    "min_per_order": integer(minimum=1), "max_per_order": integer(minimum=1),
    "low_stock_threshold": integer(minimum=0), "activation_limit": integer(minimum=1), "active": boolean(),
    "archived": boolean("archived products are off sale and hidden from the storefront"),
    "auto_replace": boolean("after-sales: replace a reported key at once (within the window and limit)"),
    "replace_window_minutes": integer("minutes after delivery a report is replaced at once; 0 = never",
                                      minimum=0, maximum=MAX_WINDOW_MINUTES),
    "replace_max_per_order": integer("automatic replacements per order", minimum=0, maximum=MAX_REPLACEMENTS),
    "sale_starts_at": timestamp("on sale from then (an active product outside its window is not sold)",
                                nullable=True),
    "sale_ends_at": timestamp("off sale from then", nullable=True),
    "max_per_buyer": obj({period: integer(f"keys one buyer (e-mail) may hold {what}; null: no limit", minimum=1,
                                          nullable=True)
                          for period, what in (("day", "per day of the shop's zone"), ("month", "per calendar month"),
                                               ("lifetime", "ever"))},
                         description="held exactly at checkout; an order that ends unpaid gives its keys back"),
    "price_tiers": array(obj({"min_quantity": integer(minimum=2), "unit_price": integer(minimum=1)}),
                         "wholesale: from min_quantity keys in one order, each costs unit_price", max_items=5),
    "created_at": timestamp(), "updated_at": timestamp(),
    "version": integer("1 when created, +1 on every change; send it back as If-Match to change only this version",
                       minimum=1),
}, title="Product")
_EDITABLE = {
    "name": string(max_length=200), "price": integer(minimum=1), "currency": CURRENCY,
    "description": string(max_length=5000, nullable=True), "category": string(max_length=50, nullable=True),
    "image_url": string(_URL, max_length=2048, nullable=True),
    "usage_guide": string("shown to the buyer with the key", max_length=5000, nullable=True),
    "usage_url": string(_URL, max_length=2048, nullable=True),
    "min_per_order": integer("at most max_per_order", minimum=1, maximum=50),
    "max_per_order": integer(minimum=1, maximum=50),
    "low_stock_threshold": integer("stock is low at or below this", minimum=0, maximum=1_000_000),
    "activation_limit": integer("licence activations per key", minimum=1, maximum=1000),
    "active": boolean("an archived product cannot be made active"),
    "auto_replace": boolean("after-sales: replace a reported key at once from the pool (default true); "
                            "otherwise reports wait for your review"),
    "replace_window_minutes": integer("minutes after delivery within which a reported key is replaced at once "
                                      "(default 60; 0 = never automatically)", minimum=0, maximum=MAX_WINDOW_MINUTES),
    "replace_max_per_order": integer("automatic replacements per order (default 1); later reports wait for review",
                                     minimum=0, maximum=MAX_REPLACEMENTS),
    "sale_starts_at": integer("Unix seconds: the storefront shows and sells it from then; null: no start",
                              minimum=0, maximum=10**10, nullable=True),
    "sale_ends_at": integer("Unix seconds: off sale from then (to the second); null: no end", minimum=0,
                            maximum=10**10, nullable=True),
}
_EDITABLE["max_per_buyer"] = obj(
    {period: integer(f"keys one buyer may hold {what}; null lifts the limit", minimum=1, maximum=10_000,
                     nullable=True)
     for period, what in (("day", "per day (shop's zone)"), ("month", "per calendar month"), ("lifetime", "ever"))},
    required=(), closed=True, description="periods left out keep their limit; each at least min_per_order, "
                                          "day ≤ month ≤ lifetime")
_EDITABLE["price_tiers"] = array(
    obj({"min_quantity": integer(minimum=2, maximum=50), "unit_price": integer(minimum=1)}, closed=True),
    "wholesale tiers, quantities rising and prices falling, each below price; [] removes them", max_items=5)
PRODUCT_CREATE = obj(_EDITABLE, required=("name", "price", "currency"), closed=True)
PRODUCT_PATCH = obj(_EDITABLE, required=(), closed=True)
IMPORT_RESULT = obj({
    "batch_id": id_of("bat"), "imported": integer(minimum=0), "duplicates": integer(minimum=0),
    "rejected": array(obj({"line": integer(minimum=1), "reason": string()})),
})
STOCK = obj({"available": integer(minimum=0), "reserved": integer(minimum=0), "sold": integer(minimum=0)})
FILTER_QUERY = (QueryParam("category", string(max_length=50), "only products of this category"),
                QueryParam("archived", string(enum=("true", "false")), "only archived (true) or current (false)"))
IMPORT_QUERY = (QueryParam("supplier", string(max_length=100), "text/plain imports: the supplier's name"),
                QueryParam("cost_per_key", string(pattern="^[0-9]{1,9}$"),
                           "text/plain imports: cost of one key in minor units of the product's currency"))


def archived_filter(call: Call) -> bool | None:
    raw = call.query.get("archived")
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise InvalidRequest("archived must be true or false", param="archived")
    return raw == "true"


@endpoint(catalog, "POST", "/v1/products", summary="Create a product", tag="Products", scope="catalog_write",
          status=201, body=PRODUCT_CREATE, response=PRODUCT)
def create_product(call: Call) -> Any:
    return product_json(call.c.catalog.products.create(actor=call.actor, tenant_id=call.tenant_id, body=call.json()))


@endpoint(catalog, "GET", "/v1/products", summary="List products, newest first", tag="Products", scope="read",
          response=page_of(PRODUCT), query=LIST_QUERY + FILTER_QUERY)
def list_products(call: Call) -> Any:
    limit, cursor = call.list_params()
    result = call.c.catalog.products.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor,
                                 category=call.query.get("category"), archived=archived_filter(call))
    return serialize.page([product_json(p) for p in result.items], result.next_cursor)


@endpoint(catalog, "GET", "/v1/products/{product_id}", summary="Get a product", tag="Products", scope="read",
          response=PRODUCT)
def get_product(call: Call, product_id: str) -> Any:
    return product_json(call.c.catalog.products.get(tenant_id=call.tenant_id, product_id=product_id))


_IF_MATCH = ("Send `If-Match: <version>` (the product's `version`, bare or quoted) to change only that version: "
             "if the product changed since, the answer is 409 `version_conflict` naming the current version, and "
             "nothing changes. ")


@endpoint(catalog, "PATCH", "/v1/products/{product_id}", summary="Change a product", tag="Products",
          scope="catalog_write", body=PRODUCT_PATCH, response=PRODUCT, extra_statuses=(409,),
          description="Changes only the fields sent; a concurrent change of other fields is kept, and the version "
                      "moves by one. " + _IF_MATCH)
def patch_product(call: Call, product_id: str) -> Any:
    patched = call.c.catalog.products.patch(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id,
                                            body=call.json(), if_match=if_match_version(call.header("if-match")))
    return product_json(patched)


@endpoint(catalog, "POST", "/v1/products/{product_id}/keys", summary="Import card keys", tag="Keys",
          scope="keys_import", body=obj({
              "keys": array(string(max_length=1024), max_items=10_000),
              "supplier": string("the supplier's name, kept with the batch", max_length=100, nullable=True),
              "cost_per_key": integer("cost of one key in minor units of the product's currency", minimum=0,
                                      maximum=99_999_999, nullable=True)}, required=("keys",), closed=True),
          response=IMPORT_RESULT, content_types=("application/json", "text/plain"), query=IMPORT_QUERY,
          description="A JSON list of keys, or text/plain with one key a line (at most 10,000 keys). Each import "
                      "is a batch recording who imported it, the supplier and the cost per key.")
def import_keys(call: Call, product_id: str) -> Any:
    content_type = (call.header("content-type") or "application/json").lower()
    body: Any = call.raw(limit=MAX_IMPORT_BYTES)
    if not content_type.startswith("text/plain"):
        body = call.json(limit=MAX_IMPORT_BYTES)
    api_key = call.api_key
    result = call.c.inventory.key_import.import_keys(tenant_id=call.tenant_id, product_id=product_id, body=body,
                                           content_type=content_type, query=call.query,
                                           created_by=api_key.id if api_key else "",
                                           created_by_name=api_key.name if api_key else "", actor=call.actor)
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
    return stock_json(call.c.catalog.products.stock(tenant_id=call.tenant_id, product_id=product_id))


@endpoint(catalog, "POST", "/v1/products/{product_id}/archive", summary="Archive a product", tag="Products",
          scope="catalog_write", response=PRODUCT, extra_statuses=(409,),
          description="Takes the product off sale and out of the storefront; its orders keep working. " + _IF_MATCH)
def archive_product(call: Call, product_id: str) -> Any:
    return product_json(call.c.catalog.products.archive(actor=call.actor, tenant_id=call.tenant_id,
                                                        product_id=product_id, archived=True,
                                                        if_match=if_match_version(call.header("if-match"))))


@endpoint(catalog, "POST", "/v1/products/{product_id}/unarchive", summary="Unarchive a product", tag="Products",
          scope="catalog_write", response=PRODUCT, extra_statuses=(409,),
          description="Brings the product back, inactive: set active to true to sell it again. " + _IF_MATCH)
def unarchive_product(call: Call, product_id: str) -> Any:
    return product_json(call.c.catalog.products.archive(actor=call.actor, tenant_id=call.tenant_id,
                                                        product_id=product_id, archived=False,
                                                        if_match=if_match_version(call.header("if-match"))))


IMAGE_FORM = obj({
    "url": string("POST the form here (multipart/form-data), the file last, as the field `file`"),
    "fields": obj({}, title="Signed form fields, sent unchanged"),
    "key": string("the object's key: attach it with PUT /v1/products/{product_id}/image once uploaded"),
    "max_bytes": integer(minimum=1), "expires_in": integer("seconds the form stays valid", minimum=1),
}, title="ImageUploadForm")


@endpoint(catalog, "POST", "/v1/products/{product_id}/image/upload", summary="Get a form to upload a product image",
          tag="Products", scope="catalog_write", status=201, response=IMAGE_FORM, idempotent=False,
          extra_statuses=(413,),
          body=obj({"content_type": string(enum=("image/png", "image/jpeg", "image/webp", "image/gif")),
                    "size": integer("the file's size in bytes", minimum=1)},
                   required=("content_type", "size"), closed=True),
          description="A presigned POST to the media bucket: the bucket itself refuses another type or a larger "
                      "file (2 MB at most). Upload the file with the fields, then attach the key.")
def image_upload_form(call: Call, product_id: str) -> Any:
    body = call.json()
    data = body if isinstance(body, dict) else {}
    form = call.c.catalog.images.upload_form(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id,
                                             content_type=data.get("content_type"), size=data.get("size"))
    return {"url": form.url, "fields": form.fields, "key": form.key, "max_bytes": form.max_bytes,
            "expires_in": form.expires_in}


@endpoint(catalog, "PUT", "/v1/products/{product_id}/image", summary="Attach an uploaded image", tag="Products",
          scope="catalog_write", response=PRODUCT, body=obj({"key": string(max_length=300)}, required=("key",),
                                                            closed=True),
          description="Checks the uploaded object (this product's, PNG/JPEG/WebP/GIF by its bytes, 2 MB at most) "
                      "and shows it as the product's image; the image it replaces is deleted.")
def attach_image(call: Call, product_id: str) -> Any:
    body = call.json()
    key = body.get("key") if isinstance(body, dict) else None
    return product_json(call.c.catalog.images.attach(actor=call.actor, tenant_id=call.tenant_id,
                                                     product_id=product_id, key=key))


@endpoint(catalog, "DELETE", "/v1/products/{product_id}/image", summary="Remove the product's image",
          tag="Products", scope="catalog_write", response=PRODUCT)
def remove_image(call: Call, product_id: str) -> Any:
    return product_json(call.c.catalog.images.remove(actor=call.actor, tenant_id=call.tenant_id,
                                                     product_id=product_id))
