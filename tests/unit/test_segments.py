"""Customer segments: one lifecycle and one value tier per buyer in the shop's zone, RFM quintiles, sizes, CSV."""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.insights.domain.buyers import BuyerSummary
from chalicelib.insights.domain.segments import (
    CSV_HEADER,
    SEGMENTS,
    SegmentRules,
    classify,
    csv_rows,
    money_text,
    safe_cell,
    score_rfm,
    segment_all,
)
from tests.support.shoppers import population, sale_at, summary_of

SHANGHAI = "Asia/Shanghai"


def _at(text: str, zone: str = SHANGHAI) -> int:
    """Epoch seconds of a wall-clock time ("2024-04-15 10:00") of a zone."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


def _buyer(buyer: str, first: str, last: str, orders: int = 1, spent: int = 1_000,
           monthly: dict[str, int] | None = None, currency: str = "usd") -> BuyerSummary:
    return BuyerSummary(buyer=buyer, first_at=_at(first), last_at=_at(last), orders=orders, currency=currency,
                        spent=spent, monthly=monthly or {})


def _shop() -> list[BuyerSummary]:
    """Six buyers of a Shanghai shop on 2024-04-15, one of each lifecycle."""
    return [
        _buyer("cus_a", "2024-01-05 09:00", "2024-04-15 10:00", 7, 400_000, {"2024-03": 120_000, "2024-04": 100_000}),
        _buyer("cus_b", "2024-04-14 20:00", "2024-04-14 20:00", 1, 300, {"2024-04": 300}),
        _buyer("cus_c", "2024-02-01 12:00", "2024-04-14 08:00", 3, 300, {"2024-04": 100}),
        _buyer("cus_d", "2024-04-01 00:10", "2024-04-05 23:50", 1, 200, {"2024-04": 200}),
        _buyer("cus_e", "2024-03-06 12:00", "2024-03-06 12:00", 1, 100, {"2024-03": 100}),
        _buyer("cus_f", "2024-01-20 12:00", "2024-02-20 12:00", 2, 1_000, {"2024-01": 500, "2024-02": 500}),
    ]


def test_rfm_scores_are_quintiles_of_the_shop_with_equal_values_sharing_the_lower_score() -> None:
    # given six buyers: days since the last sale 0, 1, 1, 10, 40, 55; orders 7, 1, 3, 1, 1, 2; spend 400000,
    # 300, 300, 200, 100, 1000 — each score is 1 + ⌊5 × (buyers with a worse value) / 6⌋
    buyers = _shop()
    # when they are scored on 2024-04-15 in Shanghai
    scores = score_rfm(buyers, date(2024, 4, 15), SHANGHAI)
    # then
    assert scores == {"cus_a": (5, 5, 5), "cus_b": (3, 1, 2), "cus_c": (3, 4, 2), "cus_d": (2, 1, 1),
                      "cus_e": (1, 1, 1), "cus_f": (1, 3, 4)}
    # and the input order does not matter
    assert score_rfm(list(reversed(buyers)), date(2024, 4, 15), SHANGHAI) == scores


def test_seven_distinct_values_spread_over_the_five_scores() -> None:
    # given seven buyers bought on the same day with 1 to 7 orders
    buyers = [_buyer(f"cus_{n}", "2024-04-01 12:00", "2024-04-01 12:00", orders=n, spent=n) for n in range(1, 8)]
    # when scored
    scores = score_rfm(buyers, date(2024, 4, 15), SHANGHAI)
    # then F and M go 1 1 2 3 3 4 5 (⌊5i/7⌋ + 1) and R, all equal, is 1 for everyone
    assert [scores[f"cus_{n}"] for n in range(1, 8)] == [(1, f, f) for f in (1, 1, 2, 3, 3, 4, 5)]
    assert score_rfm([], date(2024, 4, 15), SHANGHAI) == {}


def test_every_buyer_gets_one_lifecycle_and_one_tier_and_the_sizes_count_them() -> None:
    # given the six buyers on 2024-04-15 (Shanghai)
    # when the shop is segmented
    run = segment_all(_shop(), date(2024, 4, 15), SHANGHAI)
    # then: a is a VIP by F = M = 5 (not a whale: the best month is 1,200.00); b and d first bought within 30
    # days; c is an old active buyer; e bought last month but 40 days ago (dormant: silence counts first); f is
    # dormant (last sale in February)
    assert {b: (s.lifecycle, s.tier, s.rfm, s.month_spend) for b, s in run.buyers.items()} == {
        "cus_a": ("vip", "regular_spender", (5, 5, 5), 120_000),
        "cus_b": ("new", "casual", (3, 1, 2), 300),
        "cus_c": ("regular", "casual", (3, 4, 2), 100),
        "cus_d": ("new", "casual", (2, 1, 1), 200),
        "cus_e": ("dormant", "casual", (1, 1, 1), 100),
        "cus_f": ("dormant", "casual", (1, 3, 4), 0),
    }
    # and every segment id has a size, zeros kept, lifecycles then tiers
    assert run.sizes == {"new": 2, "regular": 1, "vip": 1, "dormant": 2, "churn_risk": 0,
                         "whale": 0, "regular_spender": 1, "casual": 5}
    assert list(run.sizes) == list(SEGMENTS)
    assert [b.buyer for b in run.members("new")] == ["cus_b", "cus_d"]  # the bigger spender first
    assert segment_all([], date(2024, 4, 15), SHANGHAI).sizes == dict.fromkeys(SEGMENTS, 0)


def test_exactly_30_days_without_a_sale_is_dormant_and_29_is_not() -> None:
    # given a shop day late in the month, so that 30 days back is still this month
    today = date(2024, 5, 31)
    # when buyers who last bought 30 and 29 days ago, and who first bought 30 and 29 days ago, are classified
    thirty = classify(_buyer("cus_1", "2024-05-01 12:00", "2024-05-01 12:00"), today, SHANGHAI)
    twenty_nine = classify(_buyer("cus_2", "2024-05-02 12:00", "2024-05-02 12:00"), today, SHANGHAI)
    old = classify(_buyer("cus_3", "2024-05-01 12:00", "2024-05-20 12:00"), today, SHANGHAI)
    young = classify(_buyer("cus_4", "2024-05-02 12:00", "2024-05-20 12:00"), today, SHANGHAI)
    # then no sale within the 30 shop days ending today is dormant, even though that sale was this month
    assert (thirty.lifecycle, twenty_nine.lifecycle) == ("dormant", "new")
    # and a first sale 30 days ago is no longer new
    assert (old.lifecycle, young.lifecycle) == ("regular", "new")
    assert classify(_buyer("cus_5", "2024-05-01 12:00", "2024-05-01 12:00"), today, SHANGHAI,
                    SegmentRules(dormant_days=31)).lifecycle == "regular"


def test_days_and_months_are_the_shop_zone_s_not_utc() -> None:
    # given a sale at 17:30 UTC on 31 March: 01:30 on 1 April in Shanghai
    april_fool = BuyerSummary("cus_x", sale_at(date(2024, 3, 31), 17, "UTC", 30),
                              sale_at(date(2024, 3, 31), 17, "UTC", 30), 1, "usd", 1_000, {"2024-04": 1_000})
    # when classified on 15 April in Shanghai and in UTC
    # then in Shanghai they bought this month (new); in UTC last month and not this one (churn risk)
    assert classify(april_fool, date(2024, 4, 15), SHANGHAI).lifecycle == "new"
    assert classify(april_fool, date(2024, 4, 15), "UTC").lifecycle == "churn_risk"
    assert classify(april_fool, date(2024, 4, 15), SHANGHAI).first == date(2024, 4, 1)
    # given sales at 16:30 UTC on 30 April (1 May in Shanghai) and on 1 May (2 May in Shanghai), today 31 May
    late = [BuyerSummary(f"cus_{d}", sale_at(date(2024, m, d), 16, "UTC", 30), sale_at(date(2024, m, d), 16, "UTC", 30),
                         1, "usd", 1_000) for m, d in ((4, 30), (5, 1))]
    # then Shanghai counts 30 and 29 days (dormant, new); UTC counts 31 and 30 days (both dormant)
    assert [classify(b, date(2024, 5, 31), SHANGHAI).lifecycle for b in late] == ["dormant", "new"]
    assert [classify(b, date(2024, 5, 31), "UTC").lifecycle for b in late] == ["dormant", "dormant"]


def test_a_month_s_spend_is_the_better_of_this_month_and_last_with_inclusive_bounds() -> None:
    # given buyers active on 2024-04-15 with these monthly spends (minor units of usd)
    today = date(2024, 4, 15)
    spends = {
        "exactly_5000": {"2024-04": 500_000},
        "over_5000": {"2024-04": 500_001},
        "whale_last_month": {"2024-03": 600_000, "2024-04": 1_000},
        "whale_in_february": {"2024-02": 900_000, "2024-04": 50_000},
        "exactly_500": {"2024-03": 50_000},
        "under_500": {"2024-04": 49_999},
    }
    # when classified
    found = {name: classify(_buyer("cus_" + name, "2024-01-01 12:00", "2024-04-10 12:00", monthly=monthly), today,
                            SHANGHAI) for name, monthly in spends.items()}
    # then whale is above 5,000.00, regular from 500.00 to 5,000.00 inclusive, casual below; a whale is a VIP
    assert {name: (s.tier, s.lifecycle) for name, s in found.items()} == {
        "exactly_5000": ("regular_spender", "regular"),
        "over_5000": ("whale", "vip"),
        "whale_last_month": ("whale", "vip"),
        "whale_in_february": ("regular_spender", "regular"),
        "exactly_500": ("regular_spender", "regular"),
        "under_500": ("casual", "regular"),
    }


def test_a_refund_takes_spend_back_from_the_month_of_its_sale_and_can_drop_the_tier() -> None:
    # given a 6,000.00 sale on 10 March and a 100.00 sale on 2 April; today 15 April
    sales = [(_at("2024-03-10 12:00"), 600_000, "prod_a"), (_at("2024-04-02 12:00"), 10_000, "prod_b")]
    kept = summary_of("cus_r", sales, SHANGHAI)
    refunded = summary_of("cus_r", sales, SHANGHAI, refunds=[(_at("2024-03-10 12:00"), 200_000)])
    # when both are classified
    before, after = classify(kept, date(2024, 4, 15), SHANGHAI), classify(refunded, date(2024, 4, 15), SHANGHAI)
    # then without the refund a whale (and a VIP); with 2,000.00 refunded, March is 4,000.00: a regular
    assert (before.tier, before.lifecycle, before.month_spend) == ("whale", "vip", 600_000)
    assert (after.tier, after.lifecycle, after.month_spend) == ("regular_spender", "regular", 400_000)
    assert (refunded.spent, refunded.orders) == (410_000, 2)


def test_risk_comes_before_value_and_a_lone_classify_makes_vips_of_whales_only() -> None:
    # given, on 15 May, a whale who bought this month, a whale who last bought last month (on 30 April), and a
    # big spender of February who last bought on 1 March
    buyers = [_buyer("cus_on", "2024-01-01 12:00", "2024-05-14 12:00", monthly={"2024-05": 1_000_000}),
              _buyer("cus_lapsing", "2024-01-01 12:00", "2024-04-30 12:00", monthly={"2024-04": 1_000_000}),
              _buyer("cus_gone", "2024-01-01 12:00", "2024-03-01 12:00", monthly={"2024-02": 1_000_000})]
    # when classified one by one (no RFM)
    found = [classify(b, date(2024, 5, 15), SHANGHAI) for b in buyers]
    # then only the active whale is a VIP; February's spend is no longer "a month" of theirs
    assert [(s.lifecycle, s.tier, s.rfm) for s in found] == [
        ("vip", "whale", None), ("churn_risk", "whale", None), ("dormant", "casual", None)]


def test_thresholds_for_a_zero_decimal_currency_are_in_its_own_units() -> None:
    assert SegmentRules.for_currency("jpy") == SegmentRules(whale_monthly=5_000, regular_monthly=500)
    assert SegmentRules.for_currency("usd") == SegmentRules()
    assert SegmentRules.for_currency("kwd", whale=100, regular=10) == SegmentRules(whale_monthly=100_000,
                                                                                   regular_monthly=10_000)


def test_csv_rows_of_a_segment_with_formula_cells_defused() -> None:
    # given the six buyers segmented, and e-mails for two of the new ones, one crafted as a formula
    run = segment_all(_shop(), date(2024, 4, 15), SHANGHAI)
    emails = {"cus_b": "=cmd|' /C calc'!A0@x.com", "cus_a": "ann@example.com"}
    # when the new segment is exported
    rows = csv_rows(run, "new", emails)
    # then a header and one row per buyer, biggest spender first, the formula behind an apostrophe
    assert rows == [
        ["buyer_id", "email", "lifecycle", "tier", "r", "f", "m", "orders", "spent", "currency",
         "first_purchase", "last_purchase"],
        ["cus_b", "'=cmd|' /C calc'!A0@x.com", "new", "casual", "3", "1", "2", "1", "3.00", "usd",
         "2024-04-14", "2024-04-14"],
        ["cus_d", "", "new", "casual", "2", "1", "1", "1", "2.00", "usd", "2024-04-01", "2024-04-05"],
    ]
    assert rows[0] == CSV_HEADER
    assert csv_rows(run, "whale", emails) == [CSV_HEADER]
    assert csv_rows(run, "vip", emails)[1][:2] == ["cus_a", "ann@example.com"]
    with pytest.raises(ValueError, match="unknown segment 'vips'"):
        csv_rows(run, "vips", emails)


def test_cells_and_amounts() -> None:
    assert [safe_cell(c) for c in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a=b", "", "ann@x.com")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "", "ann@x.com"]
    assert [money_text(a, c) for a, c in ((123456, "usd"), (5, "usd"), (-1250, "usd"), (1200, "jpy"),
                                          (-300, "krw"), (1234, "kwd"), (0, "eur"))] == [
        "1234.56", "0.05", "-12.50", "1200", "-300", "1.234", "0.00"]


def test_a_buyer_listed_twice_is_refused() -> None:
    buyer = _shop()[0]
    with pytest.raises(ValueError, match="appears twice"):
        segment_all([buyer, buyer], date(2024, 4, 15), SHANGHAI)


def test_the_generated_shop_s_cohorts_are_found_exactly() -> None:
    # given 4,000 seeded buyers over six months to 20 June 2024 (Shanghai)
    shop = population(4_000, seed=7)
    # when segmented
    run = segment_all(shop.buyers, shop.today, shop.zone)
    # then the dormant, churn-risk and new cohorts are exactly their segments, every whale is a VIP whale,
    # and the regulars are regular or (by RFM) VIP
    assert {s.buyer for s in run.members("dormant")} == shop.cohorts["dormant"]
    assert (run.sizes["dormant"], run.sizes["churn_risk"], run.sizes["new"]) == (800, 600, 600)
    assert {s.buyer for s in run.members("churn_risk")} == shop.cohorts["churn_risk"]
    assert {s.buyer for s in run.members("new")} == shop.cohorts["new"]
    assert {s.buyer for s in run.members("whale")} == shop.cohorts["whale"] == {
        s.buyer for s in run.members("vip") if s.buyer in shop.cohorts["whale"]}
    assert {run.buyers[b].lifecycle for b in shop.cohorts["regular"]} == {"regular", "vip"}
    assert sum(run.sizes[k] for k in ("new", "regular", "vip", "dormant", "churn_risk")) == 4_000
    assert sum(run.sizes[k] for k in ("whale", "regular_spender", "casual")) == 4_000
    # and the same seed makes the same shop
    assert population(4_000, seed=7).buyers == shop.buyers


def test_20000_buyers_are_segmented_in_well_under_a_second() -> None:
    # given 20,000 buyers
    shop = population(20_000, seed=3)
    # when segmented (processor time: other work on the machine does not count against us)
    started = time.process_time()
    run = segment_all(shop.buyers, shop.today, shop.zone)
    spent = time.process_time() - started
    # then
    assert len(run.buyers) == 20_000 and run.sizes["dormant"] == 4_000
    assert spent < 1.0, spent


def test_a_last_month_buyer_is_at_risk_only_once_silent_for_two_weeks() -> None:
    # given, on 5 December, buyers whose last sale was on 28 November (7 days), 21 November (14 days) and
    # 4 November (31 days), all first seen in the summer
    lasts = {"cus_recent": "2026-11-28 12:00", "cus_slipping": "2026-11-21 12:00", "cus_gone": "2026-11-04 12:00"}
    found = {b: classify(_buyer(b, "2026-06-01 12:00", last), date(2026, 12, 5), SHANGHAI).lifecycle
             for b, last in lasts.items()}
    # then the one who bought a week ago is still a regular, two weeks' silence is a risk, a month is dormant
    assert found == {"cus_recent": "regular", "cus_slipping": "churn_risk", "cus_gone": "dormant"}
