"""Stock alert levels and when a level is told: worse at once, the same after 24 h, better only noted."""

from __future__ import annotations

from chalicelib.insights.domain.stock_alerts import (
    CHANNELS,
    COOLDOWN_SECONDS,
    AlertState,
    StockReading,
    next_state,
)

T = 1_800_000_000


def reading(available: int, recent_units: int = 42, sold: int = 100) -> StockReading:
    return StockReading("prd_a", "Card A", available, sold, recent_units)  # 42 in 14 days: 3 a day, line 21


def test_levels_against_the_safety_line() -> None:
    assert [reading(n).level for n in (21, 20, 11, 10, 0)] == ["ok", "low", "low", "critical", "out"]
    assert reading(0, sold=0).level == "ok"  # never sold: not stocked yet, not sold out
    assert reading(3, recent_units=0).level == "ok"  # no sale in the window: no line to fall below
    assert (reading(10).line, reading(10).days_left) == (21, 3.3)


def test_worse_is_told_at_once_the_same_after_the_cooldown_and_better_only_noted() -> None:
    told = next_state(AlertState("prd_a"), reading(15), T)
    assert told == AlertState("prd_a", "low", T, 1, CHANNELS, 15)
    assert next_state(told, reading(14), T + 60) is None  # still low within the cooldown: nothing
    worse = next_state(told, reading(9), T + 60)
    assert worse is not None and (worse.level, worse.version, worse.told_at) == ("critical", 2, T + 60)
    again = next_state(worse, reading(9), T + 60 + COOLDOWN_SECONDS)
    assert again is not None and (again.version, again.pending) == (3, CHANNELS)
    better = next_state(again, reading(15), T + 61 + COOLDOWN_SECONDS)
    assert better == AlertState("prd_a", "low", again.told_at, 3, again.pending, 15)  # noted, nothing new told
    assert next_state(better, reading(50), T + 62 + COOLDOWN_SECONDS).level == "ok"  # type: ignore[union-attr]
