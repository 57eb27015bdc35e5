"""A batch's mailed messages are cleared in one write, and one by one when that write fails."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from chalicelib.kernel.errors import StoreUnavailable
from chalicelib.kernel.ports import OutboxMessage
from chalicelib.sales.service.notifications import NotificationService
from tests.fakes import FakeOutbox
from tests.unit.test_services_with_fakes import build


class BatchClearFails(FakeOutbox):
    """Clearing several at once fails (a transaction conflict); one at a time works."""

    def mark_done_many(self, messages: Sequence[OutboxMessage], *, now: int, mailed: Collection[str] = ()) -> None:
        raise StoreUnavailable("injected: clearing the outbox")


def test_when_the_batch_clear_fails_each_message_is_cleared_on_its_own_and_nothing_comes_back() -> None:
    w = build()
    # given two delivered orders whose messages wait in an outbox that cannot clear several at once
    outbox = BatchClearFails(lock=w.outbox.lock)
    handled = []
    tenant, _ = w.shop()
    product = w.product(tenant)
    w.load(tenant, product, ["K1", "K2"])
    for n in range(2):
        started = w.buy(tenant, product)
        w.pay(started, f"evt_{n}")
        [message] = [m for m in w.outbox.messages.values() if m.order_id == started.order.id]
        handled.append((message, w.order(started)))
    service = NotificationService(tenants=w.tenants, orders=w.orders, order_service=w.order_service,
                                  outbox=outbox, mailer=w.mailer, clock=w.clock, public_base_url="https://shop.test")
    # when the batch is sent
    failed = service.send_many(handled)
    # then both buyers have their mail, nothing failed, and both messages are cleared
    assert failed == {}
    assert sorted(mail["to"] for mail in w.mailer.sent) == ["buyer@example.com", "buyer@example.com"]
    assert sorted(outbox.done) == sorted((m.tenant_id, m.id) for m, _ in handled)
    # and each one's e-mail is recorded as sent (the order's page shows when), one at a time as well
    assert sorted(outbox.mailed_at) == sorted((m.tenant_id, m.id) for m, _ in handled)
