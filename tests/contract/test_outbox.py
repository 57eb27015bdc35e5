"""Outbox contract: messages wait until marked done; the sweeper sees only those older than asked."""

from __future__ import annotations

from .conftest import Stores


def test_put_then_pending_lists_messages_older_than_asked(impl: Stores) -> None:
    # given a message written a minute ago and one written now
    now = impl.now
    old = impl.message("ord_1", created_at=now - 60)
    fresh = impl.message("ord_2", created_at=now)

    # when both are put
    impl.outbox.put(old)
    impl.outbox.put(fresh)

    # then a sweep for messages older than now finds only the old one, a later sweep both
    assert impl.pending_messages(now) == [old]
    assert sorted(impl.pending_messages(now + 1), key=lambda m: m.order_id) == [old, fresh]


def test_mark_done_takes_a_message_off_the_pending_list(impl: Stores) -> None:
    # given two pending messages
    first = impl.message("ord_1", created_at=impl.now - 10)
    second = impl.message("ord_2", created_at=impl.now - 10)
    impl.outbox.put(first)
    impl.outbox.put(second)

    # when the first is marked done (twice: the queue may deliver twice)
    impl.outbox.mark_done(first, now=impl.now)
    impl.outbox.mark_done(first, now=impl.now + 1)

    # then only the second is still pending
    assert impl.pending_messages(impl.now + 100) == [second]

    # when the second is done too, nothing is pending
    impl.outbox.mark_done(second, now=impl.now)
    assert impl.pending_messages(impl.now + 100) == []


def test_a_cleared_message_that_mailed_the_buyer_says_when(impl: Stores) -> None:
    # given three messages: one that mails alone, two cleared in a batch of which one mailed
    alone, mailed, silent = (impl.message(f"ord_{n}", created_at=impl.now - 10) for n in range(3))
    for m in (alone, mailed, silent):
        impl.outbox.put(m)
    # when they are cleared, saying which sent the buyer an e-mail
    impl.outbox.mark_done(alone, now=impl.now + 1, mailed=True)
    impl.outbox.mark_done_many([mailed, silent], now=impl.now + 2, mailed={mailed.id})
    # then the time of each e-mail is there, none for the one that sent nothing or another shop's ids
    ids = [alone.id, mailed.id, silent.id, "obx_missing"]
    assert impl.outbox.mailed(tenant_id=alone.tenant_id, outbox_ids=ids) == {alone.id: impl.now + 1,
                                                                            mailed.id: impl.now + 2}
    assert impl.outbox.mailed(tenant_id="ten_other", outbox_ids=ids) == {}
