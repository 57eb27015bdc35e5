"""A heavy, realistic storefront for the page-weight test and the storefront benchmark: 20 products in 4
categories (long names, Chinese text, every stock state), shop settings filled in, and a delivered order of
5 keys with a usage guide."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from chalicelib.kernel.settings import Settings
from tests.support.shop import call, checkout, import_keys, new_keys, pay, post_event, product, sign_up, stripe_event

CATEGORIES = ("Steam 充值卡", "Xbox & PlayStation", "会员 Memberships", "Software licences")
LONG_NAME = ("Steam Wallet Gift Card 500 HKD — digital delivery, redeemable in every Steam region that accepts "
             "HKD, instant key by e-mail · Steam 钱包充值卡 500 港币（全区通用，自动发卡）")
CHINESE_DESCRIPTION = ("购买后卡密立即显示在订单页，并同时发送到您的邮箱。请在 Steam 客户端 →「钱包」→「充值 Steam 钱包」"
                       "中输入卡密。卡密一经售出，非质量问题不退不换；如遇无法使用，请在订单页点击「报告问题」联系售后。")
ENGLISH_DESCRIPTION = ("Your key shows on the order page the moment payment clears and is e-mailed to you as well. "
                       "Redeem it in the Steam client under Account → Add funds. Keys are single-use; if a key "
                       "does not work, report it from the order page and the shop replaces it or refunds you.")
USAGE_GUIDE = ("1. 打开 Steam 客户端并登录。\n2. 点击右上角的账户名 →「账户明细」→「充值钱包」。\n"
               "3. 选择「兑换 Steam 礼品卡或钱包充值码」，粘贴卡密并确认。\n"
               "1. Open Steam and sign in.\n2. Account details → Add funds → Redeem a gift card or wallet code.\n"
               "3. Paste the key and confirm. The balance shows at once.")


@dataclass(frozen=True)
class SeededShop:
    slug: str
    key: str
    product_ids: list[str]
    by_state: dict[str, str]  # one product id per stock state: in_stock, low, sold_out
    order_id: str
    order_token: str
    keys: list[str]  # the delivered order's keys, in order
    categories: tuple[str, ...] = CATEGORIES


def _catalogue(n: int) -> list[tuple[dict[str, Any], int]]:
    """(product fields, keys to import): long names and Chinese text; one product low on stock, one sold out."""
    out: list[tuple[dict[str, Any], int]] = []
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        name = LONG_NAME if i % 5 == 0 else (f"游戏点卡 {100 * (i + 1)} 元 · Game card {i + 1}" if i % 2
                                             else f"{category} voucher {10 * (i + 1)}")
        fields: dict[str, Any] = {
            "name": name, "price": 199 + 250 * i, "currency": "usd" if i % 3 else "cny", "category": category,
            "description": CHINESE_DESCRIPTION if i % 2 else ENGLISH_DESCRIPTION,
            "usage_guide": USAGE_GUIDE, "usage_url": "https://help.steampowered.com/en/wizard/HelpWithWallet",
            "low_stock_threshold": 3, "max_per_order": 10,
        }
        if i % 4 == 1:
            fields["image_url"] = f"https://cdn.example.com/products/{i}.png"
        keys = 0 if i == n - 1 else 2 if i == n - 2 else 20 if i == 0 else 8
        out.append((fields, keys))
    return out


def deliver(client: Any, settings: Settings, slug: str, product_id: str, quantity: int) -> dict[str, Any]:
    """A checkout of `quantity` keys paid at localstripe and delivered by its signed webhook."""
    r = checkout(client, slug, product_id, quantity=quantity, email="buyer@example.com")
    assert r.status_code == 201, r.body
    started = dict(json.loads(r.body))
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    pay(settings, intent_id)
    payload, signature = stripe_event(settings, intent_id)
    delivered = post_event(client, payload, signature)
    assert (delivered.status_code, json.loads(delivered.body)["result"]) == (200, "delivered"), delivered.body
    return started


def seed_shop(client: Any, settings: Settings, *, products: int = 20, order_keys: int = 5) -> SeededShop:
    """Signs up a shop through the API, fills in its settings and catalogue, and delivers one order."""
    shop = sign_up(client, f"bench-{secrets.token_hex(4)}")
    key = shop["key"]
    r = call(client, "PATCH", "/v1/tenant", {
        "name": "卡密小铺 Kami Card Shop", "logo_url": "https://cdn.example.com/logo.png",
        "announcement": "春节期间正常发货，卡密自动发送。Open through the holidays: keys are delivered automatically.",
        "support_contact": "help@kami.example.com", "show_stock_counts": True,
        "payment_methods": ["card", "alipay", "wechat_pay"]}, key=key)
    assert r.status_code == 200, r.body
    ids: list[str] = []
    by_state: dict[str, str] = {}
    for fields, count in _catalogue(products):
        made = product(client, key, **fields)
        ids.append(made["id"])
        if count:
            import_keys(client, key, made["id"], new_keys(count, "KAMI"))
        by_state.setdefault("sold_out" if count == 0 else "low" if count <= 3 else "in_stock", made["id"])
    # The delivered order: the first product, which stays in stock after it.
    if order_keys > 15:
        import_keys(client, key, ids[0], new_keys(order_keys, "KAMI"))
    started = deliver(client, settings, shop["slug"], ids[0], order_keys)
    page = call(client, "GET", f"/s/{shop['slug']}/orders/{started['order_id']}?token={started['order_token']}",
                headers={"Accept": "application/json"})
    assert page.status_code == 200, page.body
    keys = list(json.loads(page.body)["keys"])
    assert len(keys) == order_keys, keys
    return SeededShop(slug=shop["slug"], key=key, product_ids=ids, by_state=by_state,
                      order_id=started["order_id"], order_token=started["order_token"], keys=keys)
