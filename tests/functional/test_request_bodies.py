"""Bodies the app cannot take: JSON nested too deeply answers 400 in the error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import shop


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _products(client: Any, key: str) -> list[Any]:
    r = shop.call(client, "GET", "/v1/products", key=key)
    assert r.status_code == 200, r.body
    return list(_json(r)["data"])


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


TOO_DEEP = {"error": {"type": "invalid_request", "code": "too_deep",
                      "message": "the request body is nested more than 64 levels deep; send a flatter JSON document"}}


@pytest.mark.parametrize("body", [
    pytest.param("[" * 100_000, id="100k-open-brackets"),
    pytest.param(_nested(100_000), id="100k-balanced"),
    pytest.param('{"a":' * 5_000 + "1" + "}" * 5_000, id="5k-objects"),
    pytest.param(json.dumps({"name": "Card", "price": 100, "currency": "usd", "x": json.loads(_nested(65))}),
                 id="65-levels-inside-an-object"),
])
def test_a_body_nested_past_the_limit_is_400_and_creates_nothing(client, body):
    # given a merchant with no products
    merchant = shop.sign_up(client)
    # when a product is posted with a body nested far too deep
    r = shop.call(client, "POST", "/v1/products", body, key=merchant["key"])
    # then it is 400 too_deep in the error shape, and nothing was created
    assert (r.status_code, _json(r)) == (400, TOO_DEEP)
    assert _products(client, merchant["key"]) == []


def test_a_deep_body_with_an_idempotency_key_is_400_too(client):
    # given a merchant
    merchant = shop.sign_up(client)
    # when the same deep body is posted twice under one Idempotency-Key
    answers = [shop.call(client, "POST", "/v1/products", "[" * 100_000, key=merchant["key"],
                         headers={"Idempotency-Key": "deep-1"}) for _ in range(2)]
    # then both answers are the same 400, and nothing was created
    assert [(r.status_code, _json(r)) for r in answers] == [(400, TOO_DEEP), (400, TOO_DEEP)]
    assert _products(client, merchant["key"]) == []


def test_a_deep_body_on_a_public_route_is_400(client):
    # when sign-up gets a body of 100,000 brackets
    r = shop.call(client, "POST", "/v1/tenants", "[" * 100_000)
    # then it is 400 too_deep
    assert (r.status_code, _json(r)) == (400, TOO_DEEP)


def test_a_body_nested_within_the_limit_is_parsed(client):
    # given a merchant
    merchant = shop.sign_up(client)
    # when a product body carries a value 63 levels deep (64 with the body object) in an unknown field
    body = json.dumps({"name": "Card", "price": 100, "currency": "usd", "x": json.loads(_nested(63))})
    r = shop.call(client, "POST", "/v1/products", body, key=merchant["key"])
    # then the body was parsed and judged by its fields: the unknown field is named
    assert r.status_code == 400
    assert (_json(r)["error"]["code"], _json(r)["error"]["param"]) == ("invalid_request", "x")
    # and brackets inside strings do not count as nesting
    r = shop.call(client, "POST", "/v1/products", {"name": "[" * 150, "price": 100, "currency": "usd"},
                  key=merchant["key"])
    assert r.status_code == 201, r.body

