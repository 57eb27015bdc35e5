"""Staff activity: who did what to what, and when; every capability records its staff actions here."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.kernel.ports import Page


@dataclass(frozen=True)
class ActivityEntry:
    tenant_id: str
    id: str
    at: int
    actor_kind: str  # "staff" or "api_key"
    actor_id: str
    actor_name: str  # an e-mail address or an API key's name, as it was then
    action: str  # a stable code, e.g. "staff.invited"
    target: str  # the object acted on (an id or an e-mail address)
    detail: dict[str, str] = field(default_factory=dict)


class ActivityLog(Protocol):
    def record(self, entry: ActivityEntry) -> None: ...
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Page: ...
    def for_target(self, *, tenant_id: str, target: str, limit: int = 100) -> builtins.list[ActivityEntry]: ...
