"""Builds the sales parts: order stores, the sale and refund ledgers, checkout, fulfilment, orders and more."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from chalicelib.kernel.parts import Parts


class SalesParts(Parts):
    @cached_property
    def order_store(self) -> Any:
        from chalicelib.sales.store.orders import DynamoOrderStore

        return DynamoOrderStore()

    @cached_property
    def sale_ledger(self) -> Any:
        from chalicelib.sales.store.ledger import DynamoSaleLedger

        return DynamoSaleLedger()

    @cached_property
    def customer_store(self) -> Any:
        from chalicelib.sales.store.customers import DynamoCustomerStore

        return DynamoCustomerStore()

    @cached_property
    def refund_ledger(self) -> Any:
        from chalicelib.sales.store.refunds import DynamoRefundLedger

        return DynamoRefundLedger()

    @cached_property
    def bundles(self) -> Any:
        from chalicelib.sales.service.key_bundles import KeyBundles

        c = self.c
        return KeyBundles(pool=c.inventory.pool, cipher=c.platform.cipher, tenants=c.tenancy.tenants)

    @cached_property
    def checkout(self) -> Any:
        from chalicelib.sales.service.checkout import CheckoutService

        c, p = self.c, self.c.platform
        return CheckoutService(tenants=c.tenancy.tenants, products=c.catalog.products,
                               pool=c.inventory.pool, orders=self.order_store, payments=p.payments, clock=p.clock,
                               reservation_seconds=p.settings.reservation_minutes * 60, outbox=p.outbox, queue=p.queue,
                               links=p.order_links, passwords=p.query_passwords, coupons=c.marketing.coupons,
                               risk=c.risk.risk_engine, buyers=self.customers, thresholds=c.marketing.thresholds)

    @cached_property
    def reviews(self) -> Any:
        from chalicelib.sales.service.reviews import ReviewService

        c, p = self.c, self.c.platform
        return ReviewService(tenants=c.tenancy.tenants, orders=self.order_store, pool=c.inventory.pool,
                             payments=p.payments, outbox=p.outbox, queue=p.queue, clock=p.clock)

    @cached_property
    def hold_counts(self) -> Any:
        from chalicelib.sales.service.hold_counts import HoldCounts

        return HoldCounts(orders=self.order_store)

    @cached_property
    def fulfilment(self) -> Any:
        from chalicelib.sales.service.fulfilment import FulfilmentService

        c, p = self.c, self.c.platform
        return FulfilmentService(tenants=c.tenancy.tenants, products=c.catalog.products,
                                 orders=self.order_store, pool=c.inventory.pool, ledger=self.sale_ledger,
                                 payments=p.payments, outbox=p.outbox, queue=p.queue, clock=p.clock,
                                 bundles=self.bundles, coupons=c.marketing.coupons, risk=c.risk.risk_engine)

    @cached_property
    def orders(self) -> Any:
        from chalicelib.sales.service.orders import OrderService

        c = self.c
        return OrderService(tenants=c.tenancy.tenants, orders=self.order_store, pool=c.inventory.pool,
                            cipher=c.platform.cipher, fulfilment=self.fulfilment, products=c.catalog.products,
                            bundles=self.bundles)

    @cached_property
    def notifications(self) -> Any:
        from chalicelib.sales.service.notifications import NotificationService

        c, p = self.c, self.c.platform
        return NotificationService(tenants=c.tenancy.tenants, orders=self.order_store, order_service=self.orders,
                                   outbox=p.outbox, mailer=p.mailer, clock=p.clock,
                                   public_base_url=p.settings.public_base_url, links=p.order_links)

    @cached_property
    def reservations(self) -> Any:
        from chalicelib.sales.service.reservations import ReservationService

        c = self.c
        return ReservationService(pool=c.inventory.pool, orders=self.order_store, products=c.catalog.products,
                                  clock=c.platform.clock)

    @cached_property
    def customers(self) -> Any:
        from chalicelib.sales.service.customers import CustomerService

        return CustomerService(customers=self.customer_store, orders=self.order_store)

    @cached_property
    def refunds(self) -> Any:
        from chalicelib.sales.service.refunds import RefundService

        c, p = self.c, self.c.platform
        # keys: the pool's void()
        return RefundService(tenants=c.tenancy.tenants, orders=self.order_store, payments=p.payments,
                             keys=c.inventory.pool, ledger=self.refund_ledger, queue=p.queue, clock=p.clock,
                             activity=p.activity)
