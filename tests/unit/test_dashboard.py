"""The dashboard from day rollups: comparisons, the 30-day series, top products, safety lines, the heatmap."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.insights.domain.dashboard import Compared, build, product_sums
from chalicelib.insights.domain.digest import close, decode, encode
from chalicelib.insights.domain.rollups import REFUND, SALE, Fact, bucket, counters, from_counters, months_covering
from chalicelib.insights.domain.settings import InsightSettings

TODAY = date(2026, 12, 4)  # a Friday


def day(n: int, **values: int) -> object:
    return from_counters(TODAY - timedelta(days=n), None, values)


def product_day(n: int, pid: str, **values: int) -> object:
    return from_counters(TODAY - timedelta(days=n), pid, values)


def test_a_sale_adds_money_per_currency_and_its_hour_and_a_refund_only_refunds() -> None:
    sale = Fact(SALE, "ord_1", "prd_1", 0, 2, 1400, "cny", cost=900)
    shop, product = counters(sale, 21)
    assert shop == {"orders": 1, "units": 2, "revenue_cny": 1400, "cost_cny": 900, "costed_revenue_cny": 1400,
                    "orders_h21": 1, "units_h21": 2}
    assert product == {"orders": 1, "units": 2, "revenue_cny": 1400, "cost_cny": 900, "costed_revenue_cny": 1400}
    refund = Fact(REFUND, "ord_1", "prd_1", 0, 2, 1400, "cny")
    assert counters(refund, 3) == ({"refunds": 1, "refunded_cny": 1400}, {"refunds": 1, "refunded_cny": 1400})


def test_the_day_and_hour_are_the_shops_own() -> None:
    at = 1_764_864_000  # 2025-12-04 16:00 UTC
    assert (bucket(at, "UTC").day, bucket(at, "UTC").hour) == (date(2025, 12, 4), 16)
    assert (bucket(at, "Asia/Shanghai").day, bucket(at, "Asia/Shanghai").hour) == (date(2025, 12, 5), 0)
    assert bucket(at, "Asia/Shanghai").month == "2025-12"
    assert months_covering(date(2026, 11, 5), TODAY) == ["2026-11", "2026-12"]


def test_today_is_compared_with_yesterday_and_the_same_weekday_last_week() -> None:
    d = build(today=TODAY, days=[day(0, orders=6, revenue_usd=600, orders_h20=6), day(1, orders=4, revenue_usd=400),
                                 day(7, orders=3, revenue_usd=200, revenue_eur=900)],
              products={}, stock={})
    assert d.orders == Compared(6, 4, 3)
    assert (d.orders.vs_yesterday, d.orders.vs_last_week) == (50.0, 100.0)
    assert d.currencies == ("usd", "eur")  # most revenue first; currencies never added together
    assert d.revenue["eur"] == Compared(0, 0, 900) and d.revenue["eur"].vs_yesterday is None
    assert len(d.series) == 30 and d.series[-1] == (TODAY, {"usd": 600}, 6)
    assert d.heatmap[TODAY.weekday()][20] == 6 and sum(map(sum, d.heatmap)) == 6


def test_top_products_and_stock_below_its_safety_line() -> None:
    rows = [product_day(n, "prd_a", units=3, orders=3, revenue_usd=300) for n in range(14)]
    rows += [product_day(2, "prd_b", units=1, orders=1, revenue_usd=900), product_day(40, "prd_c", units=50)]
    d = build(today=TODAY, days=[], products=product_sums(rows, TODAY), stock={"prd_a": 20, "prd_b": 5})
    assert [(p.product_id, p.units) for p in d.top_products] == [("prd_a", 42), ("prd_b", 1)]
    # prd_a sells 3 a day: its line is 21, and 20 left is about 6.7 days; prd_b sells 1/14 a day: line 1
    assert [(w.product_id, w.available, w.safety_line, w.days_left) for w in d.stock_warnings] == [
        ("prd_a", 20, 21, 6.7)]
    line = InsightSettings().safety_line
    assert line(3.0) == 21 and line(0.5) == 4 and line(0.0) == 0


def test_the_shops_own_window_and_cover_make_the_safety_line() -> None:
    # given prd_a selling 6 a day over the last 7 days and nothing in the week before (42 in 14 days)
    rows = [product_day(n, "prd_a", units=6, orders=6, revenue_usd=600) for n in range(7)]
    stock = {"prd_a": 40}
    # then with the defaults (14 days × 7): 3 a day, line 21, 40 left is fine
    default = build(today=TODAY, days=[], products=product_sums(rows, TODAY), stock=stock)
    assert default.stock_warnings == []
    # when the shop averages over 7 days and wants 10 days of cover: 6 a day, line 60, 40 left is 6.7 days
    chosen = InsightSettings(safety_window_days=7, cover_days=10)
    d = build(today=TODAY, days=[], products=product_sums(rows, TODAY, 7), stock=stock, settings=chosen)
    assert [(w.product_id, w.available, w.safety_line, w.daily_units, w.days_left) for w in d.stock_warnings] == [
        ("prd_a", 40, 60, 6.0, 6.7)]
    # and a 3-day window sees the last 3 days only
    assert product_sums(rows, TODAY, 3)["prd_a"].recent_units == 18


def test_a_digest_made_for_one_window_is_not_used_for_another() -> None:
    from chalicelib.insights.domain.digest import StoredDigest

    rows = [product_day(n, "prd_a", units=2) for n in range(1, 20)]
    made = decode(encode(close(TODAY, [], rows, 7)))
    # the closed days' recent units are summed over the window it was made for (today is added on read)
    assert (made.window, made.products["prd_a"].recent_units) == (7, 12)
    stored = StoredDigest(made, built_gen=3, gen=3)
    assert stored.usable_on(TODAY, 7) is made
    assert stored.usable_on(TODAY, 14) is None


def test_new_buyers_and_orders_from_returning_ones() -> None:
    d = build(today=TODAY, days=[day(0, orders=5, new_buyers=2), day(3, orders=2, new_buyers=2)], products={},
              stock={})
    assert (d.new_buyers, d.returning_orders) == (4, 3)


def test_a_first_order_counts_a_new_buyer_whatever_order_the_messages_come_in() -> None:
    # the buyer's later order may be counted first (and take the day's distinct-buyer marker): being a new
    # buyer belongs to the order, so it is counted with the order's own figures
    first = Fact(SALE, "ord_1", "prd_1", 0, 1, 100, "usd", buyer="cus_a", new_buyer=True)
    later = Fact(SALE, "ord_2", "prd_1", 0, 1, 100, "usd", buyer="cus_a", new_buyer=False)
    assert counters(first, 9)[0]["new_buyers"] == 1 and counters(first, 9)[1]["new_buyers"] == 1
    assert "new_buyers" not in counters(later, 9)[0]


def test_the_closed_days_digest_with_todays_rows_gives_the_dashboard_of_all_the_rows() -> None:
    import random

    from chalicelib.insights.domain.digest import close, decode, encode, with_today

    # given 40 days of shop and product rows, in two currencies, three products, every hour
    rng = random.Random(4)
    days = [day(n, orders=rng.randint(0, 9), units=rng.randint(0, 20), refunds=rng.randint(0, 2),
                new_buyers=rng.randint(0, 3), revenue_usd=rng.randint(0, 5000), revenue_eur=rng.randint(0, 900),
                **{f"orders_h{h:02d}": rng.randint(0, 3) for h in range(0, 24, 5)}) for n in range(40)]
    rows = [product_day(n, pid, orders=rng.randint(0, 5), units=rng.randint(0, 9), revenue_usd=rng.randint(0, 900))
            for n in range(40) for pid in ("prd_a", "prd_b", "prd_c") if rng.random() < 0.8]
    stock = {"prd_a": 3, "prd_b": 40, "prd_c": 0}
    whole = build(today=TODAY, days=days, products=product_sums(rows, TODAY), stock=stock)
    # when the days before today go through a stored digest and today's rows are added live
    digest = decode(encode(close(TODAY, days, rows)))
    today_row = next(d for d in days if d.day == TODAY)
    live_days, live_products = with_today(digest, today_row, [r for r in rows if r.day == TODAY])
    # then the dashboard is the same in every figure, and the digest holds only the closed days of the window
    assert build(today=TODAY, days=live_days, products=live_products, stock=stock) == whole
    assert sorted(d.day for d in digest.days) == [TODAY - timedelta(days=n) for n in range(29, 0, -1)]
    assert whole.top_products and whole.stock_warnings and sum(map(sum, whole.heatmap)) > 0
