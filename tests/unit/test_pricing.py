"""The one pricing function: examples of each step in its documented order, and properties that hold for any
input (hypothesis): never negative, never below the floor, never above the list price, caps never exceeded, and
the same inputs always give the same price."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.marketing.domain.pricing import (
    COUPON,
    FIXED,
    FLOOR,
    LIST,
    PERCENT,
    THRESHOLD,
    TIER,
    CouponTerms,
    Line,
    PriceRules,
    Threshold,
    Tier,
    quote,
)


def test_each_step_in_order_with_its_line() -> None:
    # given 6 keys at 10.00 with a 5+ tier at 9.00, spend 50 save 5, and a 10 % coupon from 40
    rules = PriceRules(unit_price=1000, quantity=6, tiers=(Tier(3, 950), Tier(5, 900)),
                       thresholds=(Threshold(3000, 100), Threshold(5000, 500)),
                       coupon=CouponTerms("TEN", PERCENT, 1000, min_amount=4000))
    q = quote(rules)
    # then: 60.00 list, −6.00 for the tier (54.00), −5.00 for spending 50 (49.00), −4.90 coupon → 44.10
    assert q.lines == (Line(LIST, 6000), Line(TIER, -600, "5"), Line(THRESHOLD, -500, "5000"),
                       Line(COUPON, -490, "TEN"))
    assert (q.total, q.list_amount, q.saved) == (4410, 6000, 1590)


def test_a_coupon_below_its_minimum_does_nothing_and_a_percent_saving_rounds_down() -> None:
    assert quote(PriceRules(999, 1, coupon=CouponTerms("X", FIXED, 100, min_amount=1000))).lines == (Line(LIST, 999),)
    # 15 % of 9.99 is 1.4985: the buyer saves 1.49, never a fraction more than the coupon says
    assert quote(PriceRules(999, 1, coupon=CouponTerms("X", PERCENT, 1500))).total == 850


def test_the_floor_gives_back_what_discounts_took_below_it() -> None:
    q = quote(PriceRules(1000, 2, coupon=CouponTerms("BIG", FIXED, 1900), floor=600))
    assert q.lines == (Line(LIST, 2000), Line(COUPON, -1900, "BIG"), Line(FLOOR, 1100))
    assert q.total == 1200


money = st.integers(min_value=0, max_value=1_000_000)
tiers = st.lists(st.builds(Tier, st.integers(min_value=1, max_value=60), money), max_size=5)
thresholds = st.lists(st.builds(Threshold, money, money), max_size=5)
coupons = st.one_of(st.none(), st.builds(CouponTerms, st.just("C"), st.sampled_from([PERCENT, FIXED]),
                                         st.integers(min_value=0, max_value=20_000), money))
rules = st.builds(PriceRules, unit_price=money, quantity=st.integers(min_value=1, max_value=50),
                  tiers=tiers.map(tuple), thresholds=thresholds.map(tuple), coupon=coupons, floor=money)


@settings(max_examples=400, deadline=None)
@given(rules)
def test_any_quote_is_within_its_bounds_and_adds_up(r: PriceRules) -> None:
    q = quote(r)
    listed = r.unit_price * r.quantity
    assert 0 <= q.total <= listed  # never negative, never above the list price
    assert q.total >= min(r.floor * r.quantity, listed)  # never below the floor
    assert sum(line.amount for line in q.lines) == q.total  # the breakdown adds up to what is charged
    assert [line.kind for line in q.lines] == sorted((line.kind for line in q.lines),
                                                      key=[LIST, TIER, THRESHOLD, COUPON, FLOOR].index)
    coupon_saving = -sum(line.amount for line in q.lines if line.kind == COUPON)
    if r.coupon is not None and r.coupon.kind == FIXED:
        assert coupon_saving <= r.coupon.value  # a coupon never gives more than it says
    threshold_saving = -sum(line.amount for line in q.lines if line.kind == THRESHOLD)
    assert threshold_saving <= max((t.save for t in r.thresholds), default=0)


@settings(max_examples=200, deadline=None)
@given(rules)
def test_the_same_inputs_always_give_the_same_price(r: PriceRules) -> None:
    assert quote(r) == quote(r)
    same = PriceRules(r.unit_price, r.quantity, tuple(reversed(r.tiers)), tuple(reversed(r.thresholds)), r.coupon,
                      r.floor)
    assert quote(same).total == quote(r).total  # the order the rules were listed in does not matter


def test_the_order_webhook_carries_the_breakdown_it_sold_at() -> None:
    from chalicelib.integrations.service.order_events import order_data
    from chalicelib.sales.domain.models import Order, OrderStatus

    base = Order(tenant_id="ten_1", id="ord_1", status=OrderStatus.PENDING, product_id="prd_1", quantity=6,
                 amount=5400, currency="usd", email="a@example.com", token_hash="", created_at=0, expires_at=0)
    tiered = dataclasses.replace(base, price_lines=(("list", 6000, ""), ("tier", -600, "5")))
    assert order_data(tiered)["pricing"] == {"list_amount": 6000, "lines": [
        {"kind": "list", "amount": 6000, "ref": None}, {"kind": "tier", "amount": -600, "ref": "5"}]}
    # an order placed before breakdowns were kept sold at its list price
    assert order_data(base)["pricing"] == {"list_amount": 5400, "lines": [{"kind": "list", "amount": 5400,
                                                                          "ref": None}]}
