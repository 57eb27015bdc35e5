"""The console home: the first-run checklist and the shop's counts, read through each capability's service."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.console.domain import ShopGlance, checklist
from chalicelib.kernel.recent import Recent
from chalicelib.sales.domain.models import OrderStatus
from chalicelib.sales.domain.orders import OrderQuery
from chalicelib.tenancy.domain.models import Tenant

PRODUCTS_READ = 100  # the home page reads one page of products with their stock


class StockSummaries(Protocol):
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...


class OrderSearches(Protocol):
    def search(self, *, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Any: ...


class HomeService:
    def __init__(self, *, stock: StockSummaries, orders: OrderSearches, recent_seconds: float = 0) -> None:
        self._stock = stock
        self._orders = orders
        # the home page's stock, kept a few seconds per container (the products and keys pages read it live)
        self._recent: Recent[Any] = Recent(recent_seconds)

    def glance(self, tenant: Tenant, stock_page: Any = None, sold_recently: bool = False) -> ShopGlance:
        """At most two reads whatever the shop's size: a page of products with their stock (unless the caller has
        it already), and one delivered order (unless the caller knows of a recent sale)."""
        page = stock_page if stock_page is not None else self.stock_page(tenant)
        levels = [level for _, level in page.items]
        has_sale = sold_recently or bool(self._orders.search(
            tenant_id=tenant.id, query=OrderQuery(status=OrderStatus.DELIVERED), limit=1, cursor=None).items)
        in_stock = sum(level.available for level in levels)
        sold = sum(level.sold for level in levels)
        steps = checklist(has_product=bool(page.items), has_keys=in_stock + sold > 0,
                          has_support=bool(tenant.support_contact), has_sale=has_sale)
        return ShopGlance(steps=steps, products=len(page.items), in_stock=in_stock, sold=sold,
                          more_products=page.next_cursor is not None)

    def stock_page(self, tenant: Tenant) -> Any:
        """The first page of products with their stock, which the home page's parts share."""
        return self._recent.get(tenant.id, lambda: self._stock.stock_summary(tenant_id=tenant.id,
                                                                            limit=PRODUCTS_READ, cursor=None))
