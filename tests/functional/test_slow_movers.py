"""Slow-moving stock: products with keys and no sale in 30 days, with a suggestion each; the digest goes to the shop
on its Mondays once per week, whatever the retries, and not at all when nothing is idle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.insights.domain.rollups import SALE, Fact, bucket
from chalicelib.kernel.errors import EmailUnavailable
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.fakes import FakeMailer, FakeQueue, FixedClock
from tests.support import shop

MONDAY = int(datetime(2026, 11, 23, 9, tzinfo=UTC).timestamp())
DAY = 86400


@pytest.fixture()
def env(settings: Any) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    clock, mailer = FixedClock(MONDAY - 120 * DAY), FakeMailer()
    c = wiring.Container(settings, clock=clock, mailer=mailer, queue=FakeQueue())
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "client": client, "clock": clock, "mailer": mailer}
    wiring.use(None)


def _shop(env: dict[str, Any]) -> dict[str, Any]:
    """Four products listed 120 days before a Monday, 10 keys each: one sold yesterday, one 40 days ago, one 100
    days ago, one never; and a fifth, listed 10 days before, that never sold."""
    c, client, clock = env["c"], env["client"], env["clock"]
    merchant = shop.sign_up(client)
    made = {"key": merchant["key"], "tenant_id": merchant["tenant"]["id"]}
    for name in ("Busy", "Faded", "Stale", "Unseen"):
        made[name] = shop.product(client, merchant["key"], name=f"{name} card")["id"]
        shop.import_keys(client, merchant["key"], made[name], shop.new_keys(10, prefix=name.upper()))
    clock.advance(110 * DAY)
    made["Fresh"] = shop.product(client, merchant["key"], name="Fresh card")["id"]
    shop.import_keys(client, merchant["key"], made["Fresh"], shop.new_keys(10, prefix="FRESH"))
    clock.advance(10 * DAY)
    for name, back in (("Busy", 1), ("Faded", 40), ("Stale", 100)):
        at = MONDAY - back * DAY
        fact = Fact(SALE, f"ord_slow_{made[name][-6:]}", made[name], at, 1, 500, "usd")
        assert c.insights.rollup_store.record(made["tenant_id"], fact, bucket(at, "UTC"))
    return made


def test_the_idle_products_come_with_what_to_try(env: dict[str, Any]) -> None:
    made = _shop(env)
    found = env["c"].insights.slow_movers.idle(actor=SYSTEM, tenant_id=made["tenant_id"])
    assert [(m.name, m.idle_days, m.suggestion, m.available) for m in found] == [
        ("Unseen card", 120, "delist", 10), ("Stale card", 100, "delist", 10), ("Faded card", 40, "discount", 10)]


def test_the_monday_digest_goes_once_a_week(env: dict[str, Any]) -> None:
    # given the shop on a Monday
    made = _shop(env)
    service, mailer = env["c"].insights.slow_movers, env["mailer"]
    # when the weekly digest runs twice
    assert service.weekly(made["tenant_id"]) is True
    assert service.weekly(made["tenant_id"]) is False
    # then one e-mail lists the three idle products with what to try
    mails = [m for m in mailer.sent if m["subject"].startswith("Weekly:")]
    assert len(mails) == 1 and mails[0]["subject"] == "Weekly: 3 product(s) not selling"
    assert "Faded card (10 keys): no sale for 40 days — try a discount." in mails[0]["text"]
    # and on Tuesday nothing is sent
    env["clock"].advance(DAY)
    assert service.weekly(made["tenant_id"]) is False and len(mailer.sent) == 1


def test_a_failed_send_is_sent_by_the_next_run_and_a_shop_with_nothing_idle_gets_nothing(
        env: dict[str, Any]) -> None:
    made = _shop(env)
    service, mailer = env["c"].insights.slow_movers, env["mailer"]
    mailer.fail = True
    with pytest.raises(EmailUnavailable):
        service.weekly(made["tenant_id"])
    mailer.fail = False
    assert service.weekly(made["tenant_id"]) is True and len(mailer.sent) == 1
    # a new shop with only a product that sold yesterday has nothing idle: no e-mail at all
    other = shop.sign_up(env["client"])
    assert service.weekly(other["tenant"]["id"]) is False and len(mailer.sent) == 1
