"""Counting the funnel (storefront views, checkouts, payment starts; paid orders are counted with the sale) and
reading it back as a report with its leaks."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.funnel import CHECKOUT, NO_PRODUCT, PAY, PRODUCT, SHOP, FunnelCounts, Touch
from chalicelib.insights.domain.funnel_report import FunnelReport, report
from chalicelib.insights.domain.rollups import Bucket, bucket
from chalicelib.kernel.attribution import Visit, device, is_robot
from chalicelib.kernel.errors import DomainError, InvalidRequest
from chalicelib.kernel.ports import Clock, OutboxMessage
from chalicelib.sales.domain.models import Order
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

log = logging.getLogger(__name__)
MAX_DAYS = 92


class FunnelStore(Protocol):
    def add(self, tenant_id: str, touch: Touch, at: Bucket) -> None: ...
    def add_once(self, tenant_id: str, order_id: str, touch: Touch, at: Bucket) -> bool: ...
    def counts(self, tenant_id: str, first: date, last: date, product_id: str | None = None) -> FunnelCounts: ...


class BuyerOrders(Protocol):
    def for_buyer(self, *, tenant: Tenant, order_id: str, token: Any) -> Any: ...


class FunnelService:
    def __init__(self, *, store: FunnelStore, tenants: TenantDirectory, orders: BuyerOrders, clock: Clock) -> None:
        self._store = store
        self._tenants = tenants
        self._orders = orders
        self._clock = clock

    def viewed(self, *, tenant: Tenant, product_id: str | None, visit: Visit) -> None:
        """Counts a storefront page view (the shop's or a product's); robots are not counted, and a failure to
        count is logged, never shown to the buyer."""
        if is_robot(visit.user_agent):
            return
        now = self._clock.now()
        touch = Touch(PRODUCT if product_id else SHOP, product_id or NO_PRODUCT, visit.channel(),
                      device(visit.user_agent), now)
        self._count(tenant, touch)

    def _count(self, tenant: Tenant, touch: Touch) -> None:
        try:
            self._store.add(tenant.id, touch, bucket(touch.at, tenant.zone))
        except DomainError:
            log.warning("a funnel view was not counted", extra={"tenant_id": tenant.id, "step": touch.step})

    def paying(self, *, tenant: Tenant, order_id: str, token: Any) -> bool:
        """The buyer pressed Pay: the order's payment step, counted once per order (False: counted before, or the
        order has no storefront origin). The order's token proves the beacon comes from its page."""
        view = self._orders.for_buyer(tenant=tenant, order_id=order_id, token=token)
        order: Order = view.order
        if not order.device:
            return False
        touch = Touch(PAY, order.product_id, order.source, order.device, self._clock.now())
        return self._store.add_once(tenant.id, order.id, touch, bucket(touch.at, tenant.zone))

    def on_outbox(self, message: OutboxMessage, order: Order | None) -> None:
        """The outbox consumer's hook: a storefront order's creation is its checkout step, counted once."""
        if order is None or message.kind != "order_created" or not order.device:
            return
        tenant = self._tenants.get(tenant_id=order.tenant_id)
        touch = Touch(CHECKOUT, order.product_id, order.source, order.device, order.created_at)
        self._store.add_once(tenant.id, order.id, touch, bucket(touch.at, tenant.zone))

    def report(self, *, actor: Actor, tenant_id: str, days: int = 7, last: date | None = None,
               product_id: str | None = None) -> FunnelReport:
        """The funnel of the `days` days ending `last` (today in the shop's zone by default)."""
        actor.require(Permission.VIEW)
        if not 1 <= days <= MAX_DAYS:
            raise InvalidRequest(f"days must be 1 to {MAX_DAYS}", param="days")
        tenant = self._tenants.get(tenant_id=tenant_id)
        last = last or bucket(self._clock.now(), tenant.zone).day
        first = last - timedelta(days=days - 1)
        return report(self._store.counts(tenant.id, first, last, product_id), first, last)
