"""A per-container memory of recent reads, each kept for a few seconds: for pages whose figures may lag by that."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 5_000  # a container serves a few shops at a time; past this it simply starts over


class Recent(Generic[T]):
    """`get(key, read)` answers what `read()` gave for `key` at most `ttl` seconds ago, else reads again.
    A ttl of 0 reads every time."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[Hashable, tuple[float, T]] = {}

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        if self._ttl <= 0:
            return read()
        now = self._clock()
        with self._lock:
            hit = self._kept.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = read()
        with self._lock:
            if len(self._kept) >= MAX_ENTRIES:
                self._kept.clear()
            self._kept[key] = (now + self._ttl, value)
        return value

    def forget(self, key: Hashable) -> None:
        """Drops what is kept for `key`: the next get reads (after this container changed it itself)."""
        with self._lock:
            self._kept.pop(key, None)
