"""Licence validate / activate / deactivate on in-memory fakes: activation limits, instances, verdicts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.kernel.errors import InvalidRequest
from tests.unit.test_redemption import NOW, World, w  # noqa: F401  (the fixture)


def test_activate_up_to_the_limit_then_limit_reached(w: World) -> None:  # noqa: F811
    # given a sold key of a product allowing 2 activations
    t = w.tenant()
    p = w.product(t, activation_limit=2)
    k = w.key(t, p, "LIC-1")
    # when three instances activate
    answers = [w.licences.activate(tenant_id=t.id, body={"license_key": "LIC-1", "instance_name": f"pc-{i}"})
               for i in range(3)]
    # then two get an instance and the third is told the limit is reached
    assert [(a.ok, a.reason) for a in answers] == [(True, None), (True, None), (False, "activation_limit_reached")]
    assert [a.record.activations for a in answers] == [1, 2, 2]
    assert answers[0].instance.instance_name == "pc-0" and answers[0].instance.created_at == NOW
    assert answers[2].instance is None and answers[2].activation_limit == 2
    assert w.record(k).activations == 2 and len(w.store.activations[(t.id, p.id, k.ref)]) == 2


def test_deactivate_frees_a_slot_and_validate_sees_instances(w: World) -> None:  # noqa: F811
    t = w.tenant()
    p = w.product(t, activation_limit=1)
    k = w.key(t, p, "LIC-2")
    first = w.licences.activate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_name": "laptop"})
    inst = first.instance.id
    # validate with and without the instance
    ok = w.licences.validate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_id": inst})
    assert (ok.ok, ok.reason, ok.instance, ok.record.activations, ok.activation_limit) == (
        True, None, first.instance, 1, 1)
    other = w.licences.validate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_id": "act_nope"})
    assert (other.ok, other.reason) == (False, "instance_not_found")
    # when the instance is deactivated, the slot is free for another machine
    gone = w.licences.deactivate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_id": inst})
    assert (gone.ok, gone.reason, gone.record.activations) == (True, None, 0)
    again = w.licences.deactivate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_id": inst})
    assert (again.ok, again.reason) == (False, "instance_not_found") and w.record(k).activations == 0
    second = w.licences.activate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_name": "desktop"})
    assert (second.ok, w.record(k).activations) == (True, 1)
    stale = w.licences.validate(tenant_id=t.id, body={"license_key": "LIC-2", "instance_id": inst})
    assert (stale.ok, stale.reason) == (False, "instance_not_found")


def test_unknown_unsold_and_void_keys_are_answers_not_errors(w: World) -> None:  # noqa: F811
    t = w.tenant()
    p = w.product(t)
    w.key(t, p, "U-1", status="available")
    void = w.key(t, p, "V-1", status="void", seq=1)
    for value, reason in (("NOPE", "not_found"), ("U-1", "not_sold"), ("V-1", "void")):
        a = w.licences.activate(tenant_id=t.id, body={"license_key": value, "instance_name": "x"})
        v = w.licences.validate(tenant_id=t.id, body={"license_key": value})
        assert (a.ok, a.reason, v.ok, v.reason) == (False, reason, False, reason)
    assert w.store.activations == {} and w.record(void).activations == 0


def test_a_zero_limit_means_no_limit(w: World) -> None:  # noqa: F811
    t = w.tenant()
    k = w.key(t, w.product(t, activation_limit=0), "FREE-1")
    answers = [w.licences.activate(tenant_id=t.id, body={"license_key": "FREE-1", "instance_name": f"m{i}"})
               for i in range(5)]
    assert all(a.ok for a in answers) and answers[-1].activation_limit is None and w.record(k).activations == 5


def test_twenty_concurrent_activations_respect_the_limit(w: World) -> None:  # noqa: F811
    t = w.tenant()
    k = w.key(t, w.product(t, activation_limit=3), "RUSH-1")
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: w.licences.activate(
            tenant_id=t.id, body={"license_key": "RUSH-1", "instance_name": f"m{i}"}), range(20)))
    assert sum(r.ok for r in results) == 3
    assert sorted(r.reason for r in results if not r.ok) == ["activation_limit_reached"] * 17
    assert w.record(k).activations == 3 and len(w.store.activations[(t.id, k.product_id, k.ref)]) == 3


@pytest.mark.parametrize(("route", "body", "param"), [
    ("activate", {"license_key": "OK-1"}, "instance_name"),
    ("activate", {"license_key": "OK-1", "instance_name": "a\tb"}, "instance_name"),
    ("activate", {"instance_name": "pc"}, "license_key"),
    ("deactivate", {"license_key": "OK-1"}, "instance_id"),
    ("deactivate", {"license_key": "OK-1", "instance_id": "x" * 65}, "instance_id"),
    ("validate", {"license_key": "OK-1", "instance_id": 7}, "instance_id"),
    ("validate", {"license_key": "OK-1", "product_id": "prd_BAD!"}, "product_id"),
    ("validate", {"license_key": "OK-1", "key": "OK-1"}, "key"),
])
def test_bad_licence_input_is_a_clear_400_and_changes_nothing(w: World, route: str, body: dict[str, object],  # noqa: F811
                                                              param: str) -> None:
    t = w.tenant()
    k = w.key(t, w.product(t), "OK-1")
    with pytest.raises(InvalidRequest) as err:
        getattr(w.licences, route)(tenant_id=t.id, body=body)
    assert err.value.param == param
    assert w.record(k).activations == 0 and w.store.activations == {}
