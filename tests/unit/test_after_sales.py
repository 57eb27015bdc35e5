"""After-sales rules without a store: the replacement policy, the buyer's key lines, the stats and the catalog."""

from __future__ import annotations

import dataclasses

from chalicelib.aftersales import domain as a
from chalicelib.catalog.domain import Product
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.i18n import LOCALES, Translator
from chalicelib.kernel.messages.after_sales import MESSAGES
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.domain.models import Order, OrderStatus

T0 = 1_700_000_000
PRODUCT = Product(tenant_id="ten_1", id="prd_1", name="Card", price=500, currency="usd", description="",
                  max_per_order=10, active=True, shards=4, created_at=T0, updated_at=T0)
ORDER = Order(tenant_id="ten_1", id="ord_1", status=OrderStatus.DELIVERED, product_id="prd_1", quantity=2,
              amount=1000, currency="usd", email="b@example.com", token_hash="h", created_at=T0, expires_at=T0,
              keys=(KeyRef(0, 0), KeyRef(1, 0)), delivered_at=T0)


def _report(**changes: object) -> a.Report:
    base = a.Report(tenant_id="ten_1", id="rpt_1", order_id="ord_1", product_id="prd_1", key_index=0,
                    ref=KeyRef(0, 0), reason="invalid", note="", status=a.OPEN, created_at=T0)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_the_policy_replaces_within_the_window_and_the_limit_only():
    assert a.review_reason(PRODUCT, ORDER, T0 + 3600) is None  # exactly at the window's end still counts
    assert a.review_reason(PRODUCT, ORDER, T0 + 3601) == a.OUTSIDE_WINDOW
    assert a.review_reason(PRODUCT, dataclasses.replace(ORDER, replacements=1), T0) == a.LIMIT_REACHED
    assert a.review_reason(dataclasses.replace(PRODUCT, auto_replace=False), ORDER, T0) == a.POLICY_MANUAL
    assert a.review_reason(dataclasses.replace(PRODUCT, replace_window_minutes=0), ORDER, T0) == a.POLICY_MANUAL
    assert a.review_reason(dataclasses.replace(PRODUCT, replace_max_per_order=0), ORDER, T0) == a.LIMIT_REACHED
    assert a.review_reason(PRODUCT, dataclasses.replace(ORDER, delivered_at=None), T0) == a.OUTSIDE_WINDOW


def test_lines_mark_reported_keys_and_replacements_with_their_latest_report():
    order = dataclasses.replace(ORDER, keys=(*ORDER.keys, KeyRef(2, 5)), reported=(KeyRef(1, 0),), replacements=1)
    reports = [_report(id="rpt_2", key_index=1, created_at=T0 + 5), _report(id="rpt_1", key_index=1, created_at=T0)]
    assert a.buyer_lines(order, ["A", "B", "C"], reports) == [
        a.BuyerLine(0, "A", a.LINE_OK, None), a.BuyerLine(1, "B", a.LINE_REPORTED, "rpt_2"),
        a.BuyerLine(2, "C", a.LINE_REPLACEMENT, None)]


def test_stats_use_nearest_rank_percentiles_over_closed_reports():
    recent = [_report(status=a.REPLACED, resolution=a.AUTO_REPLACED, resolved_at=T0),
              _report(status=a.RESOLVED, resolution=a.MERCHANT_REPLACED, resolved_at=T0 + 100),
              _report(status=a.REJECTED, resolution=a.REJECTED, resolved_at=T0 + 300), _report()]
    assert a.stats_of(recent, open_count=4) == a.ReportStats(open=4, resolved_30d=3, auto_replaced_30d=1,
                                                             median_resolution_seconds=100,
                                                             p90_resolution_seconds=300)
    assert a.stats_of([], open_count=-1) == a.ReportStats(0, 0, 0, None, None)
    assert (a.percentile([5], 0.9), a.percentile(list(range(1, 11)), 0.9)) == (5, 9)


def test_outbox_ids_carry_the_report():
    for kind in (a.KIND_REPORTED, a.KIND_RESOLVED):
        message = OutboxMessage("ten_1", a.outbox_id("rpt_01abc", kind), kind, "ord_1", T0)
        assert a.report_id_of(message) == "rpt_01abc"
    assert a.report_id_of(OutboxMessage("ten_1", "obx_01abc", "order_delivered", "ord_1", T0)) is None


def test_every_text_is_in_both_languages_and_every_reason_and_status_has_one():
    assert all(set(texts) == set(LOCALES) and all(texts.values()) for texts in MESSAGES.values())
    for locale in LOCALES:
        t = Translator(locale)
        for name in (*a.REASONS, ):
            assert t(f"after_sales.reason.{name}")
        for name in (*a.STATUSES, *a.REVIEW_REASONS):
            assert t(f"after_sales.status.{name}" if name in a.STATUSES else f"after_sales.review.{name}")
        for name in a.RESOLUTIONS:
            assert t(f"after_sales.outcome.{name}", shop="S", product="P")
