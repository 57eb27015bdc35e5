"""Idempotency-Key on POST: replays answer the first response, other bodies conflict, concurrent twins run once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.kernel.errors import StoreUnavailable
from tests.support.shop import call, import_keys, new_keys, product, sign_up

PRODUCT = {"name": "Gift card", "price": 1000, "currency": "usd"}


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _products(client: Any, key: str) -> list[str]:
    return [p["name"] for p in _json(call(client, "GET", "/v1/products", key=key))["data"]]


def test_a_replay_returns_the_first_response_and_creates_nothing_more(client):
    # given a shop
    shop = sign_up(client)
    # when the same create is sent twice with one Idempotency-Key
    first = call(client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": "abc-1"})
    second = call(client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": "abc-1"})
    # then both answer 201 with the same product, and the second says it is a replay
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.body == first.body
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _products(client, shop["key"]) == ["Gift card"]


def test_the_same_key_with_another_body_is_a_conflict_and_changes_nothing(client):
    shop = sign_up(client)
    call(client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": "abc-2"})
    other = call(client, "POST", "/v1/products", {**PRODUCT, "price": 2000}, key=shop["key"],
                 headers={"Idempotency-Key": "abc-2"})
    assert other.status_code == 409
    assert _json(other)["error"]["code"] == "idempotency_key_reused"
    assert _json(other)["error"]["param"] == "Idempotency-Key"
    assert [p["price"] for p in _json(call(client, "GET", "/v1/products", key=shop["key"]))["data"]] == [1000]


def test_the_same_key_on_another_route_is_a_conflict(client):
    shop = sign_up(client)
    made = product(client, shop["key"])
    call(client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": "abc-3"})
    r = call(client, "POST", f"/v1/products/{made['id']}/keys", {"keys": new_keys(1)}, key=shop["key"],
             headers={"Idempotency-Key": "abc-3"})
    assert (r.status_code, _json(r)["error"]["code"]) == (409, "idempotency_key_reused")


def test_keys_belong_to_their_api_key_so_tenants_never_share_answers(client):
    a, b = sign_up(client), sign_up(client)
    ra = call(client, "POST", "/v1/products", PRODUCT, key=a["key"], headers={"Idempotency-Key": "same"})
    rb = call(client, "POST", "/v1/products", PRODUCT, key=b["key"], headers={"Idempotency-Key": "same"})
    assert (ra.status_code, rb.status_code) == (201, 201)
    assert _json(ra)["id"] != _json(rb)["id"]
    assert "Idempotent-Replayed" not in rb.headers


def test_a_client_error_is_replayed_too(client):
    shop = sign_up(client)
    bad = {"name": "", "price": 1, "currency": "usd"}
    first = call(client, "POST", "/v1/products", bad, key=shop["key"], headers={"Idempotency-Key": "bad-1"})
    second = call(client, "POST", "/v1/products", bad, key=shop["key"], headers={"Idempotency-Key": "bad-1"})
    assert (first.status_code, second.status_code, second.body) == (400, 400, first.body)
    assert second.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("value", ["", "x" * 256])
def test_an_empty_or_overlong_key_is_refused(client, value):
    shop = sign_up(client)
    r = call(client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": value})
    assert (r.status_code, _json(r)["error"]["param"]) == (400, "Idempotency-Key")
    assert _products(client, shop["key"]) == []


def test_concurrent_twins_run_exactly_once(client):
    # given a shop, and twelve identical requests sent at the same moment with one key
    shop = sign_up(client)
    answers: list[Any] = []
    start = threading.Barrier(12)

    def send() -> None:
        start.wait()
        answers.append(call(client, "POST", "/v1/products", PRODUCT, key=shop["key"],
                            headers={"Idempotency-Key": "twins"}))

    threads = [threading.Thread(target=send) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then one product exists; every answer is that product (first or replay) or "in progress"
    assert _products(client, shop["key"]) == ["Gift card"]
    created = {_json(r)["id"] for r in answers if r.status_code == 201}
    assert len(created) == 1
    others = {(r.status_code, _json(r)["error"]["code"]) for r in answers if r.status_code != 201}
    assert others <= {(409, "idempotency_request_in_progress")}


class FailingOnce:
    """The real product store, except that the first create fails as DynamoDB would."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create(self, product: Any) -> None:
        if not self.failed:
            self.failed = True
            raise StoreUnavailable("injected: the data store did not complete saving the product")
        self._inner.create(product)


@pytest.fixture()
def flaky_client(container) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from chalice.test import Client

    from app import app

    c = wiring.Container(container.settings, product_store=FailingOnce(container.catalog.product_store))
    wiring.use(c)
    with Client(app) as test_client:
        yield test_client
    wiring.use(container)


def test_a_server_failure_is_not_kept_so_the_same_key_can_retry(flaky_client):
    shop = sign_up(flaky_client)
    first = call(flaky_client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": "k5"})
    retry = call(flaky_client, "POST", "/v1/products", PRODUCT, key=shop["key"], headers={"Idempotency-Key": "k5"})
    assert (first.status_code, _json(first)["error"]["code"]) == (503, "store_unavailable")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert _products(flaky_client, shop["key"]) == ["Gift card"]


def test_checkout_with_a_key_reserves_once(client):
    shop = sign_up(client)
    made = product(client, shop["key"])
    import_keys(client, shop["key"], made["id"], new_keys(3))
    body = {"product_id": made["id"], "quantity": 2, "email": "buyer@example.com"}
    first = call(client, "POST", f"/s/{shop['slug']}/checkout", body, headers={"Idempotency-Key": "cart-7"})
    second = call(client, "POST", f"/s/{shop['slug']}/checkout", body, headers={"Idempotency-Key": "cart-7"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert _json(first)["order_id"] == _json(second)["order_id"]
    stock = _json(call(client, "GET", f"/v1/products/{made['id']}/stock", key=shop["key"]))
    assert (stock["available"], stock["reserved"]) == (1, 2)


def _table_text(settings: Any) -> str:
    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")
    pages = ddb.get_paginator("scan").paginate(TableName=settings.table_name)
    return json.dumps([page["Items"] for page in pages], default=repr)


def test_answers_holding_a_secret_are_never_stored_for_replay(client, settings):
    # given a shop, an API key created and a card key revealed with Idempotency-Keys
    shop = sign_up(client)
    made = call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"],
                headers={"Idempotency-Key": "secret-1"})
    item = product(client, shop["key"])
    import_keys(client, shop["key"], item["id"], ["CARD-SECRET-0001"])
    key_id = _json(call(client, "GET", f"/v1/products/{item['id']}/keys", key=shop["key"]))["data"][0]["id"]
    shown = call(client, "POST", f"/v1/keys/{key_id}/reveal", key=shop["key"], headers={"Idempotency-Key": "rv-1"})
    assert (made.status_code, shown.status_code, _json(shown)["value"]) == (201, 200, "CARD-SECRET-0001")
    # when both are replayed
    again = call(client, "POST", "/v1/api_keys", {"name": "ci", "scopes": ["read"]}, key=shop["key"],
                 headers={"Idempotency-Key": "secret-1"})
    shown_again = call(client, "POST", f"/v1/keys/{key_id}/reveal", key=shop["key"],
                       headers={"Idempotency-Key": "rv-1"})
    # then neither secret comes back, no second key was made, and no secret sits in the table
    assert (again.status_code, _json(again)["error"]["code"], _json(again)["error"]["id"]) == (
        409, "idempotent_secret_withheld", _json(made)["id"])
    assert (shown_again.status_code, _json(shown_again)["error"]["code"]) == (409, "idempotent_secret_withheld")
    assert len(_json(call(client, "GET", "/v1/api_keys", key=shop["key"]))["data"]) == 2
    stored = _table_text(settings)
    assert _json(made)["secret"] not in stored and "CARD-SECRET-0001" not in stored
