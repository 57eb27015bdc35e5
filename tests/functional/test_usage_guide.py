"""The product's usage guide reaches the buyer with the keys, escaped, and only once delivered."""

from __future__ import annotations

import json

from tests.support import shop

GUIDE = "1. Open the launcher\n2. Redeem <script>alert(1)</script> under Account"


def test_the_order_page_shows_the_usage_guide_once_delivered(client, settings):
    # given a product with a usage guide and link, and a buyer's pending order
    m = shop.sign_up(client)
    product = shop.product(client, m["key"], usage_guide=GUIDE, usage_url="https://help.example.com/redeem")
    shop.import_keys(client, m["key"], product["id"], shop.new_keys(1))
    started = json.loads(shop.checkout(client, m["slug"], product["id"]).body)
    url = f"/s/{m['slug']}/orders/{started['order_id']}?token={started['order_token']}"
    before = json.loads(client.http.get(url, headers={"Accept": "application/json"}).body)
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    shop.pay(settings, intent_id)
    # when the payment is confirmed
    payload, signature = shop.stripe_event(settings, intent_id)
    shop.post_event(client, payload, signature)
    after = json.loads(client.http.get(url, headers={"Accept": "application/json"}).body)
    html = client.http.get(url).body.decode()
    # then the guide comes with the keys, not before, and the page escapes it
    assert (before["order"]["status"], before["keys"], before["usage"]) == ("pending", [], {"guide": "", "url": ""})
    assert after["usage"] == {"guide": GUIDE, "url": "https://help.example.com/redeem"}
    assert "Redeem &lt;script&gt;alert(1)&lt;/script&gt; under Account" in html
    assert "<script>alert(1)" not in html
    assert 'href="https://help.example.com/redeem"' in html
