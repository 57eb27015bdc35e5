"""Key import through HTTP: JSON and text/plain, trimming, rejections by line, duplicates, limits."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib import wiring
from chalicelib.adapters.dynamo.items import configure
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.settings import Settings
from tests.support import shop
from tests.support.servers import start_moto

EMPTY_STOCK = {"available": 0, "reserved": 0, "sold": 0}
CONTROL = "contains control characters (not text)"


def _import(client: Any, key: str, product_id: str, body: Any, content_type: str = "application/json") -> Any:
    return shop.call(client, "POST", f"/v1/products/{product_id}/keys", body, key=key,
                     headers={"Content-Type": content_type})


def _json(r: Any) -> Any:
    return json.loads(r.body)


@pytest.fixture()
def merchant(client) -> dict[str, Any]:
    m = shop.sign_up(client)
    m["product"] = shop.product(client, m["key"])
    return m


def test_json_list_trims_keys_and_rejects_bad_entries_by_position(client, merchant):
    # given a JSON list with padded keys, a key of exactly 1,024 characters, and bad entries of every kind
    key, pid = merchant["key"], merchant["product"]["id"]
    longest = "L" * 1024
    entries = ["  JSON-1  ", "\tJSON-2\t", "", "   ", "X" * 1025, "AB\x00CD", "AB\x07CD", 42, None, True,
               {"key": "JSON-9"}, ["JSON-9"], longest, "JSON-3", "AB\tCD"]
    # when they are imported
    r = _import(client, key, pid, {"keys": entries})
    # then the good ones are stored and each bad one is named by its 1-based position and reason
    assert r.status_code == 200, r.body
    body = _json(r)
    assert body["batch_id"].startswith("bat_")
    assert (body["imported"], body["duplicates"]) == (5, 0)
    assert body["rejected"] == [
        {"line": 3, "reason": "empty"}, {"line": 4, "reason": "empty"},
        {"line": 5, "reason": "longer than 1024 characters"},
        {"line": 6, "reason": CONTROL}, {"line": 7, "reason": CONTROL},
        {"line": 8, "reason": "not text"}, {"line": 9, "reason": "not text"}, {"line": 10, "reason": "not text"},
        {"line": 11, "reason": "not text"}, {"line": 12, "reason": "not text"},
    ]
    assert shop.stock(client, key, pid) == {"available": 5, "reserved": 0, "sold": 0}
    # and the stored keys are the trimmed values: sending them bare again finds only duplicates
    again = _import(client, key, pid, {"keys": ["JSON-1", "JSON-2", longest, "JSON-3", "AB\tCD"]})
    assert (again.status_code, _json(again)["imported"], _json(again)["duplicates"]) == (200, 0, 5)
    assert shop.stock(client, key, pid) == {"available": 5, "reserved": 0, "sold": 0}


def test_text_plain_takes_one_key_a_line_and_names_bad_lines(client, merchant):
    # given a text file with padded keys, empty and blank lines inside, bad lines, and blank lines at the end
    key, pid = merchant["key"], merchant["product"]["id"]
    text = ("  TEXT-1  \n"
            "TEXT-2\n"
            "\n"
            "TEXT-3\n"
            "   \t \n"
            + "Y" * 1025 + "\n"
            "TE\x07XT\n"
            "\tTEXT-4\n"
            "\n\n")
    # when it is sent as text/plain (with a charset parameter, as browsers and curl send it)
    r = _import(client, key, pid, text.encode(), "text/plain; charset=utf-8")
    # then four keys are stored and the bad lines are named by their 1-based line numbers
    assert r.status_code == 200, r.body
    body = _json(r)
    assert (body["imported"], body["duplicates"]) == (4, 0)
    assert body["rejected"] == [{"line": 3, "reason": "empty"}, {"line": 5, "reason": "empty"},
                                {"line": 6, "reason": "longer than 1024 characters"}, {"line": 7, "reason": CONTROL}]
    assert shop.stock(client, key, pid) == {"available": 4, "reserved": 0, "sold": 0}
    # and the stored values are trimmed: the same keys bare, as JSON, are all duplicates
    again = _import(client, key, pid, {"keys": ["TEXT-1", "TEXT-2", "TEXT-3", "TEXT-4"]})
    assert (again.status_code, _json(again)["imported"], _json(again)["duplicates"]) == (200, 0, 4)


def test_duplicates_within_one_batch_are_counted_and_stored_once(client, merchant):
    # given a batch that names some keys more than once (also after trimming)
    key, pid = merchant["key"], merchant["product"]["id"]
    # when it is imported
    r = _import(client, key, pid, {"keys": ["DUP-1", "DUP-1", " DUP-1 ", "DUP-2", "DUP-3", "DUP-2"]})
    # then each distinct key is stored once and the repeats are counted as duplicates
    assert r.status_code == 200, r.body
    assert {k: _json(r)[k] for k in ("imported", "duplicates", "rejected")} == {
        "imported": 3, "duplicates": 3, "rejected": []}
    assert shop.stock(client, key, pid) == {"available": 3, "reserved": 0, "sold": 0}


def test_reimporting_the_same_keys_imports_nothing(client, merchant):
    # given a product with ten imported keys
    key, pid = merchant["key"], merchant["product"]["id"]
    keys = shop.new_keys(10, prefix="RE")
    assert shop.import_keys(client, key, pid, keys)["imported"] == 10
    # when the same keys are imported again, as JSON and as text
    as_json = _import(client, key, pid, {"keys": keys})
    as_text = _import(client, key, pid, ("\n".join(reversed(keys)) + "\n").encode(), "text/plain")
    # then nothing is imported, every key is a duplicate, and stock is unchanged
    for r in (as_json, as_text):
        assert r.status_code == 200, r.body
        assert {k: _json(r)[k] for k in ("imported", "duplicates", "rejected")} == {
            "imported": 0, "duplicates": 10, "rejected": []}
    assert shop.stock(client, key, pid) == {"available": 10, "reserved": 0, "sold": 0}


def test_a_windows_file_with_a_bom_imports_the_bare_keys(client, merchant):
    # given a UTF-8 file with a byte-order mark and CRLF line endings, as Windows editors save it
    key, pid = merchant["key"], merchant["product"]["id"]
    keys = shop.new_keys(3, prefix="WIN")
    windows = b"\xef\xbb\xbf" + "\r\n".join(keys).encode() + b"\r\n"
    # when it is imported
    r = _import(client, key, pid, windows, "text/plain")
    # then the three keys are stored with no rejection
    assert r.status_code == 200, r.body
    assert {k: _json(r)[k] for k in ("imported", "duplicates", "rejected")} == {
        "imported": 3, "duplicates": 0, "rejected": []}
    assert shop.stock(client, key, pid) == {"available": 3, "reserved": 0, "sold": 0}
    # and they were stored without BOM or CR: the same keys with plain \n endings are all duplicates
    unix = _import(client, key, pid, ("\n".join(keys) + "\n").encode(), "text/plain")
    assert {k: _json(unix)[k] for k in ("imported", "duplicates", "rejected")} == {
        "imported": 0, "duplicates": 3, "rejected": []}
    assert shop.stock(client, key, pid) == {"available": 3, "reserved": 0, "sold": 0}


@pytest.fixture()
def bulk_client(container: wiring.Container, settings: Settings) -> Iterator[Any]:
    """A client on its own moto server. moto deep-copies a whole table for every transaction item, so
    10,000 keys in the shared session table would slow every later transaction of the session by seconds."""
    from chalice.test import Client

    from app import app

    server = start_moto()
    try:
        kms = boto3.client("kms", endpoint_url=server.url, region_name=settings.region)
        arn = kms.create_key(Description="kamidrop bulk import test")["KeyMetadata"]["Arn"]
        own = dataclasses.replace(settings, aws_endpoint_url=server.url, kms_key_arn=arn)
        wiring.bootstrap(own)
        wiring.use(wiring.Container(own))
        with Client(app) as client:
            yield client
    finally:
        # Point the (process-wide) store models and wiring back at the session's stack.
        configure(table_name=settings.table_name, region=settings.region, host=settings.aws_endpoint_url)
        wiring.use(container)
        server.stop()


def test_ten_thousand_keys_are_accepted_and_one_more_is_refused(bulk_client):
    # given a product and 10,001 fresh keys
    client = bulk_client
    merchant = shop.sign_up(client)
    key, pid = merchant["key"], shop.product(client, merchant["key"])["id"]
    keys = shop.new_keys(10_001, prefix="BULK")
    # when all 10,001 are sent, as JSON and as text
    too_many = _import(client, key, pid, {"keys": keys})
    too_many_text = _import(client, key, pid, ("\n".join(keys) + "\n").encode(), "text/plain")
    # then both are refused as too large, naming the limit, and nothing was stored
    for r in (too_many, too_many_text):
        assert r.status_code == 413
        error = _json(r)["error"]
        assert {k: error[k] for k in ("type", "code", "param")} == {
            "type": "invalid_request", "code": "payload_too_large", "param": "keys"}
        assert re.search(r"\b10,?000\b", error["message"]), error["message"]
        assert set(error) == {"type", "code", "param", "message"}
    assert shop.stock(client, key, pid) == EMPTY_STOCK
    # when exactly 10,000 of them are sent
    r = _import(client, key, pid, {"keys": keys[:10_000]})
    # then all are imported
    assert r.status_code == 200, r.body
    assert {k: _json(r)[k] for k in ("imported", "duplicates", "rejected")} == {
        "imported": 10_000, "duplicates": 0, "rejected": []}
    assert shop.stock(client, key, pid) == {"available": 10_000, "reserved": 0, "sold": 0}


NO_KEYS = {"type": "invalid_request", "code": "invalid_request",
           "message": "no keys given: send a JSON list or one key per line", "param": "keys"}
NOT_A_LIST = {"type": "invalid_request", "code": "invalid_request", "message": "keys must be a list of strings",
              "param": "keys"}
NOT_JSON = {"type": "invalid_request", "code": "invalid_request", "message": "the request body is not valid JSON"}
NOT_UTF8 = {"type": "invalid_request", "code": "invalid_request", "message": "the key file must be UTF-8 text",
            "param": "keys"}


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    pytest.param({"keys": []}, "application/json", NO_KEYS, id="empty-list"),
    pytest.param(b"", "text/plain", NO_KEYS, id="empty-text"),
    pytest.param(b"\n \n\r\n", "text/plain", NO_KEYS, id="blank-text"),
    pytest.param({}, "application/json", NOT_A_LIST, id="no-keys-field"),
    pytest.param({"keys": "KEY-1\nKEY-2"}, "application/json", NOT_A_LIST, id="keys-a-string"),
    pytest.param({"keys": None}, "application/json", NOT_A_LIST, id="keys-null"),
    pytest.param(["KEY-1"], "application/json", NOT_A_LIST, id="bare-list"),
    pytest.param(b"{\"keys\": [\"KEY-1\"", "application/json", NOT_JSON, id="truncated-json"),
    pytest.param(b"KEY-1\nKEY-2\n", "application/json", NOT_JSON, id="text-sent-as-json"),
    pytest.param(b"KEY-1\n\xff\xfeKEY-2\n", "text/plain", NOT_UTF8, id="latin1-bytes"),
    pytest.param("KEY-1\n卡密-2\n".encode("gb18030"), "text/plain", NOT_UTF8, id="gb18030"),
])
def test_a_bad_import_body_is_400_and_stores_nothing(client, merchant, body, content_type, expected):
    # given a product with two keys
    key, pid = merchant["key"], merchant["product"]["id"]
    assert shop.import_keys(client, key, pid, ["KEEP-1", "KEEP-2"])["imported"] == 2
    # when a malformed import is sent
    r = _import(client, key, pid, body, content_type)
    # then it is refused with a clear error and the pool is unchanged
    assert r.status_code == 400
    assert _json(r) == {"error": expected}
    assert shop.stock(client, key, pid) == {"available": 2, "reserved": 0, "sold": 0}


@pytest.mark.parametrize(("body", "content_type"), [
    pytest.param({"keys": ["KEY-1"]}, "application/json", id="json"),
    pytest.param(b"KEY-1\n", "text/plain", id="text"),
])
def test_import_into_an_unknown_product_is_404(client, merchant, body, content_type):
    # given a product id that does not exist
    key = merchant["key"]
    # when keys are imported into it
    r = _import(client, key, new_id("product"), body, content_type)
    # then it is 404, and the merchant's real product is untouched
    assert r.status_code == 404
    assert _json(r) == {"error": {"type": "not_found", "code": "resource_missing", "message": "no such product",
                                  "param": "product_id"}}
    assert shop.stock(client, key, merchant["product"]["id"]) == EMPTY_STOCK
