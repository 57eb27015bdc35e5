"""Inventory through HTTP: masked key lists, voids, reveals and exports (recorded), batches, stock summary."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.support import shop


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _get(client: Any, path: str, key: str) -> Any:
    r = shop.call(client, "GET", path, key=key)
    assert r.status_code == 200, r.body
    return _json(r)


@pytest.fixture()
def merchant(client: Any) -> dict[str, Any]:
    m = shop.sign_up(client)
    m["product"] = shop.product(client, m["key"])
    return m


def _keys(client: Any, m: dict[str, Any], query: str = "") -> list[dict[str, Any]]:
    return list(_get(client, f"/v1/products/{m['product']['id']}/keys?limit=100{query}", m["key"])["data"])


def test_import_records_a_batch_with_supplier_cost_and_importer(client, merchant):
    # given a product in usd
    key, pid = merchant["key"], merchant["product"]["id"]
    # when keys are imported as JSON with metadata, and as text/plain with the metadata in the query
    first = shop.call(client, "POST", f"/v1/products/{pid}/keys",
                      {"keys": ["BATCH-A-0001", "BATCH-A-0002", "BATCH-A-0002", ""], "supplier": "Acme Cards",
                       "cost_per_key": 350}, key=key)
    second = shop.call(client, "POST", f"/v1/products/{pid}/keys?supplier=Beta%20Ltd&cost_per_key=0",
                       "BATCH-B-0001\n", key=key, headers={"Content-Type": "text/plain"})
    # then each import is a batch that says who imported it, from whom, at what cost
    assert (first.status_code, second.status_code) == (200, 200), (first.body, second.body)
    a, b = _json(first)["batch_id"], _json(second)["batch_id"]
    listed = _get(client, f"/v1/products/{pid}/batches", key)
    assert [x["id"] for x in listed["data"]] == [b, a] and listed["has_more"] is False
    detail = _get(client, f"/v1/batches/{a}", key)
    assert {k: v for k, v in detail.items() if k not in ("created_at", "created_by", "created_by_name")} == {
        "id": a, "object": "key_batch", "product_id": pid, "imported": 2, "duplicates": 1, "rejected": 1,
        "supplier": "Acme Cards", "cost_per_key": 350, "currency": "usd",
        "counts": {"available": 2, "reserved": 0, "sold": 0, "void": 0, "reported": 0}}
    assert detail["created_by"].startswith("key_") and detail["created_by_name"]  # the importing API key
    assert _get(client, f"/v1/batches/{b}", key)["supplier"] == "Beta Ltd"
    assert _get(client, f"/v1/batches/{b}", key)["cost_per_key"] == 0


@pytest.mark.parametrize(("body", "param"), [
    ({"keys": ["K-1"], "cost_per_key": -1}, "cost_per_key"),
    ({"keys": ["K-1"], "cost_per_key": 1.5}, "cost_per_key"),
    ({"keys": ["K-1"], "supplier": "x" * 101}, "supplier"),
    ({"keys": ["K-1"], "batch": "b"}, "batch"),
])
def test_bad_import_metadata_is_refused_and_stores_nothing(client, merchant, body, param):
    key, pid = merchant["key"], merchant["product"]["id"]
    # when the metadata is wrong
    r = shop.call(client, "POST", f"/v1/products/{pid}/keys", body, key=key)
    # then a 400 names the field, and nothing was imported or recorded
    assert r.status_code == 400 and _json(r)["error"]["param"] == param, r.body
    assert shop.stock(client, key, pid) == {"available": 0, "reserved": 0, "sold": 0}
    assert _get(client, f"/v1/products/{pid}/batches", key)["data"] == []


def test_keys_are_listed_masked_with_status_and_batch_filters(client, merchant):
    key, pid = merchant["key"], merchant["product"]["id"]
    batch = shop.import_keys(client, key, pid, ["ABCD-1111-2222-WXYZ", "SHORT678", "xyz"])["batch_id"]
    shop.import_keys(client, key, pid, ["OTHER-0000-0000-0001"])
    # when the keys are listed
    keys = _keys(client, merchant)
    # then no plaintext appears, only a masked form (at most 4 characters, at most a quarter of the key)
    assert sorted(k["masked"] for k in keys) == sorted(["AB••••YZ", "S••••8", "••••", "OT••••01"])
    assert "ABCD-1111" not in json.dumps(keys)
    assert {k["status"] for k in keys} == {"available"} and all(k["id"].startswith("ck_") for k in keys)
    assert len(_keys(client, merchant, f"&batch_id={batch}")) == 3
    assert _keys(client, merchant, "&status=sold") == []
    # and pages follow the cursor without repeating a key
    first = _get(client, f"/v1/products/{pid}/keys?limit=3", key)
    rest = _get(client, f"/v1/products/{pid}/keys?limit=3&cursor={first['next_cursor']}", key)
    assert first["has_more"] is True and rest["has_more"] is False
    assert sorted(k["id"] for k in first["data"] + rest["data"]) == sorted(k["id"] for k in keys)
    # and a bad filter is a 400
    r = shop.call(client, "GET", f"/v1/products/{pid}/keys?status=lost", key=key)
    assert r.status_code == 400 and _json(r)["error"]["param"] == "status"


def test_a_voided_key_leaves_stock_and_is_never_sold(client, merchant):
    key, pid, slug = merchant["key"], merchant["product"]["id"], merchant["slug"]
    shop.import_keys(client, key, pid, ["VOID-ME-00000001", "KEEP-ME-00000002"])
    victim = next(k for k in _keys(client, merchant) if k["masked"] == "VO••••01")
    # when the merchant voids one available key
    r = shop.call(client, "POST", f"/v1/keys/{victim['id']}/void", key=key)
    # then it is void and stock counts one key fewer
    assert r.status_code == 200, r.body
    assert (_json(r)["status"], _json(r)["void_reason"]) == ("void", "merchant")
    assert shop.stock(client, key, pid) == {"available": 1, "reserved": 0, "sold": 0}
    # and voiding again changes nothing
    again = shop.call(client, "POST", f"/v1/keys/{victim['id']}/void", key=key)
    assert (again.status_code, _json(again)["status"]) == (200, "void")
    # when buyers check out two keys, only one exists; one key is reserved, never the void one
    assert shop.checkout(client, slug, pid, quantity=2).status_code == 409
    assert shop.stock(client, key, pid) == {"available": 1, "reserved": 0, "sold": 0}
    assert shop.checkout(client, slug, pid, quantity=1).status_code == 201
    assert shop.stock(client, key, pid) == {"available": 0, "reserved": 1, "sold": 0}
    statuses = {k["masked"]: k["status"] for k in _keys(client, merchant)}
    assert statuses == {"VO••••01": "void", "KE••••02": "reserved"}
    # and a reserved key cannot be voided: 409, nothing changed
    reserved = next(k for k in _keys(client, merchant) if k["status"] == "reserved")
    r = shop.call(client, "POST", f"/v1/keys/{reserved['id']}/void", key=key)
    assert r.status_code == 409 and _json(r)["error"]["code"] == "key_not_available"
    assert shop.stock(client, key, pid) == {"available": 0, "reserved": 1, "sold": 0}
    assert _keys(client, merchant, "&status=void") == [_json(again)]


def test_reveal_and_export_give_plaintext_and_are_recorded(client, merchant):
    key, pid = merchant["key"], merchant["product"]["id"]
    batch = shop.import_keys(client, key, pid, ["REVEAL-000000001", "=SUM(A1)", "EXPORT-0003"])["batch_id"]
    one = next(k for k in _keys(client, merchant) if k["masked"] == "RE••••01")
    # when one key is revealed and the unsold keys are exported in two files
    r = shop.call(client, "POST", f"/v1/keys/{one['id']}/reveal", key=key)
    assert r.status_code == 200, r.body
    assert _json(r) == {"key": one, "value": "REVEAL-000000001"}
    part1 = shop.call(client, "GET", f"/v1/products/{pid}/keys/export?limit=2", key=key)
    assert part1.status_code == 200, part1.body
    assert part1.headers["Content-Type"].startswith("text/csv")
    part2 = shop.call(client, "GET", f"/v1/products/{pid}/keys/export?cursor={part1.headers['X-Next-Cursor']}",
                      key=key)
    rows = [*csv.reader(io.StringIO(part1.body.decode() if isinstance(part1.body, bytes) else part1.body))]
    rows2 = [*csv.reader(io.StringIO(part2.body.decode() if isinstance(part2.body, bytes) else part2.body))]
    # then the CSV holds the exact keys, and every access is in the log, newest first
    assert rows[0] == ["key_id", "key", "batch_id", "created_at"] and rows2[0] == rows[0]
    assert sorted(r[1] for r in rows[1:] + rows2[1:]) == ["=SUM(A1)", "EXPORT-0003", "REVEAL-000000001"]
    assert {r[2] for r in rows[1:] + rows2[1:]} == {batch}
    assert "X-Next-Cursor" not in part2.headers
    log = _get(client, "/v1/key_access_log", key)["data"]
    assert [(e["action"], e["count"], e["key_id"]) for e in log] == [
        ("export", 1, None), ("export", 2, None), ("reveal", 1, one["id"])]
    assert all(e["api_key_id"].startswith("key_") and e["product_id"] == pid for e in log)


def test_inventory_routes_answer_404_across_tenants_and_change_nothing(client, merchant):
    key, pid = merchant["key"], merchant["product"]["id"]
    batch = shop.import_keys(client, key, pid, ["MINE-0001"])["batch_id"]
    mine = _keys(client, merchant)[0]
    other = shop.sign_up(client)
    # when another tenant aims at the first tenant's product, key and batch
    for method, path in [("GET", f"/v1/products/{pid}/keys"), ("POST", f"/v1/keys/{mine['id']}/void"),
                         ("POST", f"/v1/keys/{mine['id']}/reveal"), ("GET", f"/v1/products/{pid}/keys/export"),
                         ("GET", f"/v1/products/{pid}/batches"), ("GET", f"/v1/batches/{batch}"),
                         ("POST", "/v1/keys/ck_nonsense/void")]:
        r = shop.call(client, method, path, key=other["key"])
        # then each answers 404, exactly like a missing object
        assert r.status_code == 404, (path, r.body)
    # and nothing changed or was recorded
    assert _keys(client, merchant) == [mine]
    assert _get(client, "/v1/key_access_log", key)["data"] == []
    assert _get(client, "/v1/key_access_log", other["key"])["data"] == []


def test_stock_summary_lists_every_product_with_low_flags(client, merchant):
    key = merchant["key"]
    full = shop.product(client, key, low_stock_threshold=1, category="games")
    shop.import_keys(client, key, full["id"], ["S-0001", "S-0002"])
    # when the summary is read in pages of one
    first = _get(client, "/v1/stock?limit=1", key)
    second = _get(client, f"/v1/stock?limit=1&cursor={first['next_cursor']}", key)
    # then each product shows its stock and whether it is low
    assert first["data"] == [{"product_id": full["id"], "name": "Game card", "available": 2, "reserved": 0,
                              "sold": 0, "low_stock_threshold": 1, "low": False, "active": True,
                              "archived": False}]
    assert second["data"][0]["product_id"] == merchant["product"]["id"]
    assert (second["data"][0]["available"], second["data"][0]["low"], second["has_more"]) == (0, True, False)
    assert [r["product_id"] for r in _get(client, "/v1/stock?category=games", key)["data"]] == [full["id"]]


def test_stock_of_many_products_is_read_across_batches_with_sales_and_voids(client, settings, merchant):
    key, slug = merchant["key"], merchant["slug"]
    # given 12 more products (with the first, 130 counter, tally and sold-bucket items: two BatchGets), each with
    # as many keys as its number, one key of the 5th voided and one of the 9th sold
    made = [shop.product(client, key) for _ in range(12)]
    for n, p in enumerate(made, start=1):
        shop.import_keys(client, key, p["id"], [f"MANY-{n:02d}-{i:08d}" for i in range(n)])
    victim = next(k for k in _get(client, f"/v1/products/{made[4]['id']}/keys", key)["data"])
    assert shop.call(client, "POST", f"/v1/keys/{victim['id']}/void", key=key).status_code == 200
    shop.delivered_order(client, settings, slug, made[8]["id"], email="many@example.com")
    # when the stock summary lists them all on one page
    rows = {r["product_id"]: r for r in _get(client, "/v1/stock?limit=100", key)["data"]}
    # then every product shows its own figures
    assert [(rows[p["id"]]["available"], rows[p["id"]]["sold"]) for p in made] == [
        (1, 0), (2, 0), (3, 0), (4, 0), (4, 0), (6, 0), (7, 0), (8, 0), (8, 1), (10, 0), (11, 0), (12, 0)]
    assert (rows[merchant["product"]["id"]]["available"], len(rows)) == (0, 13)
