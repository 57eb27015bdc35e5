"""Rate-limit token leases on a counter in memory: few writes, never over the limit, exact near it."""

from __future__ import annotations

import threading

import pytest

from chalicelib.http.conventions.rate_limits import RateLimitService
from chalicelib.kernel.conventions import MAX_LEASE, Limit, lease_size, remaining
from chalicelib.kernel.errors import RateLimited
from tests.fakes import FixedClock
from tests.fakes_conventions import FakeRateCounter

T0 = 1_900_000_003  # 43 s into a minute: 17 s to the next window


@pytest.mark.parametrize(("limit", "central", "size"), [
    (1000, 0, MAX_LEASE),  # far from the limit: the largest lease
    (1000, 880, 15),  # 120 left: an eighth of them
    (50, 0, 6),
    (20, 0, 2),
    (15, 0, 1),  # fewer than 16 left: one token at a time, as exact as counting each request
    (5, 0, 1),
    (50, 50, 1),  # none left: a lease of one, which the counter refuses
])
def test_a_lease_is_an_eighth_of_what_is_left_from_1_to_16(limit, central, size):
    assert lease_size(limit, central) == size


def test_remaining_counts_the_process_unspent_tokens_as_left():
    # 16 leased centrally, 15 of them unspent here: one request spent of 1,000
    assert remaining(1000, 16, 15) == 999
    # another process took the rest and this one holds nothing: none left, never below 0
    assert remaining(50, 50, 0) == 0
    assert remaining(50, 52, 0) == 0


def _service(counter: FakeRateCounter, clock: FixedClock, requests: int, window: int = 60,
             **kwargs: int) -> RateLimitService:
    return RateLimitService(counter=counter, clock=clock,
                            policies={"plan:starter": Limit(1000, 10), "ip:checkout": Limit(requests, window)},
                            **kwargs)


def _hit(service: RateLimitService, subject: str = "ip:1.2.3.4") -> str | None:
    """The RateLimit-Remaining header of a request, or None when it is refused."""
    try:
        return service.hit(policy="ip:checkout", subject=subject, tenant_id="ten_1").headers()["RateLimit-Remaining"]
    except RateLimited:
        return None


def test_a_busy_key_costs_a_write_per_16_requests_and_sees_its_remaining_exactly():
    # given a roomy limit of 1,000 per minute
    counter, clock = FakeRateCounter(), FixedClock(T0)
    service = _service(counter, clock, 1000)
    # when 100 requests come in one window
    answers = [_hit(service) for _ in range(100)]
    # then all pass, counting down one by one, and the counter was written 7 times (leases of 16)
    assert answers == [str(999 - i) for i in range(100)]
    assert counter.takes == [16] * 7
    assert counter.hits == {("ten_1", "ip:1.2.3.4", "ip:checkout", T0 - T0 % 60): 112}


def test_a_small_limit_counts_each_request_as_before():
    # given a limit of 3 per minute
    counter, clock = FakeRateCounter(), FixedClock(T0)
    service = _service(counter, clock, 3)
    # then requests 1 to 3 pass with 2, 1, 0 left and the 4th and 5th are refused
    assert [_hit(service) for _ in range(5)] == ["2", "1", "0", None, None]
    # and once the window was seen full, refusals cost no write
    assert counter.takes == [1, 1, 1]


def test_a_refusal_carries_retry_after_and_the_headers():
    counter, clock = FakeRateCounter(), FixedClock(T0)
    service = _service(counter, clock, 1)
    service.hit(policy="ip:checkout", subject="ip:1.2.3.4", tenant_id="ten_1")
    with pytest.raises(RateLimited) as refused:
        service.hit(policy="ip:checkout", subject="ip:1.2.3.4", tenant_id="ten_1")
    assert (refused.value.retry_after, refused.value.headers) == (17, {
        "RateLimit-Limit": "1", "RateLimit-Remaining": "0", "RateLimit-Reset": "17", "RateLimit-Policy": "1;w=60"})


def test_two_processes_pass_exactly_the_limit_in_total_when_both_keep_asking():
    # given two processes (two services) sharing one counter, limit 50 per minute
    counter, clock = FakeRateCounter(), FixedClock(T0)
    a, b = _service(counter, clock, 50), _service(counter, clock, 50)
    # when 200 requests alternate between them
    answers = [_hit((a, b)[i % 2]) for i in range(200)]
    # then exactly 50 pass and the count never went over
    assert sum(r is not None for r in answers) == 50
    assert counter.hits == {("ten_1", "ip:1.2.3.4", "ip:checkout", T0 - T0 % 60): 50}
    # and it took 24 writes, not 200: leases shrink to one token near the limit (13 granted, then one refused
    # for the process that had not seen the window full; the other refuses without a write)
    assert counter.takes == [6, 6, 5, 4, 3, 4, 3, 2, 2, 2] + [1] * 14


def test_tokens_leased_by_a_process_that_stops_asking_lapse_with_the_window():
    # given a process that leased 6 tokens of 50 and spent one
    counter, clock = FakeRateCounter(), FixedClock(T0)
    idle, busy = _service(counter, clock, 50), _service(counter, clock, 50)
    assert _hit(idle) == "49"
    # when another process serves the same client for the rest of the window
    answers = [_hit(busy) for _ in range(60)]
    # then it passes the 44 tokens left: the idle process's 5 are lost for this window (the trade-off)
    assert sum(r is not None for r in answers) == 44
    assert answers[0] == "43"  # 12 counted centrally, 5 of them still unspent in this process


def test_a_lease_too_big_for_what_is_left_is_retried_as_one_token():
    # given a window another process has taken to 1 short of the limit
    counter, clock = FakeRateCounter(), FixedClock(T0)
    assert counter.take(tenant_id="ten_1", subject="ip:1.2.3.4", policy="ip:checkout", window_start=T0 - T0 % 60,
                        expires_at=T0 + 3600, tokens=49, limit=50) == 49
    service = _service(counter, clock, 50)
    # when this process, which has seen nothing yet, asks for a lease of 6
    assert _hit(service) == "0"
    # then the lease was refused, the single token granted, and the next request is refused without a write
    assert _hit(service) is None
    assert counter.takes == [49, 6, 1]


def test_a_new_window_starts_from_the_full_limit():
    counter, clock = FakeRateCounter(), FixedClock(T0)
    service = _service(counter, clock, 3)
    assert [_hit(service) for _ in range(4)] == ["2", "1", "0", None]
    clock.advance(17)  # the next minute
    assert [_hit(service) for _ in range(4)] == ["2", "1", "0", None]


def test_a_counter_outage_lets_requests_through_with_the_full_limit_left():
    # given a counter that fails
    counter, clock = FakeRateCounter(), FixedClock(T0)
    counter.down = True
    service = _service(counter, clock, 3)
    # then requests pass (fail open), as many as come, and nothing is leased meanwhile
    assert [_hit(service) for _ in range(5)] == ["3"] * 5
    # and when it is back, counting starts from what the counter holds
    counter.down = False
    assert [_hit(service) for _ in range(4)] == ["2", "1", "0", None]


def test_past_windows_are_dropped_and_the_entries_are_capped():
    # given a process that may hold 3 lease entries
    counter, clock = FakeRateCounter(), FixedClock(T0)
    service = _service(counter, clock, 1000, max_leases=3)
    for ip in ("ip:a", "ip:b", "ip:c"):
        _hit(service, ip)
    assert service.held_leases() == 3
    # when the next window starts, the first request in it drops the ended window's entries
    clock.advance(17)
    _hit(service, "ip:a")
    assert service.held_leases() == 1
    # and past the cap the oldest entry goes: its unspent tokens lapse, so ip:a leases again
    for ip in ("ip:b", "ip:c", "ip:d"):
        _hit(service, ip)
    assert service.held_leases() == 3
    takes = len(counter.takes)
    _hit(service, "ip:a")
    assert len(counter.takes) == takes + 1


def test_threads_of_one_process_never_pass_more_than_the_limit():
    # given one process with 8 threads sending 40 requests each against a limit of 100
    counter, clock = FakeRateCounter(), FixedClock(T0)
    service = _service(counter, clock, 100)
    passed: list[int] = []

    def send() -> None:
        passed.append(sum(_hit(service) is not None for _ in range(40)))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly 100 pass: the threads share the process's leases
    assert sum(passed) == 100
