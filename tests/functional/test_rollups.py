"""Sales rollups: exact counts after deliveries, refunds, replayed messages and concurrent handling; the day and hour
are the shop's own; each currency apart; the dashboard reads them in a bounded number of requests."""

from __future__ import annotations

import json
import threading
from typing import Any

from chalicelib.insights.domain.rollups import bucket
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.tenancy.domain.roles import Actor
from chalicelib.wiring.jobs import handle_outbox_batch
from tests.support import shop


def _pending(container: Any, order_ids: set[str]) -> list[OutboxMessage]:
    now = container.platform.clock.now()
    return [m for m in container.platform.outbox.pending(older_than=now + 60, limit=1000) if m.order_id in order_ids]


def _shop(client: Any, zone: str = "Asia/Shanghai") -> tuple[dict[str, Any], dict[str, Any]]:
    merchant = shop.sign_up(client)
    r = shop.call(client, "PATCH", "/v1/tenant", {"timezone": zone}, key=merchant["key"])
    assert r.status_code == 200 and json.loads(r.body)["timezone"] == zone
    product = shop.product(client, merchant["key"], price=700)
    keys = shop.new_keys(12, prefix="RU")
    r = shop.call(client, "POST", f"/v1/products/{product['id']}/keys",
                  {"keys": keys, "supplier": "Acme", "cost_per_key": 450}, key=merchant["key"])
    assert r.status_code == 200, r.body
    return merchant, product


def _rows(container: Any, tenant_id: str, at: int, zone: str) -> tuple[Any, Any]:
    b = bucket(at, zone)
    days, products = container.insights.rollup_store.months(tenant_id, [b.month])
    day = next(d for d in days if d.day == b.day)
    product_day = [p for p in products if p.day == b.day]
    return day, product_day


def test_deliveries_refunds_and_replays_count_exactly_once(client: Any, settings: Any, container: Any) -> None:
    # given a shop counting in Shanghai time, with keys that cost 4.50 each
    merchant, product = _shop(client)
    tenant_id = merchant["tenant"]["id"]
    # when three orders are delivered (two by one buyer) and their outbox messages handled
    orders = [shop.delivered_order(client, settings, merchant["slug"], product["id"], email=email)
              for email in ("ann@example.com", "ann@example.com", "bob@example.com")]
    ids = {o["order_id"] for o in orders}
    messages = _pending(container, ids)
    assert handle_outbox_batch(messages) == {}
    # then the shop's day and the product's day hold exactly them, in the shop's zone and hour
    placed = container.sales.orders.get(tenant_id=tenant_id, order_id=orders[0]["order_id"])
    day, product_days = _rows(container, tenant_id, placed.delivered_at, "Asia/Shanghai")
    hour = bucket(placed.delivered_at, "Asia/Shanghai").hour
    assert (day.orders, day.units, day.revenue, day.cost, day.costed_revenue) == (
        3, 3, {"usd": 2100}, {"usd": 1350}, {"usd": 2100})
    assert (day.buyers, day.new_buyers, day.refunds) == (2, 2, 0)
    assert sum(day.hours) == 3 and day.hours[hour] >= 1
    assert [(p.product_id, p.orders, p.units, p.revenue, p.buyers) for p in product_days] == [
        (product["id"], 3, 3, {"usd": 2100}, 2)]
    # when the same messages come again (a queue redelivery, the sweeper), nothing moves
    assert handle_outbox_batch(messages) == {}
    again, _ = _rows(container, tenant_id, placed.delivered_at, "Asia/Shanghai")
    assert again == day
    # when one order is refunded
    r = shop.call(client, "POST", f"/v1/orders/{orders[2]['order_id']}/refund", {}, key=merchant["key"])
    assert r.status_code == 200, r.body
    refunds = _pending(container, {orders[2]["order_id"]})
    assert [m.kind for m in refunds] == ["order_refunded"]
    assert handle_outbox_batch(refunds) == {}
    assert handle_outbox_batch(refunds) == {}
    refunded = container.sales.orders.get(tenant_id=tenant_id, order_id=orders[2]["order_id"])
    day_of_refund, _ = _rows(container, tenant_id, refunded.refunded_at, "Asia/Shanghai")
    # then the refund is counted once, on the day it happened; the sales stay as sold
    assert (day_of_refund.refunds, day_of_refund.refunded) == (1, {"usd": 700})
    assert day_of_refund.orders == (3 if day_of_refund.day == day.day else 0)
    # and each buyer's aggregate holds their sales once, bob's spend taken back by the refund
    month = bucket(placed.delivered_at, "Asia/Shanghai").month
    times = sorted(container.sales.orders.get(tenant_id=tenant_id, order_id=o["order_id"]).delivered_at
                   for o in orders[:2])
    bob_at = refunded.delivered_at
    buyers = {b.email: b for b in container.insights.rollup_store.buyers(tenant_id)}
    assert {email: (b.orders, b.spent, b.monthly, b.months_active, b.products, b.first_at, b.last_at)
            for email, b in buyers.items()} == {
        "ann@example.com": (2, {"usd": 1400}, {(month, "usd"): 1400}, frozenset({month}),
                            frozenset({product["id"]}), times[0], times[1]),
        "bob@example.com": (1, {"usd": 0}, {(month, "usd"): 0}, frozenset({month}),
                            frozenset({product["id"]}), bob_at, bob_at)}


def test_concurrent_handling_of_the_same_messages_counts_each_once(client: Any, settings: Any,
                                                                    container: Any) -> None:
    merchant, product = _shop(client, zone="UTC")
    tenant_id = merchant["tenant"]["id"]
    orders = [shop.delivered_order(client, settings, merchant["slug"], product["id"], email=f"c{n}@example.com")
              for n in range(4)]
    messages = _pending(container, {o["order_id"] for o in orders})
    errors: list[dict[str, Exception]] = []
    threads = [threading.Thread(target=lambda: errors.append(handle_outbox_batch(messages))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    placed = container.sales.orders.get(tenant_id=tenant_id, order_id=orders[0]["order_id"])
    day, product_days = _rows(container, tenant_id, placed.delivered_at, "UTC")
    assert (day.orders, day.units, day.revenue, day.buyers, day.new_buyers) == (4, 4, {"usd": 2800}, 4, 4)
    assert [(p.orders, p.buyers) for p in product_days] == [(4, 4)]


def test_the_dashboard_reads_the_rollups_in_a_bounded_number_of_requests(client: Any, settings: Any,
                                                                           container: Any) -> None:
    merchant, product = _shop(client, zone="UTC")
    tenant_id = merchant["tenant"]["id"]
    orders = [shop.delivered_order(client, settings, merchant["slug"], product["id"], email=f"d{n}@example.com")
              for n in range(3)]
    assert handle_outbox_batch(_pending(container, {o["order_id"] for o in orders})) == {}
    tenant = container.tenancy.tenants.get(tenant_id=tenant_id)
    view = container.insights.rollups.dashboard(actor=Actor.staff("usr_x", "v@example.com", "viewer"), tenant=tenant)
    d = view.dashboard
    assert (d.orders.today, d.units.today, d.revenue["usd"].today) == (3, 3, 2100)
    assert d.currencies == ("usd",)
    assert [(p.product_id, p.units, p.revenue) for p in d.top_products] == [(product["id"], 3, {"usd": 2100})]
    # 3 keys sold today over a 14-day window is 0.21 a day: a safety line of 2 against 9 in stock
    assert d.stock_warnings == []
    assert (d.new_buyers, d.returning_orders) == (3, 0)
    assert sum(map(sum, d.heatmap)) == 3
    assert view.names[product["id"]] == "Game card"


def test_the_dashboards_product_months_agree_with_the_product_days(client: Any, settings: Any,
                                                                   container: Any) -> None:
    # given two products of a shop sold to several buyers, in two currencies' worth of rows
    merchant, first = _shop(client, zone="UTC")
    second = shop.product(client, merchant["key"], price=300)
    r = shop.call(client, "POST", f"/v1/products/{second['id']}/keys", {"keys": shop.new_keys(4, prefix="RM")},
                  key=merchant["key"])
    assert r.status_code == 200, r.body
    tenant_id = merchant["tenant"]["id"]
    orders = [shop.delivered_order(client, settings, merchant["slug"], p["id"], email=f"m{n}@example.com")
              for n, p in enumerate([first, second, first, second, second])]
    assert handle_outbox_batch(_pending(container, {o["order_id"] for o in orders})) == {}
    placed = container.sales.orders.get(tenant_id=tenant_id, order_id=orders[0]["order_id"])
    month = bucket(placed.delivered_at, "UTC").month
    # when the dashboard's summary (day rows and product months, one range) is read beside the full rows
    days, product_days = container.insights.rollup_store.months(tenant_id, [month])
    summary_days, summary_products = container.insights.rollup_store.summary(tenant_id, [month])
    # then the shop's days are the same rows, and each product's months give its days' orders, units and revenue
    assert summary_days == days

    def figures(rows: Any) -> list[tuple[Any, ...]]:
        return sorted((p.product_id, p.day, p.orders, p.units, p.revenue) for p in rows)

    assert figures(summary_products) == figures(product_days)
    totals = {pid: (sum(p.orders for p in summary_products if p.product_id == pid),
                    sum(p.revenue["usd"] for p in summary_products if p.product_id == pid))
              for pid in (first["id"], second["id"])}
    assert totals == {first["id"]: (2, 1400), second["id"]: (3, 900)}


class CountingStore:
    """The real rollup store, counting the dashboard's reads and digests kept."""

    def __init__(self, store: Any) -> None:
        self.store, self.summaries, self.todays, self.saved = store, 0, 0, []

    def summary(self, tenant_id: str, months: list[str]) -> Any:
        self.summaries += 1
        return self.store.summary(tenant_id, months)

    def today(self, tenant_id: str, day: Any) -> Any:
        self.todays += 1
        return self.store.today(tenant_id, day)

    def save_digest(self, tenant_id: str, digest: Any, gen: int) -> bool:
        kept = self.store.save_digest(tenant_id, digest, gen)
        self.saved.append(kept)
        return kept

    def record(self, *args: Any, **kwargs: Any) -> bool:
        return self.store.record(*args, **kwargs)


def _service(container: Any, store: Any, recent_seconds: float = 0) -> Any:
    from chalicelib.insights.service.rollups import RollupService

    return RollupService(store=store, tenants=container.tenancy.tenants, customers=container.sales.customers,
                         inventory=container.inventory.keys, clock=container.platform.clock,
                         settings=container.insights.insight_settings, recent_seconds=recent_seconds)


def test_with_a_few_seconds_of_grace_reloads_of_the_dashboard_read_the_rollups_once(client: Any, settings: Any,
                                                                                    container: Any) -> None:
    # given a shop with a sale and a dashboard that may show figures up to 60 s old
    merchant, product = _shop(client, zone="UTC")
    order = shop.delivered_order(client, settings, merchant["slug"], product["id"], email="grace@example.com")
    assert handle_outbox_batch(_pending(container, {order["order_id"]})) == {}
    counting = CountingStore(container.insights.rollup_store)
    service = _service(container, counting, recent_seconds=60)
    tenant = container.tenancy.tenants.get(tenant_id=merchant["tenant"]["id"])
    viewer = Actor.staff("usr_x", "v@example.com", "viewer")
    # when it is opened three times, once by another shop
    views = [service.dashboard(actor=viewer, tenant=tenant).dashboard for _ in range(2)]
    other = container.tenancy.tenants.get(tenant_id=shop.sign_up(client)["tenant"]["id"])
    empty = service.dashboard(actor=viewer, tenant=other).dashboard
    # then this shop's figures were read once for both views, the other shop's on their own
    assert (counting.todays, counting.summaries) == (2, 2)
    assert [v.orders.today for v in views] == [1, 1] and empty.orders.today == 0


def test_the_days_digest_serves_later_views_until_a_late_count_lands_on_a_closed_day(
        client: Any, settings: Any, container: Any) -> None:
    import dataclasses

    from chalicelib.kernel.ids import new_id

    # given a shop with a sale today whose dashboard was opened once (the day's digest made and kept)
    merchant, product = _shop(client, zone="UTC")
    order = shop.delivered_order(client, settings, merchant["slug"], product["id"], email="digest@example.com")
    assert handle_outbox_batch(_pending(container, {order["order_id"]})) == {}
    counting = CountingStore(container.insights.rollup_store)
    service = _service(container, counting)
    tenant = container.tenancy.tenants.get(tenant_id=merchant["tenant"]["id"])
    viewer = Actor.staff("usr_x", "v@example.com", "viewer")
    first = service.dashboard(actor=viewer, tenant=tenant).dashboard
    assert (counting.summaries, counting.saved) == (1, [True])
    # when another sale lands today, and the dashboard is opened again
    second_order = shop.delivered_order(client, settings, merchant["slug"], product["id"], email="d2@example.com")
    assert handle_outbox_batch(_pending(container, {second_order["order_id"]})) == {}
    again = service.dashboard(actor=viewer, tenant=tenant).dashboard
    # then today's rows are read live and the closed days come from the digest: no month partition is read
    assert counting.summaries == 1
    assert (first.orders.today, again.orders.today, again.units.today) == (1, 2, 2)
    assert [(p.product_id, p.orders) for p in again.top_products] == [(product["id"], 2)]
    # when an order delivered yesterday is counted only now (a late count)
    placed = container.sales.orders.get(tenant_id=tenant.id, order_id=order["order_id"])
    yesterday_at = placed.delivered_at - 86400
    late = dataclasses.replace(placed, id=new_id("order"), delivered_at=yesterday_at, created_at=yesterday_at - 60,
                               paid_at=yesterday_at - 30)
    service.on_outbox(OutboxMessage(tenant.id, "obx_late", "order_delivered", late.id, yesterday_at), late)
    after = service.dashboard(actor=viewer, tenant=tenant).dashboard
    # then the digest is made again and holds it: yesterday's figures and the product's 30 days count it
    assert (counting.summaries, counting.saved) == (2, [True, True])
    assert (after.orders.today, after.orders.yesterday) == (2, 1)
    assert [(p.product_id, p.orders, p.revenue) for p in after.top_products] == [(product["id"], 3, {"usd": 2100})]
    assert after.series[-2][2] == 1
    # and a view after that reads the digest again
    service.dashboard(actor=viewer, tenant=tenant)
    assert counting.summaries == 2


def test_a_digest_made_before_a_late_count_is_not_kept(client: Any, settings: Any, container: Any) -> None:
    from chalicelib.insights.domain.digest import close
    from chalicelib.insights.domain.rollups import SALE, Fact

    # given a shop whose digest generation was read before a late count landed
    merchant, product = _shop(client, zone="UTC")
    tenant_id = merchant["tenant"]["id"]
    store = container.insights.rollup_store
    now = container.platform.clock.now()
    today = bucket(now, "UTC").day
    stored, _, _ = store.today(tenant_id, today)
    late = Fact(SALE, "ord_late", product["id"], now - 86400, 1, 700, "usd")
    assert store.record(tenant_id, late, bucket(now - 86400, "UTC"), late=True) is True
    # when the digest made from the earlier read is kept
    kept = store.save_digest(tenant_id, close(today, [], []), stored.gen)
    # then it is refused, and one made at the new generation is kept and read back
    assert (stored.gen, kept) == (0, False)
    now_stored, _, _ = store.today(tenant_id, today)
    assert now_stored.gen == 1 and now_stored.usable_on(today) is None
    assert store.save_digest(tenant_id, close(today, [], []), now_stored.gen) is True
    assert store.today(tenant_id, today)[0].usable_on(today) == close(today, [], [])
