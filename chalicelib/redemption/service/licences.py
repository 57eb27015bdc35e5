"""Licence checks for end-user software: validate, activate and deactivate instances of a sold key."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chalicelib.catalog.domain import ProductDirectory
from chalicelib.kernel import validation as v
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock
from chalicelib.redemption.domain import (
    INSTANCE_NOT_FOUND,
    LIMIT_REACHED,
    MAX_INSTANCE_NAME_LENGTH,
    NOT_FOUND,
    Activation,
    KeyRecord,
    RedemptionStore,
    instance_id,
    key_value,
    label,
    licensable,
    optional_product,
)
from chalicelib.redemption.service.redemptions import KeyLocator


@dataclass(frozen=True)
class LicenceAnswer:
    ok: bool
    reason: str | None
    record: KeyRecord | None
    activation_limit: int | None = None  # None: no limit
    instance: Activation | None = None


class LicenceService:
    def __init__(self, *, locator: KeyLocator, store: RedemptionStore, products: ProductDirectory,
                 clock: Clock) -> None:
        self._locator = locator
        self._store = store
        self._products = products
        self._clock = clock

    def validate(self, *, tenant_id: str, body: Any) -> LicenceAnswer:
        """Sold and not void; with instance_id, also activated on that instance. Changes nothing."""
        data = v.body_object(body)
        v.unknown_fields(data, {"license_key", "instance_id", "product_id"})
        value, product_id = key_value(data, "license_key"), optional_product(data)
        wanted = instance_id(data, required=False)
        record = self._locate(tenant_id, value, product_id)
        if record is None or record.problem is not None:
            return self._answer(False, record)
        if wanted is None:
            return self._answer(True, record)
        instance = self._store.activation(record=record, instance_id=wanted)
        if instance is None:
            return self._answer(False, record, reason=INSTANCE_NOT_FOUND)
        return self._answer(True, record, instance=instance)

    def activate(self, *, tenant_id: str, body: Any) -> LicenceAnswer:
        """Takes one activation slot for a new instance, if the product's limit leaves one."""
        data = v.body_object(body)
        v.unknown_fields(data, {"license_key", "instance_name", "product_id"})
        value, product_id = key_value(data, "license_key"), optional_product(data)
        name = label(data, "instance_name", MAX_INSTANCE_NAME_LENGTH)
        record = self._locate(tenant_id, value, product_id)
        if record is None or record.problem is not None:
            return self._answer(False, record)
        limit = self._limit(record)
        activation = Activation(id=new_id("activation"), instance_name=name, created_at=self._clock.now())
        if self._store.activate(record=record, activation=activation, limit=limit or 0):
            return self._answer(True, dataclasses.replace(record, activations=record.activations + 1),
                                limit=limit, instance=activation)
        now = self._store.read(tenant_id=tenant_id, product_id=record.product_id, ref=record.ref,
                               fingerprint=record.fingerprint)
        if now is None or now.problem is not None:
            return self._answer(False, now, limit=limit)  # voided meanwhile
        return self._answer(False, now, reason=LIMIT_REACHED, limit=limit)

    def deactivate(self, *, tenant_id: str, body: Any) -> LicenceAnswer:
        """Removes an instance and frees its slot; works on any found key so a refunded buyer can tidy up."""
        data = v.body_object(body)
        v.unknown_fields(data, {"license_key", "instance_id", "product_id"})
        value, product_id = key_value(data, "license_key"), optional_product(data)
        wanted = instance_id(data, required=True) or ""
        record = self._locate(tenant_id, value, product_id)
        if record is None:
            return self._answer(False, None)
        if not self._store.deactivate(record=record, instance_id=wanted):
            return self._answer(False, record, reason=INSTANCE_NOT_FOUND)
        return self._answer(True, dataclasses.replace(record, activations=max(record.activations - 1, 0)))

    def _locate(self, tenant_id: str, value: str, product_id: str | None) -> KeyRecord | None:
        return self._locator.locate(tenant_id=tenant_id, value=value, product_id=product_id, usable=licensable)

    def _limit(self, record: KeyRecord) -> int | None:
        limit = self._products.get(tenant_id=record.tenant_id, product_id=record.product_id).activation_limit
        return limit if limit > 0 else None

    def _answer(self, ok: bool, record: KeyRecord | None, *, reason: str | None = None, limit: int | None = -1,
                instance: Activation | None = None) -> LicenceAnswer:
        if record is None:
            return LicenceAnswer(False, NOT_FOUND, None)
        if limit == -1:
            limit = self._limit(record)
        return LicenceAnswer(ok, None if ok else (reason or record.problem), record, limit, instance)
