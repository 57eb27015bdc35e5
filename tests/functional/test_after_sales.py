"""After-sales end to end: the buyer reports a key, it is replaced at once or waits for the merchant's review;
reported keys are never sold again; key.reported reaches the merchant's webhook; mails; the review queue; stats."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import jsonschema
import pytest

from chalicelib import wiring
from chalicelib.adapters.webhook_sender import HttpWebhookSender
from chalicelib.aftersales.routes.shapes import REPORT, STATS
from chalicelib.http.schema import ERROR, page_of
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import Conflict
from chalicelib.storefront.routes.order_page import BUYER_ORDER
from chalicelib.wiring import jobs as tasks
from tests.fakes import FakeMailer, FakeQueue, FixedClock
from tests.fakes_webhooks import Receiver
from tests.support import shop

T0 = int(time.time())


@pytest.fixture(scope="module")
def env(settings: Any) -> Iterator[dict[str, Any]]:
    clock, queue, mailer = FixedClock(T0), FakeQueue(), FakeMailer()
    c = wiring.Container(settings, clock=clock, queue=queue, mailer=mailer,
                         webhook_sender=HttpWebhookSender(production=False, timeout=0.5))
    receiver = Receiver()
    yield {"c": c, "clock": clock, "queue": queue, "mailer": mailer, "receiver": receiver, "settings": settings}
    receiver.stop()
    wiring.use(None)


@pytest.fixture()
def api(env: dict[str, Any]) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    wiring.use(env["c"])
    with Client(app) as client:
        yield client


# ---- helpers ------------------------------------------------------------------------------------------------
def _json(r: Any) -> Any:
    return json.loads(r.body)


def drain(queue: FakeQueue) -> None:
    while queue.sent:
        body = queue.sent.pop(0)
        if body.get("kind") == "webhook_event":
            continue  # the schedule below sends webhook deliveries
        tasks.handle_queue_body(json.dumps(body))


def shop_with(api: Any, n_keys: int, **policy: Any) -> dict[str, Any]:
    merchant = shop.sign_up(api)
    product = shop.product(api, merchant["key"], **policy)
    keys = shop.new_keys(n_keys)
    if keys:
        shop.import_keys(api, merchant["key"], product["id"], keys)
    return {**merchant, "product": product, "keys": keys}


def buy(api: Any, settings: Any, m: dict[str, Any], quantity: int = 1, **extra: Any) -> dict[str, Any]:
    r = shop.call(api, "POST", f"/s/{m['slug']}/checkout", {"product_id": m["product"]["id"], "quantity": quantity,
                                                             "email": "buyer@example.com", **extra})
    assert r.status_code == 201, r.body
    started = dict(_json(r))
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    shop.pay(settings, intent_id)
    payload, signature = shop.stripe_event(settings, intent_id)
    assert _json(shop.post_event(api, payload, signature))["result"] == "delivered"
    return started


def report(api: Any, m: dict[str, Any], order: dict[str, Any], key_index: int = 0, reason: str = "invalid",
           token: str | None = None, slug: str | None = None, **extra: Any) -> Any:
    body = {"token": order["order_token"] if token is None else token, "key_index": key_index, "reason": reason,
            **extra}
    r = shop.call(api, "POST", f"/s/{slug or m['slug']}/orders/{order['order_id']}/reports", body)
    jsonschema.validate(_json(r), REPORT if r.status_code == 201 else ERROR)
    return r


def buyer_view(api: Any, m: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    r = shop.call(api, "GET", f"/s/{m['slug']}/orders/{order['order_id']}?token={order['order_token']}",
                  headers={"Accept": "application/json"})
    assert r.status_code == 200, r.body
    jsonschema.validate(_json(r), BUYER_ORDER)  # exactly what the document promises
    return dict(_json(r))


def key_status(c: wiring.Container, m: dict[str, Any], ref: KeyRef) -> str:
    [stored] = c.inventory.key_pool.read(tenant_id=m["tenant"]["id"], product_id=m["product"]["id"], refs=[ref])
    return str(stored.status)


def snapshot(settings: Any, tenant_id: str) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=settings.table_name):
        for item in page["Items"]:
            pk = item["pk"]["S"]
            if pk.startswith(f"T#{tenant_id}#") and "#RL#" not in pk and "#IDEM#" not in pk:
                items.append({k: v for k, v in item.items() if k not in ("last_used_at", "ttl")})
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


# ---- the automatic path --------------------------------------------------------------------------------------
def test_a_reported_key_is_replaced_at_once_and_a_second_report_beyond_the_policy_goes_to_review(api, env):
    c, settings = env["c"], env["settings"]
    # given a delivered order of a product with the default policy (60 minutes, one replacement)
    m = shop_with(api, 3)
    order = buy(api, settings, m)
    before = buyer_view(api, m, order)
    assert (before["lines"], before["reports"]) == ([{"index": 0, "key": before["keys"][0], "status": "ok",
                                                      "report_id": None}], [])
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 2, "reserved": 0, "sold": 1}
    # when the buyer reports the key as already used
    r = report(api, m, order, reason="already_used")
    # then a fresh key replaces it at once
    assert r.status_code == 201, r.body
    filed = _json(r)
    assert {k: filed[k] for k in ("object", "order_id", "product_id", "key_index", "reason", "note", "status",
                                  "resolution", "replacement_index", "message", "review_reason", "created_at",
                                  "resolved_at", "resolution_seconds")} == {
        "object": "key_report", "order_id": order["order_id"], "product_id": m["product"]["id"], "key_index": 0,
        "reason": "already_used", "note": "", "status": "replaced", "resolution": "auto_replaced",
        "replacement_index": 1, "message": "", "review_reason": None, "created_at": T0, "resolved_at": T0,
        "resolution_seconds": 0}
    assert filed["id"].startswith("rpt_")
    # and the order page shows the old key reported and the new one after it
    view = buyer_view(api, m, order)
    old, new = view["keys"]
    assert old == before["keys"][0] and new != old and new in m["keys"]
    assert view["lines"] == [{"index": 0, "key": old, "status": "reported", "report_id": filed["id"]},
                             {"index": 1, "key": new, "status": "replacement", "report_id": None}]
    assert view["reports"] == [filed]
    # and the pool sold one more key; the reported one is marked and never valid again
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 1, "reserved": 0, "sold": 2}
    stored = c.sales.order_store.get(tenant_id=m["tenant"]["id"], order_id=order["order_id"])
    assert (stored.replacements, stored.reported) == (1, (stored.keys[0],))
    assert [key_status(c, m, ref) for ref in stored.keys] == ["reported", "sold"]
    verify = shop.call(api, "POST", "/v1/redemptions/verify", {"key": old}, key=m["key"])
    assert (_json(verify)["valid"], _json(verify)["reason"]) == (False, "void")
    # when the buyer reports the replacement too (beyond one replacement per order)
    again = report(api, m, order, key_index=1, reason="other", note="this one does not work either")
    # then it waits for the merchant's review, and the page shows so
    assert again.status_code == 201, again.body
    assert {k: _json(again)[k] for k in ("status", "resolution", "review_reason", "replacement_index",
                                         "resolved_at", "resolution_seconds", "note")} == {
        "status": "open", "resolution": None, "review_reason": "replacement_limit", "replacement_index": None,
        "resolved_at": None, "resolution_seconds": None, "note": "this one does not work either"}
    view = buyer_view(api, m, order)
    assert [(x["status"], x["report_id"]) for x in view["lines"]] == [("reported", filed["id"]),
                                                                      ("reported", _json(again)["id"])]
    assert [x["status"] for x in view["reports"]] == ["replaced", "open"]
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 1, "reserved": 0, "sold": 2}


def test_outside_the_window_the_report_goes_to_review(api, env):
    clock, settings = env["clock"], env["settings"]
    m = shop_with(api, 2, replace_window_minutes=30)
    order = buy(api, settings, m)
    # when the buyer reports 31 minutes after delivery
    clock.advance(31 * 60)
    r = report(api, m, order)
    # then the key is not replaced; the report is open, saying why
    assert (r.status_code, _json(r)["status"], _json(r)["review_reason"]) == (201, "open", "outside_window")
    assert len(buyer_view(api, m, order)["keys"]) == 1
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 1, "reserved": 0, "sold": 1}


def test_a_product_replaced_by_hand_and_an_empty_pool_send_reports_to_review(api, env):
    settings = env["settings"]
    # given a product the merchant replaces by hand
    manual = shop_with(api, 2, auto_replace=False)
    assert (manual["product"]["auto_replace"], manual["product"]["replace_window_minutes"],
            manual["product"]["replace_max_per_order"]) == (False, 60, 1)
    order = buy(api, settings, manual)
    r = report(api, manual, order)
    assert (r.status_code, _json(r)["status"], _json(r)["review_reason"]) == (201, "open", "auto_replace_off")
    # given a product whose pool is empty after the sale
    dry = shop_with(api, 1)
    order = buy(api, settings, dry)
    r = report(api, dry, order)
    # then the report waits for the merchant and nothing moved in the pool
    assert (r.status_code, _json(r)["status"], _json(r)["review_reason"]) == (201, "open", "out_of_stock")
    assert shop.stock(api, dry["key"], dry["product"]["id"]) == {"available": 0, "reserved": 0, "sold": 1}
    assert [x["status"] for x in buyer_view(api, dry, order)["lines"]] == ["reported"]


# ---- refusals ------------------------------------------------------------------------------------------------
def test_refusals_write_nothing(api, env):
    settings = env["settings"]
    m = shop_with(api, 3)
    other = shop_with(api, 1)
    order = buy(api, settings, m)
    assert report(api, m, order).status_code == 201
    tenant_id = m["tenant"]["id"]
    before, before_other = snapshot(settings, tenant_id), snapshot(settings, other["tenant"]["id"])
    # a key reported before
    r = report(api, m, order, key_index=0)
    assert (r.status_code, _json(r)["error"]["code"], _json(r)["error"]["param"]) == (409, "already_reported",
                                                                                      "key_index")
    # a wrong token, an unknown order, another shop's slug: the same 404
    missing = dict(order, order_id="ord_01jzzzzzzzzzzzzzzzzzzzzzzz")
    answers = [report(api, m, order, key_index=1, token="wrong-token"), report(api, m, missing, key_index=1),
               report(api, m, order, key_index=1, slug=other["slug"]), report(api, m, order, key_index=1, token="")]
    assert len({(a.status_code, a.body) for a in answers}) == 1
    assert (answers[0].status_code, _json(answers[0])["error"]["code"]) == (404, "resource_missing")
    # bad fields, each named
    for fields, param in (({"key_index": 7}, "key_index"), ({"key_index": 1, "reason": "broken"}, "reason"),
                          ({"key_index": 1, "reason": "other"}, "note"),
                          ({"key_index": 1, "reason": "other", "note": "   "}, "note"),
                          ({"key_index": 1, "note": "x" * 1001}, "note"), ({"key_index": "1"}, "key_index"),
                          ({"key_index": 1, "extra": 1}, "extra")):
        r = report(api, m, order, **{"reason": "invalid", **fields})
        assert (r.status_code, _json(r)["error"]["param"]) == (400, param), (fields, r.body)
    # then nothing was written anywhere in the shop
    assert snapshot(settings, tenant_id) == before
    assert snapshot(settings, other["tenant"]["id"]) == before_other


def test_an_order_that_is_not_delivered_cannot_be_reported(api, env):
    m = shop_with(api, 2)
    started = _json(shop.checkout(api, m["slug"], m["product"]["id"]))
    r = report(api, m, started)
    assert (r.status_code, _json(r)["error"]["code"]) == (409, "order_not_delivered")


# ---- concurrency -----------------------------------------------------------------------------------------
def test_twenty_concurrent_reports_on_one_order_give_exactly_the_allowed_replacements(api, env):
    c, settings = env["c"], env["settings"]
    # given an order of 20 keys with one automatic replacement allowed, and spare keys in the pool
    m = shop_with(api, 25, max_per_order=20)
    order = buy(api, settings, m, quantity=20)
    tenant = c.tenancy.tenant_store.get(tenant_id=m["tenant"]["id"])

    def file(index: int) -> str:
        return str(c.aftersales.reports.report(tenant=tenant, order_id=order["order_id"], body={
            "token": order["order_token"], "key_index": index, "reason": "invalid"}).status)

    # when the buyer reports all 20 keys at the same time
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(file, range(20)))
    # then exactly one was replaced and 19 wait for review
    assert sorted(results) == ["open"] * 19 + ["replaced"]
    stored = c.sales.order_store.get(tenant_id=m["tenant"]["id"], order_id=order["order_id"])
    assert (len(stored.keys), stored.replacements, len(stored.reported)) == (21, 1, 20)
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 4, "reserved": 0, "sold": 21}

    # when 20 reports of the replacement key race
    def again(_: int) -> str:
        try:
            return file(20)
        except Conflict as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(again, range(20)))
    # then one is filed (for review: the limit is used) and 19 are told it was reported already
    assert sorted(results) == ["already_reported"] * 19 + ["open"]
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 4, "reserved": 0, "sold": 21}


# ---- never resold ------------------------------------------------------------------------------------------
def test_a_reported_key_never_comes_back_to_the_pool(api, env):
    c, clock, settings = env["c"], env["clock"], env["settings"]
    # given a key reported for review, and the pool then drained by another sale
    m = shop_with(api, 2, auto_replace=False)
    first = buy(api, settings, m)
    reported_key = buyer_view(api, m, first)["keys"][0]
    assert _json(report(api, m, first))["status"] == "open"
    second = buy(api, settings, m)
    # when the expiry sweep and the skipped-key recovery run, and time passes
    clock.advance(3600)
    tasks.expire_reservations()
    tasks.recover_skipped_keys()
    # then the pool is empty, the next buyer is told so, and the reported key is still reported
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 0, "reserved": 0, "sold": 2}
    r = shop.checkout(api, m["slug"], m["product"]["id"])
    assert (r.status_code, _json(r)["error"]["code"]) == (409, "out_of_stock")
    stored = c.sales.order_store.get(tenant_id=m["tenant"]["id"], order_id=first["order_id"])
    assert key_status(c, m, stored.keys[0]) == "reported"
    assert buyer_view(api, m, second)["keys"] != [reported_key]
    # and a merchant void cannot turn it into anything else
    assert c.inventory.key_pool.void(tenant_id=m["tenant"]["id"], product_id=m["product"]["id"], refs=[stored.keys[0]],
                           reason="merchant") == 0
    assert key_status(c, m, stored.keys[0]) == "reported"


# ---- the merchant's review queue -----------------------------------------------------------------------------
def test_the_merchant_lists_gets_and_resolves_reports_and_the_buyer_is_told(api, env):
    clock, settings, mailer, queue = env["clock"], env["settings"], env["mailer"], env["queue"]
    m = shop_with(api, 4, auto_replace=False)
    stranger = shop_with(api, 0)
    drain(queue)
    mailer.sent.clear()
    # given three open reports on three orders (one buyer writes Chinese)
    orders = [buy(api, settings, m), buy(api, settings, m, locale="zh-CN"), buy(api, settings, m)]
    filed = [_json(report(api, m, o)) for o in orders]
    drain(queue)
    # then the merchant was alerted once per report, in the shop's language
    alerts = [x for x in mailer.sent if x["to"] == m["tenant"]["email"]]
    assert [x["subject"] for x in alerts] == [
        f"Action needed: a key of order {o['order_id']} was reported" for o in orders]
    assert "It waits for you because this product is replaced by hand." in alerts[0]["text"]
    assert f"POST /v1/reports/{filed[0]['id']}/resolve" in alerts[0]["text"]
    mailer.sent.clear()
    # when the merchant lists the review queue and filters it
    page = shop.call(api, "GET", "/v1/reports?status=open&limit=2", key=m["key"])
    jsonschema.validate(_json(page), page_of(REPORT))
    assert [x["id"] for x in _json(page)["data"]] == [filed[2]["id"], filed[1]["id"]]
    rest = shop.call(api, "GET", f"/v1/reports?status=open&limit=2&cursor={_json(page)['next_cursor']}",
                     key=m["key"])
    assert ([x["id"] for x in _json(rest)["data"]], _json(rest)["has_more"]) == ([filed[0]["id"]], False)
    by_order = shop.call(api, "GET", f"/v1/reports?order_id={orders[1]['order_id']}", key=m["key"])
    assert [x["id"] for x in _json(by_order)["data"]] == [filed[1]["id"]]
    by_product = shop.call(api, "GET", f"/v1/reports?product_id={m['product']['id']}&status=replaced", key=m["key"])
    assert _json(by_product)["data"] == []
    got = shop.call(api, "GET", f"/v1/reports/{filed[0]['id']}", key=m["key"])
    assert _json(got) == filed[0]
    # and another shop sees none of it
    assert shop.call(api, "GET", f"/v1/reports/{filed[0]['id']}", key=stranger["key"]).status_code == 404
    assert _json(shop.call(api, "GET", "/v1/reports", key=stranger["key"]))["data"] == []
    r = shop.call(api, "POST", f"/v1/reports/{filed[0]['id']}/resolve", {"action": "reject"}, key=stranger["key"])
    assert r.status_code == 404
    # when two minutes later it replaces the first key, rejects the second and refunds the third
    clock.advance(120)
    replaced = shop.call(api, "POST", f"/v1/reports/{filed[0]['id']}/resolve",
                         {"action": "replace", "message": "Sorry! Here is a new one."}, key=m["key"])
    rejected = shop.call(api, "POST", f"/v1/reports/{filed[1]['id']}/resolve",
                         {"action": "reject", "message": "该卡密已在 10:02 被使用。"}, key=m["key"])
    refunded = shop.call(api, "POST", f"/v1/reports/{filed[2]['id']}/resolve", {"action": "refund"}, key=m["key"])
    # then each report is closed as decided, with its resolution time
    assert [(r.status_code, _json(r)["status"], _json(r)["resolution"], _json(r)["replacement_index"],
             _json(r)["resolution_seconds"]) for r in (replaced, rejected, refunded)] == [
        (200, "resolved", "replaced", 1, 120), (200, "rejected", "rejected", None, 120),
        (200, "resolved", "refunded", None, 120)]
    view = buyer_view(api, m, orders[0])
    assert [x["status"] for x in view["lines"]] == ["reported", "replacement"]
    assert view["reports"][0]["message"] == "Sorry! Here is a new one."
    assert _json(shop.call(api, "GET", f"/v1/orders/{orders[2]['order_id']}", key=m["key"]))["status"] == "refunded"
    assert shop.stock(api, m["key"], m["product"]["id"]) == {"available": 0, "reserved": 0, "sold": 4}
    # and a closed report cannot be resolved again
    again = shop.call(api, "POST", f"/v1/reports/{filed[1]['id']}/resolve", {"action": "replace"}, key=m["key"])
    assert (again.status_code, _json(again)["error"]["code"]) == (409, "report_closed")
    # and each buyer is told the outcome in their language, with the order link
    drain(queue)
    outcome = {x["subject"]: x for x in mailer.sent if x["to"] == "buyer@example.com"}
    assert set(outcome) == {f"Your report on order {orders[0]['order_id']} was answered",
                            f"您的售后申请已处理（订单号 {orders[1]['order_id']}）",
                            f"Your report on order {orders[2]['order_id']} was answered",
                            f"Your order {orders[2]['order_id']} at {m['tenant']['name']} was refunded"}
    zh = outcome[f"您的售后申请已处理（订单号 {orders[1]['order_id']}）"]
    assert "商家留言：该卡密已在 10:02 被使用。" in zh["text"]
    assert f"/s/{m['slug']}/orders/{orders[1]['order_id']}" in zh["text"]
    first = outcome[f"Your report on order {orders[0]['order_id']} was answered"]
    assert "sent you a new key" in first["text"] and "<p>Message from the shop: Sorry! Here is a new one.</p>" in first["html"]


def test_a_merchant_replacement_needs_stock_and_bad_resolutions_are_named(api, env):
    settings = env["settings"]
    m = shop_with(api, 1, auto_replace=False)
    order = buy(api, settings, m)
    filed = _json(report(api, m, order))
    path = f"/v1/reports/{filed['id']}/resolve"
    for body, param in (({"action": "fix"}, "action"), ({}, "action"),
                        ({"action": "reject", "message": "x" * 1001}, "message"),
                        ({"action": "reject", "extra": 1}, "extra")):
        r = shop.call(api, "POST", path, body, key=m["key"])
        assert (r.status_code, _json(r)["error"]["param"]) == (400, param), body
    r = shop.call(api, "POST", path, {"action": "replace"}, key=m["key"])
    assert (r.status_code, _json(r)["error"]["code"]) == (409, "out_of_stock")
    assert _json(shop.call(api, "GET", f"/v1/reports/{filed['id']}", key=m["key"]))["status"] == "open"
    for bad in ("rpt_nope", "ord_01jzzzzzzzzzzzzzzzzzzzzzzz", "rpt_01jzzzzzzzzzzzzzzzzzzzzzzz"):
        assert shop.call(api, "GET", f"/v1/reports/{bad}", key=m["key"]).status_code == 404
    for query, param in (("status=lost", "status"), ("order_id=x", "order_id"), ("product_id=x", "product_id"),
                         ("cursor=abc", "cursor")):
        r = shop.call(api, "GET", f"/v1/reports?{query}", key=m["key"])
        assert (r.status_code, _json(r)["error"]["param"]) == (400, param), query


# ---- events, alerts, stats -------------------------------------------------------------------------------------
def test_key_reported_reaches_the_webhook_signed_and_without_the_key(api, env):
    clock, settings, queue, receiver = env["clock"], env["settings"], env["queue"], env["receiver"]
    m = shop_with(api, 3)
    r = shop.call(api, "POST", "/v1/webhook_endpoints", {"url": receiver.url, "events": ["key.reported"]},
                  key=m["key"])
    receiver.mode, receiver.secrets = "ok", [_json(r)["secret"]]
    receiver.received.clear()
    order = buy(api, settings, m)
    old_key = buyer_view(api, m, order)["keys"][0]
    replaced = _json(report(api, m, order))
    opened = _json(report(api, m, order, key_index=1, reason="other", note="nope"))
    # when the outbox is handled (twice: a queue retry) and the webhook schedule runs
    drain(queue)
    for message in env["c"].platform.outbox.pending(older_than=clock.now() + 1, limit=100):
        tasks.handle_outbox(message)
    clock.advance(60)
    tasks.deliver_webhooks()
    # then each report was announced once, verified by the endpoint's secret, and no key is in it
    got = sorted(receiver.of_type("key.reported"), key=lambda x: x.body["data"]["key_index"])
    assert [(x.body["data"]["id"], x.body["data"]["status"], x.body["data"]["key_index"], x.verified_by)
            for x in got] == [(replaced["id"], "replaced", 0, tuple(receiver.secrets)),
                              (opened["id"], "open", 1, tuple(receiver.secrets))]
    assert got[0].body["data"] == {"object": "key_report", "id": replaced["id"], "order_id": order["order_id"],
                                   "product_id": m["product"]["id"], "key_index": 0, "reason": "invalid",
                                   "status": "replaced"}
    assert all(old_key not in json.dumps(x.body) for x in got)


def test_report_stats_measure_the_time_to_resolution(api, env):
    clock, settings = env["clock"], env["settings"]
    m = shop_with(api, 6, replace_max_per_order=1)
    empty = _json(shop.call(api, "GET", "/v1/report_stats", key=m["key"]))
    jsonschema.validate(empty, STATS)
    assert empty == {"open": 0, "resolved_30d": 0, "auto_replaced_30d": 0, "median_resolution_seconds": None,
                     "p90_resolution_seconds": None}
    # given one key replaced at once, one resolved by the merchant after 3 minutes, one still open
    first, second = buy(api, settings, m), buy(api, settings, m)
    assert _json(report(api, m, first))["status"] == "replaced"
    waiting = _json(report(api, m, first, key_index=1))
    still_open = _json(report(api, m, second, key_index=0, reason="other", note="?"))
    assert (waiting["status"], still_open["status"]) == ("open", "replaced")
    still_open = _json(report(api, m, second, key_index=1))
    clock.advance(180)
    shop.call(api, "POST", f"/v1/reports/{waiting['id']}/resolve", {"action": "reject"}, key=m["key"])
    # then the stats count them, and time the closed ones
    assert _json(shop.call(api, "GET", "/v1/report_stats", key=m["key"])) == {
        "open": 1, "resolved_30d": 3, "auto_replaced_30d": 2, "median_resolution_seconds": 0,
        "p90_resolution_seconds": 180}
    # and 31 days later the window has moved on, while the open report still counts
    clock.advance(31 * 86400)
    assert _json(shop.call(api, "GET", "/v1/report_stats", key=m["key"])) == {
        "open": 1, "resolved_30d": 0, "auto_replaced_30d": 0, "median_resolution_seconds": None,
        "p90_resolution_seconds": None}


# ---- the product's policy ------------------------------------------------------------------------------------
def test_the_replacement_policy_is_set_and_checked_on_products(api, env):
    m = shop_with(api, 0, auto_replace=False, replace_window_minutes=0, replace_max_per_order=3)
    p = m["product"]
    assert (p["auto_replace"], p["replace_window_minutes"], p["replace_max_per_order"]) == (False, 0, 3)
    path = f"/v1/products/{p['id']}"
    for body, param in (({"auto_replace": "yes"}, "auto_replace"), ({"replace_window_minutes": 10081},
                                                                    "replace_window_minutes"),
                        ({"replace_window_minutes": -1}, "replace_window_minutes"),
                        ({"replace_max_per_order": 101}, "replace_max_per_order"),
                        ({"replace_max_per_order": 1.5}, "replace_max_per_order")):
        r = shop.call(api, "PATCH", path, body, key=m["key"])
        assert (r.status_code, _json(r)["error"]["param"]) == (400, param), body
    assert _json(shop.call(api, "GET", path, key=m["key"])) == p
    r = shop.call(api, "PATCH", path, {"auto_replace": True, "replace_window_minutes": 10080,
                                       "replace_max_per_order": 0}, key=m["key"])
    assert (_json(r)["auto_replace"], _json(r)["replace_window_minutes"], _json(r)["replace_max_per_order"]) == (
        True, 10080, 0)
