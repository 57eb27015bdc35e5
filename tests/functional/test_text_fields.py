"""Human text through HTTP: control and bidi-override characters are refused by field, and nothing is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import shop


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _refusal(r: Any) -> tuple[int, str, str]:
    error = _json(r)["error"]
    return r.status_code, error["code"], error["param"]


@pytest.fixture()
def merchant(client: Any) -> dict[str, Any]:
    return shop.sign_up(client)


@pytest.mark.parametrize(("field", "value"), [
    pytest.param("name", "a\u0000b", id="name-nul"),
    pytest.param("name", "Steam\u202egnp.exe", id="name-bidi-override"),
    pytest.param("name", "line\nbreak", id="name-line-break"),
    pytest.param("category", "games\tx", id="category-tab"),
    pytest.param("description", "fine\n\u0085then C1", id="description-c1"),
    pytest.param("usage_guide", "step 1\u001b[31m", id="usage-guide-escape"),
])
def test_a_product_with_a_control_character_is_refused_and_not_created(client, merchant, field, value):
    # given a product body that is right except for one text field
    body = {"name": "Game card", "price": 500, "currency": "usd", field: value}
    # when it is created
    r = shop.call(client, "POST", "/v1/products", body, key=merchant["key"])
    # then it is 400 naming the field, and no product exists
    assert _refusal(r) == (400, "invalid_request", field)
    assert "U+" in _json(r)["error"]["message"]
    listed = _json(shop.call(client, "GET", "/v1/products", key=merchant["key"]))
    assert listed["data"] == []


@pytest.mark.parametrize(("field", "value"), [
    pytest.param("name", "a\u0000b", id="name-nul"),
    pytest.param("description", "x\u2066y", id="description-isolate"),
    pytest.param("category", "\u0007bell", id="category-bel"),
])
def test_patching_a_product_with_a_control_character_changes_nothing(client, merchant, field, value):
    # given a product
    p = shop.product(client, merchant["key"], category="games", description="plain")
    # when one text field is patched with a control character
    r = shop.call(client, "PATCH", f"/v1/products/{p['id']}", {field: value}, key=merchant["key"])
    # then it is 400 naming the field, and the product is as it was
    assert _refusal(r) == (400, "invalid_request", field)
    assert _json(shop.call(client, "GET", f"/v1/products/{p['id']}", key=merchant["key"])) == p


def test_multi_line_text_keeps_tabs_and_line_breaks(client, merchant):
    # when a description and usage guide carry tabs and Windows line ends
    p = shop.product(client, merchant["key"], description="Line 1\r\nLine 2", usage_guide="1.\tOpen\n2.\tRedeem")
    # then they are kept, with line ends as \n
    assert (p["description"], p["usage_guide"]) == ("Line 1\nLine 2", "1.\tOpen\n2.\tRedeem")


def test_a_shop_name_with_a_control_character_is_refused_at_sign_up(client, container):
    # when a shop signs up with a NUL in its name
    body = {"name": "Moon\u0000Cards", "slug": "shop-nul-name", "email": "owner@nul-name.example.com",
            "password": "correct horse battery"}
    r = shop.call(client, "POST", "/v1/tenants", body)
    # then it is 400 naming the field, and no shop was created
    assert _refusal(r) == (400, "invalid_request", "name")
    assert container.tenancy.tenant_store.by_slug("shop-nul-name") is None


@pytest.mark.parametrize(("field", "value"), [
    pytest.param("name", "Moon\u202eCards", id="name-bidi"),
    pytest.param("announcement", "Sale!\u0000", id="announcement-nul"),
    pytest.param("support_contact", "help\u0000@moon.example.com", id="support-email-nul"),
    pytest.param("support_contact", "https://help.example.com/\u202e", id="support-url-bidi"),
])
def test_shop_settings_with_a_control_character_change_nothing(client, merchant, field, value):
    # given the shop as it is
    before = _json(shop.call(client, "GET", "/v1/tenant", key=merchant["key"]))
    # when one setting is patched with a control or bidi character
    r = shop.call(client, "PATCH", "/v1/tenant", {field: value}, key=merchant["key"])
    # then it is 400 naming the field, and the shop is as it was
    assert _refusal(r) == (400, "invalid_request", field)
    assert _json(shop.call(client, "GET", "/v1/tenant", key=merchant["key"])) == before


def test_an_announcement_may_span_lines(client, merchant):
    r = shop.call(client, "PATCH", "/v1/tenant", {"announcement": "Open 9-5\n\tclosed Sundays"}, key=merchant["key"])
    assert r.status_code == 200, r.body
