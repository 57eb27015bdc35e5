"""The console's pure rules: the sign-in lockout record, session liveness, the first-run checklist."""

from __future__ import annotations

from chalicelib.console.domain import ShopGlance, checklist
from chalicelib.tenancy.domain.accounts import Account, ConsoleSession, FailureRecord, LockoutRule

RULE = LockoutRule(failures=5, window=300, lock=900)


def test_the_fifth_failure_within_five_minutes_locks_for_fifteen() -> None:
    record = FailureRecord()
    for t in (1000, 1010, 1020, 1030):
        record = record.after_failure(t, RULE)
        assert not record.locked(t)
    assert record.attempts == (1000, 1010, 1020, 1030)
    locked = record.after_failure(1040, RULE)
    assert locked == FailureRecord(attempts=(), locked_until=1940)
    assert locked.locked(1939) and not locked.locked(1940)


def test_failures_older_than_the_window_do_not_count() -> None:
    record = FailureRecord(attempts=(1000, 1000, 1000, 1001))
    after = record.after_failure(1300, RULE)  # three are exactly five minutes old: out; 1001 is not
    assert after == FailureRecord(attempts=(1001, 1300), locked_until=0)


def test_a_session_ends_at_its_expiry_and_with_a_new_generation() -> None:
    account = Account("t", "u", "a@example.com", "h", "owner", 0, email_confirmed_at=1, session_generation=2)
    session = ConsoleSession("hash", "t", "u", "csrf", generation=2, created_at=0, expires_at=100)
    assert session.live(99, account)
    assert not session.live(100, account)
    assert not session.live(50, Account(**{**account.__dict__, "session_generation": 3}))


def test_the_checklist_counts_what_is_done_in_its_order() -> None:
    steps = checklist(has_product=True, has_keys=False, has_support=True, has_sale=False)
    assert [(s.key, s.done) for s in steps] == [("product", True), ("keys", False), ("support", True),
                                                ("purchase", False)]
    glance = ShopGlance(steps=steps, products=1, in_stock=0, sold=0)
    assert (glance.done, glance.complete) == (2, False)
