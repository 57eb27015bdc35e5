"""Stock alerts: a product's level against its safety line, and when a level is worth telling the merchant again.

Levels, mildest first: ok; low (below the safety line: it runs out within the days of cover); critical (below
half of it); out (nothing left of a product that has sold). A worse level is told at once; the same level again
after the cooldown; a better one is only noted (so the next fall is told at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .settings import InsightSettings

OK, LOW, CRITICAL, OUT = "ok", "low", "critical", "out"
SEVERITY = {OK: 0, LOW: 1, CRITICAL: 2, OUT: 3}
COOLDOWN_SECONDS = 24 * 3600
CHANNELS = ("webhook", "mail")


@dataclass(frozen=True)
class StockReading:
    product_id: str
    name: str
    available: int
    sold: int  # keys sold ever: a product out of keys that never sold is not "out", it is not stocked yet
    recent_units: int  # keys sold over the safety window
    settings: InsightSettings = field(default_factory=InsightSettings)  # the shop's window and days of cover

    @property
    def daily_units(self) -> float:
        return self.settings.daily_units(self.recent_units)

    @property
    def line(self) -> int:
        return self.settings.safety_line(self.daily_units)

    @property
    def days_left(self) -> float | None:
        return None if self.daily_units <= 0 else round(self.available / self.daily_units, 1)

    @property
    def level(self) -> str:
        if self.available <= 0:
            return OUT if self.sold > 0 else OK
        if self.recent_units <= 0 or self.available >= self.line:
            return OK
        return CRITICAL if self.available * 2 < self.line else LOW


@dataclass(frozen=True)
class AlertState:
    """What was last told of a product: its level, when, and what is still to be sent of that telling."""

    product_id: str
    level: str = OK
    told_at: int = 0
    version: int = 0  # +1 per telling: names the telling in webhook dedupe keys
    pending: tuple[str, ...] = field(default_factory=tuple)  # channels not sent yet (a retry sends them)
    available: int = 0


def next_state(state: AlertState, reading: StockReading, now: int) -> AlertState | None:
    """The state after this reading, or None when nothing changes. A telling sets `pending` to every channel."""
    level = reading.level
    worse = SEVERITY[level] > SEVERITY[state.level]
    again = level != OK and level == state.level and now - state.told_at >= COOLDOWN_SECONDS
    if worse or again:
        return AlertState(reading.product_id, level, now, state.version + 1, CHANNELS, reading.available)
    if level != state.level:  # better than last told: noted, nothing sent
        return AlertState(reading.product_id, level, state.told_at, state.version, state.pending, reading.available)
    return None


def event_data(reading: StockReading, level: str) -> dict[str, object]:
    """The webhook's data: the product, its stock, and the line it fell below."""
    return {"object": "stock", "product_id": reading.product_id, "product_name": reading.name,
            "available": reading.available, "level": level, "safety_line": reading.line,
            "daily_units": round(reading.daily_units, 2), "days_left": reading.days_left,
            "cover_days": reading.settings.cover_days, "window_days": reading.settings.safety_window_days}
