"""The storefront's shelf: what a buyer may see of stock, and product search."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ...catalog.domain import Product
from ...kernel.attribution import Visit
from ...tenancy.domain.models import Tenant


class StockState:
    IN_STOCK, LOW, SOLD_OUT = "in_stock", "low", "sold_out"


@dataclass(frozen=True)
class ShelfItem:
    """A product as the storefront shows it: the buyer sees a state, and a count only if the shop opts in."""

    product: Product
    state: str
    available: int

    def visible_count(self, tenant: Tenant) -> int | None:
        return self.available if tenant.show_stock_counts else None


def stock_state(available: int, product: Product) -> str:
    if available <= 0:
        return StockState.SOLD_OUT
    if available <= max(product.low_stock_threshold, 0):
        return StockState.LOW
    return StockState.IN_STOCK


def fold(value: str) -> str:
    """Case- and width-insensitive text for search (full-width letters match, accents are kept)."""
    return unicodedata.normalize("NFKC", value).casefold()


def matches(product: Product, query: str) -> bool:
    """Every word of the query appears in the name, the category or the description."""
    haystack = fold(" ".join((product.name, product.category, product.description)))
    return all(word in haystack for word in fold(query).split())


class StockReader(Protocol):
    def stock_many(self, *, tenant_id: str, products: Any, consistent: bool = True) -> Mapping[str, Any]: ...


class Visits(Protocol):
    """Where storefront page views are counted (the insights funnel)."""

    def viewed(self, *, tenant: Tenant, product_id: str | None, visit: Visit) -> None: ...


class Picks(Protocol):
    """What buyers of a product also bought (the insights co-purchase rules), best first."""

    def also_bought(self, *, tenant_id: str, product_id: str, exclude: set[str] | None = None,
                    limit: int = 3) -> list[str]: ...
