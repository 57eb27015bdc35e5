"""A shop's risk rules: one item, `T#<tenant>#RISK` / `RULES`, absent until the shop changes one (the defaults
apply); the rules as one JSON attribute and a `version` each write is conditioned on."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from chalicelib.adapters.dynamo.counters import ConditionFailed, call, read_items
from chalicelib.adapters.dynamo.items import Item
from chalicelib.risk.domain.rules import DEFAULT_POINTS, LISTS, RiskRules

SK = "RULES"


def partition(tenant_id: str) -> str:
    return f"T#{tenant_id}#RISK"


def _rules(raw: dict[str, Any]) -> RiskRules:
    data = json.loads(raw["data"]["S"])
    known = {f.name for f in fields(RiskRules)}
    data = {k: v for k, v in data.items() if k in known}  # a field a later version dropped is ignored
    for name in LISTS:
        if name in data:
            data[name] = tuple(data[name])
    # a reason added after the shop saved its points gets its default
    data["points"] = {**DEFAULT_POINTS, **data.get("points", {})}
    return RiskRules(**data)


class DynamoRiskRules:
    def __init__(self, *, default_on: bool = True) -> None:
        self._default = RiskRules(enabled=default_on)

    def read(self, tenant_id: str) -> tuple[RiskRules, int]:
        """The shop's rules and their version (0: never changed, the defaults)."""
        found = read_items([(partition(tenant_id), SK)], "reading the risk rules", consistent=True)
        if not found:
            return self._default, 0
        return _rules(found[0]), int(found[0]["version"]["N"])

    def write(self, tenant_id: str, rules: RiskRules, version: int) -> bool:
        """Keeps `rules` as version + 1; False when another change landed since `version` was read."""
        data = {**asdict(rules), "points": dict(rules.points)}
        body: dict[str, Any] = {"TableName": Item.Meta.table_name, "Item": {
            "pk": {"S": partition(tenant_id)}, "sk": {"S": SK}, "version": {"N": str(version + 1)},
            "data": {"S": json.dumps(data, separators=(",", ":"))}}}
        # the version read must still be the one stored (none at 0): else this would overwrite another change
        if version == 0:
            body["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            body["ConditionExpression"] = "version = :seen"
            body["ExpressionAttributeValues"] = {":seen": {"N": str(version)}}
        try:
            call("PutItem", body, "saving the risk rules")
        except ConditionFailed:
            return False
        return True
