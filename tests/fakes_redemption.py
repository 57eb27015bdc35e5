"""In-memory redemption store and event publisher with the same rules as the DynamoDB ones."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from chalicelib.adapters.dynamo import cursor as cursors  # pure: the same opaque cursor format as the stores
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import NotFound, StoreUnavailable
from chalicelib.kernel.ports import Page
from chalicelib.redemption.domain import SOLD, Activation, KeyRecord, Redemption

Slot = tuple[str, str, KeyRef]  # tenant, product, ref


class FakeEvents:
    """Records publishes; idempotent on dedupe_key like the real publisher; can be told to fail."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published: list[dict[str, Any]] = []
        self.calls = 0
        self.fail = False

    def publish(self, *, tenant_id: str, type: str, data: dict[str, Any], dedupe_key: str) -> str:
        with self._lock:
            self.calls += 1
            if self.fail:
                raise StoreUnavailable("the data store did not complete recording the event; retry")
            for event in self.published:
                if event["dedupe_key"] == dedupe_key:
                    return str(event["id"])
            event_id = f"evt_{len(self.published) + 1:04d}"
            self.published.append({"id": event_id, "tenant_id": tenant_id, "type": type, "data": data,
                                   "dedupe_key": dedupe_key})
            return event_id


class FakeRedemptionStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.keys: dict[Slot, KeyRecord] = {}
        self.redemptions: dict[tuple[str, str], Redemption] = {}
        self.activations: dict[Slot, dict[str, Activation]] = {}

    def put_key(self, record: KeyRecord) -> None:
        """Test setup: a key as the pool would hold it."""
        with self.lock:
            self.keys[(record.tenant_id, record.product_id, record.ref)] = record

    def find(self, *, tenant_id: str, fingerprint: str) -> list[KeyRecord]:
        with self.lock:
            return sorted((r for (t, _, _), r in self.keys.items() if t == tenant_id and r.fingerprint == fingerprint),
                          key=lambda r: r.product_id)

    def read(self, *, tenant_id: str, product_id: str, ref: KeyRef, fingerprint: str) -> KeyRecord | None:
        with self.lock:
            record = self.keys.get((tenant_id, product_id, ref))
            return record if record is not None and record.fingerprint == fingerprint else None

    def redeem(self, *, record: KeyRecord, redemption: Redemption) -> bool:
        slot = (record.tenant_id, record.product_id, record.ref)
        with self.lock:  # the transaction's condition: sold, never redeemed, still this key
            now = self.keys.get(slot)
            if now is None or now.status != SOLD or now.redemption is not None or now.fingerprint != record.fingerprint:
                return False
            self.keys[slot] = dataclasses.replace(now, redemption=redemption)
            self.redemptions[(record.tenant_id, redemption.id)] = redemption
            return True

    def mark_published(self, *, record: KeyRecord) -> None:
        slot = (record.tenant_id, record.product_id, record.ref)
        with self.lock:
            now = self.keys[slot]
            if record.redemption is not None and now.redemption == record.redemption:
                self.keys[slot] = dataclasses.replace(now, event_published=True)

    def get(self, *, tenant_id: str, redemption_id: str) -> Redemption:
        with self.lock:
            if (tenant_id, redemption_id) not in self.redemptions:
                raise NotFound("no such redemption", param="redemption_id")
            return self.redemptions[(tenant_id, redemption_id)]

    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page:
        start = cursors.decode(cursor, expect=("sk",))
        with self.lock:
            ids = sorted((i for t, i in self.redemptions if t == tenant_id), reverse=True)
        if start is not None:
            ids = [i for i in ids if i < str(start["sk"])]
        page = ids[:limit]
        more = len(ids) > limit
        return Page([self.redemptions[(tenant_id, i)] for i in page],
                    cursors.encode({"sk": page[-1]}) if more else None)

    def activate(self, *, record: KeyRecord, activation: Activation, limit: int) -> bool:
        slot = (record.tenant_id, record.product_id, record.ref)
        with self.lock:
            now = self.keys.get(slot)
            if now is None or now.status != SOLD or now.fingerprint != record.fingerprint:
                return False
            if limit > 0 and now.activations >= limit:
                return False
            self.activations.setdefault(slot, {})[activation.id] = activation
            self.keys[slot] = dataclasses.replace(now, activations=now.activations + 1)
            return True

    def deactivate(self, *, record: KeyRecord, instance_id: str) -> bool:
        slot = (record.tenant_id, record.product_id, record.ref)
        with self.lock:
            if instance_id not in self.activations.get(slot, {}):
                return False
            del self.activations[slot][instance_id]
            now = self.keys[slot]
            self.keys[slot] = dataclasses.replace(now, activations=max(now.activations - 1, 0))
            return True

    def activation(self, *, record: KeyRecord, instance_id: str) -> Activation | None:
        with self.lock:
            return self.activations.get((record.tenant_id, record.product_id, record.ref), {}).get(instance_id)
