"""Spend thresholds (满减): spend X, save Y, per currency — up to five steps, the largest one an order's subtotal
reaches saves its amount once. Checked before they are kept, so a bad step never reaches a checkout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...kernel.errors import InvalidRequest
from ...kernel.validation import whole
from .pricing import Threshold

MAX_STEPS = 5
AMOUNT_MAX = 10**9  # minor units


@dataclass(frozen=True)
class SpendThresholds:
    """A shop's steps in one currency, within an optional window (None: open)."""

    tenant_id: str
    currency: str
    steps: tuple[Threshold, ...]
    starts_at: int | None = None
    ends_at: int | None = None
    active: bool = True

    def live(self, now: int) -> tuple[Threshold, ...]:
        """The steps a checkout at `now` is priced with (none outside the window or when switched off)."""
        if not self.active or (self.starts_at is not None and now < self.starts_at) or (
                self.ends_at is not None and now >= self.ends_at):
            return ()
        return self.steps


def parsed(tenant_id: str, currency: str, body: Mapping[str, object]) -> SpendThresholds:
    """The thresholds `body` describes (`steps: [{spend, save}]`, `starts_at`, `ends_at`, `active`); each bad
    value is refused naming it."""
    unknown = sorted(set(body) - {"steps", "starts_at", "ends_at", "active"})
    if unknown:
        raise InvalidRequest(f"unknown field {unknown[0]}; the fields are steps, starts_at, ends_at, active",
                             param=unknown[0])
    raw = body.get("steps")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STEPS:
        raise InvalidRequest(f"steps must be a list of 1 to {MAX_STEPS} {{\"spend\", \"save\"}} objects "
                             "(delete the thresholds to have none)", param="steps")
    steps: list[Threshold] = []
    for i, step in enumerate(raw):
        if not isinstance(step, Mapping) or set(step) != {"spend", "save"}:
            raise InvalidRequest(f"steps[{i}] must be {{\"spend\": ..., \"save\": ...}} in minor units",
                                 param=f"steps[{i}]")
        spend = whole(step["spend"], f"steps[{i}].spend", 1, AMOUNT_MAX)
        save = whole(step["save"], f"steps[{i}].save", 1, AMOUNT_MAX)
        if save >= spend:
            raise InvalidRequest(f"steps[{i}]: the saving ({save}) must be below the spend ({spend}): an order is "
                                 "never free", param=f"steps[{i}].save", code="threshold_saves_all")
        if steps and (spend <= steps[-1].spend or save <= steps[-1].save):
            raise InvalidRequest(f"steps[{i}]: each step must spend more and save more than the one before it",
                                 param=f"steps[{i}]", code="thresholds_out_of_order")
        steps.append(Threshold(spend, save))
    starts, ends = _time(body, "starts_at"), _time(body, "ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise InvalidRequest("ends_at must be after starts_at", param="ends_at")
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise InvalidRequest("active must be true or false", param="active")
    return SpendThresholds(tenant_id, currency, tuple(steps), starts, ends, active)


def _time(body: Mapping[str, object], field: str) -> int | None:
    value = body.get(field)
    return None if value is None else whole(value, field, 0, 2**40)
