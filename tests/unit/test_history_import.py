"""Reading an order history file: presets and mapped columns, times in the shop's zone, money in minor units."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.insights.domain.history_import import PRESETS, BadFile, minor_units, moment, order_id, plan

NOW = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
PRODUCTS = {"game card": "prd_game", "prd_game": "prd_game"}


def test_times_are_the_shops_unless_they_say_otherwise() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    assert moment("2026-10-01 20:15:00", shanghai) == int(datetime(2026, 10, 1, 12, 15, tzinfo=UTC).timestamp())
    assert moment("2026/10/01 20:15", shanghai) == int(datetime(2026, 10, 1, 12, 15, tzinfo=UTC).timestamp())
    assert moment("2026-10-01T20:15:00+00:00", shanghai) == int(datetime(2026, 10, 1, 20, 15,
                                                                         tzinfo=UTC).timestamp())
    assert moment("1790000000", shanghai) == 1790000000 and moment("1790000000123", shanghai) == 1790000000
    with pytest.raises(ValueError, match="is not a date and time"):
        moment("yesterday", shanghai)


def test_money_is_read_in_major_units_of_its_currency() -> None:
    assert [minor_units(raw, "cny") for raw in ("30", "9.90", "1,299.50", "¥12.5")] == [3000, 990, 129950, 1250]
    assert minor_units("1200", "jpy") == 1200
    for raw, currency, message in (("12.345", "cny", "more decimals than CNY has"), ("1.5", "jpy", "JPY"),
                                   ("-3", "cny", "from 0 to"), ("NaN", "cny", "from 0 to"), ("ten", "cny", "not an")):
        with pytest.raises(ValueError, match=message):
            minor_units(raw, currency)


def test_the_dujiaoka_preset_reads_its_chinese_headers_and_keeps_completed_orders() -> None:
    # given an export with the admin's Chinese column names: one completed order, one waiting for payment
    text = ("\ufeff订单号,商品名称,购买数量,实际支付价格,下单邮箱,订单状态,创建时间\n"
            "D1,Game card,2,60.00,Ann@Example.com,已完成,2026-10-01 20:15:00\n"
            "D2,Game card,1,30.00,bob@example.com,待支付,2026-10-01 20:20:00\n")
    # when it is read for a Shanghai shop
    found = plan(text, PRESETS["dujiaoka"], tenant_id="ten_1", zone="Asia/Shanghai", products=PRODUCTS, now=NOW)
    # then one order in yuan, the buyer's address in lower case, the other row skipped
    assert found.ok and found.skipped == 1
    assert [(o.id, o.product_id, o.quantity, o.amount, o.currency, o.email) for o in found.orders] == [
        (order_id("ten_1", "D1"), "prd_game", 2, 6000, "cny", "ann@example.com")]
    assert order_id("ten_1", "D1") != order_id("ten_2", "D1")  # one shop's reference is not another's order


def test_a_header_without_the_needed_columns_is_refused_whole() -> None:
    with pytest.raises(BadFile, match="no column for amount"):
        plan("order_id,created_at,product\nA,2026-10-01 10:00,Game card\n", PRESETS["kamidrop"], tenant_id="t",
             zone="UTC", products=PRODUCTS, now=NOW)
    with pytest.raises(BadFile, match="the file is empty"):
        plan("\n", PRESETS["kamidrop"], tenant_id="t", zone="UTC", products=PRODUCTS, now=NOW)


def test_each_buyers_earliest_order_in_the_file_is_their_first() -> None:
    # given a file out of time order: Ann twice, Bob once, one order without an e-mail
    text = ("order_id,created_at,product,quantity,amount,email,status,currency\n"
            "A2,2026-10-03 10:00,Game card,1,30,ann@example.com,paid,usd\n"
            "B1,2026-10-02 10:00,Game card,1,30,bob@example.com,paid,usd\n"
            "A1,2026-10-01 10:00,Game card,1,30,ann@example.com,paid,usd\n"
            "X1,2026-10-01 09:00,Game card,1,30,,paid,usd\n")
    found = plan(text, PRESETS["kamidrop"], tenant_id="t", zone="UTC", products=PRODUCTS, now=NOW)
    # then the earliest of each buyer's orders is their first; the order without a buyer is nobody's first
    assert [(o.id, o.first) for o in found.orders] == [
        (order_id("t", "X1"), False), (order_id("t", "A1"), True), (order_id("t", "B1"), True),
        (order_id("t", "A2"), False)]
