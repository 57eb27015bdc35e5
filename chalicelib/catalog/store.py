"""Products of a tenant, all in the tenant's product partition (few writes, listed together)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import ProductItem
from chalicelib.catalog.domain import Product
from chalicelib.kernel.errors import NotFound, VersionConflict
from chalicelib.kernel.ports import Page

NOT_FOUND = "no such product"


def _product(tenant_id: str, item: ProductItem) -> Product:
    # Attributes added later are absent on older items: each falls back to the dataclass default.
    return Product(
        tenant_id=tenant_id, id=item.sk, name=item.name, price=int(item.price), currency=item.currency,
        description=item.description or "", max_per_order=int(item.max_per_order), active=bool(item.active),
        shards=int(item.shards), created_at=int(item.created_at), updated_at=int(item.updated_at),
        category=item.category or "", image_url=item.image_url or "", usage_guide=item.usage_guide or "",
        usage_url=item.usage_url or "", min_per_order=int(item.min_per_order or 1),
        max_per_buyer=int(item.max_per_buyer or 0), max_per_buyer_day=int(item.max_per_buyer_day or 0),
        max_per_buyer_month=int(item.max_per_buyer_month or 0), archived=bool(item.archived),
        price_tiers=tuple((int(q), int(p)) for q, p in (pair.split(":") for pair in (item.price_tiers or "").split(",")
                                                          if pair)),
        low_stock_threshold=int(item.low_stock_threshold if item.low_stock_threshold is not None else 10),
        activation_limit=int(item.activation_limit or 1),
        auto_replace=True if item.auto_replace is None else bool(item.auto_replace),
        replace_window_minutes=int(item.replace_window_minutes if item.replace_window_minutes is not None else 60),
        replace_max_per_order=int(item.replace_max_per_order if item.replace_max_per_order is not None else 1),
        version=int(item.version if item.version is not None else 1),
        sale_starts_at=None if item.sale_starts_at is None else int(item.sale_starts_at),
        sale_ends_at=None if item.sale_ends_at is None else int(item.sale_ends_at),
    )


def _item(p: Product) -> ProductItem:
    return ProductItem(
        keys.products(p.tenant_id), p.id, name=p.name, price=p.price, currency=p.currency,
        description=p.description, max_per_order=p.max_per_order, active=p.active, shards=p.shards,
        created_at=p.created_at, updated_at=p.updated_at, category=p.category or None,
        image_url=p.image_url or None, usage_guide=p.usage_guide or None, usage_url=p.usage_url or None,
        min_per_order=p.min_per_order, max_per_buyer=p.max_per_buyer or None,
        max_per_buyer_day=p.max_per_buyer_day or None, max_per_buyer_month=p.max_per_buyer_month or None,
        price_tiers=",".join(f"{q}:{price}" for q, price in p.price_tiers) or None,
        archived=p.archived,
        low_stock_threshold=p.low_stock_threshold, activation_limit=p.activation_limit,
        auto_replace=p.auto_replace, replace_window_minutes=p.replace_window_minutes,
        replace_max_per_order=p.replace_max_per_order, version=p.version, sale_starts_at=p.sale_starts_at,
        sale_ends_at=p.sale_ends_at, gsi1pk=keys.due("PRD", p.id), gsi1sk=f"{p.tenant_id}|{p.id}",
    )


class DynamoProductStore:
    def every_product(self) -> Iterator[Product]:
        """All products of all tenants, for platform jobs (pool reconciliation, later stock alerts)."""
        try:
            for bucket in range(keys.DUE_PARTITIONS):
                for item in ProductItem.by_due.query(f"PRD#{bucket}"):
                    yield _product(item.gsi1sk.split("|")[0], item)
        except PynamoDBException as exc:
            raise unavailable(exc, "walking products") from exc

    def create(self, product: Product) -> None:
        try:
            _item(product).save(condition=ProductItem.sk.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc, "saving the product") from exc

    def get(self, *, tenant_id: str, product_id: str) -> Product:
        try:
            return _product(tenant_id, ProductItem.get(keys.products(tenant_id), product_id))
        except DoesNotExist as exc:
            raise NotFound(NOT_FOUND, param="product_id") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the product") from exc

    def list(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
             archived: bool | None = None) -> Page:
        start = cursors.decode(cursor, expect=("pk", "sk"))
        if start is not None:
            start["pk"] = keys.products(tenant_id)  # a cursor never moves a caller to another tenant
        condition: Any = None
        if category is not None:
            condition = ProductItem.category == category
        if archived is not None:
            # Products saved before archiving existed have no attribute: they are not archived.
            flag = (ProductItem.archived == True) if archived else (  # noqa: E712 (a DynamoDB condition)
                ProductItem.archived.does_not_exist() | (ProductItem.archived == False))  # noqa: E712
            condition = flag if condition is None else condition & flag
        try:
            # One extra item tells whether another page exists, so has_more is never a guess; with a
            # filter PynamoDB keeps reading pages until it has that many matches.
            found = list(ProductItem.query(
                keys.products(tenant_id), limit=limit + 1, last_evaluated_key=_ddb_key(start),
                scan_index_forward=False, filter_condition=condition,
            ))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing products") from exc
        items = [_product(tenant_id, i) for i in found[:limit]]
        more = len(found) > limit
        next_cursor = cursors.encode({"pk": found[limit - 1].pk, "sk": found[limit - 1].sk}) if more else None
        return Page(items, next_cursor)

    def update(self, product: Product, *, expected_version: int) -> None:
        # Only an existing product at the version the writer read is replaced: a racing delete must not
        # resurrect it, and a racing writer's change must not be overwritten. No attribute means version 1.
        seen: Any = ProductItem.version == expected_version
        if expected_version == 1:
            seen = seen | ProductItem.version.does_not_exist()
        try:
            _item(product).save(condition=ProductItem.sk.exists() & seen)
        except PutError as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "saving the product") from exc
            try:
                ProductItem.get(keys.products(product.tenant_id), product.id, attributes_to_get=["sk"])
            except DoesNotExist as gone:
                raise NotFound(NOT_FOUND) from gone
            except PynamoDBException as failed:
                raise unavailable(failed, "saving the product") from failed
            raise VersionConflict(f"the product changed since version {expected_version} was read") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "saving the product") from exc


def _ddb_key(start: dict[str, object] | None) -> dict[str, dict[str, str]] | None:
    if start is None:
        return None
    return {"pk": {"S": str(start["pk"])}, "sk": {"S": str(start["sk"])}}
