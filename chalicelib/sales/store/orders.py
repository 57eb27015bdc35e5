"""Orders: one partition each; pending ones sit in the due index until paid or expired."""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import layout as keys
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import OrderItem, ProductItem, transaction_connection
from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import NotFound, StoreUnavailable, VersionConflict
from chalicelib.kernel.ports import OutboxMessage, Page
from chalicelib.sales.domain.buyer_limits import Hold
from chalicelib.sales.domain.models import Order, OrderStatus
from chalicelib.sales.domain.orders import OrderQuery
from chalicelib.sales.store import buyer_holds, customers, order_search

NOT_FOUND = "no such order"


def to_order(tenant_id: str, item: OrderItem) -> Order:
    return Order(
        tenant_id=tenant_id, id=item.order_id, status=OrderStatus(item.status), product_id=item.product_id,
        quantity=int(item.quantity), amount=int(item.amount), currency=item.currency, email=item.email,
        token_hash=item.token_hash, created_at=int(item.created_at), expires_at=int(item.expires_at),
        keys=tuple(KeyRef.decode(str(k)) for k in (item.keys or [])), payment_intent_id=item.payment_intent_id,
        paid_at=_int(item.paid_at), delivered_at=_int(item.delivered_at), refunded_at=_int(item.refunded_at),
        failure_reason=item.failure_reason, product_name=item.product_name or "",
        locale=item.locale or "en", lookup_hash=item.lookup_hash or "", replacements=int(item.replacements or 0),
        reported=tuple(KeyRef.decode(str(k)) for k in (item.reported or [])),
        keys_bundle=bytes(item.keys_bundle) if item.keys_bundle else None, usage_guide=item.usage_guide,
        usage_url=item.usage_url or "", source=item.source or "", device=item.device or "",
        limit_windows=tuple(str(w) for w in (item.limit_windows or [])), limits_held=bool(item.limits_held),
        price_lines=_lines(item.price_lines), **_risk(item.risk),
    )


def _risk(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    data = json.loads(raw)
    return {"risk_score": int(data["score"]), "risk_decision": str(data["decision"]),
            "risk_reasons": tuple((str(r), int(p)) for r, p in data["reasons"]),
            "risk_subjects": tuple((str(k), str(d)) for k, d in data.get("subjects", []))}


def risk_json(order: Order) -> str | None:
    if not order.risk_decision:
        return None
    return json.dumps({"score": order.risk_score, "decision": order.risk_decision,
                       "reasons": [list(r) for r in order.risk_reasons],
                       "subjects": [list(s) for s in order.risk_subjects]}, separators=(",", ":"))


def _lines(raw: str | None) -> tuple[tuple[str, int, str], ...]:
    lines = []
    for part in (raw or "").split("|"):
        if part:
            kind, amount, ref = part.split(":", 2)
            lines.append((kind, int(amount), ref))
    return tuple(lines)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


class DynamoOrderStore:
    def create(self, order: Order, *, announce: OutboxMessage | None = None,
               product_version: int | None = None, holds: Sequence[Hold] = ()) -> None:
        """`holds`: the buyer-limit windows checkout took (`hold_limits`) for this order, which it then holds."""
        item = OrderItem(
            keys.order(order.tenant_id, order.id), "ORDER", order_id=order.id, status=order.status.value,
            product_id=order.product_id, product_name=order.product_name, quantity=order.quantity,
            amount=order.amount, currency=order.currency, email=order.email, token_hash=order.token_hash,
            created_at=order.created_at, expires_at=order.expires_at, keys=[k.encode() for k in order.keys],
            payment_intent_id=order.payment_intent_id, locale=order.locale, lookup_hash=order.lookup_hash,
            usage_guide=order.usage_guide, usage_url=order.usage_url or None,
            source=order.source or None, device=order.device or None,
            limit_windows=[h.window for h in holds] or None, limits_held=True if holds else None,
            price_lines="|".join(f"{k}:{a}:{r}" for k, a, r in order.price_lines) or None, risk=risk_json(order),
            gsi1pk=keys.due("EXP", order.id), gsi1sk=keys.due_sk(order.expires_at, f"{order.tenant_id}|{order.id}"),
            # listed by creation time: `created_gte`/`created_lt` are a key condition on this, not a filter
            gsi2pk=keys.orders_index(order.tenant_id), gsi2sk=customers.position(order.created_at, order.id),
        )
        try:
            # One request: the order, the buyer's entry (for `?email=`) and the order.created announcement
            # stand or fall together, so none can exist without the others.
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.save(item, condition=OrderItem.pk.does_not_exist())
                tx.save(customers.new_entry(order))
                if announce is not None:
                    tx.save(outbox_item(announce))
                if product_version is not None:
                    # The order was priced from a product read earlier (a container's recent copy): it stands
                    # only if the product is still at that version, so no order is sold at a changed price,
                    # limit or shelf state. No attribute is version 1 (products saved before versions).
                    seen: Any = ProductItem.version == product_version
                    if product_version == 1:
                        seen = ProductItem.sk.exists() & (seen | ProductItem.version.does_not_exist())
                    tx.condition_check(ProductItem, keys.products(order.tenant_id), order.product_id,
                                       condition=seen)
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            # PynamoDB sends condition checks first, then puts: [product check,] order, entry, announcement.
            checked = product_version is not None
            if checked and reasons[:1] == ["ConditionalCheckFailed"]:
                raise VersionConflict(f"the product changed since version {product_version} was read") from exc
            if reasons[int(checked):int(checked) + 1] == ["ConditionalCheckFailed"]:
                # an order with this id exists: never overwrite it
                raise StoreUnavailable("the data store did not complete saving the order "
                                       "(ConditionalCheckFailedException); retry the request") from exc
            raise unavailable(exc, "saving the order") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "saving the order") from exc

    def get_many(self, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Order]:
        """Orders by (tenant id, order id), consistently read, 100 to a request; missing ones are absent."""
        wanted = {keys.order(t, o): t for t, o in refs}
        try:
            found = OrderItem.batch_get([(pk, "ORDER") for pk in wanted], consistent_read=True)
            return {(wanted[i.pk], i.order_id): to_order(wanted[i.pk], i) for i in found}
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the orders") from exc

    def get(self, *, tenant_id: str, order_id: str) -> Order:
        try:
            return to_order(tenant_id, OrderItem.get(keys.order(tenant_id, order_id), "ORDER", consistent_read=True))
        except DoesNotExist as exc:
            raise NotFound(NOT_FOUND) from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the order") from exc

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self.search(tenant_id=tenant_id, query=OrderQuery(), limit=limit, cursor=cursor)

    def search(self, *, tenant_id: str, query: OrderQuery, limit: int, cursor: str | None) -> Page:
        return order_search.search(tenant_id=tenant_id, query=query, limit=limit, cursor=cursor)

    def set_status(
        self, *, tenant_id: str, order_id: str, status: str, allowed_from: Sequence[str], now: int,
        reason: str | None = None, release: Order | None = None,
    ) -> bool:
        item = OrderItem(keys.order(tenant_id, order_id), "ORDER")
        actions: builtins.list[Any] = [OrderItem.status.set(status), OrderItem.gsi1pk.remove(),
                                       OrderItem.gsi1sk.remove()]
        if reason is not None:
            actions.append(OrderItem.failure_reason.set(reason))
        if status == OrderStatus.REFUNDED.value:
            actions.append(OrderItem.refunded_at.set(now))
        if release is not None and release.limits_held and release.limit_windows:
            # an order ending without keys gives its buyer's limit back, in the same write as the change
            changed = buyer_holds.change_giving_back(release, actions, allowed_from)
            if changed is not None:
                return changed
        try:
            # Only from the states named: a delivered order is never turned back to expired or failed.
            item.update(actions=actions, condition=OrderItem.status.is_in(*allowed_from))
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "updating the order") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "updating the order") from exc
        return True

    def approve_review(self, *, tenant_id: str, order_id: str, intent_id: str) -> bool:
        item = OrderItem(keys.order(tenant_id, order_id), "ORDER")
        try:
            # only an order still in review: a second approval, or one after the hold lapsed or was rejected,
            # changes nothing; the due index entry stays, so an approved order nobody pays still lapses
            item.update(actions=[OrderItem.status.set(OrderStatus.PENDING.value),
                                 OrderItem.payment_intent_id.set(intent_id)],
                        condition=OrderItem.status == OrderStatus.REVIEW.value)
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise unavailable(exc, "approving the order") from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "approving the order") from exc
        return True

    def hold_limits(self, *, tenant_id: str, product_id: str, email: str, quantity: int, holds: Sequence[Hold],
                    product_name: str) -> None:
        buyer_holds.take(buyer_holds.Holder(tenant_id, product_id, email, quantity), holds, product_name)

    def unhold_limits(self, *, tenant_id: str, product_id: str, email: str, quantity: int,
                      holds: Sequence[Hold]) -> None:
        buyer_holds.put_back(buyer_holds.Holder(tenant_id, product_id, email, quantity), holds)

    def coupon_uses(self, *, tenant_id: str, codes: Sequence[str]) -> dict[str, int]:
        return buyer_holds.coupon_uses(tenant_id, codes)

    def take_limits_again(self, order: Order, holds: Sequence[Hold]) -> bool:
        """A payment on an order that gave its buyer's limit back: counts it again if there is room."""
        return buyer_holds.take_again(order, holds)

    def expired_pending(self, *, now: int, limit: int) -> builtins.list[Order]:
        out: builtins.list[Order] = []
        try:
            for bucket in range(keys.DUE_PARTITIONS):
                for item in OrderItem.by_due.query(f"EXP#{bucket}", OrderItem.gsi1sk < keys.due_sk(now, ""),
                                                   limit=limit):
                    tenant_id = item.gsi1sk.split("#", 1)[1].split("|")[0]
                    out.append(to_order(tenant_id, item))
                    if len(out) >= limit:
                        return out
        except PynamoDBException as exc:
            raise unavailable(exc, "finding expired orders") from exc
        return out
