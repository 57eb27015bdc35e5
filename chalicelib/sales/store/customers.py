"""Customers by e-mail: one entry per order (written with the order) and one aggregate item per buyer.

Layout, all in the buyer's own partition `T#<tenant>#C#<cus_id>`:
- `O#<created:012d>#<order_id>`: the customer's order entry, written when the order is created (so
  `?email=` and a customer's order list read one partition, newest first, no scan). Its `state` says
  whether the order is already counted in the totals: `open` → `spent` (delivery counted) → `refunded`.
- `CUSTOMER`: the aggregate (orders, spent and refunded per currency, first and last order), created
  when the first payment is counted, and listed through gsi2 `T#<tenant>#CUSTOMERS`.
Every change of the totals happens in one transaction with a conditional move of the order entry's
state, so a redelivered outbox message or a retried refund can never count an order twice.
Counting a delivery is two requests: one UpdateItem that creates the aggregate if missing and returns
it, then one transaction moving the entry open → spent and adding the order to the totals together
with any first/last order time it moves (so a crash can never leave the count without its dates).
A refund that counts the order itself still moves the times after its transaction (stretch_dates).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import cursor as cursors
from chalicelib.adapters.dynamo.failures import is_condition_failure, unavailable
from chalicelib.adapters.dynamo.items import Gsi2, Item, transaction_connection
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.ports import Page
from chalicelib.sales.domain.models import Order
from chalicelib.sales.domain.orders import ENTRY_OPEN, ENTRY_SPENT, Customer, customer_id

NOT_FOUND = "no such customer"
AGGREGATE_SK = "CUSTOMER"
COUNT_ATTEMPTS = 3  # a count is tried again only when a concurrent count of the same buyer moved a date


def partition(tenant_id: str, cus_id: str) -> str:
    return f"T#{tenant_id}#C#{cus_id}"


def listing(tenant_id: str) -> str:
    return f"T#{tenant_id}#CUSTOMERS"


def position(created_at: int, order_id: str) -> str:
    """Sort position of an order in every listing: creation time, then the (ULID) id."""
    return f"{created_at:012d}#{order_id}"


def entry_sk(created_at: int, order_id: str) -> str:
    return f"O#{position(created_at, order_id)}"


class CustomerOrderItem(Item):
    order_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    created_at = NumberAttribute()
    state = UnicodeAttribute(default=ENTRY_OPEN)


class CustomerItem(Item):
    customer_id = UnicodeAttribute()
    email = UnicodeAttribute()
    orders = NumberAttribute(default=0)
    refunds = NumberAttribute(default=0)
    spent = MapAttribute(default=dict)  # type: ignore[var-annotated]  # currency → minor units, net of refunds
    refunded = MapAttribute(default=dict)  # type: ignore[var-annotated]
    first_order_at = NumberAttribute(null=True)
    last_order_at = NumberAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_tenant = Gsi2()


def to_customer(tenant_id: str, item: CustomerItem) -> Customer:
    return Customer(tenant_id=tenant_id, id=item.customer_id, email=item.email, orders=int(item.orders),
                    total_spent={k: int(v) for k, v in item.spent.as_dict().items()},
                    total_refunded={k: int(v) for k, v in item.refunded.as_dict().items() if v},
                    refunds=int(item.refunds), first_order_at=_int(item.first_order_at),
                    last_order_at=_int(item.last_order_at))


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def new_entry(order: Order) -> CustomerOrderItem:
    return CustomerOrderItem(partition(order.tenant_id, customer_id(order.tenant_id, order.email)),
                             entry_sk(order.created_at, order.id), order_id=order.id, amount=order.amount,
                             currency=order.currency, created_at=order.created_at, state=ENTRY_OPEN)


def entry_state(order: Order) -> str | None:
    """The order entry's state (consistent read), None if the order has no entry."""
    try:
        item = CustomerOrderItem.get(partition(order.tenant_id, customer_id(order.tenant_id, order.email)),
                                     entry_sk(order.created_at, order.id), consistent_read=True)
    except DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise unavailable(exc, "reading the customer") from exc
    return str(item.state)


def ensure_customer(order: Order) -> CustomerItem:
    """Create the aggregate item if missing, touching nothing a count has written (if_not_exists);
    returns it as stored after the update (PynamoDB reads the item back from ReturnValues=ALL_NEW)."""
    cus = customer_id(order.tenant_id, order.email)
    item = CustomerItem(partition(order.tenant_id, cus), AGGREGATE_SK)
    try:
        item.update(actions=[
            CustomerItem.customer_id.set(cus), CustomerItem.email.set(order.email.strip().lower()),
            CustomerItem.spent.set(CustomerItem.spent | {}), CustomerItem.refunded.set(CustomerItem.refunded | {}),
            CustomerItem.orders.set(CustomerItem.orders | 0), CustomerItem.refunds.set(CustomerItem.refunds | 0),
            CustomerItem.gsi2pk.set(listing(order.tenant_id)),
            # listed by when the buyer first paid; kept from then on so cursors stay stable
            CustomerItem.gsi2sk.set(CustomerItem.gsi2sk | position(order.created_at, cus)),
        ])
    except PynamoDBException as exc:
        raise unavailable(exc, "recording the customer") from exc
    return item


def drop_if_uncounted(seen: CustomerItem) -> None:
    """Remove an aggregate nothing was ever counted in: the one ensure_customer created for an order
    that turned out to have no entry, so such an order leaves no empty customer behind."""
    if seen.orders or seen.refunds:
        return
    try:
        # a count or refund that landed since keeps it; one still in flight finds it gone and tries again
        seen.delete(condition=(CustomerItem.orders == 0) & (CustomerItem.refunds == 0))
    except PynamoDBException as exc:
        if not is_condition_failure(exc):
            raise unavailable(exc, "recording the customer") from exc


def date_moves(order: Order, seen: CustomerItem) -> tuple[list[Any], Condition]:
    """The first/last order time changes this order needs, judged on the aggregate as `seen`, and the
    condition under which the aggregate update may apply them."""
    at = order.created_at
    actions: list[Any] = []
    # ensure_customer ran: the maps the count's nested SETs write into exist
    condition = CustomerItem.customer_id.exists()
    # Times only ever move outwards (first earlier, last later), so a time this order leaves alone stays
    # right whatever lands meanwhile. A time it moves must still need moving when the write applies: a
    # concurrent count may have moved it past this order since `seen`, and this write would undo that.
    if seen.first_order_at is None or seen.first_order_at > at:
        actions.append(CustomerItem.first_order_at.set(at))
        condition &= CustomerItem.first_order_at.does_not_exist() | (CustomerItem.first_order_at > at)
    if seen.last_order_at is None or seen.last_order_at < at:
        actions.append(CustomerItem.last_order_at.set(at))
        condition &= CustomerItem.last_order_at.does_not_exist() | (CustomerItem.last_order_at < at)
    return actions, condition


def count_actions(order: Order, *, paid: bool, refunded: bool) -> list[Any]:
    """Aggregate changes for one order: counted as paid, and/or as refunded."""
    cur, amount = order.currency, order.amount
    actions: list[Any] = []
    if paid:
        actions += [CustomerItem.orders.add(1), CustomerItem.spent[cur].set((CustomerItem.spent[cur] | 0) + amount)]
        if refunded:
            actions[-1] = CustomerItem.spent[cur].set(CustomerItem.spent[cur] | 0)
    elif refunded:
        actions.append(CustomerItem.spent[cur].set((CustomerItem.spent[cur] | 0) - amount))
    if refunded:
        actions += [CustomerItem.refunds.add(1),
                    CustomerItem.refunded[cur].set((CustomerItem.refunded[cur] | 0) + amount)]
    return actions


def add_entry_move(tx: TransactWrite, order: Order, *, from_state: str, to_state: str, paid: bool,
                   refunded: bool, seen: CustomerItem | None = None) -> None:
    """The two updates of one count, for a transaction the caller owns (entry first, aggregate second).
    Given `seen` (what ensure_customer returned), the aggregate update also moves the order times."""
    cus = customer_id(order.tenant_id, order.email)
    tx.update(CustomerOrderItem(partition(order.tenant_id, cus), entry_sk(order.created_at, order.id)),
              actions=[CustomerOrderItem.state.set(to_state)],
              # the entry's state is the "already counted" flag: only the first mover changes totals
              condition=CustomerOrderItem.state == from_state)
    dates, condition = date_moves(order, seen) if seen is not None else ([], CustomerItem.customer_id.exists())
    tx.update(CustomerItem(partition(order.tenant_id, cus), AGGREGATE_SK),
              actions=count_actions(order, paid=paid, refunded=refunded) + dates, condition=condition)


def stretch_dates(order: Order) -> None:
    """first/last order times after a refund counted the order: min and max are idempotent, so the refund
    moves them after its transaction (a delivery moves them inside its own, see date_moves)."""
    key = (partition(order.tenant_id, customer_id(order.tenant_id, order.email)), AGGREGATE_SK)
    at = order.created_at
    for attr, cond in ((CustomerItem.first_order_at, CustomerItem.first_order_at.does_not_exist()
                        | (CustomerItem.first_order_at > at)),
                       (CustomerItem.last_order_at, CustomerItem.last_order_at.does_not_exist()
                        | (CustomerItem.last_order_at < at))):
        try:
            # only moves outwards, so messages handled out of order still end at the true min/max
            CustomerItem(*key).update(actions=[attr.set(at)], condition=cond & CustomerItem.customer_id.exists())
        except PynamoDBException as exc:
            if not is_condition_failure(exc):
                raise unavailable(exc, "recording the customer") from exc


class DynamoCustomerStore:
    def get(self, *, tenant_id: str, customer_id: str) -> Customer:
        try:
            return to_customer(tenant_id, CustomerItem.get(partition(tenant_id, customer_id), AGGREGATE_SK))
        except DoesNotExist as exc:
            raise NotFound(NOT_FOUND) from exc
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the customer") from exc

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        last_key = None
        if start is not None:
            sk = str(start["sk"])
            cus = sk.partition("#")[2]
            if not cus.startswith("cus_"):
                raise InvalidRequest("cursor is not one this API returned", param="cursor")
            last_key = {"pk": {"S": partition(tenant_id, cus)}, "sk": {"S": AGGREGATE_SK},
                        "gsi2pk": {"S": listing(tenant_id)}, "gsi2sk": {"S": sk}}
        try:
            found = list(CustomerItem.by_tenant.query(listing(tenant_id), limit=limit + 1,
                                                      last_evaluated_key=last_key, scan_index_forward=False))
        except PynamoDBException as exc:
            raise unavailable(exc, "listing customers") from exc
        more = len(found) > limit
        return Page([to_customer(tenant_id, i) for i in found[:limit]],
                    cursors.encode({"sk": found[limit - 1].gsi2sk}) if more else None)

    def first_paid_order(self, *, tenant_id: str, email: str) -> str | None:
        """The buyer's earliest order (by creation time, then id) that was paid: its entry left `open`. Reads
        the buyer's order entries oldest first, a page at a time (unpaid ones come first only when abandoned)."""
        cus = customer_id(tenant_id, email)
        try:
            for entry in CustomerOrderItem.query(partition(tenant_id, cus), CustomerOrderItem.sk.startswith("O#"),
                                                 scan_index_forward=True, page_size=20):
                if entry.state != ENTRY_OPEN:
                    return str(entry.order_id)
        except PynamoDBException as exc:
            raise unavailable(exc, "reading the customer's orders") from exc
        return None

    def count_delivery(self, order: Order) -> bool:
        """Count a delivered order in its buyer's totals; True if this call counted it.

        Two requests: ensure_customer, then one transaction of the entry's move open → spent and the
        aggregate's counts and order times. The times are written with the count, so an order found
        counted already has its times too (nothing to repair after a crash between two writes)."""
        for _ in range(COUNT_ATTEMPTS):
            seen = self._ensure_customer(order)
            try:
                with TransactWrite(connection=transaction_connection()) as tx:
                    add_entry_move(tx, order, from_state=ENTRY_OPEN, to_state=ENTRY_SPENT, paid=True,
                                   refunded=False, seen=seen)
            except TransactWriteError as exc:
                codes = [r.code if r else None for r in exc.cancellation_reasons]  # in add_entry_move's order
                if codes[:1] == ["ConditionalCheckFailed"]:
                    # counted by another handler, refunded first, or no entry at all: nothing was written
                    drop_if_uncounted(seen)
                    return False
                if codes[1:2] == ["ConditionalCheckFailed"]:
                    continue  # a concurrent count moved a time past this order (or the aggregate went): again
                raise unavailable(exc, "counting the order for its customer") from exc
            except PynamoDBException as exc:
                raise unavailable(exc, "counting the order for its customer") from exc
            return True
        raise unavailable(RuntimeError("the customer's order times kept changing"),
                          "counting the order for its customer")

    def _ensure_customer(self, order: Order) -> CustomerItem:
        """The first step of a count, a method so a test can act between the two steps."""
        return ensure_customer(order)
