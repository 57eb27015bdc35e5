"""Licence validate / activate / deactivate under the shop, over HTTP with moto: limits hold under races."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.kernel.settings import Settings
from tests.fakes_redemption import FakeEvents
from tests.functional.test_redemption import sell
from tests.support import shop


@pytest.fixture(scope="module")
def container(settings: Settings) -> Iterator[wiring.Container]:
    c = wiring.Container(settings, events=FakeEvents())
    wiring.use(c)
    yield c
    wiring.use(None)


@pytest.fixture(scope="module")
def licensed(container: wiring.Container, settings: Settings) -> dict[str, Any]:
    """A shop selling licences with 2 activations each (one product) and 3 each (another); sold keys."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        merchant = shop.sign_up(client)
        two = shop.product(client, merchant["key"], activation_limit=2)
        three = shop.product(client, merchant["key"], activation_limit=3)
        keys_two, keys_three = shop.new_keys(3, prefix="LIC"), shop.new_keys(1, prefix="LIC")
        shop.import_keys(client, merchant["key"], two["id"], keys_two)
        shop.import_keys(client, merchant["key"], three["id"], keys_three)
        sold = [sell(client, settings, merchant["slug"], two["id"])[1] for _ in range(2)]
        rush = sell(client, settings, merchant["slug"], three["id"])[1]
    return {**merchant, "two": two, "three": three, "sold": sold, "rush": rush,
            "unsold": next(k for k in keys_two if k not in sold)}


def lic(client: Any, slug: str, action: str, payload: dict[str, Any]) -> tuple[int, Any]:
    r = shop.call(client, "POST", f"/s/{slug}/licenses/{action}", payload)
    return r.status_code, json.loads(r.body)


def test_activate_to_the_limit_deactivate_frees_a_slot(client: Any, licensed: dict[str, Any]) -> None:
    s, value = licensed, licensed["sold"][0]
    slug, product_id = s["slug"], s["two"]["id"]
    # given a fresh licence: valid, no activations
    status, v = lic(client, slug, "validate", {"license_key": value})
    assert (status, v) == (200, {"valid": True, "reason": None, "instance": None, "license_key": {
        "status": "inactive", "product_id": product_id, "activation_limit": 2, "activation_usage": 0}})
    # when three machines activate it
    answers = [lic(client, slug, "activate", {"license_key": value, "instance_name": f"pc-{i}"}) for i in range(3)]
    # then two get an instance and the third is at the limit
    assert [(st, a["activated"], a["reason"]) for st, a in answers] == [
        (200, True, None), (200, True, None), (200, False, "activation_limit_reached")]
    first = answers[0][1]["instance"]
    assert first["name"] == "pc-0" and first["id"].startswith("act_")
    assert answers[1][1]["license_key"] == {"status": "active", "product_id": product_id, "activation_limit": 2,
                                            "activation_usage": 2}
    assert answers[2][1]["instance"] is None and answers[2][1]["license_key"]["activation_usage"] == 2
    # and validate knows the instance
    _, v = lic(client, slug, "validate", {"license_key": value, "instance_id": first["id"]})
    assert (v["valid"], v["instance"]) == (True, first)
    # when one is deactivated, its slot is free again
    _, d = lic(client, slug, "deactivate", {"license_key": value, "instance_id": first["id"]})
    assert (d["deactivated"], d["reason"], d["license_key"]["activation_usage"]) == (True, None, 1)
    _, again = lic(client, slug, "deactivate", {"license_key": value, "instance_id": first["id"]})
    assert (again["deactivated"], again["reason"]) == (False, "instance_not_found")
    _, v = lic(client, slug, "validate", {"license_key": value, "instance_id": first["id"]})
    assert (v["valid"], v["reason"], v["license_key"]["activation_usage"]) == (False, "instance_not_found", 1)
    _, a = lic(client, slug, "activate", {"license_key": value, "instance_name": "pc-new"})
    assert (a["activated"], a["license_key"]["activation_usage"]) == (True, 2)


def test_unknown_and_unsold_keys_are_answers_and_nothing_is_written(client: Any, licensed: dict[str, Any],
                                                                    container: wiring.Container) -> None:
    s = licensed
    for value, reason in (("NOT-A-KEY", "not_found"), (s["unsold"], "not_sold")):
        st1, a = lic(client, s["slug"], "activate", {"license_key": value, "instance_name": "pc"})
        st2, v = lic(client, s["slug"], "validate", {"license_key": value})
        assert (st1, a["activated"], a["reason"], st2, v["valid"], v["reason"]) == (
            200, False, reason, 200, False, reason)
    _, v = lic(client, s["slug"], "validate", {"license_key": s["unsold"]})
    assert v["license_key"] == {"status": "unsold", "product_id": s["two"]["id"], "activation_limit": 2,
                                "activation_usage": 0}
    assert container.redemption.licences.validate(tenant_id=s["tenant"]["id"],
                                       body={"license_key": s["unsold"]}).record.activations == 0


def test_bad_input_and_another_shop(client: Any, licensed: dict[str, Any]) -> None:
    s, value = licensed, licensed["sold"][1]
    st, err = lic(client, s["slug"], "activate", {"license_key": value})
    assert (st, err["error"]["param"]) == (400, "instance_name")
    st, err = lic(client, s["slug"], "deactivate", {"license_key": value})
    assert (st, err["error"]["param"]) == (400, "instance_id")
    # another shop does not know this shop's key
    other = shop.sign_up(client)
    st, v = lic(client, other["slug"], "activate", {"license_key": value, "instance_name": "pc"})
    assert (st, v["activated"], v["reason"], v["license_key"]) == (200, False, "not_found", None)
    st, missing = lic(client, "no-such-shop-xyz", "validate", {"license_key": value})
    assert (st, missing["error"]["type"]) == (404, "not_found")
    # and nothing was activated on the key
    _, v = lic(client, s["slug"], "validate", {"license_key": value})
    assert (v["valid"], v["license_key"]["activation_usage"]) == (True, 0)


def test_twenty_concurrent_activations_at_a_limit_of_three(container: wiring.Container,
                                                           licensed: dict[str, Any]) -> None:
    s = licensed
    tenant_id = s["tenant"]["id"]

    def activate(i: int) -> Any:
        return container.redemption.licences.activate(tenant_id=tenant_id,
                                           body={"license_key": s["rush"], "instance_name": f"m-{i}"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(activate, range(20)))
    assert sum(r.ok for r in results) == 3
    assert [r.reason for r in results if not r.ok] == ["activation_limit_reached"] * 17
    after = container.redemption.licences.validate(tenant_id=tenant_id, body={"license_key": s["rush"]})
    assert (after.ok, after.record.activations, after.activation_limit) == (True, 3, 3)
    instances = [r.instance.id for r in results if r.ok]
    assert all(container.redemption.licences.validate(tenant_id=tenant_id, body={"license_key": s["rush"], "instance_id": i}).ok
               for i in instances)
