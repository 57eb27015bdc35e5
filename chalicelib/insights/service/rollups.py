"""Counting deliveries and refunds into the rollups (from the outbox, exactly once), and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.buyers import BuyerTotals
from chalicelib.insights.domain.dashboard import SAFETY_WINDOW_DAYS, SERIES_DAYS, Dashboard, ProductSums, build
from chalicelib.insights.domain.digest import Digest, StoredDigest, close, with_today
from chalicelib.insights.domain.rollups import REFUND, SALE, Bucket, DayTotals, Fact, bucket, months_covering
from chalicelib.insights.domain.settings import InsightSettings
from chalicelib.kernel.ports import Clock, OutboxMessage
from chalicelib.kernel.recent import Recent
from chalicelib.sales.domain.models import Order
from chalicelib.sales.domain.orders import customer_id
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

PRODUCTS_READ = 100


class RollupStore(Protocol):
    def record(self, tenant_id: str, fact: Fact, at: Bucket, late: bool = False) -> bool: ...
    def months(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]: ...
    def summary(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]: ...
    def today(self, tenant_id: str, day: date) -> tuple[StoredDigest, DayTotals | None, list[DayTotals]]: ...
    def save_digest(self, tenant_id: str, digest: Digest, gen: int) -> bool: ...
    def buyers(self, tenant_id: str) -> list[BuyerTotals]: ...


class Settings(Protocol):
    def settings(self, tenant_id: str) -> InsightSettings: ...


class Customers(Protocol):
    def first_paid_order(self, *, tenant_id: str, email: str) -> str | None: ...


class Inventory(Protocol):
    def cost_of(self, *, tenant_id: str, product_id: str, refs: Any) -> int | None: ...
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...


@dataclass(frozen=True)
class DashboardView:
    dashboard: Dashboard
    names: dict[str, str]  # product id → name, for the products the dashboard mentions
    zone: str


class RollupService:
    def __init__(self, *, store: RollupStore, tenants: TenantDirectory, customers: Customers, inventory: Inventory,
                 clock: Clock, settings: Settings, recent_seconds: float = 0) -> None:
        self._store = store
        self._settings = settings
        # the dashboard's figures, kept a few seconds per container: they already trail the sales by the outbox
        # consumer's lag, and a merchant who keeps reloading costs one read per shop and day, not per view
        self._recent: Recent[tuple[list[DayTotals], dict[str, ProductSums]]] = Recent(recent_seconds)
        self._tenants = tenants
        self._customers = customers
        self._inventory = inventory
        self._clock = clock

    def on_outbox(self, message: OutboxMessage, order: Order | None) -> None:
        """The outbox consumer's hook: a delivery counts as a sale, a refund as a refund, each once."""
        if order is None or message.kind not in ("order_delivered", "order_refunded"):
            return
        tenant = self._tenants.get(tenant_id=order.tenant_id)
        if message.kind == "order_delivered":
            at = order.delivered_at or message.created_at
            fact = Fact(SALE, order.id, order.product_id, at, order.quantity, order.amount, order.currency,
                        cost=self._inventory.cost_of(tenant_id=tenant.id, product_id=order.product_id,
                                                     refs=order.keys),
                        buyer=customer_id(tenant.id, order.email), new_buyer=self._first_order(order),
                        email=order.email, source=order.source, device=order.device)
        else:
            at = order.refunded_at or message.created_at
            # only a refund of a delivered order takes spend back from its buyer: the sale counted theirs
            sold = bucket(order.delivered_at, tenant.zone).month if order.delivered_at else ""
            fact = Fact(REFUND, order.id, order.product_id, at, order.quantity, order.amount, order.currency,
                        buyer=customer_id(tenant.id, order.email) if sold else "", sold_month=sold)
        counted_on = bucket(at, tenant.zone)
        # a count landing on a day before today changes figures a dashboard digest may hold already
        late = counted_on.day < bucket(self._clock.now(), tenant.zone).day
        self._store.record(tenant.id, fact, counted_on, late=late)

    def _first_order(self, order: Order) -> bool:
        """Whether this is the buyer's first paid order here, by creation time then id: the same answer
        whichever of the buyer's orders is counted first (the customer's entries are written before us)."""
        first = self._customers.first_paid_order(tenant_id=order.tenant_id, email=order.email)
        return first is None or first == order.id

    def dashboard(self, *, actor: Actor, tenant: Tenant, stock_page: Any = None) -> DashboardView:
        """The digest of the closed days with today's rows (a BatchGet and a Query) and one page of products with
        their stock (unless the caller has it): a bounded number of requests whatever the number of orders."""
        actor.require(Permission.VIEW)
        today = bucket(self._clock.now(), tenant.zone).day
        settings = self._settings.settings(tenant.id)
        window = settings.safety_window_days
        days, products = self._recent.get((tenant.id, today, window), lambda: self.figures(tenant.id, today, window))
        page = stock_page if stock_page is not None else self._inventory.stock_summary(
            tenant_id=tenant.id, limit=PRODUCTS_READ, cursor=None)
        stock = {product.id: level.available for product, level in page.items}
        names = {product.id: product.name for product, _ in page.items}
        view = build(today=today, days=days, products=products, stock=stock, settings=settings)
        return DashboardView(dashboard=view, names=names, zone=tenant.zone)

    def figures(self, tenant_id: str, today: date,
                window: int = SAFETY_WINDOW_DAYS) -> tuple[list[DayTotals], dict[str, ProductSums]]:
        """The shop's days and each product's sums over the dashboard's windows ending `today` (the safety window's
        `window` days): the digest of the closed days and today's rows. On a shop-day's first read, after a late
        count or a change of window, the digest is made again from the month partitions (two Queries) and kept for
        the reads after."""
        stored, shop, products = self._store.today(tenant_id, today)
        digest = stored.usable_on(today, window)
        if digest is None:
            first = today - timedelta(days=SERIES_DAYS - 1)
            days, product_days = self._store.summary(tenant_id, months_covering(first, today))
            digest = close(today, days, product_days, window)
            self._store.save_digest(tenant_id, digest, stored.gen)
        return with_today(digest, shop, products)
