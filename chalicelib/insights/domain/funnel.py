"""The buyer funnel, first-party: which step a visit reached (shop, product, checkout, pay, paid), from which channel
(the `utm_source` or referring host the buyer arrived with) and on which kind of device, and where buyers leave.

No identifier of the buyer is kept: a touch is a count in the shop's hour, product, channel and device, nothing
else (see kernel.attribution for how the channel and the device are told).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...kernel.attribution import DEVICES

SHOP, PRODUCT, CHECKOUT, PAY, PAID = "shop", "product", "checkout", "pay", "paid"
STEPS = (SHOP, PRODUCT, CHECKOUT, PAY, PAID)
NO_PRODUCT = "-"  # the shop's own pages: a view not of one product
MIN_ENTRANTS = 10  # a step with fewer entrants says too little to be called a leak


@dataclass(frozen=True)
class Touch:
    """One buyer reaching one step."""

    step: str
    product_id: str  # NO_PRODUCT for the shop's own pages
    channel: str
    device: str
    at: int

    def __post_init__(self) -> None:
        if self.step not in STEPS or self.device not in DEVICES:
            raise ValueError(f"not a funnel touch: {self.step} on {self.device}")


def touch_counters(touch: Touch, hour: int) -> dict[str, int]:
    """A touch's increments on its product-day row: by channel and device, and by hour (the cockpit's today)."""
    return {f"{touch.step}|{touch.device}|{touch.channel}": 1, f"{touch.step}|h{hour:02d}": 1}


@dataclass(frozen=True)
class FunnelCounts:
    """Counts of each step by (device, channel), summed over some days and products."""

    by: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (step, device, channel) → count
    hours: dict[tuple[str, int], int] = field(default_factory=dict)  # (step, hour) → count

    def step(self, step: str, *, device: str | None = None, channel: str | None = None) -> int:
        return sum(n for (s, d, c), n in self.by.items()
                   if s == step and (device is None or d == device) and (channel is None or c == channel))

    def channels(self) -> list[str]:
        """Channels by the buyers they brought to the first step they were counted at, most first."""
        totals: dict[str, int] = {}
        for (_, _, c), n in self.by.items():
            totals[c] = totals.get(c, 0) + n
        return sorted(totals, key=lambda c: (-totals[c], c))


def from_row(values: dict[str, int]) -> FunnelCounts:
    """A stored funnel row (attribute name → count) back into counts; unknown attributes ignored."""
    by: dict[tuple[str, str, str], int] = {}
    hours: dict[tuple[str, int], int] = {}
    for name, n in values.items():
        parts = name.split("|")
        if len(parts) == 3 and parts[0] in STEPS and parts[1] in DEVICES:
            by[(parts[0], parts[1], parts[2])] = by.get((parts[0], parts[1], parts[2]), 0) + n
        elif len(parts) == 2 and parts[0] in STEPS and parts[1][:1] == "h" and parts[1][1:].isdigit():
            hours[(parts[0], int(parts[1][1:]))] = hours.get((parts[0], int(parts[1][1:])), 0) + n
    return FunnelCounts(by=by, hours=hours)


def merge(rows: list[FunnelCounts]) -> FunnelCounts:
    by: dict[tuple[str, str, str], int] = {}
    hours: dict[tuple[str, int], int] = {}
    for row in rows:
        for key, n in row.by.items():
            by[key] = by.get(key, 0) + n
        for hkey, n in row.hours.items():
            hours[hkey] = hours.get(hkey, 0) + n
    return FunnelCounts(by=by, hours=hours)
