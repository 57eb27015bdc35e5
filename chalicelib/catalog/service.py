"""Products: create, read, list, patch, archive, with per-field validation."""

from __future__ import annotations

import builtins
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from itertools import pairwise
from typing import Any

from chalicelib.aftersales.domain import MAX_REPLACEMENTS, MAX_WINDOW_MINUTES
from chalicelib.catalog.domain import Product, ProductCatalog
from chalicelib.inventory.domain.models import StockLevel
from chalicelib.inventory.domain.ports import KeyPool
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import Conflict, InvalidRequest, VersionConflict
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.money import parse_amount, parse_currency
from chalicelib.kernel.ports import Clock, Page
from chalicelib.tenancy.domain.roles import Actor, Permission

MAX_PER_ORDER_LIMIT = 50  # the sale transaction holds the order's keys; it caps at 100 items
FIELDS = {"name", "price", "currency", "description", "max_per_order", "min_per_order", "active", "category",
          "image_url", "usage_guide", "usage_url", "low_stock_threshold", "activation_limit",
          "auto_replace", "replace_window_minutes", "replace_max_per_order", "sale_starts_at", "sale_ends_at",
          "max_per_buyer", "price_tiers"}
MAX_TIERS = 5
MAX_PER_BUYER = 10_000
BUYER_PERIODS = {"day": "max_per_buyer_day", "month": "max_per_buyer_month", "lifetime": "max_per_buyer"}
MAX_CATEGORY = 50
MAX_GUIDE = 5000
SAVE_ATTEMPTS = 5  # a change re-read and re-applied this often when other writers keep moving the version
RECENT_SECONDS = 30.0  # how old a product `recent()` answers may be


class RecentProducts:
    """Products as this container last read or wrote them, for at most `ttl` seconds (bounded in size)."""

    def __init__(self, *, ttl: float = RECENT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, Product]] = {}

    def get(self, tenant_id: str, product_id: str) -> Product | None:
        with self._lock:
            entry = self._seen.get((tenant_id, product_id))
        return entry[1] if entry is not None and entry[0] >= self._clock() else None

    def remember(self, product: Product) -> None:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[(product.tenant_id, product.id)] = (self._clock() + self._ttl, product)

    def forget(self, tenant_id: str, product_id: str) -> None:
        with self._lock:
            self._seen.pop((tenant_id, product_id), None)


class CatalogService:
    def __init__(self, *, products: ProductCatalog, pool: KeyPool, clock: Clock, shards: int,
                 allow_http_urls: bool = False) -> None:
        self._products = products
        self._pool = pool
        self._clock = clock
        self._shards = shards
        self._allow_http = allow_http_urls  # local stacks only; production links are https
        self._recent = RecentProducts()

    def create(self, *, actor: Actor, tenant_id: str, body: Any) -> Product:
        actor.require(Permission.CATALOG)
        data = v.body_object(body)
        v.unknown_fields(data, FIELDS)
        now = self._clock.now()
        product = Product(
            tenant_id=tenant_id, id=new_id("product"), name=v.text(data, "name", max_len=200, single_line=True),
            price=parse_amount(data.get("price")), currency=parse_currency(data.get("currency")),
            description=v.text(data, "description", min_len=0, max_len=5000, required=False),
            max_per_order=10, active=True, shards=self._shards, created_at=now, updated_at=now,
        )
        product = dataclasses.replace(product, **self._changes(data, product))
        self._products.create(product)
        return product

    def _changes(self, data: Mapping[str, Any], current: Product) -> dict[str, Any]:
        """Validated values of the fields present in `data`; limits are checked against the result."""
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = v.text(data, "name", max_len=200, single_line=True)
        if "price" in data:
            changes["price"] = parse_amount(data["price"])
        if "currency" in data:
            changes["currency"] = parse_currency(data["currency"])
        if "description" in data:
            changes["description"] = v.optional_text(data, "description", max_len=5000)
        for field in ("max_per_order", "min_per_order"):
            if field in data:
                changes[field] = v.integer(data, field, low=1, high=MAX_PER_ORDER_LIMIT)
        if "active" in data:
            changes["active"] = v.boolean(data, "active")
        if "category" in data:
            changes["category"] = v.optional_text(data, "category", max_len=MAX_CATEGORY, single_line=True)
        if "usage_guide" in data:
            changes["usage_guide"] = v.optional_text(data, "usage_guide", max_len=MAX_GUIDE)
        for field in ("image_url", "usage_url"):
            if field in data:
                changes[field] = v.url(data, field, allow_http=self._allow_http)
        if "low_stock_threshold" in data:
            changes["low_stock_threshold"] = v.integer(data, "low_stock_threshold", low=0, high=1_000_000)
        if "activation_limit" in data:
            changes["activation_limit"] = v.integer(data, "activation_limit", low=1, high=1000)
        # after-sales policy: replace a reported key at once within the window, at most this often per order
        if "auto_replace" in data:
            changes["auto_replace"] = v.boolean(data, "auto_replace")
        if "replace_window_minutes" in data:
            changes["replace_window_minutes"] = v.integer(data, "replace_window_minutes", low=0,
                                                          high=MAX_WINDOW_MINUTES)
        if "replace_max_per_order" in data:
            changes["replace_max_per_order"] = v.integer(data, "replace_max_per_order", low=0, high=MAX_REPLACEMENTS)
        for field in ("sale_starts_at", "sale_ends_at"):
            if field in data:
                changes[field] = None if data[field] is None else v.integer(data, field, low=0, high=10**10)
        starts = changes.get("sale_starts_at", current.sale_starts_at)
        ends = changes.get("sale_ends_at", current.sale_ends_at)
        if starts is not None and ends is not None and ends <= starts:
            field = "sale_ends_at" if "sale_ends_at" in changes else "sale_starts_at"
            raise InvalidRequest("sale_ends_at must be after sale_starts_at (Unix seconds)", param=field)
        if "max_per_buyer" in data:
            changes.update(_buyer_limits(data["max_per_buyer"]))
        if "price_tiers" in data:
            changes["price_tiers"] = _tiers(data["price_tiers"])
        price = changes.get("price", current.price)
        for quantity, unit in changes.get("price_tiers", current.price_tiers):
            if unit >= price:
                raise InvalidRequest(f"the tier from {quantity} keys ({unit}) must be below the price ({price}); "
                                     f"lower it or remove it", param="price_tiers")
        low = changes.get("min_per_order", current.min_per_order)
        high = changes.get("max_per_order", current.max_per_order)
        if low > high:
            field = "min_per_order" if "min_per_order" in changes else "max_per_order"
            raise InvalidRequest(f"min_per_order ({low}) must not exceed max_per_order ({high})", param=field)
        _check_buyer_limits(changes, current, low)
        if changes.get("active") is True and current.archived:
            raise Conflict("an archived product cannot be put on sale; unarchive it first",
                           code="product_archived", param="active")
        return changes

    def get(self, *, tenant_id: str, product_id: str) -> Product:
        product = self._products.get(tenant_id=tenant_id, product_id=product_id)
        self._recent.remember(product)
        return product

    def recent(self, *, tenant_id: str, product_id: str) -> Product:
        """The product as read in this container at most RECENT_SECONDS ago, else read now. For reads that
        tolerate that (stock alerts) or that confirm `version` in their own write (checkout's order)."""
        return self._recent.get(tenant_id, product_id) or self.get(tenant_id=tenant_id, product_id=product_id)

    def forget(self, *, tenant_id: str, product_id: str) -> None:
        """A writer found the product changed: the next `recent()` reads it again."""
        self._recent.forget(tenant_id, product_id)

    def every_product(self) -> Iterator[Product]:
        """Every product of every tenant, for platform jobs (reservation expiry, key recovery)."""
        return self._products.every_product()

    def list(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
             archived: bool | None = None) -> Page:
        if category is not None and not 1 <= len(category) <= MAX_CATEGORY:
            raise InvalidRequest(f"category must be 1 to {MAX_CATEGORY} characters", param="category")
        if category is None and archived is None:
            return self._products.list(tenant_id=tenant_id, limit=limit, cursor=cursor)
        return self._products.list(tenant_id=tenant_id, limit=limit, cursor=cursor, category=category,
                                   archived=archived)

    def on_sale(self, *, tenant_id: str) -> builtins.list[Product]:
        """Active products for the storefront, newest first (a shop shows at most 100); archived ones are
        never active."""
        page = self._products.list(tenant_id=tenant_id, limit=100, cursor=None)
        return [p for p in page.items if p.active and not p.archived]

    def patch(self, *, actor: Actor, tenant_id: str, product_id: str, body: Any,
              if_match: int | None = None) -> Product:
        """Changes only the fields sent, on the product as stored: a concurrent change of other fields is kept.
        With `if_match` the change applies only to that version (409 version_conflict otherwise)."""
        actor.require(Permission.CATALOG)
        data = v.body_object(body)
        v.unknown_fields(data, FIELDS)
        if not data:
            raise InvalidRequest(f"send at least one field to change: {', '.join(sorted(FIELDS))}")
        return self._save(tenant_id=tenant_id, product_id=product_id, if_match=if_match,
                          change=lambda current: self._changes(data, current))

    def archive(self, *, actor: Actor, tenant_id: str, product_id: str, archived: bool,
                if_match: int | None = None) -> Product:
        """Archiving takes a product off sale and out of the storefront; existing orders are untouched.
        Unarchiving brings it back inactive: the merchant decides when it sells again."""
        actor.require(Permission.CATALOG)
        return self._save(tenant_id=tenant_id, product_id=product_id, if_match=if_match,
                          change=lambda current: {} if current.archived == archived else  # a repeat changes nothing
                          {"archived": archived, "active": False})

    def _save(self, *, tenant_id: str, product_id: str, if_match: int | None,
              change: Callable[[Product], dict[str, Any]]) -> Product:
        """Read, apply `change` to what was read, write conditioned on the version read; when another writer
        got there first, read again and re-apply (the change is per field, so theirs is kept)."""
        for _ in range(SAVE_ATTEMPTS):
            current = self._products.get(tenant_id=tenant_id, product_id=product_id)
            if if_match is not None and current.version != if_match:
                raise VersionConflict(
                    f"the product is at version {current.version}, not {if_match}: read it again, re-apply your "
                    f"change and send If-Match: {current.version}",
                    extra={"current_version": current.version})
            changes = change(current)
            if not changes:
                return current
            updated = dataclasses.replace(current, updated_at=self._clock.now(), version=current.version + 1,
                                          **changes)
            try:
                self._products.update(updated, expected_version=current.version)
            except VersionConflict:
                continue
            self._recent.remember(updated)
            return updated
        raise VersionConflict("the product kept changing while this change was saved; retry the request")

    def stock(self, *, tenant_id: str, product_id: str) -> StockLevel:
        product = self.recent(tenant_id=tenant_id, product_id=product_id)  # only its shards: they never change
        return self._pool.stock(tenant_id=tenant_id, product_id=product.id, shards=product.shards)


def _buyer_limits(raw: Any) -> dict[str, int]:
    """`max_per_buyer`: {day, month, lifetime}, each a whole number of keys or null (no limit); a period left
    out keeps its limit, so null is how one is lifted."""
    if not isinstance(raw, Mapping):
        raise InvalidRequest("max_per_buyer must be an object such as {\"day\": 2, \"month\": 5, \"lifetime\": null}",
                             param="max_per_buyer")
    unknown = sorted(set(raw) - set(BUYER_PERIODS))
    if unknown:
        raise InvalidRequest(f"max_per_buyer has day, month and lifetime, not {unknown[0]}", param="max_per_buyer")
    out: dict[str, int] = {}
    for period, attr in BUYER_PERIODS.items():
        if period in raw:
            value = raw[period]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 1 <= value <= MAX_PER_BUYER):
                raise InvalidRequest(f"max_per_buyer.{period} must be a whole number of keys from 1 to "
                                     f"{MAX_PER_BUYER:,}, or null for no limit", param="max_per_buyer")
            out[attr] = value or 0
    return out


def _check_buyer_limits(changes: Mapping[str, Any], current: Product, min_per_order: int) -> None:
    """Limits a buyer could never meet, or that contradict each other, are refused rather than kept."""
    limits = {p: changes.get(attr, getattr(current, attr)) for p, attr in BUYER_PERIODS.items()}
    for period, limit in limits.items():
        if limit and limit < min_per_order:
            raise InvalidRequest(f"max_per_buyer.{period} ({limit}) is below min_per_order ({min_per_order}): "
                                 f"nobody could buy it", param="max_per_buyer")
    ordered = [(p, limits[p]) for p in ("day", "month", "lifetime") if limits[p]]
    for (shorter, a), (longer, b) in pairwise(ordered):
        if a > b:
            raise InvalidRequest(f"max_per_buyer.{shorter} ({a}) is above max_per_buyer.{longer} ({b}); lower it "
                                 f"or raise the {longer} limit", param="max_per_buyer")


def _tiers(raw: Any) -> tuple[tuple[int, int], ...]:
    """`price_tiers`: up to 5 of {min_quantity, unit_price}, quantities rising and prices falling; [] removes them."""
    if not isinstance(raw, list) or len(raw) > MAX_TIERS:
        raise InvalidRequest(f"price_tiers must be a list of at most {MAX_TIERS} tiers such as "
                             '[{"min_quantity": 5, "unit_price": 450}]', param="price_tiers")
    tiers: list[tuple[int, int]] = []
    for n, tier in enumerate(raw):
        if not isinstance(tier, Mapping) or set(tier) != {"min_quantity", "unit_price"}:
            raise InvalidRequest(f"price_tiers[{n}] must have exactly min_quantity and unit_price", param="price_tiers")
        quantity, unit = tier["min_quantity"], tier["unit_price"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 2 <= quantity <= MAX_PER_ORDER_LIMIT:
            raise InvalidRequest(f"price_tiers[{n}].min_quantity must be a whole number from 2 to "
                                 f"{MAX_PER_ORDER_LIMIT}", param="price_tiers")
        if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
            raise InvalidRequest(f"price_tiers[{n}].unit_price must be a whole number of minor units, at least 1",
                                 param="price_tiers")
        if tiers and (quantity <= tiers[-1][0] or unit >= tiers[-1][1]):
            raise InvalidRequest(f"price_tiers[{n}] must be for more keys at a lower price than the tier before it",
                                 param="price_tiers")
        tiers.append((quantity, unit))
    return tuple(tiers)
