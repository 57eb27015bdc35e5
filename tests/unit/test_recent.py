"""Recent reads: kept for their ttl per key, read again after it; a ttl of 0 keeps nothing."""

from __future__ import annotations

from chalicelib.kernel.recent import Recent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_read_is_kept_for_its_ttl_per_key_then_read_again() -> None:
    clock, reads = Clock(), []

    def read(key: str) -> str:
        reads.append(key)
        return f"{key}@{clock.now}"

    recent: Recent[str] = Recent(10, clock=clock)
    assert recent.get("a", lambda: read("a")) == "a@100.0"
    clock.now = 109.9
    assert recent.get("a", lambda: read("a")) == "a@100.0"  # within 10 s: no read
    assert recent.get("b", lambda: read("b")) == "b@109.9"  # another key reads on its own
    clock.now = 110.0
    assert recent.get("a", lambda: read("a")) == "a@110.0"  # 10 s old: read again
    assert reads == ["a", "b", "a"]


def test_a_ttl_of_0_reads_every_time() -> None:
    reads = []
    recent: Recent[int] = Recent(0, clock=Clock())
    for n in range(3):
        assert recent.get("a", lambda n=n: reads.append(n) or n) == n
    assert reads == [0, 1, 2]
