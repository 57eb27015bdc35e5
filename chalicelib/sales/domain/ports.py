"""What the sale needs from its stores: orders and the one transaction that delivers them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Protocol

from ...inventory.domain.models import KeyRef
from ...kernel.ports import OutboxMessage, Page
from .buyer_limits import Hold
from .models import Order
from .orders import OrderQuery


class OrderStore(Protocol):
    def create(self, order: Order, *, announce: OutboxMessage | None = None,
               product_version: int | None = None, holds: Sequence[Hold] = ()) -> None:
        """Saves a new order, and the outbox message announcing it in the same write when given; with
        `product_version`, only while the product is still at that version (VersionConflict otherwise); `holds`:
        the buyer-limit windows taken for it (`hold_limits`), which the order then holds."""
        ...
    def hold_limits(self, *, tenant_id: str, product_id: str, email: str, quantity: int, holds: Sequence[Hold],
                    product_name: str) -> None:
        """Takes `quantity` in each window, or raises BuyerLimitReached (nothing taken)."""
        ...
    def unhold_limits(self, *, tenant_id: str, product_id: str, email: str, quantity: int,
                      holds: Sequence[Hold]) -> None: ...
    def get(self, *, tenant_id: str, order_id: str) -> Order: ...
    def get_many(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Order]: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def set_status(
        self, *, tenant_id: str, order_id: str, status: str, allowed_from: Sequence[str], now: int,
        reason: str | None = None, release: Order | None = None,
    ) -> bool:
        """`release`: the order as read; if it holds its buyer's limit, the change gives it back, once."""
        ...
    def approve_review(self, *, tenant_id: str, order_id: str, intent_id: str) -> bool:
        """An order held for review becomes payable (pending, with its PaymentIntent, still due to lapse at its
        expiry); False when it is no longer in review."""
        ...
    def take_limits_again(self, order: Order, holds: Sequence[Hold]) -> bool: ...
    def coupon_uses(self, *, tenant_id: str, codes: Sequence[str]) -> dict[str, int]: ...
    def expired_pending(self, *, now: int, limit: int) -> builtins.list[Order]: ...


class SaleLedger(Protocol):
    """The one transaction that turns reserved keys into a delivered order."""

    def deliver(
        self, *, order: Order, refs: Sequence[KeyRef], event_id: str, now: int, outbox: OutboxMessage,
        bundle: bytes | None = None,
    ) -> bool: ...
    def event_seen(self, event_id: str) -> bool: ...
    def record_event(self, *, event_id: str, kind: str, now: int, note: str) -> bool: ...


class OrderDirectory(Protocol):
    """What other capabilities read of sales' orders (its OrderService): one order, or a search."""

    def get(self, *, tenant_id: str, order_id: str) -> Order: ...
    def search(self, *, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Page: ...
