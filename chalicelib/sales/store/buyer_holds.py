"""Per-buyer limit counters (`T#<tenant>#BH#<product>` / `<customer>#<window>`, `held`).

Checkout takes its quantity in every window first, in one transaction, on condition each stays within its limit
— before any key is claimed, so a burst of one buyer's checkouts is refused by the counters alone and never
claims (and then has to release) keys it cannot have. The order then records the windows with `limits_held`;
giving them back (with the order's status change) and taking them again (a late payment) go with that flag in
one transaction each, so each happens once whatever the retries. A checkout that fails after taking puts the
quantity back at once; only a process dying in between leaves it taken (the buyer is limited more, never less)."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.counters import read_items
from chalicelib.adapters.dynamo.failures import unavailable
from chalicelib.adapters.dynamo.items import BuyerHoldItem, OrderItem, transaction_connection
from chalicelib.kernel.errors import Conflict
from chalicelib.sales.domain.buyer_limits import (
    COUPON_BUYER,
    COUPON_TOTAL,
    KEPT_AFTER_SECONDS,
    Hold,
    limit_reached,
    units,
)
from chalicelib.sales.domain.models import Order
from chalicelib.sales.domain.orders import customer_id


@dataclass(frozen=True)
class Holder:
    """Whose counters: a buyer (by e-mail) of a product, and how many keys an order of theirs counts."""

    tenant_id: str
    product_id: str
    email: str
    quantity: int

    @staticmethod
    def of(order: Order) -> Holder:
        return Holder(order.tenant_id, order.product_id, order.email, order.quantity)

    def key(self, window: str) -> tuple[str, str]:
        if window.startswith("C#"):  # a coupon's caps: one counter in all, one per buyer, for every product
            _, code, which = window.split("#")
            return (coupon_partition(self.tenant_id, code),
                    "TOTAL" if which == "T" else customer_id(self.tenant_id, self.email))
        return f"T#{self.tenant_id}#BH#{self.product_id}", f"{customer_id(self.tenant_id, self.email)}#{window}"


TAKE_ATTEMPTS = 6


def coupon_partition(tenant_id: str, code: str) -> str:
    return f"T#{tenant_id}#BH#CPN#{code}"


def add_holds(tx: TransactWrite, holder: Holder, holds: Sequence[Hold]) -> None:
    """The quantity added to each window, each on condition it stays within its limit."""
    for hold in holds:
        n = units(hold.window, holder.quantity)
        actions: list[Any] = [BuyerHoldItem.held.add(n)]
        if hold.expires_at is not None:
            actions.append(BuyerHoldItem.ttl.set(hold.expires_at))
        # within the limit after adding: none held yet (the quantity alone was checked against the limit before),
        # or at most limit − n held
        room = BuyerHoldItem.held.does_not_exist() | (BuyerHoldItem.held <= hold.limit - n)
        tx.update(BuyerHoldItem(*holder.key(hold.window)), actions=actions, condition=room)


def take(holder: Holder, holds: Sequence[Hold], product_name: str) -> None:
    """Checkout's first step: the quantity in every window, or a 409 naming the full one. Transactions on one hot
    counter (a coupon in a flash sale) conflict with each other: those are tried again, a full window is not."""
    if not holds:
        return
    for attempt in range(TAKE_ATTEMPTS):
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                add_holds(tx, holder, holds)
            return
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            full = next((h for h, r in zip(holds, reasons, strict=False) if r == "ConditionalCheckFailed"), None)
            if full is not None:
                raise _refusal(full, product_name) from exc
            if "TransactionConflict" not in reasons or attempt == TAKE_ATTEMPTS - 1:
                raise unavailable(exc, "checking the buyer's limit") from exc
            time.sleep(0.005 * (2 ** attempt) * (1 + random.random()))
        except PynamoDBException as exc:
            raise unavailable(exc, "checking the buyer's limit") from exc


def _refusal(full: Hold, product_name: str) -> Conflict:
    if full.period == COUPON_TOTAL:
        return Conflict("this coupon has been used up", code="coupon_used_up", param="coupon")
    if full.period == COUPON_BUYER:
        return Conflict(f"this e-mail has used this coupon {full.limit} time(s) already, as many as it allows",
                        code="coupon_already_used", param="coupon", extra={"limit": full.limit})
    return limit_reached(full.period, full.limit, product_name)


def put_back(holder: Holder, holds: Sequence[Hold]) -> None:
    """Undoes `take` for a checkout that failed before its order was saved."""
    if not holds:
        return
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            for hold in holds:
                tx.update(BuyerHoldItem(*holder.key(hold.window)),
                          actions=[BuyerHoldItem.held.add(-units(hold.window, holder.quantity))])
    except PynamoDBException as exc:
        raise unavailable(exc, "giving back the buyer's limit") from exc


def change_giving_back(order: Order, actions: list[Any], allowed_from: Sequence[str]) -> bool | None:
    """The order's status change (`actions`, from `allowed_from`) and its quantity taken out of its windows, in one
    transaction, on condition it still holds them. True: changed and given back; False: the status was not one
    of `allowed_from`; None: it holds nothing now (given back before) — the caller changes the status alone."""
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.update(OrderItem(keys.order(order.tenant_id, order.id), "ORDER"),
                      actions=[*actions, OrderItem.limits_held.set(False)],
                      condition=OrderItem.status.is_in(*allowed_from) & (OrderItem.limits_held == True))  # noqa: E712
            for window in order.limit_windows:
                # a closed window's counter may have expired: the decrement then leaves one that expires too
                tx.update(BuyerHoldItem(*Holder.of(order).key(window)),
                          actions=[BuyerHoldItem.held.add(-units(window, order.quantity)),
                                   BuyerHoldItem.ttl.set(BuyerHoldItem.ttl | order.expires_at + KEPT_AFTER_SECONDS)])
    except TransactWriteError as exc:
        reasons = [r.code if r else None for r in exc.cancellation_reasons]
        if reasons[:1] != ["ConditionalCheckFailed"]:
            raise unavailable(exc, "updating the order") from exc
        try:
            now = OrderItem.get(keys.order(order.tenant_id, order.id), "ORDER", consistent_read=True)
        except PynamoDBException as read_exc:
            raise unavailable(read_exc, "updating the order") from read_exc
        return None if now.status in allowed_from and not now.limits_held else False
    except PynamoDBException as exc:
        raise unavailable(exc, "updating the order") from exc
    return True


def take_again(order: Order, holds: Sequence[Hold]) -> bool:
    """A payment landed on an order that gave its quantity back: counts it again in today's windows if they have
    room (the order then holds them); False when a window is full — the caller refunds."""
    if not holds:
        return True
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.update(OrderItem(keys.order(order.tenant_id, order.id), "ORDER"),
                      actions=[OrderItem.limits_held.set(True),
                               OrderItem.limit_windows.set([h.window for h in holds])],  # type: ignore[misc]
                      condition=OrderItem.limits_held == False)  # noqa: E712
            add_holds(tx, Holder.of(order), holds)
    except TransactWriteError as exc:
        reasons = [r.code if r else None for r in exc.cancellation_reasons]
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return True  # held already: another delivery attempt took it
        if "ConditionalCheckFailed" in reasons[1:]:
            return False
        raise unavailable(exc, "counting the buyer's limit again") from exc
    except PynamoDBException as exc:
        raise unavailable(exc, "counting the buyer's limit again") from exc
    return True


def coupon_uses(tenant_id: str, codes: Sequence[str]) -> dict[str, int]:
    """Each code's total counter (held uses), for the codes that have one (a coupon without a total cap has none:
    its uses are not counted)."""
    found = read_items([(coupon_partition(tenant_id, code), "TOTAL") for code in codes], "reading coupon uses",
                       consistent=False)
    return {raw["pk"]["S"].rsplit("#", 1)[1]: int(raw.get("held", {}).get("N", "0")) for raw in found}
