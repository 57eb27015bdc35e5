"""The activity page: the shop's staff and API actions, newest first, for the roles that may read it."""

from __future__ import annotations

from chalicelib.kernel.activity import ActivityLog
from chalicelib.kernel.ports import Page
from chalicelib.tenancy.domain.roles import Actor, Permission


class ActivityService:
    def __init__(self, *, log: ActivityLog) -> None:
        self._log = log

    def page(self, *, actor: Actor, tenant_id: str, limit: int, cursor: str | None) -> Page:
        actor.require(Permission.AUDIT)
        return self._log.list(tenant_id=tenant_id, limit=limit, cursor=cursor)
