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
