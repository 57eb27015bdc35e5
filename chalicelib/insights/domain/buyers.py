"""A buyer as the nightly jobs see them: the small per-buyer aggregate insights keeps from each counted sale."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PRODUCTS = 60  # distinct products kept per buyer: enough for co-purchase rules, bounded item size


@dataclass(frozen=True)
class BuyerSummary:
    """One buyer of one shop, from their counted sales and refunds (refunded spend taken back).

    `monthly` is spend per month of the shop's zone (`yyyy-mm` → minor units of `currency`), `products` the
    distinct products bought (at most MAX_PRODUCTS, the first ones kept)."""

    buyer: str  # the customer id (cus_…), never the e-mail
    first_at: int  # epoch seconds of the first counted sale
    last_at: int  # epoch seconds of the latest counted sale
    orders: int  # sales counted, refunds not subtracted
    currency: str  # the currency of `spent` and `monthly` (a buyer's spend in other currencies is left out)
    spent: int  # lifetime spend net of refunds, minor units
    monthly: dict[str, int] = field(default_factory=dict)
    months_active: frozenset[str] = frozenset()  # months (yyyy-mm) with at least one sale
    products: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BuyerTotals:
    """A buyer's aggregate as stored: spend per currency (lifetime and per month), before a currency is chosen."""

    buyer: str
    email: str
    first_at: int
    last_at: int
    orders: int
    spent: dict[str, int]  # currency → minor units, net of refunds
    monthly: dict[tuple[str, str], int]  # (yyyy-mm, currency) → minor units, net of refunds
    months_active: frozenset[str]
    products: frozenset[str]

    def in_currency(self, currency: str) -> BuyerSummary:
        """The buyer seen in one currency (the shop's): spend in others is left out of the money figures."""
        return BuyerSummary(buyer=self.buyer, first_at=self.first_at, last_at=self.last_at, orders=self.orders,
                            currency=currency, spent=self.spent.get(currency, 0),
                            monthly={m: v for (m, cur), v in self.monthly.items() if cur == currency},
                            months_active=self.months_active,
                            products=frozenset(sorted(self.products)[:MAX_PRODUCTS]))


def main_currency(buyers: list[BuyerTotals], default: str = "usd") -> str:
    """The currency most of the shop's buyer spend is in (ties to the alphabetically first): the shop's currency
    for value tiers when the merchant has not set one."""
    totals: dict[str, int] = {}
    for buyer in buyers:
        for cur, value in buyer.spent.items():
            totals[cur] = totals.get(cur, 0) + max(value, 0)
    if not totals:
        return default
    return min(totals, key=lambda cur: (-totals[cur], cur))
