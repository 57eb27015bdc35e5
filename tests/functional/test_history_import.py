"""Bringing past orders in from CSV: a dujiaoka export counted into the shop's figures and buyers from the queue,
each order once however often the file comes; a file with any bad line imports nothing and says which lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.insights.domain.rollups import bucket
from chalicelib.wiring.jobs import handle_queue_bodies
from tests.fakes import FakeMailer, FakeQueue, FixedClock
from tests.support import shop

NOW = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp())
DUJIAOKA = """order_sn,title,buy_amount,actual_price,email,status,created_at
D2026100101,Game card,1,30.00,ann@example.com,4,2026-10-01 20:15:00
D2026100102,Game card,2,60.00,bob@example.com,4,2026-10-01 21:40:00
D2026100103,Accelerator,1,9.90,ann@example.com,4,2026-10-02 09:05:00
D2026100104,Game card,1,30.00,eve@example.com,1,2026-10-02 10:00:00
D2026100105,Game card,1,30.00,eve@example.com,-1,2026-10-02 10:20:00
D2026110106,{game_id},1,30.00,bob@example.com,4,2026-11-03 08:00:00
"""


@pytest.fixture()
def env(settings: Any) -> Iterator[dict[str, Any]]:
    from chalice.test import Client

    from app import app

    queue = FakeQueue()
    c = wiring.Container(settings, clock=FixedClock(NOW), mailer=FakeMailer(), queue=queue)
    wiring.use(c)
    with Client(app) as client:
        yield {"c": c, "client": client, "queue": queue}
    wiring.use(None)


def _shop(env: dict[str, Any]) -> dict[str, Any]:
    client = env["client"]
    merchant = shop.sign_up(client)
    assert shop.call(client, "PATCH", "/v1/tenant", {"timezone": "Asia/Shanghai"},
                     key=merchant["key"]).status_code == 200
    made = {"key": merchant["key"], "tenant_id": merchant["tenant"]["id"]}
    for name in ("Game card", "Accelerator"):
        made[name] = shop.product(client, merchant["key"], name=name, currency="cny")["id"]
    return made


def _import(env: dict[str, Any], made: dict[str, Any], body: dict[str, Any]) -> Any:
    return shop.call(env["client"], "POST", "/v1/insights/history", body, key=made["key"])


def _work_the_queue(env: dict[str, Any]) -> None:
    bodies = [json.dumps(m) for m in env["queue"].sent if m.get("kind") == "history_chunk"]
    env["queue"].sent.clear()
    assert handle_queue_bodies(bodies) == []


def _day(env: dict[str, Any], tenant_id: str, day: str) -> Any:
    at = int(datetime.fromisoformat(f"{day}T12:00:00+08:00").timestamp())
    b = bucket(at, "Asia/Shanghai")
    days, _ = env["c"].insights.rollup_store.months(tenant_id, [b.month])
    return next((d for d in days if d.day == b.day), None)


def test_a_dujiaoka_export_becomes_the_shops_history_once(env: dict[str, Any]) -> None:
    # given a shop in Shanghai time with the two products the export names (one row names a product by its id)
    made = _shop(env)
    text = DUJIAOKA.replace("{game_id}", made["Game card"])
    # when the export is imported with the dujiaoka preset
    r = _import(env, made, {"csv": text, "preset": "dujiaoka"})
    # then the four completed orders are taken, the pending and expired ones skipped, and counting is queued
    assert r.status_code == 202, r.body
    job = json.loads(r.body)
    assert {k: job[k] for k in ("status", "orders", "skipped", "chunks", "chunks_counted")} == {
        "status": "counting", "orders": 4, "skipped": 2, "chunks": 1, "chunks_counted": 0}
    assert job["first_order_at"] == int(datetime.fromisoformat("2026-10-01T20:15:00+08:00").timestamp())
    # when the queue's worker counts the chunk
    _work_the_queue(env)
    # then the days hold exactly those orders in the shop's zone, in yuan
    first = _day(env, made["tenant_id"], "2026-10-01")
    assert (first.orders, first.units, first.revenue, first.hours[20], first.hours[21]) == (2, 3, {"cny": 9000}, 1, 1)
    second = _day(env, made["tenant_id"], "2026-10-02")
    assert (second.orders, second.units, second.revenue) == (1, 1, {"cny": 990})
    # with each buyer's first order in the file counted as a new buyer: Ann and Bob on the 1st, nobody on the 2nd
    assert (first.new_buyers, second.new_buyers) == (2, 0)
    # and the buyers are known, and the nightly run was made again from them
    buyers = {b.email: (b.orders, b.spent) for b in env["c"].insights.rollup_store.buyers(made["tenant_id"])}
    assert buyers == {"ann@example.com": (2, {"cny": 3990}), "bob@example.com": (2, {"cny": 9000})}
    status = json.loads(shop.call(env["client"], "GET", f"/v1/insights/history/{job['id']}", key=made["key"]).body)
    assert (status["status"], status["chunks_counted"]) == ("done", 1)
    segments = json.loads(shop.call(env["client"], "GET", "/v1/segments", key=made["key"]).body)
    assert segments["computed_on"] == "2026-11-20" and segments["currency"] == "cny"
    # when the same file is imported again, nothing is counted twice
    again = _import(env, made, {"csv": text, "preset": "dujiaoka"})
    assert again.status_code == 202
    _work_the_queue(env)
    assert _day(env, made["tenant_id"], "2026-10-01") == first


def test_a_file_with_bad_lines_imports_nothing_and_names_them(env: dict[str, Any]) -> None:
    # given a file with a bad amount, a time in the future, a duplicate and a product the shop does not sell
    made = _shop(env)
    text = ("order_id,created_at,product,quantity,amount,currency,email,status\n"
            "A1,2026-10-01 10:00:00,Game card,1,ten,cny,a@example.com,paid\n"
            "A2,2027-01-01 10:00:00,Game card,1,10.00,cny,a@example.com,paid\n"
            "A3,2026-10-01 10:00:00,Game card,1,10.00,cny,a@example.com,paid\n"
            "A3,2026-10-02 10:00:00,Game card,1,10.00,cny,a@example.com,paid\n"
            "A4,2026-10-02 10:00:00,Mystery box,1,10.00,cny,a@example.com,paid\n")
    # when it is imported
    r = _import(env, made, {"csv": text})
    # then nothing is imported, and the answer names each line and the unknown product
    assert r.status_code == 400, r.body
    error = json.loads(r.body)["error"]
    assert (error["code"], error["param"]) == ("import_refused", "csv")
    assert error["errors"] == [
        {"line": 2, "message": "amount 'ten' is not an amount"},
        {"line": 3, "message": "created_at '2027-01-01 10:00:00' is in the future"},
        {"line": 5, "message": "order 'A3' appears twice in the file"}]
    assert error["unknown_products"] == ["Mystery box"]
    assert env["queue"].sent == [] and env["c"].insights.history_store.recent(made["tenant_id"]) == []


def test_a_file_that_cannot_be_read_says_what_to_fix(env: dict[str, Any]) -> None:
    made = _shop(env)
    cases = [
        ({"csv": "when,what\n2026-10-01,x\n"}, "no column for order_id, created_at, product, amount"),
        ({"csv": "order_id,created_at,product,amount\nA1,2026-10-01 10:00,Game card,1.00\n"},
         "no status column: map it, or the unpaid orders in the file would count as sales"),
        ({"csv": ""}, "csv must be the file's text: a header line and one line per order"),
        ({"csv": "x", "preset": "shopify"}, "preset must be one of kamidrop, dujiaoka"),
    ]
    for body, message in cases:
        r = _import(env, made, body)
        assert r.status_code == 400, body
        assert message in json.loads(r.body)["error"]["message"], r.body
    # a file without a status column imports once its columns are mapped to a preset that needs none
    r = _import(env, made, {"csv": "ref,at,item,paid\nA1,2026-10-01 10:00,Game card,1.00\n", "currency": "cny",
                            "preset": "kamidrop", "columns": {"order_id": "ref", "created_at": "at",
                                                              "product": "item", "amount": "paid", "status": "ref"}})
    assert r.status_code == 400 and "no paid order in the file (1 unpaid rows skipped)" in r.body.decode()
