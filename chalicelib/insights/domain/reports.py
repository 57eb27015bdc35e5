"""A shop's daily, weekly and monthly business report from its day rollups, with its unusual days and its CSV rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ...kernel.spreadsheet import spreadsheet_safe
from .anomalies import Anomaly, find_anomalies
from .funnel import CHECKOUT, PAID, PAY, PRODUCT, SHOP, FunnelCounts
from .rollups import DayTotals
from .segments import money_text

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
PERIODS = (DAILY, WEEKLY, MONTHLY)
TOP = 10
BASELINE_WEEKS = 8  # each weekday of the report is judged against its 8 predecessors


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The first and last day of the report period holding `day`: the day itself, its ISO week (Monday to Sunday,
    across a month or a year end as it falls) or its calendar month."""
    if kind == DAILY:
        return day, day
    if kind == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if kind == MONTHLY:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return day.replace(day=1), following - timedelta(days=1)
    raise ValueError(f"not a report period: {kind!r}")


def previous_bounds(kind: str, first: date) -> tuple[date, date]:
    """The period just before the one starting `first` (what "vs the previous period" compares with)."""
    return period_bounds(kind, first - timedelta(days=1))


def baseline_bounds(first: date, weeks: int = BASELINE_WEEKS) -> tuple[date, date]:
    """The whole weeks before a period whose same weekdays judge its days for anomalies."""
    return first - timedelta(days=7 * weeks), first - timedelta(days=1)


def zero_filled(rows: Iterable[DayTotals], first: date, last: date) -> list[DayTotals]:
    """The shop rows of `first`..`last`, one per day, oldest first: a day without a row sold nothing."""
    by_day = {r.day: r for r in rows if r.product_id is None and first <= r.day <= last}
    return [by_day.get(first + timedelta(days=n), DayTotals(day=first + timedelta(days=n)))
            for n in range((last - first).days + 1)]


def change_pct(now: int, before: int) -> float | None:
    """The change in percent (1 decimal), None when there is nothing to compare with."""
    return None if before == 0 else round((now - before) * 100 / before, 1)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _summed(rows: Iterable[DayTotals], name: str) -> dict[str, int]:
    """One money field of the rows (revenue, refunded, cost, costed_revenue) summed per currency."""
    total: dict[str, int] = {}
    for row in rows:
        for cur, amount in getattr(row, name).items():
            total[cur] = total.get(cur, 0) + amount
    return total


def _margin(costed_revenue: Mapping[str, int], cost: Mapping[str, int]) -> dict[str, int]:
    """Revenue minus batch cost, over the sales whose cost is known only (per currency, never added up)."""
    return {cur: costed_revenue.get(cur, 0) - cost.get(cur, 0) for cur in sorted({*costed_revenue, *cost})}


@dataclass(frozen=True)
class ProductLine:
    """One product over the period. `turnover` and `days_of_cover` need its stock: None when it is unknown.

    turnover = units sold ÷ average stock over the period, average stock = (opening + closing) / 2 with closing =
    `available` at the period's end and opening ≈ closing + units sold (restocks within the period are not seen, so
    the opening is overstated and the turnover understated when the product was restocked; a product that sold out
    turns over 2.0). A rate for the period, not annualised. days_of_cover = available ÷ average daily units of the
    period: how long the stock lasts at this period's pace (None when nothing sold: no pace to run out at).
    """

    product_id: str
    orders: int
    units: int
    refunds: int
    revenue: dict[str, int]
    margin: dict[str, int]  # costed revenue − batch cost per currency; a currency absent: no cost known
    available: int | None
    turnover: float | None  # 2 decimals
    days_of_cover: float | None  # 1 decimal


@dataclass(frozen=True)
class FunnelFigures:
    """The period's funnel steps (counts, not one cohort)."""

    shop_views: int
    product_views: int
    checkouts: int
    payments: int
    paid: int

    @property
    def conversion(self) -> float | None:
        """Paid orders per product view."""
        return _ratio(self.paid, self.product_views)


@dataclass(frozen=True)
class Previous:
    """The period before, for the changes."""

    first: date
    last: date
    orders: int
    units: int
    refunds: int
    revenue: dict[str, int]


@dataclass(frozen=True)
class Report:
    """One period of a shop. Money is in minor units per currency (never added across currencies); `revenue` is
    gross, `refunded` what the period's refunds gave back (their sales may be older).

    New and returning buyers come from the day rows: each day counts its distinct buyers and, per order, the
    first-ever paid orders. `buyers_new` is the sum of the latter, `buyers_returning` the sum of distinct buyers
    per day minus it: buyer-days of buyers who had paid on an earlier day. A buyer who buys on three days of the
    period counts three times (once as new when the first was their first ever), so these count buyer-days, not
    people; `repurchase_rate` = returning ÷ all buyer-days.
    """

    kind: str
    first: date
    last: date
    currencies: tuple[str, ...]  # the period's, most revenue first (ties alphabetical): the first is the main one
    orders: int
    units: int
    refunds: int
    revenue: dict[str, int]
    refunded: dict[str, int]
    margin: dict[str, int]  # over the sales whose cost is known
    margin_rate: dict[str, float | None]  # margin ÷ the revenue of those sales
    refund_rate: float | None  # refunds ÷ orders of the period
    buyers: int  # distinct buyers summed over the days
    buyers_new: int
    buyers_returning: int
    repurchase_rate: float | None
    funnel: FunnelFigures | None  # None when the caller had no funnel counts
    top_products: list[ProductLine]  # by revenue in the main currency, then units; at most TOP
    products: list[ProductLine]  # every product that sold, was refunded or has stock, in the same order
    previous: Previous
    anomalies: list[Anomaly]
    days: list[DayTotals]  # the period's shop days, zero-filled, oldest first

    @property
    def main_currency(self) -> str:
        return self.currencies[0] if self.currencies else ""

    @property
    def orders_change(self) -> float | None:
        return change_pct(self.orders, self.previous.orders)

    @property
    def units_change(self) -> float | None:
        return change_pct(self.units, self.previous.units)

    def revenue_change(self, currency: str) -> float | None:
        return change_pct(self.revenue.get(currency, 0), self.previous.revenue.get(currency, 0))


def _product_lines(rows: Sequence[DayTotals], stock: Mapping[str, int], main: str, period_days: int
                   ) -> list[ProductLine]:
    by_product: dict[str, list[DayTotals]] = {}
    for row in rows:
        by_product.setdefault(row.product_id or "", []).append(row)
    for pid, keys in stock.items():
        if keys > 0:
            by_product.setdefault(pid, [])  # unsold, but its stock is worth a line
    lines = []
    for pid, own in by_product.items():
        units, available = sum(r.units for r in own), stock.get(pid)
        average_stock = None if available is None else available + units / 2  # (opening + closing) / 2
        lines.append(ProductLine(
            product_id=pid, orders=sum(r.orders for r in own), units=units, refunds=sum(r.refunds for r in own),
            revenue=_summed(own, "revenue"), margin=_margin(_summed(own, "costed_revenue"), _summed(own, "cost")),
            available=available, turnover=round(units / average_stock, 2) if average_stock else None,
            days_of_cover=round(available * period_days / units, 1) if available is not None and units else None))
    lines.sort(key=lambda p: (-p.revenue.get(main, 0), -p.units, p.product_id))
    return lines


def build_report(kind: str, first: date, last: date, *, shop_days: Sequence[DayTotals],
                 product_days: Sequence[DayTotals], previous_days: Sequence[DayTotals],
                 baseline_days: Sequence[DayTotals], stock: Mapping[str, int], funnel: FunnelCounts | None) -> Report:
    """The report of `first`..`last`. Rows outside their window are ignored: `shop_days` and `product_days` (rows
    with a product id) of the period, `previous_days` of `previous_bounds`, `baseline_days` of the weeks before
    the period (`baseline_bounds`; zero-filled here from their earliest row on, so the weeks before a shop's first
    sale do not count as weeks of nothing). `stock`: available keys per product at the period's end, 0 for a sold
    out product (a product missing from it has unknown stock). `funnel`: the period's funnel counts, or None."""
    if kind not in PERIODS or first > last:
        raise ValueError(f"not a report period: {kind} {first}..{last}")
    days = zero_filled(shop_days, first, last)
    revenue, refunded = _summed(days, "revenue"), _summed(days, "refunded")
    costed, cost = _summed(days, "costed_revenue"), _summed(days, "cost")
    currencies = tuple(sorted({*revenue, *refunded}, key=lambda c: (-revenue.get(c, 0), c)))
    main = currencies[0] if currencies else ""
    margin = _margin(costed, cost)
    orders, refunds = sum(d.orders for d in days), sum(d.refunds for d in days)
    buyers, new = sum(d.buyers for d in days), sum(d.new_buyers for d in days)
    returning = max(0, buyers - new)  # never below 0, even over rows counted before `buyers` was
    products = _product_lines([r for r in product_days if r.product_id is not None and first <= r.day <= last],
                              stock, main, len(days))

    before_first, before_last = previous_bounds(kind, first)
    before = zero_filled(previous_days, before_first, before_last)
    previous = Previous(before_first, before_last, sum(d.orders for d in before), sum(d.units for d in before),
                        sum(d.refunds for d in before), _summed(before, "revenue"))

    earlier = [d.day for d in baseline_days if d.product_id is None and d.day < first]
    baseline = zero_filled(baseline_days, min(earlier), first - timedelta(days=1)) if earlier else []
    figures = None if funnel is None else FunnelFigures(
        shop_views=funnel.step(SHOP), product_views=funnel.step(PRODUCT), checkouts=funnel.step(CHECKOUT),
        payments=funnel.step(PAY), paid=funnel.step(PAID))
    return Report(
        kind=kind, first=first, last=last, currencies=currencies, orders=orders, units=sum(d.units for d in days),
        refunds=refunds, revenue=revenue, refunded=refunded, margin=margin,
        margin_rate={cur: _ratio(m, costed.get(cur, 0)) for cur, m in margin.items()},
        refund_rate=_ratio(refunds, orders), buyers=buyers, buyers_new=new, buyers_returning=returning,
        repurchase_rate=_ratio(returning, buyers), funnel=figures,
        top_products=[p for p in products if p.units > 0][:TOP], products=products, previous=previous,
        anomalies=find_anomalies(days, baseline), days=days)


def _num(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _money(money: Mapping[str, int], cur: str) -> str:
    """An amount in major units, empty when the currency is absent (a margin without any known cost)."""
    return money_text(money[cur], cur) if cur in money else ""


def csv_rows(report: Report, names: Mapping[str, str]) -> list[list[str]]:
    """The report as spreadsheet rows: (metric, value) for the summary, a blank row, then a header and one row per
    product. Money in major units, one column (or row) per currency, named `revenue_<cur>`; rates as fractions
    (4 decimals), changes in percent; an unknown figure is an empty cell. Text is guarded against formulas."""
    rows: list[list[str]] = [["report", report.kind], ["first", report.first.isoformat()],
                             ["last", report.last.isoformat()], ["orders", str(report.orders)],
                             ["units", str(report.units)], ["refunds", str(report.refunds)],
                             ["refund_rate", _num(report.refund_rate, 4)]]
    for cur in report.currencies:
        rows += [[f"revenue_{cur}", money_text(report.revenue.get(cur, 0), cur)],
                 [f"refunded_{cur}", money_text(report.refunded.get(cur, 0), cur)],
                 [f"margin_{cur}", _money(report.margin, cur)],
                 [f"margin_rate_{cur}", _num(report.margin_rate.get(cur), 4)]]
    rows += [["buyers_new", str(report.buyers_new)], ["buyers_returning", str(report.buyers_returning)],
             ["repurchase_rate", _num(report.repurchase_rate, 4)]]
    if report.funnel is not None:
        f = report.funnel
        rows += [["shop_views", str(f.shop_views)], ["product_views", str(f.product_views)],
                 ["checkouts", str(f.checkouts)], ["payments", str(f.payments)], ["paid", str(f.paid)],
                 ["conversion", _num(f.conversion, 4)]]
    prev = report.previous
    rows += [["previous_first", prev.first.isoformat()], ["previous_last", prev.last.isoformat()],
             ["previous_orders", str(prev.orders)], ["orders_change_pct", _num(report.orders_change, 1)],
             ["previous_units", str(prev.units)], ["units_change_pct", _num(report.units_change, 1)]]
    for cur in [*report.currencies, *sorted(set(prev.revenue) - set(report.currencies))]:
        rows += [[f"previous_revenue_{cur}", money_text(prev.revenue.get(cur, 0), cur)],
                 [f"revenue_change_pct_{cur}", _num(report.revenue_change(cur), 1)]]
    rows += [["anomaly", spreadsheet_safe(a.text)] for a in report.anomalies]
    rows += [[], ["product_id", "name", "orders", "units",
                  *[f"{what}_{cur}" for cur in report.currencies for what in ("revenue", "margin")],
                  "available", "turnover", "days_of_cover"]]
    for p in report.products:
        rows.append([spreadsheet_safe(p.product_id), spreadsheet_safe(names.get(p.product_id, "")), str(p.orders),
                     str(p.units), *[cell for cur in report.currencies
                                     for cell in (money_text(p.revenue.get(cur, 0), cur), _money(p.margin, cur))],
                     "" if p.available is None else str(p.available), _num(p.turnover, 2),
                     _num(p.days_of_cover, 1)])
    return rows
