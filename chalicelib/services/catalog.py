"""Products: create, read, list and patch, with per-field validation."""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any

from chalicelib.domain import validation as v
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.ids import new_id
from chalicelib.domain.models import Product, StockLevel
from chalicelib.domain.money import parse_amount, parse_currency
from chalicelib.domain.ports import Clock, KeyPool, Page, ProductStore

MAX_PER_ORDER_LIMIT = 50  # the sale transaction holds the order's keys; it caps at 100 items
FIELDS = {"name", "price", "currency", "description", "max_per_order", "active"}


class CatalogService:
    def __init__(self, *, products: ProductStore, pool: KeyPool, clock: Clock, shards: int) -> None:
        self._products = products
        self._pool = pool
        self._clock = clock
        self._shards = shards

    def create(self, *, tenant_id: str, body: Any) -> Product:
        data = v.body_object(body)
        v.unknown_fields(data, FIELDS)
        now = self._clock.now()
        product = Product(
            tenant_id=tenant_id, id=new_id("product"), name=v.text(data, "name", max_len=200),
            price=parse_amount(data.get("price")), currency=parse_currency(data.get("currency")),
            description=v.text(data, "description", min_len=0, max_len=5000, required=False),
            max_per_order=v.integer(data, "max_per_order", low=1, high=MAX_PER_ORDER_LIMIT, default=10),
            active=v.boolean(data, "active") if "active" in data else True,
            shards=self._shards, created_at=now, updated_at=now,
        )
        self._products.create(product)
        return product

    def get(self, *, tenant_id: str, product_id: str) -> Product:
        return self._products.get(tenant_id=tenant_id, product_id=product_id)

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self._products.list(tenant_id=tenant_id, limit=limit, cursor=cursor)

    def on_sale(self, *, tenant_id: str) -> builtins.list[Product]:
        """Active products for the storefront, newest first (a shop shows at most 100)."""
        page = self._products.list(tenant_id=tenant_id, limit=100, cursor=None)
        return [p for p in page.items if p.active]

    def patch(self, *, tenant_id: str, product_id: str, body: Any) -> Product:
        data = v.body_object(body)
        v.unknown_fields(data, FIELDS)
        if not data:
            raise InvalidRequest(f"send at least one field to change: {', '.join(sorted(FIELDS))}")
        current = self._products.get(tenant_id=tenant_id, product_id=product_id)
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = v.text(data, "name", max_len=200)
        if "price" in data:
            changes["price"] = parse_amount(data["price"])
        if "currency" in data:
            changes["currency"] = parse_currency(data["currency"])
        if "description" in data:
            changes["description"] = v.text(data, "description", min_len=0, max_len=5000)
        if "max_per_order" in data:
            changes["max_per_order"] = v.integer(data, "max_per_order", low=1, high=MAX_PER_ORDER_LIMIT)
        if "active" in data:
            changes["active"] = v.boolean(data, "active")
        updated = dataclasses.replace(current, updated_at=self._clock.now(), **changes)
        self._products.update(updated)
        return updated

    def stock(self, *, tenant_id: str, product_id: str) -> StockLevel:
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        return self._pool.stock(tenant_id=tenant_id, product_id=product.id, shards=product.shards)
