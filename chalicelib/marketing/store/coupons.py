"""Coupons: `T#<tenant>#CPN` / `<CODE>`, the coupon's fields as one JSON attribute with a `version` each write is
conditioned on. Their uses are counted where checkout holds them (sales' checkout holds), not here."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from chalicelib.adapters.dynamo.counters import ConditionFailed, call, query_all, read_items
from chalicelib.adapters.dynamo.items import Item
from chalicelib.kernel.errors import Conflict, VersionConflict
from chalicelib.marketing.domain.coupons import Coupon


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#CPN"


def _coupon(raw: dict[str, Any]) -> tuple[Coupon, int]:
    data = json.loads(raw["data"]["S"])
    data["product_ids"], data["emails"] = tuple(data["product_ids"]), tuple(data["emails"])
    return Coupon(**data), int(raw["version"]["N"])


class DynamoCouponStore:
    def get(self, tenant_id: str, code: str) -> tuple[Coupon, int] | None:
        found = read_items([(partition(tenant_id), code)], "reading the coupon", consistent=True)
        return _coupon(found[0]) if found else None

    def list(self, tenant_id: str) -> list[Coupon]:
        """Every coupon of the shop (a shop has tens, not thousands), newest first."""
        items = query_all({"TableName": Item.Meta.table_name, "KeyConditionExpression": "pk = :pk",
                           "ExpressionAttributeValues": {":pk": {"S": partition(tenant_id)}}}, "listing the coupons")
        return sorted((_coupon(raw)[0] for raw in items), key=lambda c: (-c.created_at, c.code))

    def save(self, coupon: Coupon, version: int) -> None:
        """Writes `coupon` as version + 1: a new code (version 0) only if no coupon has it, a change only over the
        version read (409 otherwise: someone changed it meanwhile)."""
        body: dict[str, Any] = {"TableName": Item.Meta.table_name, "Item": {
            "pk": {"S": partition(coupon.tenant_id)}, "sk": {"S": coupon.code}, "version": {"N": str(version + 1)},
            "data": {"S": json.dumps(asdict(coupon), separators=(",", ":"))}}}
        if version == 0:
            body["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            body["ConditionExpression"] = "version = :seen"
            body["ExpressionAttributeValues"] = {":seen": {"N": str(version)}}
        try:
            call("PutItem", body, "saving the coupon")
        except ConditionFailed as exc:
            if version == 0:
                raise Conflict(f"the shop has a coupon {coupon.code} already", code="coupon_exists",
                               param="code") from exc
            raise VersionConflict("the coupon changed meanwhile; read it again") from exc
