"""Partner redemption (核销): find a sold key by value, verify it, and mark it redeemed exactly once."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib.inventory.domain.cardkeys import fingerprint
from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import DependencyUnavailable, DomainError
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Cipher, Clock, EventPublisher, Page
from chalicelib.redemption.domain import (
    ALREADY_REDEEMED,
    MAX_REDEEMER_LENGTH,
    NOT_FOUND,
    KeyCheck,
    KeyRecord,
    Redemption,
    RedemptionStore,
    choose,
    key_value,
    label,
    optional_product,
    redeemable,
)
from chalicelib.tenancy.domain.ports import TenantDirectory

log = logging.getLogger(__name__)

SECRET_TTL_SECONDS = 300.0
SECRET_CACHE_SIZE = 1024


class KeyLocator:
    """Finds the records of a key value through the tenant's fingerprint, never by decrypting keys.
    The tenant's fingerprint secret is decrypted once per few minutes per process, not per call."""

    def __init__(self, *, tenants: TenantDirectory, cipher: Cipher, store: RedemptionStore,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._tenants = tenants
        self._cipher = cipher
        self._store = store
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._secrets: dict[str, tuple[float, bytes]] = {}

    def locate(self, *, tenant_id: str, value: str, product_id: str | None,
               usable: Callable[[KeyRecord], bool]) -> KeyRecord | None:
        fp = fingerprint(self._secret(tenant_id), value)
        return choose(self._store.find(tenant_id=tenant_id, fingerprint=fp), product_id, usable)

    def _secret(self, tenant_id: str) -> bytes:
        now = self._monotonic()
        with self._lock:
            hit = self._secrets.get(tenant_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        secret = self._cipher.decrypt_secret(tenant=self._tenants.get(tenant_id=tenant_id))
        with self._lock:
            if len(self._secrets) >= SECRET_CACHE_SIZE:
                self._secrets.clear()  # rare: many tenants on one warm process; refilling is cheap
            self._secrets[tenant_id] = (now + SECRET_TTL_SECONDS, secret)
        return secret


class RedemptionService:
    def __init__(self, *, locator: KeyLocator, store: RedemptionStore, events: EventPublisher,
                 clock: Clock) -> None:
        self._locator = locator
        self._store = store
        self._events = events
        self._clock = clock

    def verify(self, *, tenant_id: str, body: Any) -> KeyCheck:
        """Is this key the tenant's, sold and not yet redeemed? Changes nothing."""
        data = v.body_object(body)
        v.unknown_fields(data, {"key", "product_id"})
        value, product_id = key_value(data, "key"), optional_product(data)
        return self._check(self._locator.locate(tenant_id=tenant_id, value=value, product_id=product_id,
                                                usable=redeemable))

    def redeem(self, *, tenant_id: str, body: Any) -> KeyCheck:
        """Marks the key redeemed by `redeemer` if it is sold and unredeemed; of concurrent calls on one
        key exactly one gets valid=true, the others already_redeemed with who and when."""
        data = v.body_object(body)
        v.unknown_fields(data, {"key", "product_id", "redeemer"})
        value, product_id = key_value(data, "key"), optional_product(data)
        redeemer = label(data, "redeemer", MAX_REDEEMER_LENGTH)
        record = self._locator.locate(tenant_id=tenant_id, value=value, product_id=product_id, usable=redeemable)
        check = self._check(record)
        if not check.valid or record is None:
            return check
        redemption = Redemption(tenant_id=tenant_id, id=new_id("redemption"), product_id=record.product_id,
                                order_id=record.order_id, redeemer=redeemer, redeemed_at=self._clock.now(),
                                ref=record.ref)
        if not self._store.redeem(record=record, redemption=redemption):
            # Lost the race (or the key was voided meanwhile): answer from what is there now.
            now = self._store.read(tenant_id=tenant_id, product_id=record.product_id, ref=record.ref,
                                   fingerprint=record.fingerprint)
            check = self._check(now)
            if check.valid:  # the condition failed yet the key looks redeemable: never claim success
                raise DependencyUnavailable("the key changed while redeeming it; retry the request")
            return check
        won = dataclasses.replace(record, redemption=redemption)
        self._publish(won)
        return KeyCheck(True, None, won)

    def get(self, *, tenant_id: str, redemption_id: str) -> Redemption:
        return self._store.get(tenant_id=tenant_id, redemption_id=redemption_id)

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        return self._store.list(tenant_id=tenant_id, limit=limit, cursor=cursor)

    def _check(self, record: KeyRecord | None) -> KeyCheck:
        if record is None:
            return KeyCheck(False, NOT_FOUND, None)
        if record.problem is not None:
            return KeyCheck(False, record.problem, record)
        if record.redemption is not None:
            if not record.event_published:
                self._publish(record)  # the winner's publish failed or is in flight: dedupe makes this safe
            return KeyCheck(False, ALREADY_REDEEMED, record)
        return KeyCheck(True, None, record)

    def _publish(self, record: KeyRecord) -> None:
        """key.redeemed, at least once: a failure is logged and retried by the next check of this key
        (the redemption itself is committed and must be answered as done)."""
        r = record.redemption
        if r is None:
            return
        try:
            self._events.publish(tenant_id=r.tenant_id, type="key.redeemed", dedupe_key=f"key.redeemed:{r.id}",
                                 data={"redemption_id": r.id, "product_id": r.product_id, "order_id": r.order_id,
                                       "redeemer": r.redeemer, "redeemed_at": r.redeemed_at})
            self._store.mark_published(record=record)
        except DomainError as exc:
            log.warning("key.redeemed not yet published", extra={"redemption_id": r.id, "code": exc.code})
