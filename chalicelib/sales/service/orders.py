"""Reading orders: the buyer's order page (keys once delivered) and the merchant's list."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.aftersales.domain import BuyerLine, Report, buyer_lines
from chalicelib.catalog.domain import ProductDirectory
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.ids import has_prefix, token_hash
from chalicelib.kernel.ports import Cipher, Page
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import OrderQuery, OrderSearch
from chalicelib.sales.domain.ports import OrderStore
from chalicelib.sales.service.fulfilment import FulfilmentService
from chalicelib.sales.service.key_bundles import KeyBundles
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory

log = logging.getLogger(__name__)
ORDER_NOT_FOUND = "no such order"


@dataclass(frozen=True)
class BuyerOrder:
    tenant: Tenant
    order: Order
    keys: list[str]
    usage_guide: str = ""  # the product's instructions, shown with the keys once delivered
    usage_url: str = ""
    lines: list[BuyerLine] = field(default_factory=list)  # every key with its after-sales status, in order
    reports: list[Report] = field(default_factory=list)  # this order's problem-key reports, oldest first


class OrderReports(Protocol):
    def for_order(self, *, tenant_id: str, order_id: str) -> list[Report]: ...


class OrderService:
    def __init__(self, *, tenants: TenantDirectory, orders: OrderStore, pool: KeyPool, cipher: Cipher,
                 fulfilment: FulfilmentService, products: ProductDirectory | None = None,
                 bundles: KeyBundles | None = None) -> None:
        self._tenants = tenants
        self._products = products
        self._orders = orders
        self._pool = pool
        self._cipher = cipher
        self._fulfilment = fulfilment
        self._bundles = bundles or KeyBundles(pool=pool, cipher=cipher, tenants=tenants)

    def authorize_buyer(self, *, tenant: Tenant, order_id: str, token: str | None) -> Order:
        """The order if the token is its page's token. Wrong token, unknown order and another shop's order all
        answer the same 404."""
        if not token or not has_prefix(order_id, "order") or len(token) > 64:
            raise NotFound(ORDER_NOT_FOUND)
        order = self._orders.get(tenant_id=tenant.id, order_id=order_id)
        if not hmac.compare_digest(order.token_hash, token_hash(token)):
            raise NotFound(ORDER_NOT_FOUND)
        return order

    def for_buyer(self, *, tenant: Tenant, order_id: str, token: str | None,
                  reports: OrderReports | None = None) -> BuyerOrder:
        """Wrong token, unknown order and another shop's order all answer the same 404. With `reports`, the
        order's after-sales reports are read too (one Query, and only for an order that has any)."""
        order = self.authorize_buyer(tenant=tenant, order_id=order_id, token=token)
        if order.status != OrderStatus.DELIVERED:
            order = self._fulfilment.confirm_on_return(order)
        if order.status != OrderStatus.DELIVERED:
            return BuyerOrder(tenant=tenant, order=order, keys=[])
        keys = self.reveal(tenant=tenant, order=order)
        guide, url = order.usage_guide or "", order.usage_url
        if order.usage_guide is None and self._products is not None:  # an order from before the guide was copied
            try:
                product = self._products.get(tenant_id=tenant.id, product_id=order.product_id)
                guide, url = product.usage_guide, product.usage_url
            except NotFound:
                pass  # a product removed since the sale: the keys still show
        found: list[Report] = []
        if reports is not None and (order.reported or order.replacements):
            found = reports.for_order(tenant_id=tenant.id, order_id=order.id)
        return BuyerOrder(tenant=tenant, order=order, keys=keys, usage_guide=guide, usage_url=url,
                          lines=buyer_lines(order, keys, found), reports=found)

    def reveal(self, *, tenant: Tenant, order: Order) -> list[str]:
        """Decrypt the keys of a delivered order for the buyer who paid (never logged): one decrypt of the
        order's sealed bundle, key by key only for what the bundle lacks."""
        return self._bundles.keys(tenant=tenant, order=order)

    def bundle_with(self, *, order: Order, new_ref: KeyRef) -> bytes | None:
        """The order's bundle with a replacement key added, for the after-sales transaction that sells it."""
        if not order.keys_bundle:
            return None
        tenant = self._tenants.get(tenant_id=order.tenant_id)
        return self._bundles.extend(tenant=tenant, order=order, new_ref=new_ref)

    def get(self, *, tenant_id: str, order_id: str) -> Order:
        if not has_prefix(order_id, "order"):
            raise NotFound(ORDER_NOT_FOUND)
        return self._orders.get(tenant_id=tenant_id, order_id=order_id)

    def find_many(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Order]:
        """Orders by (tenant id, order id) in one read; missing ones are absent (a batch of outbox messages)."""
        return self._orders.get_many([(t, o) for t, o in refs if has_prefix(o, "order")])

    def list(self, *, tenant_id: str, limit: int, cursor: str | None, filters: Mapping[str, str] | None = None) -> Page:
        """The merchant's orders, newest first; filters as `GET /v1/orders` takes them (strings)."""
        return self.search(tenant_id=tenant_id, query=parse_query(filters or {}), limit=limit, cursor=cursor)

    def search(self, *, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Page:
        """Orders matching a parsed query, newest first (the merchant's list; the buyer's order lookup)."""
        search: OrderSearch = self._orders  # type: ignore[assignment]  # the Dynamo store and fakes_sales
        return search.search(tenant_id=tenant_id, query=query, limit=limit, cursor=cursor)


def parse_query(params: Mapping[str, str]) -> OrderQuery:
    status = params.get("status")
    if status is not None and status not in {s.value for s in OrderStatus}:
        raise InvalidRequest("status must be one of " + ", ".join(s.value for s in OrderStatus), param="status")
    product_id = params.get("product_id")
    if product_id is not None and not 0 < len(product_id) <= 64:
        raise InvalidRequest("product_id must be a product id (prd_...)", param="product_id")
    email = params.get("email")
    if email is not None:
        email = v.email(email)
    gte, lt = _time(params, "created_gte"), _time(params, "created_lt")
    if gte is not None and lt is not None and gte >= lt:
        raise InvalidRequest("created_gte must be earlier than created_lt", param="created_lt")
    return OrderQuery(status=OrderStatus(status) if status else None, product_id=product_id, email=email,
                      created_gte=gte, created_lt=lt)


def _time(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 11:
        raise InvalidRequest(f"{name} must be a Unix time in seconds, e.g. 1700000000", param=name)
    return int(raw)
