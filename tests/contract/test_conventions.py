"""Rate counters and idempotency records: the fakes and the DynamoDB stores behave the same."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from chalicelib.http.conventions.idempotency import LOCK_SECONDS, IdempotencyService
from chalicelib.http.conventions.rate_limits import RateLimitService
from chalicelib.kernel.conventions import Limit, StoredReply
from chalicelib.kernel.errors import Conflict, RateLimited
from tests.fakes import FixedClock
from tests.fakes_conventions import FakeIdempotencyStore, FakeRateCounter

T0 = 1_900_000_000


@pytest.fixture(params=["fake", "dynamo"])
def stores(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    if request.param == "fake":
        return FakeRateCounter(), FakeIdempotencyStore()
    request.getfixturevalue("container")  # points PynamoDB at the module's fresh table
    from chalicelib.http.conventions.store import DynamoIdempotencyStore, DynamoRateCounter

    return DynamoRateCounter(), DynamoIdempotencyStore()


def _tenant() -> str:
    return f"ten_{secrets.token_hex(6)}"


def test_counters_lease_tokens_per_window_subject_and_policy(stores):
    # given a window of 10 requests for one key
    counter, _ = stores
    t = _tenant()
    args = {"tenant_id": t, "subject": "key:k1", "policy": "plan:starter", "expires_at": T0 + 100, "limit": 10}
    # when leases of 3, 5 and 2 tokens are taken, each answers the count including it
    assert [counter.take(window_start=T0, tokens=n, **args) for n in (3, 5)] == [3, 8]
    # then a lease that would pass the limit takes nothing, and the two tokens left can still be taken
    assert counter.take(window_start=T0, tokens=3, **args) is None
    assert counter.take(window_start=T0, tokens=2, **args) == 10
    assert counter.take(window_start=T0, tokens=1, **args) is None
    # and the next window, another key, another policy and the platform have counts of their own
    assert counter.take(window_start=T0 + 10, tokens=1, **args) == 1
    assert counter.take(window_start=T0, tokens=4, **{**args, "subject": "key:k2"}) == 4
    assert counter.take(window_start=T0, tokens=1, **{**args, "policy": "plan:growth"}) == 1
    assert counter.take(window_start=T0, tokens=1, **{**args, "tenant_id": None}) == 1


def test_a_first_lease_larger_than_the_limit_takes_nothing(stores):
    # given a window nobody has counted in yet (no item to compare with)
    counter, _ = stores
    args = {"tenant_id": _tenant(), "subject": "ip:1.2.3.4", "policy": "ip:checkout", "window_start": T0,
            "expires_at": T0 + 100}
    # then a lease over the limit is refused, and one of exactly the limit is granted
    assert counter.take(tokens=4, limit=3, **args) is None
    assert counter.take(tokens=3, limit=3, **args) == 3
    assert counter.take(tokens=1, limit=3, **args) is None


def test_two_services_sharing_the_counter_never_pass_more_than_the_limit(stores):
    # given two processes (two services) leasing from one counter, limit 50 per 60 s
    counter, _ = stores
    clock = FixedClock(T0)
    policies = {"plan:starter": Limit(1000, 10), "ip:checkout": Limit(50, 60)}
    a, b = (RateLimitService(counter=counter, clock=clock, policies=policies) for _ in range(2))
    tenant = _tenant()
    # when 200 requests alternate between them in one window
    passed = 0
    for i in range(200):
        try:
            (a, b)[i % 2].hit(policy="ip:checkout", subject="ip:1.2.3.4", tenant_id=tenant)
            passed += 1
        except RateLimited:
            pass
    # then exactly the limit passed: both keep asking, so no leased token is left unspent
    assert passed == 50


def test_a_key_is_claimed_once_then_replayed_after_finish(stores):
    _, store = stores
    t = _tenant()
    base = {"tenant_id": t, "owner": "key:k1", "key": "idem-1"}
    assert store.claim(**base, fingerprint="fp", token="a", now=T0, lock_seconds=60, expires_at=T0 + 86400) is None
    held = store.claim(**base, fingerprint="fp", token="b", now=T0 + 1, lock_seconds=60, expires_at=T0 + 86401)
    assert (held.state, held.token, held.locked_until, held.reply) == ("running", "a", T0 + 60, None)
    store.finish(**base, token="a", reply=StoredReply(201, '{"id": 1}'))
    done = store.claim(**base, fingerprint="fp", token="c", now=T0 + 2, lock_seconds=60, expires_at=T0 + 86402)
    assert (done.state, done.reply) == ("done", StoredReply(201, '{"id": 1}'))


def test_a_stale_token_neither_finishes_nor_releases(stores):
    _, store = stores
    base = {"tenant_id": _tenant(), "owner": "ip:1.2.3.4", "key": "idem-2"}
    store.claim(**base, fingerprint="fp", token="a", now=T0, lock_seconds=60, expires_at=T0 + 86400)
    assert store.take_over(**base, old_token="a", token="b", now=T0 + 61, lock_seconds=60) is True
    assert store.take_over(**base, old_token="a", token="c", now=T0 + 61, lock_seconds=60) is False
    store.finish(**base, token="a", reply=StoredReply(200, "old"))
    store.release(**base, token="a")
    held = store.claim(**base, fingerprint="fp", token="d", now=T0 + 62, lock_seconds=60, expires_at=T0 + 86462)
    assert (held.state, held.token) == ("running", "b")


def test_a_released_key_can_be_claimed_again_and_an_expired_one_too(stores):
    _, store = stores
    base = {"tenant_id": None, "owner": "ip:1.2.3.4", "key": f"idem-{secrets.token_hex(4)}"}
    store.claim(**base, fingerprint="fp", token="a", now=T0, lock_seconds=60, expires_at=T0 + 86400)
    store.release(**base, token="a")
    assert store.claim(**base, fingerprint="fp2", token="b", now=T0, lock_seconds=60, expires_at=T0 + 86400) is None
    store.finish(**base, token="b", reply=StoredReply(200, "x"))
    assert store.claim(**base, fingerprint="fp3", token="c", now=T0 + 86401, lock_seconds=60,
                       expires_at=T0 + 2 * 86400) is None


def test_the_service_takes_over_a_request_that_died_holding_the_key(stores):
    # given a request that claimed a key and died without an answer
    _, store = stores
    clock = FixedClock(T0)
    service = IdempotencyService(store=store, clock=clock)
    tenant = _tenant()
    dead = service.begin(tenant_id=tenant, owner="key:k", key="k1", fingerprint="fp")
    # when its twin arrives while the lock holds, it is told to retry; after the lock, it runs
    with pytest.raises(Conflict) as busy:
        service.begin(tenant_id=tenant, owner="key:k", key="k1", fingerprint="fp")
    assert busy.value.code == "idempotency_request_in_progress"
    clock.advance(LOCK_SECONDS + 1)
    twin = service.begin(tenant_id=tenant, owner="key:k", key="k1", fingerprint="fp")
    assert twin.replay is None and twin.token != dead.token
    # and only the twin's answer is kept
    service.finish(dead, status=500, body="late")
    service.finish(twin, status=201, body="kept")
    assert service.begin(tenant_id=tenant, owner="key:k", key="k1", fingerprint="fp").replay == StoredReply(201, "kept")
