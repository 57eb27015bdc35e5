"""A shop's operations settings (safety window, days of cover, value tiers, alerts to the shop's address) and each
member's own choice of stock-alert e-mails; the jobs read the settings through `settings`, kept a few seconds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Protocol

from chalicelib.insights.domain.settings import InsightSettings
from chalicelib.kernel import validation as v
from chalicelib.kernel.activity import ActivityEntry, ActivityLog
from chalicelib.kernel.errors import Conflict
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.ports import Clock
from chalicelib.kernel.recent import Recent
from chalicelib.tenancy.domain.roles import Actor, Permission

STOCK_ALERTS = "stock"  # the member's kind of e-mail beside the reports' daily, weekly, monthly
ATTEMPTS = 3


class SettingsStore(Protocol):
    def read(self, tenant_id: str) -> tuple[InsightSettings, int]: ...
    def write(self, tenant_id: str, settings: InsightSettings, version: int) -> bool: ...


class Subscriptions(Protocol):
    def kinds(self, tenant_id: str, user_id: str) -> set[str]: ...
    def save(self, tenant_id: str, user_id: str, kinds: set[str]) -> None: ...
    def subscribers(self, tenant_id: str, kind: str) -> list[str]: ...


class InsightSettingsService:
    def __init__(self, *, store: SettingsStore, subscriptions: Subscriptions, activity: ActivityLog, clock: Clock,
                 recent_seconds: float = 0) -> None:
        self._store = store
        self._subscriptions = subscriptions
        self._activity = activity
        self._clock = clock
        self._recent: Recent[InsightSettings] = Recent(recent_seconds)

    def settings(self, tenant_id: str) -> InsightSettings:
        """For the jobs and the pages built on them: a change reaches other servers within `recent_seconds`."""
        return self._recent.get(tenant_id, lambda: self._store.read(tenant_id)[0])

    def get(self, *, actor: Actor, tenant_id: str) -> InsightSettings:
        actor.require(Permission.VIEW)
        return self._store.read(tenant_id)[0]

    def update(self, *, actor: Actor, tenant_id: str, body: object) -> InsightSettings:
        """Applies the changes in `body` (any of the settings' fields); a bad one is a 400 naming it and nothing is
        saved. A change made by someone else meanwhile is kept: this one is applied again on top of it."""
        actor.require(Permission.SETTINGS)
        changes: Mapping[str, object] = v.body_object(body)
        for _ in range(ATTEMPTS):
            before, version = self._store.read(tenant_id)
            after = before.changed(changes)
            if after == before or self._store.write(tenant_id, after, version):
                break
        else:
            raise Conflict("the settings kept changing while this change was saved; try again")
        self._recent.forget(tenant_id)
        changed = sorted(k for k, value in asdict(after).items() if asdict(before)[k] != value)
        if changed:
            self._activity.record(ActivityEntry(
                tenant_id=tenant_id, id=new_id("activity"), at=self._clock.now(), actor_kind=actor.kind,
                actor_id=actor.id, actor_name=actor.name, action="settings.changed", target="insights",
                detail={"fields": ", ".join(changed)}))
        return after

    def alert_mail(self, *, actor: Actor, tenant_id: str, user_id: str) -> bool:
        """Whether the signed-in member gets the stock alert e-mails."""
        actor.require(Permission.VIEW)
        return STOCK_ALERTS in self._subscriptions.kinds(tenant_id, user_id)

    def choose_alert_mail(self, *, actor: Actor, tenant_id: str, user_id: str, wanted: bool) -> bool:
        """The signed-in member's own choice (`user_id` comes from the session); their report e-mails are kept."""
        actor.require(Permission.VIEW)
        others = self._subscriptions.kinds(tenant_id, user_id) - {STOCK_ALERTS}
        self._subscriptions.save(tenant_id, user_id, others | ({STOCK_ALERTS} if wanted else set()))
        return wanted

    def alert_members(self, tenant_id: str) -> list[str]:
        """The user ids of the members who asked for stock alert e-mails."""
        return self._subscriptions.subscribers(tenant_id, STOCK_ALERTS)
