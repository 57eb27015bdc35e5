"""Products: what a shop sells, and the store port that keeps them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from ..kernel.ports import Page


@dataclass(frozen=True)
class Product:
    tenant_id: str
    id: str
    name: str
    price: int
    currency: str
    description: str
    max_per_order: int
    active: bool
    shards: int
    created_at: int
    updated_at: int
    category: str = ""
    image_url: str = ""
    usage_guide: str = ""  # shown to the buyer with the key
    usage_url: str = ""
    min_per_order: int = 1
    # keys one buyer (e-mail) may hold ever, per day and per calendar month of the shop's zone; 0 = no limit
    max_per_buyer: int = 0
    max_per_buyer_day: int = 0
    max_per_buyer_month: int = 0
    # wholesale: (min_quantity, unit_price) pairs, quantity ascending and price descending, each below `price`
    price_tiers: tuple[tuple[int, int], ...] = ()
    archived: bool = False
    low_stock_threshold: int = 10  # stock.low fires when available stock falls to this
    activation_limit: int = 1  # licence activations per key (licence API)
    # after-sales: a reported key is replaced at once within `replace_window_minutes` of delivery, at most
    # `replace_max_per_order` times per order, when `auto_replace`; otherwise it waits for the merchant's review
    auto_replace: bool = True
    replace_window_minutes: int = 60
    replace_max_per_order: int = 1
    version: int = 1  # +1 on every change; the store writes only over the version the writer read
    # A scheduled window (Unix seconds): on sale from `sale_starts_at` (inclusive) until `sale_ends_at`
    # (exclusive); either may be None (no start, no end). Outside it an active product is not on sale.
    sale_starts_at: int | None = None
    sale_ends_at: int | None = None

    def on_sale_at(self, now: float) -> bool:
        """Active, not archived, and inside its window: what the storefront shows and checkout sells, to the
        second."""
        return (self.active and not self.archived
                and (self.sale_starts_at is None or now >= self.sale_starts_at)
                and (self.sale_ends_at is None or now < self.sale_ends_at))


class ProductStore(Protocol):
    def create(self, product: Product) -> None: ...
    def get(self, *, tenant_id: str, product_id: str) -> Product: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def update(self, product: Product, *, expected_version: int) -> None:
        """Saves `product` if the stored one is still at `expected_version` (VersionConflict if not,
        NotFound if it is gone)."""
        ...

    def every_product(self) -> Iterator[Product]: ...


class ProductCatalog(ProductStore, Protocol):
    """A product store that can also filter its listing."""

    def list(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
             archived: bool | None = None) -> Page: ...


class ProductDirectory(Protocol):
    """What other capabilities read of the catalog (its CatalogService): products by id, by page, or all."""

    def get(self, *, tenant_id: str, product_id: str) -> Product: ...
    def recent(self, *, tenant_id: str, product_id: str) -> Product: ...
    def forget(self, *, tenant_id: str, product_id: str) -> None: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
             archived: bool | None = None) -> Page: ...
    def every_product(self) -> Iterator[Product]: ...
