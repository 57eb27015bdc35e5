"""Merchant API (/v1): sign-up, tenant, products, key import, stock, orders. Tenant from the API key only."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.wiring import container

from . import serialize
from .errors import error_response, handles_errors, json_response
from .parsing import MAX_IMPORT_BYTES, header, json_body, list_params, raw_body

merchant = Blueprint(__name__)


def _tenant_id() -> str:
    """The caller's tenant, from its API key; never from the body or the query."""
    key = container().tenants.authenticate(header(merchant.current_request, "authorization"))
    return str(key.tenant_id)


@merchant.route("/v1/tenants", methods=["POST"])
@handles_errors
def sign_up() -> Response:
    tenant, api_key = container().tenants.sign_up(json_body(merchant.current_request))
    return json_response({"tenant": serialize.tenant(tenant), "api_key": api_key}, 201)


@merchant.route("/v1/tenant", methods=["GET"])
@handles_errors
def get_tenant() -> Response:
    tenant_id = _tenant_id()
    return json_response(serialize.tenant(container().tenants.get(tenant_id=tenant_id)))


@merchant.route("/v1/products", methods=["POST"])
@handles_errors
def create_product() -> Response:
    tenant_id = _tenant_id()
    product = container().catalog.create(tenant_id=tenant_id, body=json_body(merchant.current_request))
    return json_response(serialize.product(product), 201)


@merchant.route("/v1/products", methods=["GET"])
@handles_errors
def list_products() -> Response:
    tenant_id = _tenant_id()
    limit, cursor = list_params(merchant.current_request)
    result = container().catalog.list(tenant_id=tenant_id, limit=limit, cursor=cursor)
    return json_response(serialize.page([serialize.product(p) for p in result.items], result.next_cursor))


@merchant.route("/v1/products/{product_id}", methods=["GET"])
@handles_errors
def get_product(product_id: str) -> Response:
    tenant_id = _tenant_id()
    return json_response(serialize.product(container().catalog.get(tenant_id=tenant_id, product_id=product_id)))


@merchant.route("/v1/products/{product_id}", methods=["PATCH"])
@handles_errors
def patch_product(product_id: str) -> Response:
    tenant_id = _tenant_id()
    product = container().catalog.patch(tenant_id=tenant_id, product_id=product_id,
                                        body=json_body(merchant.current_request))
    return json_response(serialize.product(product))


@merchant.route("/v1/products/{product_id}/keys", methods=["POST"],
                content_types=["application/json", "text/plain"])
@handles_errors
def import_keys(product_id: str) -> Response:
    tenant_id = _tenant_id()
    request = merchant.current_request
    content_type = (header(request, "content-type") or "application/json").lower()
    body: Any = raw_body(request, limit=MAX_IMPORT_BYTES)
    if not content_type.startswith("text/plain"):
        body = json_body(request, limit=MAX_IMPORT_BYTES)
    result = container().key_import.import_keys(tenant_id=tenant_id, product_id=product_id, body=body,
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
        return error_response(failure)
    return json_response(summary)


@merchant.route("/v1/products/{product_id}/stock", methods=["GET"])
@handles_errors
def product_stock(product_id: str) -> Response:
    tenant_id = _tenant_id()
    return json_response(serialize.stock(container().catalog.stock(tenant_id=tenant_id, product_id=product_id)))


@merchant.route("/v1/orders", methods=["GET"])
@handles_errors
def list_orders() -> Response:
    tenant_id = _tenant_id()
    limit, cursor = list_params(merchant.current_request)
    result = container().orders.list(tenant_id=tenant_id, limit=limit, cursor=cursor)
    return json_response(serialize.page([serialize.order(o) for o in result.items], result.next_cursor))


@merchant.route("/v1/orders/{order_id}", methods=["GET"])
@handles_errors
def get_order(order_id: str) -> Response:
    tenant_id = _tenant_id()
    return json_response(serialize.order(container().orders.get(tenant_id=tenant_id, order_id=order_id)))
