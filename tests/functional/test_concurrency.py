"""Many buyers at once against the moto server: every key sold once, never oversold, stock consistent."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from chalicelib.kernel.errors import OutOfStock
from chalicelib.sales.domain.models import OrderStatus
from tests.support import shop

BUYERS, KEYS = 200, 100


def test_200_buyers_on_100_keys_get_exactly_100_deliveries(client, settings, container):
    # given a product with 100 keys
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"], price=300)
    keys = shop.new_keys(KEYS, prefix="RUSH")
    shop.import_keys(client, merchant["key"], product["id"], keys)
    tenant_id = merchant["tenant"]["id"]

    def buy(i: int) -> str:
        try:
            started = container.sales.checkout.start(slug=merchant["slug"], body={
                "product_id": product["id"], "quantity": 1, "email": f"buyer{i}@example.com"})
        except OutOfStock:
            return "out_of_stock"
        shop.pay(settings, started.order.payment_intent_id)
        payload, signature = shop.stripe_event(settings, started.order.payment_intent_id)
        return container.sales.fulfilment.handle_webhook(payload=payload, signature=signature).result

    # when 200 threads buy one key each at the same time
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(buy, range(BUYERS)))

    # then exactly 100 are delivered and 100 get a clean out-of-stock answer
    assert results.count("delivered") == KEYS
    assert results.count("out_of_stock") == BUYERS - KEYS
    orders = []
    cursor = None
    while True:
        page = container.sales.orders.list(tenant_id=tenant_id, limit=100, cursor=cursor)
        orders += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    delivered = [o for o in orders if o.status == OrderStatus.DELIVERED]
    refs = [r for o in delivered for r in o.keys]
    assert len(delivered) == KEYS
    assert len(set(refs)) == KEYS  # no key in two orders
    # and every delivered key is a distinct imported key
    sample = random.sample(delivered, 10)
    seen = [k for o in sample for k in container.sales.orders.reveal(tenant=container.tenancy.tenant_store.get(tenant_id=tenant_id),
                                                                order=o)]
    assert len(set(seen)) == 10 and set(seen) <= set(keys)
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 0, "reserved": 0, "sold": KEYS}
