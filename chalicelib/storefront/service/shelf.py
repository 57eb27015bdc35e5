"""What the storefront shows: products on sale with a stock state, categories and search, cached briefly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.kernel.attribution import Visit
from chalicelib.kernel.errors import NotFound
from chalicelib.storefront.domain.shelf import (
    Picks,
    ShelfItem,
    StockReader,
    StockState,
    Visits,
    matches,
    stock_state,
)
from chalicelib.tenancy.domain.models import Tenant

MAX_QUERY = 100
SHOWN = 3  # "also bought" products a buyer page shows


@dataclass(frozen=True)
class Browse:
    items: list[ShelfItem]
    categories: list[str]
    category: str
    query: str
    total: int  # products on sale before the category and search filters


class StorefrontService:
    """Stock on the storefront is advisory (checkout reserves exactly), so a shelf read is cached for a few
    seconds per container: a busy shop costs one listing query and a few BatchGets per TTL, not per view."""

    def __init__(self, *, products: ProductDirectory, stock: StockReader, ttl: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
                 visits: Visits | None = None, picks: Picks | None = None) -> None:
        self._products = products
        self._visits = visits  # the funnel: each page view counted (at most one write, see insights' funnel)
        self._picks = picks  # "buyers also bought": the nightly co-purchase rules
        self._stock = stock
        self._ttl = ttl
        self._clock = clock
        self._wall = wall  # the time of day: scheduled sale windows open and close on it, to the second
        self._lock = threading.Lock()
        self._shelves: dict[str, tuple[float, list[ShelfItem]]] = {}

    def shelf(self, *, tenant: Tenant) -> list[ShelfItem]:
        """What is on sale now. The cached list holds every active product with its stock; the window is
        applied on every view (not when cached), so a scheduled product appears and goes to the second."""
        now = self._clock()
        with self._lock:
            hit = self._shelves.get(tenant.id)
        if hit is not None and hit[0] > now:
            return self._in_window(hit[1])
        page = self._products.list(tenant_id=tenant.id, limit=100, cursor=None)  # a shop shows at most 100
        on_sale = [p for p in page.items if p.active and not p.archived]
        # advisory stock (checkout reserves exactly): eventually consistent reads, half the read units
        levels = self._stock.stock_many(tenant_id=tenant.id, products=[(p.id, p.shards) for p in on_sale],
                                        consistent=False) \
            if on_sale else {}
        items = []
        for p in on_sale:
            level = levels.get(p.id)
            available = int(level.available) if level is not None else 0
            items.append(ShelfItem(product=p, state=stock_state(available, p), available=available))
        with self._lock:
            if len(self._shelves) > 5_000:
                self._shelves.clear()
            self._shelves[tenant.id] = (now + self._ttl, items)
        return self._in_window(items)

    def _in_window(self, items: list[ShelfItem]) -> list[ShelfItem]:
        at = self._wall()
        return [i for i in items if i.product.on_sale_at(at)]

    def browse(self, *, tenant: Tenant, category: str | None = None, query: str | None = None,
               visit: Visit | None = None) -> Browse:
        """The shelf for one view of the shop's page (counted in the funnel when `visit` is given)."""
        items = self.shelf(tenant=tenant)
        if visit is not None and self._visits is not None:
            self._visits.viewed(tenant=tenant, product_id=None, visit=visit)
        categories = sorted({i.product.category for i in items if i.product.category}, key=str.casefold)
        chosen = (category or "").strip()
        if chosen not in categories:
            chosen = ""  # an unknown category shows everything rather than an empty page
        text = (query or "").strip()[:MAX_QUERY]
        shown = [i for i in items if (not chosen or i.product.category == chosen)
                 and (not text or matches(i.product, text))]
        return Browse(items=shown, categories=categories, category=chosen, query=text, total=len(items))

    def item(self, *, tenant: Tenant, product_id: str, visit: Visit | None = None) -> ShelfItem:
        """A product on sale with its stock state; anything else (inactive, archived, unknown) is 404. A `visit`
        of a product on sale is counted in the funnel."""
        found = self._item(tenant=tenant, product_id=product_id)
        if visit is not None and self._visits is not None:
            self._visits.viewed(tenant=tenant, product_id=product_id, visit=visit)
        return found

    def also_bought(self, *, tenant: Tenant, product_id: str, exclude: set[str] | None = None) -> list[ShelfItem]:
        """Up to SHOWN products bought by buyers of `product_id`, best rule first, of those on sale with stock now."""
        if self._picks is None:
            return []
        ids = self._picks.also_bought(tenant_id=tenant.id, product_id=product_id,
                                      exclude=(exclude or set()) | {product_id}, limit=SHOWN + 3)
        on_sale = {i.product.id: i for i in self.shelf(tenant=tenant) if i.state != StockState.SOLD_OUT}
        return [on_sale[pid] for pid in ids if pid in on_sale][:SHOWN]

    def _item(self, *, tenant: Tenant, product_id: str) -> ShelfItem:
        for shelf_item in self.shelf(tenant=tenant):
            if shelf_item.product.id == product_id:
                return shelf_item
        # Not on the cached shelf: perhaps put on sale a moment ago, so ask the store before saying 404.
        product = self._products.get(tenant_id=tenant.id, product_id=product_id)
        if not product.on_sale_at(self._wall()):
            raise NotFound("no such product")
        level = self._stock.stock_many(tenant_id=tenant.id, products=[(product.id, product.shards)],
                                       consistent=False).get(product.id)
        available = int(level.available) if level is not None else 0
        return ShelfItem(product=product, state=stock_state(available, product), available=available)
