"""The in-memory order store for unit tests: orders, the expiry index, and the checkout holds (limits per buyer,
coupon uses) with the same rules as the DynamoDB store."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo import layout
from chalicelib.kernel.errors import BuyerLimitReached, Conflict, NotFound, StoreUnavailable, VersionConflict
from chalicelib.kernel.ports import OutboxMessage, Page
from chalicelib.sales.domain.buyer_limits import units
from chalicelib.sales.domain.models import Order, OrderStatus

if TYPE_CHECKING:
    from tests.fakes import FakeProductStore


def _page(items: list[Any], limit: int, cursor_of: Any) -> Page:
    """limit + 1 items were fetched: the extra one only says whether another page exists."""
    more = len(items) > limit
    return Page(items[:limit], cursors.encode(cursor_of(items[limit - 1])) if more else None)


class FakeOrderStore:
    def __init__(self, *, lock: threading.RLock | None = None, products: FakeProductStore | None = None) -> None:
        self.lock = lock or threading.RLock()
        self.products = products  # when given, `product_version` is checked against it as the table does
        self.orders: dict[tuple[str, str], Order] = {}
        self.due: set[tuple[str, str]] = set()  # in the sparse expiry index until paid, failed or expired
        self.announced: list[OutboxMessage] = []  # outbox messages written with their order
        self.held: dict[tuple[str, str, str, str], int] = {}  # (tenant, product, e-mail, window) → keys held

    def _hold_key(self, order: Order, window: str) -> tuple[str, str, str, str]:
        """As the table keys them: a limit per product and buyer; a coupon's uses per code, in all or per buyer."""
        if window.startswith("C#"):
            return order.tenant_id, "CPN", "" if window.endswith("#T") else order.email.strip().lower(), window
        return order.tenant_id, order.product_id, order.email.strip().lower(), window

    def _room(self, order: Order, holds: Sequence[Any]) -> Any:
        """The first hold without room for the order's quantity, as the table's conditions would find it."""
        return next((h for h in holds if self.held.get(self._hold_key(order, h.window), 0)
                     + units(h.window, order.quantity)
                     > h.limit), None)

    def create(self, order: Order, *, announce: OutboxMessage | None = None,
               product_version: int | None = None, holds: Sequence[Any] = ()) -> None:
        with self.lock:
            if (order.tenant_id, order.id) in self.orders:
                raise StoreUnavailable("the data store did not complete saving the order "
                                       "(ConditionalCheckFailedException); retry the request")
            if product_version is not None and self.products is not None:
                current = self.products.products.get((order.tenant_id, order.product_id))
                if current is None or current.version != product_version:
                    raise VersionConflict(f"the product changed since version {product_version} was read")
            order = dataclasses.replace(order, limit_windows=tuple(h.window for h in holds),
                                        limits_held=bool(holds))
            # The store writes only these fields at creation; the rest start empty.
            self.orders[(order.tenant_id, order.id)] = dataclasses.replace(
                order, paid_at=None, delivered_at=None, refunded_at=None, failure_reason=None, events=())
            self.due.add((order.tenant_id, order.id))
            if announce is not None:
                self.announced.append(announce)

    def get(self, *, tenant_id: str, order_id: str) -> Order:
        with self.lock:
            if (tenant_id, order_id) not in self.orders:
                raise NotFound("no such order")
            return self.orders[(tenant_id, order_id)]

    def get_many(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Order]:
        with self.lock:
            return {ref: self.orders[ref] for ref in refs if ref in self.orders}

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        with self.lock:
            mine = sorted((o for (t, _), o in self.orders.items() if t == tenant_id), key=lambda o: o.id, reverse=True)
        if start is not None:
            mine = [o for o in mine if o.id < str(start["sk"])]
        return _page(mine[:limit + 1], limit, lambda o: {"sk": o.id})

    def set_status(self, *, tenant_id: str, order_id: str, status: str, allowed_from: Sequence[str], now: int,
                   reason: str | None = None, release: Order | None = None) -> bool:
        with self.lock:
            order = self.orders.get((tenant_id, order_id))
            if order is None or order.status.value not in allowed_from:
                return False
            changes: dict[str, Any] = {"status": OrderStatus(status)}
            if release is not None and order.limits_held:
                for window in order.limit_windows:
                    self.held[self._hold_key(order, window)] -= units(window, order.quantity)
                changes["limits_held"] = False
            if reason is not None:
                changes["failure_reason"] = reason
            if status == OrderStatus.REFUNDED.value:
                changes["refunded_at"] = now
            self.orders[(tenant_id, order_id)] = dataclasses.replace(order, **changes)
            self.due.discard((tenant_id, order_id))
            return True

    def approve_review(self, *, tenant_id: str, order_id: str, intent_id: str) -> bool:
        with self.lock:
            order = self.orders.get((tenant_id, order_id))
            if order is None or order.status != OrderStatus.REVIEW:
                return False
            self.orders[(tenant_id, order_id)] = dataclasses.replace(order, status=OrderStatus.PENDING,
                                                                     payment_intent_id=intent_id)
            return True

    def hold_limits(self, *, tenant_id: str, product_id: str, email: str, quantity: int, holds: Sequence[Any],
                    product_name: str) -> None:
        probe = _probe(tenant_id, product_id, email, quantity)
        with self.lock:
            full = self._room(probe, holds)
            if full is not None and full.period == "coupon_total":
                raise Conflict("this coupon has been used up", code="coupon_used_up", param="coupon")
            if full is not None and full.period == "coupon_buyer":
                raise Conflict("used as often as it allows", code="coupon_already_used", param="coupon")
            if full is not None:
                raise BuyerLimitReached(f"at most {full.limit} of '{product_name}' {full.period}", param="quantity",
                                        extra={"limit": full.limit, "period": full.period})
            for h in holds:
                key = self._hold_key(probe, h.window)
                self.held[key] = self.held.get(key, 0) + units(h.window, quantity)

    def unhold_limits(self, *, tenant_id: str, product_id: str, email: str, quantity: int,
                      holds: Sequence[Any]) -> None:
        with self.lock:
            probe = _probe(tenant_id, product_id, email, quantity)
            for h in holds:
                self.held[self._hold_key(probe, h.window)] -= units(h.window, quantity)

    def coupon_uses(self, *, tenant_id: str, codes: Sequence[str]) -> dict[str, int]:
        with self.lock:
            return {code: self.held[(tenant_id, "CPN", "", f"C#{code}#T")] for code in codes
                    if (tenant_id, "CPN", "", f"C#{code}#T") in self.held}

    def take_limits_again(self, order: Order, holds: Sequence[Any]) -> bool:
        with self.lock:
            stored = self.orders[(order.tenant_id, order.id)]
            if stored.limits_held or not holds:
                return True
            if self._room(stored, holds) is not None:
                return False
            for h in holds:
                key = self._hold_key(stored, h.window)
                self.held[key] = self.held.get(key, 0) + units(h.window, stored.quantity)
            self.orders[(order.tenant_id, order.id)] = dataclasses.replace(
                stored, limits_held=True, limit_windows=tuple(h.window for h in holds))
            return True

    def expired_pending(self, *, now: int, limit: int) -> list[Order]:
        with self.lock:
            found = [(layout.due("EXP", o.id), layout.due_sk(o.expires_at, f"{t}|{o.id}"), o)
                     for (t, _), o in self.orders.items() if (t, o.id) in self.due and o.expires_at < now]
        found.sort(key=lambda f: (f[0], f[1]))
        return [f[2] for f in found[:limit]]


def _probe(tenant_id: str, product_id: str, email: str, quantity: int) -> Order:
    """An order not yet made, standing for the buyer and quantity a checkout takes holds for."""
    return Order(tenant_id=tenant_id, id="", status=OrderStatus.PENDING, product_id=product_id, quantity=quantity,
                 amount=0, currency="usd", email=email, token_hash="", created_at=0, expires_at=0)
