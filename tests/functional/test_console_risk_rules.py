"""The console's risk rules page: the rules as the merchant reads them (both languages), a save that checkouts use,
a bad value refused on its field with nothing saved, and a viewer who reads but cannot save."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.risk.domain.rules import LIMITS, LISTS, REASONS, THRESHOLDS, RiskRules
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support.console import ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve


@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _form(rules: RiskRules, **changes: str) -> dict[str, str]:
    form = {"enabled": "1" if rules.enabled else "0"}
    form.update({f"points.{r}": str(rules.points_for(r)) for r in REASONS})
    form.update({name: str(getattr(rules, name)) for name in (*THRESHOLDS, *LIMITS)})
    form.update({name: "\n".join(getattr(rules, name)) for name in LISTS})
    return {**form, **changes}


def test_the_merchant_reads_and_saves_the_rules_and_a_bad_value_saves_nothing(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    page = owner.get("/console/risk")
    body = page.body.decode()
    assert page.status_code == 200 and "Throwaway e-mail address" in body and 'name="review_at"' in body
    assert "风控规则" in owner.get("/console/risk?lang=zh-CN").body.decode()
    # when the owner turns the rules on, holds throwaway mail for review and blocks a domain
    saved = owner.post("/console/risk", _form(RiskRules(), **{
        "points.disposable_email": "80", "blocked_emails": "@spam.example\nMallory@Example.com\n"}),
        csrf=csrf_of(page))
    assert (saved.status_code, saved.headers["Location"]) == (303, "/console/risk?done=saved")
    rules = env.c.risk.risk_rules.get(actor=SYSTEM, tenant_id=tenant_id)
    assert (rules.enabled, rules.points_for("disposable_email"), rules.blocked_emails) == (
        True, 80, ("@spam.example", "mallory@example.com"))
    # when a threshold is out of order or an address is not one, it is refused on its field and nothing changes
    for changes, field in (({"review_at": "20"}, "review_at"), ({"blocked_ips": "10.0.0.300"}, "blocked_ips")):
        bad = owner.post("/console/risk", _form(rules, **changes), csrf=csrf_of(page))
        assert bad.status_code == 400
        assert re.search(rf'id="{re.escape(field)}"[^>]*aria-invalid="true"', bad.body.decode()), field
    assert env.c.risk.risk_rules.get(actor=SYSTEM, tenant_id=tenant_id) == rules


def test_a_viewer_reads_the_rules_but_cannot_save_them(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    viewer, _ = joined(web, env, owner, "viewer")
    page = viewer.get("/console/risk")
    assert page.status_code == 200 and "Save the rules" not in page.body.decode()
    refused = viewer.post("/console/risk", _form(RiskRules(), review_at="90"), csrf=csrf_of(page))
    assert refused.status_code == 403
    assert env.c.risk.risk_rules.get(actor=SYSTEM, tenant_id=tenant_id).review_at == 75
