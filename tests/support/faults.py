"""Fault injection through the container: proxies that make the n-th adapter call fail once."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib.kernel.errors import (
    DomainError,
    EmailUnavailable,
    EncryptionUnavailable,
    PaymentProviderUnavailable,
    QueueUnavailable,
    StoreUnavailable,
)
from tests.support import shop

# Which domain error each adapter raises when its dependency fails.
ERROR_FOR: dict[str, type[DomainError]] = {
    "tenant_store": StoreUnavailable, "product_store": StoreUnavailable, "order_store": StoreUnavailable,
    "key_pool": StoreUnavailable, "sale_ledger": StoreUnavailable, "outbox": StoreUnavailable,
    "cipher": EncryptionUnavailable, "payments": PaymentProviderUnavailable, "mailer": EmailUnavailable,
    "queue": QueueUnavailable,
}


class FaultPlan:
    """Counts calls in order; the call numbered `fail_at` fails once, before or after it ran."""

    def __init__(self, fail_at: int | None = None, mode: str = "before") -> None:
        self.fail_at = fail_at
        self.mode = mode
        self.calls: list[str] = []
        self.failed: str | None = None
        self._lock = threading.Lock()

    def next(self, name: str) -> bool:
        with self._lock:
            self.calls.append(name)
            return len(self.calls) - 1 == self.fail_at


class FaultyProxy:
    def __init__(self, target: Any, name: str, plan: FaultPlan) -> None:
        self._target = target
        self._name = name
        self._plan = plan

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if attr.startswith("_") or not callable(value):
            return value
        return self._wrap(attr, value)

    def _wrap(self, attr: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            label = f"{self._name}.{attr}"
            fail = self._plan.next(label)
            error = ERROR_FOR[self._name](f"injected failure of {label}")
            if fail and self._plan.mode == "before":
                self._plan.failed = label
                raise error
            result = fn(*args, **kwargs)
            if fail:  # "after": the call took effect but its answer was lost
                self._plan.failed = label
                raise error
            return result

        return call


def faulty_container(base: Any, plan: FaultPlan) -> Any:
    """A Container sharing the base's real adapters, each behind a FaultyProxy."""
    from chalicelib.wiring import Container

    overrides = {name: FaultyProxy(base.part(name), name, plan) for name in ERROR_FOR}
    return Container(base.settings, **overrides)


def new_paid_order(client: Any, settings: Any, merchant: dict[str, Any], product: dict[str, Any]) -> tuple[Any, str]:
    """A checkout paid at the (local) Stripe, its webhook not yet sent."""
    r = shop.checkout(client, merchant["slug"], product["id"])
    assert r.status_code == 201, r.body
    started = json.loads(r.body)
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    shop.pay(settings, intent_id)
    return started, intent_id


def drive_to_completion(c: Any, payload: bytes, signature: str) -> list[str]:
    """What Stripe and the queue/sweeper do: retry the webhook on failure, then send pending mail."""
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(c.sales.fulfilment.handle_webhook(payload=payload, signature=signature).result)
            break
        except DomainError as exc:
            outcomes.append(f"error:{exc.code}")
    for _ in range(4):
        try:  # the sweeper's next tick comes round again if this read fails
            pending = c.platform.outbox.pending(older_than=int(time.time()) + 3600, limit=1000)
        except DomainError:
            continue
        if not pending:
            break
        for message in pending:
            with contextlib.suppress(DomainError):  # left in the outbox for the next round
                c.sales.notifications.deliver(message)
    return outcomes
