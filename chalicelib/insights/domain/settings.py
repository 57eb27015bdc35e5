"""A shop's operations settings: the safety line of its stock alerts (average daily units over a window × days of
cover), who the alerts are mailed to, and the monthly spend of its value tiers — each checked before it is kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ...kernel.errors import InvalidRequest
from ...kernel.validation import whole

WINDOW_DAYS = (3, 30)  # the window is summed from the dashboard's 30 closed days, so at most 30
COVER_DAYS = (1, 60)
TIER_MAX = 100_000_000  # major units: far above any month a card shop sees, below what overflows a counter
FIELDS = ("safety_window_days", "cover_days", "whale_monthly", "regular_monthly", "alert_shop_email")


@dataclass(frozen=True)
class InsightSettings:
    """Defaults are the product's: 14 days × 7 days of cover; whale above 5,000 a month, regular from 500."""

    safety_window_days: int = 14
    cover_days: int = 7
    whale_monthly: int = 5_000  # major units of the shop's main currency
    regular_monthly: int = 500
    alert_shop_email: bool = True  # stock alerts to the shop's address (members opt in on their own)

    def daily_units(self, units_in_window: int) -> float:
        return units_in_window / self.safety_window_days

    def safety_line(self, daily_units: float) -> int:
        """Average daily units × days of cover, rounded up: below it the product runs out within the cover."""
        line = daily_units * self.cover_days
        return int(line) + (0 if line == int(line) else 1)

    def changed(self, changes: Mapping[str, object]) -> InsightSettings:
        """These settings with `changes` applied; refuses (naming the field) an unknown field or a value out of
        range, so a bad change leaves the stored settings as they were."""
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            raise InvalidRequest(f"unknown setting {unknown[0]}; the settings are {', '.join(FIELDS)}",
                                 param=unknown[0])
        values: dict[str, object] = {}
        for name, low, high in (("safety_window_days", *WINDOW_DAYS), ("cover_days", *COVER_DAYS),
                                ("whale_monthly", 1, TIER_MAX), ("regular_monthly", 1, TIER_MAX)):
            if name in changes:
                values[name] = whole(changes[name], name, low, high)
        if "alert_shop_email" in changes:
            if not isinstance(changes["alert_shop_email"], bool):
                raise InvalidRequest("alert_shop_email must be true or false", param="alert_shop_email")
            values["alert_shop_email"] = changes["alert_shop_email"]
        new = replace(self, **values)  # type: ignore[arg-type]  # each value was checked against its field above
        if new.regular_monthly >= new.whale_monthly:
            param = "regular_monthly" if "regular_monthly" in changes else "whale_monthly"
            raise InvalidRequest(f"regular_monthly ({new.regular_monthly}) must be below whale_monthly "
                                 f"({new.whale_monthly}): a regular spender spends less than a whale", param=param,
                                 code="tiers_out_of_order")
        return new

