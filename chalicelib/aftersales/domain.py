"""After-sales (售后): problem-key reports, the replacement policy, the buyer's key lines and the resolution stats."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..catalog.domain import Product
from ..inventory.domain.models import KeyRef
from ..kernel.ports import OutboxMessage, Page
from ..sales.domain.models import Order

REASONS = ("already_used", "invalid", "other")
# Report statuses: `replaced` (automatically, at once), `open` (waits for the merchant), `resolved`
# (the merchant replaced the key or refunded the order), `rejected` (the merchant declined).
REPLACED, OPEN, RESOLVED, REJECTED = "replaced", "open", "resolved", "rejected"
STATUSES = (REPLACED, OPEN, RESOLVED, REJECTED)
# Resolutions: how a closed report ended.
AUTO_REPLACED, MERCHANT_REPLACED, REFUNDED = "auto_replaced", "replaced", "refunded"
RESOLUTIONS = (AUTO_REPLACED, MERCHANT_REPLACED, REFUNDED, REJECTED)
ACTIONS = ("replace", "reject", "refund")
# Why a report went to the review queue instead of being replaced at once.
POLICY_MANUAL, OUTSIDE_WINDOW, LIMIT_REACHED, OUT_OF_STOCK = (
    "auto_replace_off", "outside_window", "replacement_limit", "out_of_stock")
REVIEW_REASONS = (POLICY_MANUAL, OUTSIDE_WINDOW, LIMIT_REACHED, OUT_OF_STOCK)
# The key status of a reported key: never sold, released, redeemed or activated again.
KEY_REPORTED = "reported"
# The buyer's view of each key of the order.
LINE_OK, LINE_REPORTED, LINE_REPLACEMENT = "ok", "reported", "replacement"
MAX_NOTE = 1000
MAX_MESSAGE = 1000
MAX_WINDOW_MINUTES = 10080  # a week
MAX_REPLACEMENTS = 100
STATS_DAYS = 30
# Outbox kinds of this area; the message id carries the report id (OutboxMessage only names the order).
KIND_REPORTED, KIND_RESOLVED = "key_reported", "report_resolved"
REPORT_NOT_FOUND = "no such report"


@dataclass(frozen=True)
class Report:
    """One problem-key report of a buyer, and how it ended."""

    tenant_id: str
    id: str
    order_id: str
    product_id: str
    key_index: int  # position in the order's key list (replacements are appended, so it never moves)
    ref: KeyRef  # the reported key's slot in the pool
    reason: str
    note: str
    status: str
    created_at: int
    resolution: str | None = None
    replacement_index: int | None = None  # where the new key sits in the order's key list
    message: str = ""  # the merchant's words to the buyer
    resolved_at: int | None = None
    review_reason: str | None = None  # why it waits for the merchant (open reports and those resolved later)

    @property
    def closed(self) -> bool:
        return self.status != OPEN

    @property
    def resolution_seconds(self) -> int | None:
        return None if self.resolved_at is None else max(0, self.resolved_at - self.created_at)


@dataclass(frozen=True)
class BuyerLine:
    """One key of the order as the buyer's page shows it."""

    index: int
    key: str
    status: str  # ok | reported | replacement
    report_id: str | None


@dataclass(frozen=True)
class ReportStats:
    open: int
    resolved_30d: int
    auto_replaced_30d: int
    median_resolution_seconds: int | None
    p90_resolution_seconds: int | None


def review_reason(product: Product, order: Order, now: int) -> str | None:
    """None when the product's policy replaces this order's key at once; otherwise why it waits for review."""
    if not product.auto_replace or product.replace_window_minutes <= 0:
        return POLICY_MANUAL
    if order.delivered_at is None or now - order.delivered_at > product.replace_window_minutes * 60:
        return OUTSIDE_WINDOW
    if order.replacements >= product.replace_max_per_order:
        return LIMIT_REACHED
    return None


def buyer_lines(order: Order, keys: Sequence[str], reports: Sequence[Report]) -> builtins.list[BuyerLine]:
    """`keys` are the order's plaintext keys in `order.keys` order. The first `quantity` keys are the sale;
    later ones are replacements. A line names its latest report."""
    latest: dict[int, str] = {}
    for r in sorted(reports, key=lambda r: (r.created_at, r.id)):
        latest[r.key_index] = r.id
    reported = set(order.reported)
    out = []
    for index, (ref, key) in enumerate(zip(order.keys, keys, strict=False)):
        status = LINE_REPORTED if ref in reported else LINE_REPLACEMENT if index >= order.quantity else LINE_OK
        out.append(BuyerLine(index=index, key=key, status=status, report_id=latest.get(index)))
    return out


def percentile(values: Sequence[int], q: float) -> int | None:
    """Nearest-rank percentile (q in 0..1): a value that really occurred, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def stats_of(recent: Sequence[Report], *, open_count: int) -> ReportStats:
    """Over the reports filed in the last STATS_DAYS days; `open` counts every open report, however old."""
    closed = [r for r in recent if r.resolved_at is not None]
    times = [r.resolution_seconds or 0 for r in closed]
    return ReportStats(open=max(open_count, 0), resolved_30d=len(closed),
                       auto_replaced_30d=sum(1 for r in closed if r.resolution == AUTO_REPLACED),
                       median_resolution_seconds=percentile(times, 0.5), p90_resolution_seconds=percentile(times, 0.9))


def outbox_id(report_id: str, kind: str) -> str:
    return f"obx_{report_id}_{'reported' if kind == KIND_REPORTED else 'resolved'}"


def report_id_of(message: OutboxMessage) -> str | None:
    """The report an after-sales outbox message is about (see outbox_id)."""
    if not message.id.startswith("obx_rpt_"):
        return None
    return message.id.removeprefix("obx_").rsplit("_", 1)[0]


@dataclass(frozen=True)
class ReportFilter:
    status: str | None = None
    product_id: str | None = None
    order_id: str | None = None


class ReportStore(Protocol):
    """Reports live in their order's partition (the order page reads them with one Query); a pointer item finds
    one by id, and a per-tenant index lists them newest first. Every write is one transaction with the keys,
    the order and the outbox message it concerns."""

    def file_replaced(self, *, order: Order, report: Report, new_ref: KeyRef, outbox: OutboxMessage,
                      bundle: bytes | None = None) -> bool:
        """Report + new key sold + reported key marked + order (keys, reported, replacements, and its sealed
        bundle when given) + sold bucket + outbox; False (nothing written) if the order or either key changed
        since `order` was read."""
        ...

    def file_open(self, *, order: Order, report: Report, outbox: OutboxMessage) -> bool:
        """Report (open) + reported key marked + order.reported + open count + outbox; False if a condition failed."""
        ...

    def resolve_replaced(self, *, order: Order, report: Report, new_ref: KeyRef, outbox: OutboxMessage,
                         bundle: bytes | None = None) -> bool:
        """The open report closed as `report` says, with a new key sold into the order (and its bundle when given);
        False if a condition failed."""
        ...

    def close(self, *, report: Report, outbox: OutboxMessage) -> bool:
        """The open report closed as `report` says (reject, refund); False if it was no longer open."""
        ...

    def get(self, *, tenant_id: str, report_id: str) -> Report: ...
    def in_order(self, *, tenant_id: str, order_id: str, report_id: str) -> Report: ...
    def for_order(self, *, tenant_id: str, order_id: str) -> builtins.list[Report]: ...
    def list(self, *, tenant_id: str, where: ReportFilter, limit: int, cursor: str | None) -> Page: ...
    def since(self, *, tenant_id: str, since: int) -> builtins.list[Report]: ...
    def open_count(self, *, tenant_id: str) -> int: ...
