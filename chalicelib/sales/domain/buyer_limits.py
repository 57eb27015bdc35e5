"""Per-buyer limits: how many keys of a product one buyer (e-mail) may hold per day, per month and ever.

Each limit is a counter per buyer, product and window (`D#<day>`, `M#<month>` in the shop's zone, `L`): checkout
adds the order's quantity to every window the product limits, on condition the result stays within the limit,
in the same transaction that saves the order — so parallel checkouts of one buyer can never pass it. An order
that ends without keys (its reservation lapsed, its payment failed, it was refunded before delivery) gives its
quantity back, once; a payment that lands on such an order takes it again, or is refunded when that would pass
the limit. A delivered order keeps its hold: the buyer holds those keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ...kernel.errors import BuyerLimitReached

DAY, MONTH, LIFETIME = "day", "month", "lifetime"
PERIODS = (DAY, MONTH, LIFETIME)
PER = {DAY: "per day", MONTH: "per month", LIFETIME: "in all"}  # as messages say it
KEPT_AFTER_SECONDS = 2 * 86400  # a closed window's counter lingers this long (a late release lands on it)


@dataclass(frozen=True)
class BuyerLimits:
    """Keys one buyer may hold of a product; 0 = no limit in that period."""

    day: int = 0
    month: int = 0
    lifetime: int = 0

    def of(self, period: str) -> int:
        return int(getattr(self, period))

    @property
    def any(self) -> bool:
        return bool(self.day or self.month or self.lifetime)


def limits_of(product: Any) -> BuyerLimits:
    """A catalogue product's limits (its `max_per_buyer*` fields)."""
    return BuyerLimits(product.max_per_buyer_day, product.max_per_buyer_month, product.max_per_buyer)


@dataclass(frozen=True)
class Hold:
    """One counter an order adds to: its window, its limit, when the counter may go. A buyer's limit counts the
    order's keys; a coupon's caps (`C#<code>#T` in all, `C#<code>#B` per buyer) count the order once."""

    window: str  # "D#2026-12-04", "M#2026-12", "L", "C#<CODE>#T" or "C#<CODE>#B"
    period: str  # day, month, lifetime, coupon_total or coupon_buyer
    limit: int
    expires_at: int | None  # None: the counter stays


COUPON_TOTAL, COUPON_BUYER = "coupon_total", "coupon_buyer"
UNCAPPED = 10**9  # a coupon without a total cap still counts its uses (the merchant sees them)


def coupon_holds(code: str, total_cap: int, per_buyer_cap: int) -> list[Hold]:
    """The counters a coupon needs: its uses in all (capped or not), and per buyer when capped."""
    out = [Hold(f"C#{code}#T", COUPON_TOTAL, total_cap or UNCAPPED, None)]
    if per_buyer_cap:
        out.append(Hold(f"C#{code}#B", COUPON_BUYER, per_buyer_cap, None))
    return out


def units(window: str, quantity: int) -> int:
    """What an order adds to a window's counter: a coupon's use once, a limit's keys."""
    return 1 if window.startswith("C#") else quantity


def holds(limits: BuyerLimits, at: int, zone: str) -> list[Hold]:
    """The windows a checkout at `at` counts in, for each limited period (day and month of the shop's zone)."""
    local = datetime.fromtimestamp(at, tz=UTC).astimezone(ZoneInfo(zone))
    today = local.date()
    out: list[Hold] = []
    if limits.day:
        out.append(Hold(f"D#{today.isoformat()}", DAY, limits.day, _end(today + timedelta(days=1), zone)))
    if limits.month:
        first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append(Hold(f"M#{today.year:04d}-{today.month:02d}", MONTH, limits.month, _end(first_next, zone)))
    if limits.lifetime:
        out.append(Hold("L", LIFETIME, limits.lifetime, None))
    return out


def _end(next_start: date, zone: str) -> int:
    start = datetime(next_start.year, next_start.month, next_start.day, tzinfo=ZoneInfo(zone))
    return int(start.timestamp()) + KEPT_AFTER_SECONDS


def limit_reached(period: str, limit: int, product_name: str, *, alone: bool = False) -> BuyerLimitReached:
    """The 409 a buyer past a limit gets; `alone`: the order's quantity passes it by itself (waiting will not help)."""
    later = "" if alone or period == LIFETIME else " or come back later"
    return BuyerLimitReached(f"this e-mail may hold at most {limit} of '{product_name}' {PER[period]}; lower the "
                             f"quantity{later}", param="quantity", extra={"limit": limit, "period": period})


def over(limits: BuyerLimits, quantity: int) -> str | None:
    """The first period whose limit one order of `quantity` passes on its own (no counter needed to say no)."""
    return next((p for p in PERIODS if limits.of(p) and quantity > limits.of(p)), None)


def period_of(window: str) -> str:
    if window.startswith("C#"):
        return COUPON_TOTAL if window.endswith("#T") else COUPON_BUYER
    return {"D": DAY, "M": MONTH, "L": LIFETIME}[window[0]]
