"""The dev emulator's DynamoDB lock lets a waiting API request go before a waiting worker request."""

from __future__ import annotations

import threading
import time

from devstack.moto_server import PriorityLock


def _waiter(lock: PriorityLock, name: str, background: bool, order: list[str]) -> threading.Thread:
    def run() -> None:
        lock.acquire(background=background)
        order.append(name)
        lock.release()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _until_waiting(lock: PriorityLock, threads: list[threading.Thread]) -> None:
    time.sleep(0.05)  # each waiter has reached the condition's wait (it cannot pass: the lock is held)
    assert all(t.is_alive() for t in threads)


def test_a_waiting_api_request_goes_before_a_worker_request_that_waited_longer() -> None:
    lock, order = PriorityLock(), []
    # given the lock held, a worker request waiting, then an API request waiting
    lock.acquire(background=False)
    worker = _waiter(lock, "worker", True, order)
    _until_waiting(lock, [worker])
    api = _waiter(lock, "api", False, order)
    _until_waiting(lock, [worker, api])
    # when the holder lets go
    lock.release()
    for t in (worker, api):
        t.join(timeout=5)
    # then the API request went first, and the worker's still went
    assert order == ["api", "worker"]


def test_a_worker_request_takes_a_free_lock_at_once() -> None:
    lock, order = PriorityLock(), []
    # given nobody holds it or waits, when a worker request comes, then it goes
    worker = _waiter(lock, "worker", True, order)
    worker.join(timeout=5)
    assert order == ["worker"]
