"""Periodic business reports from day rollups: periods, totals and rates, products, funnel, anomalies and CSV rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.insights.domain.anomalies import Anomaly, find_anomalies, robust_z
from chalicelib.insights.domain.funnel import FunnelCounts
from chalicelib.insights.domain.reports import (
    Previous,
    ProductLine,
    Report,
    baseline_bounds,
    build_report,
    csv_rows,
    period_bounds,
    previous_bounds,
)
from chalicelib.insights.domain.rollups import DayTotals, from_counters

TUESDAY = date(2026, 11, 17)
MONDAY = date(2026, 11, 16)
USUAL = [8, 10, 11, 12, 12, 14, 14, 16]  # median 12, absolute deviations 4 2 1 0 0 2 2 4: MAD 2


def shop(day: date, **values: int) -> DayTotals:
    return from_counters(day, None, values)


def product(day: date, pid: str, **values: int) -> DayTotals:
    return from_counters(day, pid, values)


def tuesdays(values: list[int], metric: str = "orders", before: date = TUESDAY) -> list[DayTotals]:
    """One shop row per Tuesday before `before`, oldest first, each with `metric` set to the next value."""
    count = len(values)
    return [shop(before - timedelta(weeks=count - i), **{metric: v}) for i, v in enumerate(values)]


def report(kind: str, first: date, last: date, **inputs: object) -> Report:
    args: dict[str, object] = {"shop_days": [], "product_days": [], "previous_days": [], "baseline_days": [],
                               "stock": {}, "funnel": None}
    args.update(inputs)
    return build_report(kind, first, last, **args)  # type: ignore[arg-type]


def test_periods_are_the_day_the_iso_week_and_the_calendar_month() -> None:
    # given Thursday 2026-12-31, whose ISO week runs into 2027
    new_year_eve = date(2026, 12, 31)
    # then each kind of period holds it, and the one before is the day, the week, the month before
    assert period_bounds("daily", new_year_eve) == (new_year_eve, new_year_eve)
    assert period_bounds("weekly", new_year_eve) == (date(2026, 12, 28), date(2027, 1, 3))
    assert period_bounds("weekly", date(2027, 1, 3)) == (date(2026, 12, 28), date(2027, 1, 3))  # Sunday ends it
    assert period_bounds("weekly", date(2026, 12, 1)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert period_bounds("monthly", date(2028, 2, 15)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds("monthly", new_year_eve) == (date(2026, 12, 1), new_year_eve)
    assert previous_bounds("daily", date(2027, 1, 1)) == (new_year_eve, new_year_eve)
    assert previous_bounds("weekly", date(2026, 12, 28)) == (date(2026, 12, 21), date(2026, 12, 27))
    assert previous_bounds("monthly", date(2027, 1, 1)) == (date(2026, 12, 1), new_year_eve)
    assert previous_bounds("monthly", date(2027, 3, 1)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert baseline_bounds(TUESDAY) == (date(2026, 9, 22), MONDAY)  # 8 whole weeks: 8 Tuesdays
    with pytest.raises(ValueError):
        period_bounds("yearly", new_year_eve)
    with pytest.raises(ValueError):
        report("hourly", TUESDAY, TUESDAY)


def test_totals_rates_buyers_and_the_previous_period() -> None:
    # given a week with sales on Monday (1 refund, 2 currencies, costs known for part of it) and Wednesday
    monday = shop(MONDAY, orders=4, units=5, refunds=1, buyers=4, new_buyers=1, revenue_usd=4000, refunded_usd=1000,
                  cost_usd=1500, costed_revenue_usd=3000, revenue_eur=500)
    wednesday = shop(MONDAY + timedelta(days=2), orders=6, units=6, buyers=5, new_buyers=2, revenue_usd=6000,
                     cost_usd=2000, costed_revenue_usd=4000)
    before = [shop(MONDAY - timedelta(days=7), orders=8, units=8, revenue_usd=8000),
              shop(MONDAY - timedelta(days=14), orders=99)]  # two weeks back: not the previous period
    # when the weekly report is built
    r = report("weekly", MONDAY, MONDAY + timedelta(days=6), shop_days=[monday, wednesday], previous_days=before)
    # then money stays per currency, usd (most revenue) first
    assert (r.orders, r.units, r.refunds) == (10, 11, 1)
    assert r.currencies == ("usd", "eur") and r.main_currency == "usd"
    assert r.revenue == {"usd": 10000, "eur": 500} and r.refunded == {"usd": 1000}
    # margin over the costed sales only: 7000 − 3500; its rate against those 7000, not all 10000
    assert r.margin == {"usd": 3500} and r.margin_rate == {"usd": 0.5}
    assert r.refund_rate == 0.1
    # 9 buyer-days, 3 of them first purchases: 6 returning
    assert (r.buyers, r.buyers_new, r.buyers_returning, r.repurchase_rate) == (9, 3, 6, 6 / 9)
    # the days are zero-filled, oldest first
    assert [d.orders for d in r.days] == [4, 0, 6, 0, 0, 0, 0] and r.days[1] == DayTotals(day=date(2026, 11, 17))
    assert r.previous == Previous(date(2026, 11, 9), date(2026, 11, 15), 8, 8, 0, {"usd": 8000})
    assert (r.orders_change, r.units_change) == (25.0, 37.5)
    assert (r.revenue_change("usd"), r.revenue_change("eur")) == (25.0, None)
    assert r.funnel is None and r.anomalies == []


def test_an_empty_period_has_no_rates() -> None:
    r = report("daily", TUESDAY, TUESDAY)
    assert (r.orders, r.currencies, r.main_currency, r.refund_rate, r.repurchase_rate) == (0, (), "", None, None)
    assert r.margin == {} and r.margin_rate == {} and r.products == [] and len(r.days) == 1


def test_top_products_by_main_currency_revenue_then_units_with_turnover_and_days_of_cover() -> None:
    # given a week where a and b each made 30.00 usd (b in more units), c sold in eur only, d only has stock
    first, last = MONDAY, MONDAY + timedelta(days=6)
    rows = [product(first, "prd_a", orders=6, units=8, revenue_usd=2000, cost_usd=700, costed_revenue_usd=2000),
            product(last, "prd_a", orders=4, units=6, revenue_usd=1000, cost_usd=300, costed_revenue_usd=1000),
            product(first - timedelta(days=1), "prd_a", units=100, revenue_usd=90000),  # the week before
            product(first, "prd_b", orders=12, units=20, revenue_usd=3000, refunds=1),
            product(first, "prd_c", orders=1, units=1, revenue_eur=900)]
    stock = {"prd_a": 21, "prd_b": 0, "prd_d": 5, "prd_e": 0}
    # when the report is built (usd is the shop's main currency that week)
    r = report("weekly", first, last, shop_days=[shop(first, revenue_usd=6000, revenue_eur=900)], product_days=rows,
               stock=stock)
    # then b (same usd revenue, more units) leads; c (no usd) follows; d, unsold, is listed but not a top product
    assert [p.product_id for p in r.top_products] == ["prd_b", "prd_a", "prd_c"]
    assert [p.product_id for p in r.products] == ["prd_b", "prd_a", "prd_c", "prd_d"]  # e: no sale, no stock
    # a: 14 units, 21 left: average stock (35 + 21) / 2 = 28, turnover 0.5; 2 a day: 10.5 days of cover
    assert r.products[1] == ProductLine("prd_a", 10, 14, 0, {"usd": 3000}, {"usd": 2000}, 21, 0.5, 10.5)
    # b sold out: (20 + 0) / 2 = 10 on average, turnover 2.0 and no cover; no cost known: no margin
    assert r.products[0] == ProductLine("prd_b", 12, 20, 1, {"usd": 3000}, {}, 0, 2.0, 0.0)
    # c's stock is unknown; d has stock and no sales: turnover 0, cover unbounded (None)
    assert (r.products[2].available, r.products[2].turnover, r.products[2].days_of_cover) == (None, None, None)
    assert (r.products[3].available, r.products[3].turnover, r.products[3].days_of_cover) == (5, 0.0, None)


def test_at_most_ten_top_products() -> None:
    rows = [product(TUESDAY, f"prd_{n:02d}", orders=1, units=1, revenue_usd=100 * n) for n in range(12)]
    r = report("daily", TUESDAY, TUESDAY, shop_days=[shop(TUESDAY, revenue_usd=6600)], product_days=rows)
    assert [p.product_id for p in r.top_products] == [f"prd_{n:02d}" for n in range(11, 1, -1)]
    assert len(r.products) == 12


def test_funnel_conversion_is_paid_orders_per_product_view() -> None:
    # given 50 product views (two devices), 12 checkouts, 8 payments started and 5 paid
    counts = FunnelCounts(by={("shop", "mobile", "direct"): 100, ("product", "mobile", "direct"): 40,
                              ("product", "desktop", "google.com"): 10, ("checkout", "mobile", "direct"): 12,
                              ("pay", "mobile", "direct"): 8, ("paid", "mobile", "direct"): 5})
    # when the report is built
    f = report("daily", TUESDAY, TUESDAY, funnel=counts).funnel
    # then
    assert f is not None
    assert (f.shop_views, f.product_views, f.checkouts, f.payments, f.paid, f.conversion) == (100, 50, 12, 8, 5, 0.1)
    assert report("daily", TUESDAY, TUESDAY, funnel=FunnelCounts()).funnel.conversion is None  # type: ignore[union-attr]


def test_a_day_far_above_its_weekday_baseline_is_an_anomaly() -> None:
    # given 8 Tuesdays of 8 to 16 orders (median 12, MAD 2) and a Monday of 100 (another weekday: ignored)
    baseline = [*tuesdays(USUAL), shop(MONDAY, orders=100)]
    # when a Tuesday of 22 orders is checked
    found = find_anomalies([shop(TUESDAY, orders=22)], baseline)
    # then z = (22 − 12) / (1.4826 × 2) = 3.37 > 3: flagged, and nothing else moved
    z = 10 / (1.4826 * 2)
    assert found == [Anomaly(TUESDAY, "orders", 22, 12.0, z, "high", 8)]
    assert round(z, 2) == 3.37
    assert found[0].text == "Tue 2026-11-17: orders 22, 3.4 robust z above the usual Tuesday (median 12)"
    assert found[0].key == "report.anomaly.high"
    assert found[0].params == {"day": "2026-11-17", "weekday": "1", "weekday_name": "Tuesday", "metric": "orders",
                               "currency": "", "value": "22", "median": "12", "z": "3.4", "n": "8"}
    # and as far below is flagged low
    low = find_anomalies([shop(TUESDAY, orders=2)], baseline)
    assert [(a.direction, a.z) for a in low] == [("low", -z)]
    assert low[0].text == "Tue 2026-11-17: orders 2, 3.4 robust z below the usual Tuesday (median 12)"


def test_revenue_is_judged_per_currency_in_major_units() -> None:
    # given Tuesdays of 80.00 to 160.00 usd (median 120.00, MAD 20.00) and a Tuesday of 300.00
    baseline = [shop(d.day, revenue_usd=d.orders * 1000) for d in tuesdays(USUAL)]
    found = find_anomalies([shop(TUESDAY, revenue_usd=30000)], baseline)
    # then z = 18000 / (1.4826 × 2000) = 6.07
    assert found == [Anomaly(TUESDAY, "revenue_usd", 30000, 12000.0, 18000 / (1.4826 * 2000), "high", 8)]
    assert found[0].text == "Tue 2026-11-17: revenue 300.00 USD, 6.1 robust z above the usual Tuesday (median 120.00)"
    assert (found[0].params["metric"], found[0].params["currency"]) == ("revenue", "usd")


def test_no_anomaly_on_an_ordinary_day_or_with_too_short_a_baseline() -> None:
    # an ordinary Tuesday: z = 3 / 2.97 = 1.01
    assert find_anomalies([shop(TUESDAY, orders=15)], tuesdays(USUAL)) == []
    # a z exactly at the threshold is not above it
    assert find_anomalies([shop(TUESDAY, orders=15)], tuesdays(USUAL), threshold=3 / (1.4826 * 2)) == []
    # only 3 Tuesdays known (4 needed): however far off, nothing is said
    assert find_anomalies([shop(TUESDAY, orders=500)], tuesdays([10, 12, 14])) == []
    # baseline days on or after the day do not judge it
    later = [shop(TUESDAY + timedelta(weeks=n), orders=12) for n in range(0, 5)]
    assert find_anomalies([shop(TUESDAY, orders=500)], later) == []


def test_a_baseline_without_a_median_deviation_falls_back_to_the_mean_deviation_then_to_a_flat_rule() -> None:
    # given refunds on Tuesdays of 0 0 0 0 0 1 2 3: MAD 0, mean absolute deviation from the median 0.75
    refunds = tuesdays([0, 0, 0, 0, 0, 1, 2, 3], "refunds")
    assert robust_z(4, [0, 0, 0, 0, 0, 1, 2, 3]) == 4 / (1.2533 * 0.75)
    # then 4 refunds is 4.26 z high, 2 refunds (2.13) is not
    assert find_anomalies([shop(TUESDAY, refunds=4)], refunds) == [
        Anomaly(TUESDAY, "refunds", 4, 0.0, 4 / (1.2533 * 0.75), "high", 8)]
    assert find_anomalies([shop(TUESDAY, refunds=2)], refunds) == []
    # given 8 Tuesdays of exactly 0 orders (no spread at all): 2 orders is noise, 3 is flagged, z unknown
    zero = tuesdays([0] * 8)
    assert find_anomalies([shop(TUESDAY, orders=2)], zero) == []
    flat = find_anomalies([shop(TUESDAY, orders=3)], zero)
    assert flat == [Anomaly(TUESDAY, "orders", 3, 0.0, None, "high", 8)]
    assert flat[0].text == "Tue 2026-11-17: orders 3, above the 0 seen on each of the last 8 Tuesdays"
    assert flat[0].key == "report.anomaly.high_flat"
    # given 8 Tuesdays of exactly 10: it takes a move of 5 (50 %) either way
    ten = tuesdays([10] * 8)
    assert find_anomalies([shop(TUESDAY, orders=14)], ten) == []
    assert [(a.value, a.direction) for a in find_anomalies([shop(TUESDAY, orders=15)], ten)] == [(15, "high")]
    assert [(a.value, a.direction) for a in find_anomalies([shop(TUESDAY, orders=5)], ten)] == [(5, "low")]
    # revenue on a flat 0 (a currency never used on Tuesdays) is not news; half of a flat 10.00 gone is
    assert find_anomalies([shop(TUESDAY, revenue_eur=5000)], [shop(d.day, revenue_eur=0) for d in zero]) == []
    steady = [shop(d.day, revenue_usd=1000) for d in zero]
    assert [a.text for a in find_anomalies([shop(TUESDAY, revenue_usd=400)], steady)] == [
        "Tue 2026-11-17: revenue 4.00 USD, below the 10.00 seen on each of the last 8 Tuesdays"]


def test_the_report_zero_fills_its_baseline_from_the_first_row_on() -> None:
    # given only 2 Tuesdays with rows out of the last 8, the first of them 2 weeks back
    rows = [shop(TUESDAY - timedelta(weeks=2), orders=12), shop(TUESDAY - timedelta(weeks=1), orders=12)]
    # then the weeks before the shop's first row do not count: 2 Tuesdays are too few
    assert report("daily", TUESDAY, TUESDAY, shop_days=[shop(TUESDAY, orders=90)], baseline_days=rows).anomalies == []
    # given a first row 8 weeks back (1 order), the 7 Tuesdays since without a row sold nothing
    rows = [shop(TUESDAY - timedelta(weeks=8), orders=1), shop(MONDAY, orders=50)]
    found = report("daily", TUESDAY, TUESDAY, shop_days=[shop(TUESDAY, orders=3)], baseline_days=rows).anomalies
    # then the baseline is 1 0 0 0 0 0 0 0: median 0, MAD 0, mean deviation 1/8
    assert [(a.metric, a.expected, a.z, a.baseline_days) for a in found] == [("orders", 0.0, 3 / (1.2533 / 8), 8)]


def test_csv_rows_summary_then_products_with_formula_names_guarded() -> None:
    # given a Tuesday of 2 orders (3 keys) against usual Tuesdays of 12 orders and 12 keys
    day = shop(TUESDAY, orders=2, units=3, buyers=2, new_buyers=1, revenue_usd=2500, cost_usd=1000,
               costed_revenue_usd=2000)
    baseline = [shop(d.day, orders=d.orders, units=d.orders) for d in tuesdays(USUAL)]
    rows = [product(TUESDAY, "prd_1", orders=1, units=2, revenue_usd=2000, cost_usd=1000, costed_revenue_usd=2000),
            product(TUESDAY, "prd_2", orders=1, units=1, revenue_usd=500)]
    r = report("daily", TUESDAY, TUESDAY, shop_days=[day], product_days=rows, baseline_days=baseline,
               stock={"prd_1": 4})
    # when it is written as rows
    out = csv_rows(r, {"prd_1": '=HYPERLINK("http://x")', "prd_2": "Steam 50"})
    # then
    assert out == [
        ["report", "daily"], ["first", "2026-11-17"], ["last", "2026-11-17"], ["orders", "2"], ["units", "3"],
        ["refunds", "0"], ["refund_rate", "0.0000"],
        ["revenue_usd", "25.00"], ["refunded_usd", "0.00"], ["margin_usd", "10.00"], ["margin_rate_usd", "0.5000"],
        ["buyers_new", "1"], ["buyers_returning", "1"], ["repurchase_rate", "0.5000"],
        ["previous_first", "2026-11-16"], ["previous_last", "2026-11-16"], ["previous_orders", "0"],
        ["orders_change_pct", ""], ["previous_units", "0"], ["units_change_pct", ""],
        ["previous_revenue_usd", "0.00"], ["revenue_change_pct_usd", ""],
        ["anomaly", "Tue 2026-11-17: orders 2, 3.4 robust z below the usual Tuesday (median 12)"],
        ["anomaly", "Tue 2026-11-17: units 3, 3.0 robust z below the usual Tuesday (median 12)"],
        [],
        ["product_id", "name", "orders", "units", "revenue_usd", "margin_usd", "available", "turnover",
         "days_of_cover"],
        ["prd_1", "'=HYPERLINK(\"http://x\")", "1", "2", "20.00", "10.00", "4", "0.40", "2.0"],
        ["prd_2", "Steam 50", "1", "1", "5.00", "", "", "", ""],
    ]


def test_csv_money_of_a_zero_decimal_currency_and_the_funnel_block() -> None:
    r = report("daily", TUESDAY, TUESDAY, shop_days=[shop(TUESDAY, orders=1, units=1, revenue_jpy=1200)],
               product_days=[product(TUESDAY, "prd_1", orders=1, units=1, revenue_jpy=1200)],
               funnel=FunnelCounts(by={("product", "mobile", "direct"): 3, ("paid", "mobile", "direct"): 1}))
    out = csv_rows(r, {})
    assert ["revenue_jpy", "1200"] in out and ["margin_jpy", ""] in out and ["margin_rate_jpy", ""] in out
    assert out[out.index(["product_views", "3"]) + 3:][:2] == [["paid", "1"], ["conversion", "0.3333"]]
    assert out[-1] == ["prd_1", "", "1", "1", "1200", "", "", "", ""]
