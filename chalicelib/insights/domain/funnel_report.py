"""The funnel report: each step's count and the share that leaves there, overall, per device and per channel, and
the leaks worth acting on ("40 % leave at the payment step on mobile", against the shop's overall 25 %)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...kernel.attribution import DEVICES
from .funnel import CHECKOUT, MIN_ENTRANTS, PAID, PAY, PRODUCT, SHOP, FunnelCounts

FLOW = (PRODUCT, CHECKOUT, PAY, PAID)  # the steps a buyer passes in order; storefront views are shown beside
LEAK_POINTS = 0.10  # a segment leaks when this much more of it leaves at a step than of the whole shop
MAX_LEAKS = 3
MAX_CHANNELS = 8


@dataclass(frozen=True)
class Step:
    step: str
    count: int
    leave: float | None  # the share of this step's entrants not counted at the next one; None for the last step


@dataclass(frozen=True)
class Flow:
    """One segment's pass through the steps: `who` is `all`, a device or a channel."""

    who: str
    steps: tuple[Step, ...]

    @property
    def conversion(self) -> float | None:
        """Paid orders per product view."""
        first = self.steps[0].count
        return self.steps[-1].count / first if first else None


@dataclass(frozen=True)
class Leak:
    who: str  # a device (`mobile`) or a channel (`google.com`)
    kind: str  # "device" or "channel"
    step: str  # where they leave
    leave: float
    overall: float
    entrants: int


@dataclass(frozen=True)
class FunnelReport:
    first: date
    last: date
    shop_views: int
    overall: Flow
    devices: tuple[Flow, ...]
    channels: tuple[Flow, ...]  # the channels that brought most, most first
    leaks: tuple[Leak, ...]


def _flow(counts: FunnelCounts, who: str, *, device: str | None = None, channel: str | None = None) -> Flow:
    numbers = [counts.step(step, device=device, channel=channel) for step in FLOW]
    steps = []
    for i, step in enumerate(FLOW):
        if i == len(FLOW) - 1:
            steps.append(Step(step, numbers[i], None))
            continue
        here, after = numbers[i], numbers[i + 1]
        # counts, not one cohort: a step's next may exceed it (an order paid today was started yesterday)
        steps.append(Step(step, here, max(0.0, 1 - after / here) if here else None))
    return Flow(who, tuple(steps))


def report(counts: FunnelCounts, first: date, last: date) -> FunnelReport:
    """Figures for the days `first`..`last` from their summed counts."""
    overall = _flow(counts, "all")
    devices = tuple(_flow(counts, d, device=d) for d in DEVICES)
    channels = tuple(_flow(counts, c, channel=c) for c in counts.channels()[:MAX_CHANNELS])
    return FunnelReport(first=first, last=last, shop_views=counts.step(SHOP), overall=overall, devices=devices,
                        channels=channels, leaks=_leaks(overall, [("device", f) for f in devices]
                                                        + [("channel", f) for f in channels]))


def _leaks(overall: Flow, flows: list[tuple[str, Flow]]) -> tuple[Leak, ...]:
    found: list[Leak] = []
    for kind, flow in flows:
        for mine, whole in zip(flow.steps, overall.steps, strict=True):
            if mine.leave is None or whole.leave is None or mine.count < MIN_ENTRANTS:
                continue
            if mine.leave - whole.leave >= LEAK_POINTS:
                found.append(Leak(flow.who, kind, mine.step, mine.leave, whole.leave, mine.count))
    # the buyers lost beyond the shop's own rate: what fixing the leak would win back
    found.sort(key=lambda leak: (-(leak.leave - leak.overall) * leak.entrants, leak.kind != "device", leak.who,
                                 leak.step))
    return tuple(found[:MAX_LEAKS])
