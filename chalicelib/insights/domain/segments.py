"""Customer segments of one shop, recomputed nightly: one lifecycle, one value tier and RFM scores per buyer.

Every day below is a day of the shop's zone (`zone`, IANA); epochs are converted with zoneinfo. `today` is the
shop day the run is for, and "within N days" means the N shop days ending with today (today counted).

Lifecycle, exactly one, the first that holds:
  1. `dormant`:    no sale within `dormant_days` (30): the latest sale is 30 or more days before today.
  2. `churn_risk`: bought last calendar month, not this month, and silent for `slipping_days` (14) or more: the
                   buyers slipping away before they go dormant. (Without the 14 days, every buyer of the last days
                   of a month would be "at risk" on the 1st; a merchant acts on silence, not on a calendar page.)
  3. `vip`:        an active buyer (neither of the above) in the `whale` tier, or with F and M both at least
                   `vip_min_score` (5: the top fifth of the shop by orders and by spend).
  4. `new`:        the first sale is within `new_days` (30).
  5. `regular`:    every other active buyer.
  Risk comes before value, so a lapsing VIP is shown as at risk rather than as VIP.

Value tier, exactly one, on "a month's spend" = the greater of this calendar month so far and last calendar month
(`monthly`, net of refunds): a buyer is a whale as soon as they spend it, and stays one until a whole calendar
month has passed without it. `whale` above `whale_monthly`, `regular_spender` from `regular_monthly` up to and
including `whale_monthly`, `casual` below (minor units of the shop's currency; `SegmentRules.for_currency`).

RFM, 1–5 each, quintiles of the shop's buyers: R on shop days since the latest sale (fewer is better), F on orders,
M on lifetime spend. A buyer scores 1 + ⌊5 × (buyers with a strictly worse value) / buyers⌋, so equal values always
share a score (the lower one) and the result does not depend on the order of the buyers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...kernel.spreadsheet import spreadsheet_safe
from .buyers import BuyerSummary

NEW, REGULAR, VIP, DORMANT, CHURN_RISK = "new", "regular", "vip", "dormant", "churn_risk"
WHALE, REGULAR_SPENDER, CASUAL = "whale", "regular_spender", "casual"
LIFECYCLES = (NEW, REGULAR, VIP, DORMANT, CHURN_RISK)
TIERS = (WHALE, REGULAR_SPENDER, CASUAL)
SEGMENTS = LIFECYCLES + TIERS  # the stable ids other features (coupons, exports, charts) target

# Minor-unit digits where ISO 4217 says other than 2 (a copy of the few we need: domains import no kernel).
_MINOR_DIGITS = {"jpy": 0, "krw": 0, "vnd": 0, "clp": 0, "isk": 0, "pyg": 0, "ugx": 0, "xaf": 0, "xof": 0,
                 "bhd": 3, "jod": 3, "kwd": 3, "omr": 3, "tnd": 3}

RFM = tuple[int, int, int]


@dataclass(frozen=True)
class SegmentRules:
    """A shop's segment settings; money in minor units of the shop's currency (defaults: 5,000.00 / 500.00)."""

    dormant_days: int = 30
    new_days: int = 30
    whale_monthly: int = 500_000  # a month's spend above this is a whale
    regular_monthly: int = 50_000  # from this up to whale_monthly is a regular spender; below, casual
    vip_min_score: int = 5  # F and M both at least this make an active buyer a VIP
    slipping_days: int = 14  # a last-month buyer silent this long is at risk of churning

    @classmethod
    def for_currency(cls, currency: str, whale: int = 5_000, regular: int = 500) -> SegmentRules:
        """The rules with thresholds given in major units of `currency` (so 5,000 yen, not 500,000 yen)."""
        scale = 10 ** minor_digits(currency)
        return cls(whale_monthly=whale * scale, regular_monthly=regular * scale)


@dataclass(frozen=True)
class BuyerSegments:
    """Where one buyer falls on `today`; `rfm` is None when classified without the shop's population."""

    summary: BuyerSummary
    lifecycle: str
    tier: str
    rfm: RFM | None
    first: date  # shop days of the first and latest sale
    last: date
    month_spend: int  # the spend the tier was chosen on

    @property
    def buyer(self) -> str:
        return self.summary.buyer

    def is_in(self, segment: str) -> bool:
        return segment in (self.lifecycle, self.tier)


@dataclass(frozen=True)
class SegmentRun:
    """One night's segments of one shop; `sizes` (every segment id → buyers, zeros kept) is the day's history row."""

    day: date
    zone: str
    rules: SegmentRules
    buyers: dict[str, BuyerSegments] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def members(self, segment: str) -> list[BuyerSegments]:
        """The buyers of one segment, the biggest lifetime spenders first (then by buyer id)."""
        if segment not in SEGMENTS:
            raise ValueError(f"unknown segment {segment!r}: one of {', '.join(SEGMENTS)}")
        found = [b for b in self.buyers.values() if b.is_in(segment)]
        found.sort(key=lambda b: (-b.summary.spent, b.buyer))
        return found


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency.lower(), 2)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_month(day: date) -> date:
    """Any day of the calendar month before `day`'s (its last day)."""
    return day.replace(day=1) - timedelta(days=1)


def _day(at: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(at, tz=tz).date()


def _tier(month_spend: int, rules: SegmentRules) -> str:
    if month_spend > rules.whale_monthly:
        return WHALE
    return REGULAR_SPENDER if month_spend >= rules.regular_monthly else CASUAL


@dataclass(frozen=True)
class _Today:
    """What every buyer is compared with, worked out once a run."""

    day: date
    this_month: str
    last_month: str
    last_month_of: tuple[int, int]  # (year, month)

    @classmethod
    def of(cls, today: date) -> _Today:
        previous = last_month(today)
        return cls(today, month_key(today), month_key(previous), (previous.year, previous.month))


def _classify(buyer: BuyerSummary, first: date, last: date, today: _Today, rules: SegmentRules,
              rfm: RFM | None) -> BuyerSegments:
    month_spend = max(buyer.monthly.get(today.this_month, 0), buyer.monthly.get(today.last_month, 0))
    tier = _tier(month_spend, rules)
    silent = (today.day - last).days
    if silent >= rules.dormant_days:
        lifecycle = DORMANT
    elif (last.year, last.month) == today.last_month_of and silent >= rules.slipping_days:
        lifecycle = CHURN_RISK
    elif tier == WHALE or (rfm is not None and min(rfm[1], rfm[2]) >= rules.vip_min_score):
        lifecycle = VIP
    elif (today.day - first).days < rules.new_days:
        lifecycle = NEW
    else:
        lifecycle = REGULAR
    return BuyerSegments(buyer, lifecycle, tier, rfm, first, last, month_spend)


def classify(buyer: BuyerSummary, today: date, zone: str, rules: SegmentRules | None = None,
             rfm: RFM | None = None) -> BuyerSegments:
    """One buyer's lifecycle and tier on `today` (a day of `zone`); without `rfm` a VIP is a whale only."""
    tz = ZoneInfo(zone)
    return _classify(buyer, _day(buyer.first_at, tz), _day(buyer.last_at, tz), _Today.of(today),
                     rules or SegmentRules(), rfm)


def _quintiles(values: list[int]) -> list[int]:
    """1–5 per value, higher for higher values; equal values share the score of the first of them in order."""
    ordered = sorted(values)
    n = len(ordered)
    score: dict[int, int] = {}
    for below, value in enumerate(ordered):
        score.setdefault(value, 1 + 5 * below // n)
    return [score[v] for v in values]


def _rfm(buyers: list[BuyerSummary], lasts: list[date], today: date) -> dict[str, RFM]:
    # R ranks on minus the days since the latest sale, so the most recent buyers score highest; a sale dated after
    # `today` (a late-running job) counts as today.
    r = _quintiles([-max((today - last).days, 0) for last in lasts])
    f = _quintiles([b.orders for b in buyers])
    m = _quintiles([b.spent for b in buyers])
    return {b.buyer: (r[i], f[i], m[i]) for i, b in enumerate(buyers)}


def score_rfm(buyers: Iterable[BuyerSummary], today: date, zone: str) -> dict[str, RFM]:
    """RFM scores (each 1–5) of every buyer of one shop, by quintiles of that shop's buyers."""
    tz = ZoneInfo(zone)
    listed = list(buyers)
    return _rfm(listed, [_day(b.last_at, tz) for b in listed], today)


def segment_all(buyers: Iterable[BuyerSummary], today: date, zone: str,
                rules: SegmentRules | None = None) -> SegmentRun:
    """Every buyer's segments and the size of each segment, for one shop on `today`."""
    rules = rules or SegmentRules()
    tz = ZoneInfo(zone)
    listed = list(buyers)
    if len({b.buyer for b in listed}) != len(listed):
        raise ValueError("a buyer appears twice: one summary per buyer and shop")
    firsts = [_day(b.first_at, tz) for b in listed]
    lasts = [_day(b.last_at, tz) for b in listed]
    scores = _rfm(listed, lasts, today)
    context = _Today.of(today)
    sizes = dict.fromkeys(SEGMENTS, 0)
    run: dict[str, BuyerSegments] = {}
    for i, buyer in enumerate(listed):
        segments = _classify(buyer, firsts[i], lasts[i], context, rules, scores[buyer.buyer])
        run[buyer.buyer] = segments
        sizes[segments.lifecycle] += 1
        sizes[segments.tier] += 1
    return SegmentRun(today, zone, rules, run, sizes)


def money_text(amount: int, currency: str) -> str:
    """Minor units as a plain decimal in major units: 123456 usd → "1234.56", 1200 jpy → "1200"."""
    digits = minor_digits(currency)
    if not digits:
        return str(amount)
    whole, part = divmod(abs(amount), 10**digits)
    return f"{'-' if amount < 0 else ''}{whole}.{part:0{digits}d}"


def safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab, a CR) gets a leading apostrophe."""
    return spreadsheet_safe(text)


CSV_HEADER = ["buyer_id", "email", "lifecycle", "tier", "r", "f", "m", "orders", "spent", "currency",
              "first_purchase", "last_purchase"]


def csv_rows(run: SegmentRun, segment: str, emails: Mapping[str, str]) -> list[list[str]]:
    """The header and one row per buyer of `segment` (as `members` orders them), ready for csv.writer.

    Only the cells that come from buyers (id, e-mail) are guarded: the numbers are ours, and a negative amount
    must stay a number."""
    rows = [list(CSV_HEADER)]
    for b in run.members(segment):
        s = b.summary
        r, f, m = (str(x) for x in b.rfm) if b.rfm else ("", "", "")
        rows.append([safe_cell(s.buyer), safe_cell(emails.get(s.buyer, "")), b.lifecycle, b.tier, r, f, m,
                     str(s.orders), money_text(s.spent, s.currency), s.currency, b.first.isoformat(),
                     b.last.isoformat()])
    return rows
