"""Reading the nightly segments: each segment's size now and over time, and its members, page by page or whole as
CSV (the rows the nightly run kept; nothing here reads the buyers again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.rollups import bucket
from chalicelib.insights.domain.segments import CSV_HEADER, SEGMENTS
from chalicelib.kernel.errors import InvalidRequest, NotFound
from chalicelib.kernel.ports import Clock
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

CHUNK = 1000  # rows per stored chunk (the store's CHUNK)
HISTORY_DAYS = 90


class SegmentReader(Protocol):
    def latest(self, tenant_id: str) -> dict[str, Any] | None: ...
    def chunk(self, tenant_id: str, day: str, segment: str, n: int) -> list[list[str]]: ...
    def sizes(self, tenant_id: str, first: date, last: date) -> list[tuple[date, dict[str, int]]]: ...


@dataclass(frozen=True)
class SegmentOverview:
    day: str | None  # the run's shop day; None before the first run
    at: int | None
    currency: str
    thresholds: dict[str, int]
    sizes: dict[str, int]
    history: list[tuple[date, dict[str, int]]]  # oldest first


@dataclass(frozen=True)
class MemberPage:
    day: str
    rows: list[dict[str, str]]
    next_cursor: str | None
    total: int


class SegmentService:
    def __init__(self, *, store: SegmentReader, tenants: TenantDirectory, clock: Clock) -> None:
        self._store = store
        self._tenants = tenants
        self._clock = clock

    def overview(self, *, actor: Actor, tenant_id: str, days: int = HISTORY_DAYS) -> SegmentOverview:
        actor.require(Permission.VIEW)
        latest = self._store.latest(tenant_id)
        tenant = self._tenants.get(tenant_id=tenant_id)
        today = bucket(self._clock.now(), tenant.zone).day
        history = self._store.sizes(tenant_id, today - timedelta(days=days - 1), today)
        if latest is None:
            return SegmentOverview(None, None, "", {}, dict.fromkeys(SEGMENTS, 0), history)
        return SegmentOverview(str(latest["day"]), int(latest["at"]), str(latest["currency"]),
                               dict(latest["thresholds"]), dict(latest["sizes"]), history)

    def members(self, *, actor: Actor, tenant_id: str, segment: str, cursor: str | None = None,
                limit: int = 50) -> MemberPage:
        """A page of the segment's buyers, biggest spenders first. The cursor names the run it was made on: a
        newer run since makes it stale (400), as the rows have moved."""
        actor.require(Permission.VIEW)
        _known(segment)
        if not 1 <= limit <= 100:
            raise InvalidRequest("limit must be 1 to 100", param="limit")
        latest = self._run(tenant_id)
        day, total = str(latest["day"]), self._total(latest, segment)
        start = _position(cursor, day)
        rows: list[list[str]] = []
        at = start
        while len(rows) < limit and at < total:
            chunk = self._store.chunk(tenant_id, day, segment, at // CHUNK)[at % CHUNK:]
            if not chunk:
                break
            rows += chunk[:limit - len(rows)]
            at = start + len(rows)
        following = start + len(rows)
        return MemberPage(day, [dict(zip(CSV_HEADER, r, strict=True)) for r in rows],
                          f"{day}.{following}" if following < total else None, total)

    def export(self, *, actor: Actor, tenant_id: str, segment: str) -> tuple[str, list[list[str]]]:
        """The whole segment as CSV rows (the header first) and the run's day."""
        actor.require(Permission.VIEW)
        _known(segment)
        latest = self._run(tenant_id)
        day = str(latest["day"])
        rows = [list(CSV_HEADER)]
        for n in range(int(latest["chunks"].get(segment, 0))):
            rows += self._store.chunk(tenant_id, day, segment, n)
        return day, rows

    def _run(self, tenant_id: str) -> dict[str, Any]:
        latest = self._store.latest(tenant_id)
        if latest is None:
            raise NotFound("no segments yet: they are computed each night from the shop's sales")
        return latest

    @staticmethod
    def _total(latest: dict[str, Any], segment: str) -> int:
        return int(latest["sizes"].get(segment, 0))


def _known(segment: str) -> None:
    if segment not in SEGMENTS:
        raise NotFound(f"no such segment; the segments are {', '.join(SEGMENTS)}")


def _position(cursor: str | None, day: str) -> int:
    if not cursor:
        return 0
    made_on, _, at = cursor.partition(".")
    if not at.isdigit():
        raise InvalidRequest("the cursor is not one this list gave", param="cursor")
    if made_on != day:
        raise InvalidRequest("the segments were computed again since this cursor was made; start from the first "
                             "page", param="cursor", code="cursor_expired")
    return int(at)
