"""A product that keeps changing while a buyer checks out is a clear conflict that holds no key."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.inventory.domain.models import StockLevel
from chalicelib.kernel.errors import Conflict, VersionConflict
from chalicelib.sales.service.checkout import CheckoutService
from tests.fakes import FakeOrderStore
from tests.unit.test_services_with_fakes import RESERVATION_SECONDS, build


class EverChangingProductOrders(FakeOrderStore):
    """Every order save finds the product at another version: a writer keeps editing it."""

    def create(self, order: Any, *, announce: Any = None, product_version: int | None = None,
               holds: Any = ()) -> None:
        raise VersionConflict(f"the product changed since version {product_version} was read")


def test_a_product_that_keeps_changing_during_checkout_is_a_conflict_that_holds_no_key() -> None:
    w = build()
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, ["K1", "K2"])
    checkout = CheckoutService(tenants=w.tenants, products=w.products, pool=w.pool,
                               orders=EverChangingProductOrders(lock=w.orders.lock), payments=w.payments,
                               clock=w.clock, reservation_seconds=RESERVATION_SECONDS)
    # when a buyer checks out while the product changes under both attempts (the recent copy, then a fresh one)
    with pytest.raises(Conflict) as err:
        checkout.start(slug=tenant.slug, body={"product_id": product.id, "email": "buyer@example.com"})
    # then the buyer is told to place it again, and both attempts' keys went back to the pool
    assert (err.value.code, err.value.param) == ("product_changed", "product_id")
    assert w.stock(product) == StockLevel(available=2, reserved=0, sold=0)
