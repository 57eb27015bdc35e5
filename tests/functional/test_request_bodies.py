"""Bodies the app cannot take: too deeply nested JSON and media types a route does not accept, in the error shape."""

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


# ---- answers the framework makes ----------------------------------------------------------------------

def test_an_unsupported_media_type_is_415_in_the_error_shape_and_creates_nothing(client):
    # given a merchant with no products
    merchant = shop.sign_up(client)
    # when a product is posted as XML
    r = shop.call(client, "POST", "/v1/products", "<product><name>Card</name></product>", key=merchant["key"],
                  headers={"Content-Type": "application/xml"})
    # then it is 415 in the contract's shape, naming what the route accepts
    assert r.status_code == 415
    assert _json(r) == {"error": {
        "type": "invalid_request", "code": "unsupported_media_type",
        "message": "Content-Type application/xml is not accepted here; send application/json"}}
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["X-Request-Id"].startswith("req_")
    # and nothing was created
    assert _products(client, merchant["key"]) == []


def test_a_415_names_every_type_a_route_accepts(client):
    # given a merchant and a product
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    # when keys are posted as a form
    r = shop.call(client, "POST", f"/v1/products/{product['id']}/keys", "keys=A", key=merchant["key"],
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    # then the 415 names both accepted types, and no key was imported
    assert (r.status_code, _json(r)["error"]["code"], _json(r)["error"]["message"]) == (
        415, "unsupported_media_type",
        "Content-Type application/x-www-form-urlencoded is not accepted here; send application/json or text/plain")
    assert shop.stock(client, merchant["key"], product["id"]) == {"available": 0, "reserved": 0, "sold": 0}


def test_framework_answers_are_rewritten_into_the_error_shape():
    # given the framework's own error bodies
    from chalice import Response

    from chalicelib.http.framework import contract_answer

    cases = [
        (Response(body={"Code": "BadRequestError", "Message": "Error Parsing JSON"}, status_code=400),
         (400, {"type": "invalid_request", "code": "invalid_request", "message": "Error Parsing JSON"})),
        (Response(body={"Code": "InternalServerError", "Message": "An internal server error occurred."},
                  status_code=500),
         (500, {"type": "api_error", "code": "internal_error",
                "message": "something went wrong on our side; retry, and contact support if it persists"})),
        (Response(body={"Code": "MethodNotAllowedError", "Message": "Unsupported method: PUT"}, status_code=405,
                  headers={"Allow": "GET"}),
         (405, {"type": "invalid_request", "code": "method_not_allowed", "message": "Unsupported method: PUT"})),
        (Response(body={"Code": "RequestTooLarge", "Message": "too big"}, status_code=413),
         (413, {"type": "invalid_request", "code": "payload_too_large", "message": "too big"})),
    ]
    for framework, (status, error) in cases:
        # when it is rewritten
        answer = contract_answer(framework, accepted=("application/json",), content_type="")
        # then it has the contract's shape, and keeps the framework's headers
        assert (answer.status_code, json.loads(answer.body)) == (status, {"error": error})
        assert answer.headers["Content-Type"] == "application/json"
    assert contract_answer(cases[2][0], accepted=(), content_type="").headers["Allow"] == "GET"
    # and an answer of the app passes untouched
    ours = Response(body=json.dumps({"ok": True}), status_code=200)
    assert contract_answer(ours, accepted=(), content_type="") is ours
