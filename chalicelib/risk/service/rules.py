"""The shop's risk rules as merchants read and change them (console and API), each change in the activity log,
and the one-step "block this buyer" an order's page offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from chalicelib.kernel import validation as v
from chalicelib.kernel.activity import ActivityEntry, ActivityLog
from chalicelib.kernel.errors import Conflict, InvalidRequest
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock
from chalicelib.risk.domain.rules import RiskRules
from chalicelib.risk.service.engine import RiskService, RulesStore
from chalicelib.tenancy.domain.roles import Actor, Permission

ATTEMPTS = 3


class RiskRulesService:
    def __init__(self, *, store: RulesStore, engine: RiskService, activity: ActivityLog, clock: Clock) -> None:
        self._store = store
        self._engine = engine
        self._activity = activity
        self._clock = clock

    def get(self, *, actor: Actor, tenant_id: str) -> RiskRules:
        actor.require(Permission.VIEW)
        return self._store.read(tenant_id)[0]

    def update(self, *, actor: Actor, tenant_id: str, body: object) -> RiskRules:
        """Applies the changes in `body`; a bad one is a 400 naming it and nothing is saved. A change someone else
        made meanwhile is kept: this one is applied again on top of it."""
        actor.require(Permission.SETTINGS)
        changes: Mapping[str, object] = v.body_object(body)
        return self._change(actor, tenant_id, lambda rules: rules.changed(changes))

    def block(self, *, actor: Actor, tenant_id: str, body: object) -> RiskRules:
        """Adds an e-mail, an address or a device to the shop's blocklists (and takes it off the allowlists):
        `{"email"?, "ip"?, "device"?}`, at least one."""
        actor.require(Permission.SETTINGS)
        data = v.body_object(body)
        v.unknown_fields(data, {"email", "ip", "device"})
        wanted = {kind: data[kind] for kind in ("email", "ip", "device") if data.get(kind)}
        if not wanted or not all(isinstance(value, str) for value in wanted.values()):
            raise InvalidRequest("name what to block: email, ip or device (a string each)", param="email")

        def blocked(rules: RiskRules) -> RiskRules:
            changes: dict[str, Any] = {}
            for kind, value in wanted.items():
                listed = rules.changed({f"blocked_{kind}s": [value]})  # checks and normalises the entry
                entry = getattr(listed, f"blocked_{kind}s")[0]
                changes[f"blocked_{kind}s"] = [*getattr(rules, f"blocked_{kind}s"), entry]
                changes[f"allowed_{kind}s"] = [e for e in getattr(rules, f"allowed_{kind}s") if e != entry]
            return rules.changed(changes)

        return self._change(actor, tenant_id, blocked)

    def _change(self, actor: Actor, tenant_id: str, change: Any) -> RiskRules:
        for _ in range(ATTEMPTS):
            before, version = self._store.read(tenant_id)
            after = change(before)
            if after == before or self._store.write(tenant_id, after, version):
                break
        else:
            raise Conflict("the risk rules kept changing while this change was saved; try again")
        self._engine.forget(tenant_id)
        changed = sorted(k for k, value in asdict(after).items() if asdict(before)[k] != value)
        if changed:
            self._activity.record(ActivityEntry(
                tenant_id=tenant_id, id=new_id("activity"), at=self._clock.now(), actor_kind=actor.kind,
                actor_id=actor.id, actor_name=actor.name, action="settings.changed", target="risk",
                detail={"fields": ", ".join(changed)}))
        return after
