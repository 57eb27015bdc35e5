"""The one pricing function: what a checkout costs, step by step, in integer minor units of one currency.

The steps, in this order (each line of the breakdown says what it did):
  1. list       unit price × quantity.
  2. tier       wholesale: the tier with the largest `min_quantity` at or below the quantity sets a lower unit price.
  3. threshold  spend X, save Y (满减): the largest X the subtotal reaches saves its Y, once.
  4. coupon     percent (in basis points, the saving rounded down: a coupon never gives a fraction of a cent
                more than it says) or a fixed amount, when the subtotal reaches its minimum; never more than the
                subtotal.
  5. floor      the merchant's floor per unit: discounts never take the total below floor × quantity (a line
                gives the difference back), nor below zero.
The same inputs always give the same quote; no step reads a clock or a store.
"""

from __future__ import annotations

from dataclasses import dataclass

LIST, TIER, THRESHOLD, COUPON, FLOOR = "list", "tier", "threshold", "coupon", "floor"
PERCENT, FIXED = "percent", "fixed"
BASIS = 10_000  # a percent coupon's value is in basis points: 1,500 = 15 %


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price: int


@dataclass(frozen=True)
class Threshold:
    spend: int  # the subtotal to reach
    save: int


@dataclass(frozen=True)
class CouponTerms:
    code: str
    kind: str  # PERCENT or FIXED
    value: int  # basis points, or minor units
    min_amount: int = 0


@dataclass(frozen=True)
class PriceRules:
    unit_price: int
    quantity: int
    tiers: tuple[Tier, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    coupon: CouponTerms | None = None
    floor: int = 0  # the lowest unit price the merchant accepts after every discount


@dataclass(frozen=True)
class Line:
    kind: str
    amount: int  # the list amount, then what each step changed (negative: a saving)
    ref: str = ""  # the tier's quantity, the threshold's spend, the coupon's code


@dataclass(frozen=True)
class Quote:
    lines: tuple[Line, ...]
    total: int

    @property
    def list_amount(self) -> int:
        return self.lines[0].amount

    @property
    def saved(self) -> int:
        return self.list_amount - self.total


def quote(rules: PriceRules) -> Quote:
    """The breakdown and the total of `rules` (ValueError for inputs no caller should send)."""
    if rules.quantity < 1 or rules.unit_price < 0 or rules.floor < 0:
        raise ValueError("a quote needs a quantity of at least 1 and prices of at least 0")
    listed = rules.unit_price * rules.quantity
    lines = [Line(LIST, listed)]
    subtotal = listed
    tier = max((t for t in rules.tiers if t.min_quantity <= rules.quantity and t.unit_price < rules.unit_price),
               key=lambda t: (t.min_quantity, -t.unit_price), default=None)  # ties: the lower price
    if tier is not None:
        saving = (rules.unit_price - tier.unit_price) * rules.quantity
        lines.append(Line(TIER, -saving, str(tier.min_quantity)))
        subtotal -= saving
    met = max((t for t in rules.thresholds if t.spend <= subtotal and t.save > 0),
              key=lambda t: (t.spend, t.save), default=None)  # ties: the larger saving
    if met is not None:
        saving = min(met.save, subtotal)
        lines.append(Line(THRESHOLD, -saving, str(met.spend)))
        subtotal -= saving
    coupon = rules.coupon
    if coupon is not None and subtotal >= coupon.min_amount:
        saving = subtotal * min(coupon.value, BASIS) // BASIS if coupon.kind == PERCENT else coupon.value
        saving = max(0, min(saving, subtotal))
        if saving:
            lines.append(Line(COUPON, -saving, coupon.code))
            subtotal -= saving
    lowest = min(rules.floor * rules.quantity, listed)  # a floor above the list price never raises the price
    if subtotal < lowest:
        lines.append(Line(FLOOR, lowest - subtotal))
        subtotal = lowest
    return Quote(tuple(lines), subtotal)
