"""Rate limits: per API key by plan and per IP on public routes; 429 with Retry-After, then passes again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.http.conventions.rate_limits import RateLimitService
from chalicelib.http.conventions.store import DynamoRateCounter
from chalicelib.kernel.conventions import Limit
from tests.fakes import FixedClock
from tests.fakes_conventions import FakeRateCounter
from tests.support.shop import call, import_keys, new_keys, product, sign_up

T0 = 1_900_000_003  # 3 s into a 10 s window and into a 60 s window


def _json(r: Any) -> Any:
    return json.loads(r.body)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture()
def limited(container, clock) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A client whose limits are small: 5 requests per 10 s per API key, 3 checkouts per minute per IP."""
    from chalice.test import Client

    from app import app

    policies = {"plan:starter": Limit(5, 10), "ip:checkout": Limit(3, 60), "ip:signup": Limit(1000, 60),
                "ip:public": Limit(1000, 60), "ip:order_lookup": Limit(1000, 60)}
    c = wiring.Container(container.settings, clock=clock,
                         rate_limits=RateLimitService(counter=DynamoRateCounter(), clock=clock, policies=policies))
    wiring.use(c)
    with Client(app) as test_client:
        yield test_client
    wiring.use(container)


def test_a_burst_over_the_plan_gets_429_with_retry_after_then_passes_after_waiting(limited, clock):
    # given a shop on the starter plan (5 requests per 10 s per key in this test)
    shop = sign_up(limited)
    # when it sends 6 requests in one window
    answers = [call(limited, "GET", "/v1/products", key=shop["key"]) for _ in range(6)]
    # then 5 pass with shrinking RateLimit-Remaining and the 6th is told to wait until the window ends
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 200, 429]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["4", "3", "2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "7"
    assert (refused.headers["RateLimit-Limit"], refused.headers["RateLimit-Reset"]) == ("5", "7")
    assert _json(refused)["error"] == {"type": "rate_limited", "code": "rate_limited",
                                       "message": "too many requests: the limit is 5 per 10 s; retry after 7 s"}
    # and after waiting Retry-After seconds (fake clock) requests pass again
    clock.advance(7)
    assert call(limited, "GET", "/v1/products", key=shop["key"]).status_code == 200


def test_limits_are_per_api_key(limited):
    shop = sign_up(limited)
    other = _json(call(limited, "POST", "/v1/api_keys", {"name": "b", "scopes": ["read"]}, key=shop["key"]))
    for _ in range(4):
        call(limited, "GET", "/v1/products", key=shop["key"])
    assert call(limited, "GET", "/v1/products", key=shop["key"]).status_code == 429
    assert call(limited, "GET", "/v1/products", key=other["secret"]).status_code == 200


def test_a_refused_write_changes_nothing(limited):
    shop = sign_up(limited)
    for _ in range(5):
        call(limited, "GET", "/v1/tenant", key=shop["key"])
    r = call(limited, "POST", "/v1/products", {"name": "x", "price": 1, "currency": "usd"}, key=shop["key"])
    assert r.status_code == 429


def test_public_checkout_is_limited_per_ip(limited, clock):
    shop = sign_up(limited)
    made = product(limited, shop["key"])
    clock.advance(10)
    import_keys(limited, shop["key"], made["id"], new_keys(10))
    body = {"product_id": made["id"], "quantity": 1, "email": "buyer@example.com"}
    answers = [call(limited, "POST", f"/s/{shop['slug']}/checkout", body) for _ in range(4)]
    assert [r.status_code for r in answers] == [201, 201, 201, 429]
    assert answers[-1].headers["Retry-After"] == str(60 - (clock.now() % 60))
    clock.advance(10)
    stock = _json(call(limited, "GET", f"/v1/products/{made['id']}/stock", key=shop["key"]))
    assert (stock["available"], stock["reserved"]) == (7, 3)


def test_the_plan_sets_the_limit():
    # given the service with two plans and a counter in memory
    service = RateLimitService(counter=FakeRateCounter(), clock=FixedClock(T0),
                               policies={"plan:starter": Limit(2, 10), "plan:growth": Limit(4, 10)})
    from chalicelib.kernel.errors import RateLimited

    def passes(policy: str) -> int:
        n = 0
        try:
            while n < 10:
                service.hit(policy=policy, subject="key:k_" + policy, tenant_id="ten_1")
                n += 1
        except RateLimited:
            pass
        return n

    # then starter passes 2, growth 4, and an unknown plan falls back to starter
    assert (passes("plan:starter"), passes("plan:growth"), passes("plan:enterprise")) == (2, 4, 2)
