"""The dashboard's closed days in one small item: the shop's days before today and each product's sums over them.

Made on a shop-day's first dashboard view from the rollups, kept until the day ends or a late count lands on a
closed day (the store bumps a generation in the counting transaction), so a later view reads the digest and today's
rows only: three small items instead of two months of counters.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .dashboard import SAFETY_WINDOW_DAYS, SERIES_DAYS, ProductSums, merged, product_sums
from .rollups import DayTotals

MAX_BYTES = 300_000  # an item holds 400 KB; a shop selling tens of thousands of products a month goes without


@dataclass(frozen=True)
class Digest:
    day: date  # the shop day it was made on: it holds the days of the dashboard's windows before this one
    days: tuple[DayTotals, ...]  # the shop's closed days (the figures the dashboard shows)
    products: dict[str, ProductSums]  # each product's sums over the closed days
    window: int = SAFETY_WINDOW_DAYS  # the safety window its products' recent units were summed over


@dataclass(frozen=True)
class StoredDigest:
    """What the store holds: the digest (None when there is none), the generation it was made at, and the
    generation now (bumped by every count that lands on a day before the one it was counted on)."""

    digest: Digest | None
    built_gen: int
    gen: int

    def usable_on(self, today: date, window: int = SAFETY_WINDOW_DAYS) -> Digest | None:
        # a shop that changed its safety window needs the recent units summed again
        if (self.digest is None or self.digest.day != today or self.built_gen != self.gen
                or self.digest.window != window):
            return None
        return self.digest


def close(today: date, days: Sequence[DayTotals], product_days: Sequence[DayTotals],
          window: int = SAFETY_WINDOW_DAYS) -> Digest:
    """The digest of the days before `today` in the dashboard's windows (the 30 days; the heatmap's 28 are in;
    the safety window's `window`)."""
    first = today - timedelta(days=SERIES_DAYS - 1)
    closed = tuple(d for d in days if d.product_id is None and first <= d.day < today)
    return Digest(today, closed, product_sums([p for p in product_days if p.day < today], today, window), window)


def with_today(digest: Digest, today: DayTotals | None,
               today_products: Sequence[DayTotals]) -> tuple[list[DayTotals], dict[str, ProductSums]]:
    """The dashboard's inputs: the closed days and today's live rows."""
    days = list(digest.days) + ([today] if today is not None else [])
    return days, merged(digest.products, product_sums(today_products, digest.day, digest.window))


def encode(digest: Digest) -> bytes:
    body = {"day": digest.day.isoformat(), "window": digest.window,
            "days": [[d.day.isoformat(), d.orders, d.units, d.refunds, d.new_buyers, d.revenue, list(d.hours)]
                     for d in digest.days],
            "products": {pid: [s.orders, s.units, s.revenue, s.recent_units] for pid, s in digest.products.items()}}
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 6)


def decode(raw: bytes) -> Digest:
    body = json.loads(zlib.decompress(raw))
    days = tuple(DayTotals(day=date.fromisoformat(d), orders=o, units=u, refunds=r, new_buyers=n, revenue=rev,
                           hours=tuple(h)) for d, o, u, r, n, rev, h in body["days"])
    products = {pid: ProductSums(o, u, rev, recent) for pid, (o, u, rev, recent) in body["products"].items()}
    # a digest kept before windows could be chosen was summed over the default one
    return Digest(date.fromisoformat(body["day"]), days, products, body.get("window", SAFETY_WINDOW_DAYS))
