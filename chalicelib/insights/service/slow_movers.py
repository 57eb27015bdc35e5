"""Slow-moving stock of one shop: the products idle 30 days with keys left, each with a suggestion, in the console
and as a weekly digest e-mailed to the shop on Mondays (once per week, whatever the retries)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.insights.domain.rollups import DayTotals, bucket, months_covering
from chalicelib.insights.domain.slow_movers import STALE_DAYS, Listed, SlowMover, last_sales, slow_movers, week_of
from chalicelib.kernel.i18n import Translator
from chalicelib.kernel.ports import Clock, Mailer
from chalicelib.tenancy.domain.models import Tenant
from chalicelib.tenancy.domain.ports import TenantDirectory
from chalicelib.tenancy.domain.roles import Actor, Permission

DIGEST = "slow_movers"
PAGE = 100


class Rollups(Protocol):
    def summary(self, tenant_id: str, months: list[str]) -> tuple[list[DayTotals], list[DayTotals]]: ...


class Stock(Protocol):
    def stock_summary(self, *, tenant_id: str, limit: int, cursor: str | None, category: str | None = None,
                      archived: bool | None = None) -> Any: ...


class SentMarks(Protocol):
    def claim(self, tenant_id: str, kind: str, period: str, now: int) -> bool: ...
    def sent(self, tenant_id: str, kind: str, period: str) -> None: ...


class SlowMoverService:
    def __init__(self, *, rollups: Rollups, stock: Stock, marks: SentMarks, tenants: TenantDirectory, mailer: Mailer,
                 clock: Clock) -> None:
        self._rollups = rollups
        self._stock = stock
        self._marks = marks
        self._tenants = tenants
        self._mailer = mailer
        self._clock = clock

    def idle(self, *, actor: Actor, tenant_id: str) -> list[SlowMover]:
        actor.require(Permission.VIEW)
        tenant = self._tenants.get(tenant_id=tenant_id)
        return self._find(tenant, bucket(self._clock.now(), tenant.zone).day)

    def weekly(self, tenant_id: str) -> bool:
        """On the shop's Mondays, the digest of its slow movers (none to tell: no e-mail); True when one was sent."""
        tenant = self._tenants.get(tenant_id=tenant_id)
        now = self._clock.now()
        today = bucket(now, tenant.zone).day
        if today.weekday() != 0:
            return False
        found = self._find(tenant, today)
        if not found or not self._marks.claim(tenant_id, DIGEST, week_of(today), now):
            return False
        self._mail(tenant, found)
        self._marks.sent(tenant_id, DIGEST, week_of(today))
        return True

    def _find(self, tenant: Tenant, today: date) -> list[SlowMover]:
        first = today - timedelta(days=STALE_DAYS + 31)  # enough to tell idle 30 from idle 90 and beyond
        _, product_days = self._rollups.summary(tenant.id, months_covering(first, today))
        listed: list[Listed] = []
        cursor: str | None = None
        while True:
            page = self._stock.stock_summary(tenant_id=tenant.id, limit=PAGE, cursor=cursor, archived=False)
            listed += [Listed(p.id, p.name, int(level.available), bucket(p.created_at, tenant.zone).day)
                       for p, level in page.items if p.active]
            cursor = page.next_cursor
            if cursor is None:
                break
        return slow_movers(listed, last_sales(product_days), today)

    def _mail(self, tenant: Tenant, found: list[SlowMover]) -> None:
        t = Translator(tenant.locale)
        lines = [t(f"insights.slow.{m.suggestion}", product=m.name, available=m.available, days=m.idle_days)
                 for m in found]
        intro = t("insights.slow.intro", shop=tenant.name, count=len(found))
        text = intro + "\n\n" + "\n".join(f"- {line}" for line in lines) + "\n\n" + t("insights.slow.where") + "\n"
        body = (f'<!doctype html><html lang="{t.html_lang}"><body><p>{html.escape(intro)}</p><ul>'
                + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
                + f"</ul><p>{html.escape(t('insights.slow.where'))}</p></body></html>")
        self._mailer.send(to=tenant.email, subject=t("insights.slow.subject", count=len(found)), text=text,
                          html=body)
