"""Which payment methods a PaymentIntent offers: card always, Alipay and WeChat Pay when the shop enables them."""

from __future__ import annotations

import dataclasses

from chalicelib.adapters.stripe_gateway import StripeGateway
from chalicelib.tenancy.domain.models import Tenant

TENANT = Tenant(id="ten_1", slug="shop", name="Shop", email="o@example.com", plan="starter", branch_key_id="bk",
                fingerprint_key_ciphertext=b"", created_at=0)


def gateway() -> StripeGateway:
    # api_base None = real Stripe's parameters (Connect fields included); nothing is sent in this test
    return StripeGateway(secret_key="sk_test_x", publishable_key="pk_test_x", webhook_secret="whsec_x",
                         api_base=None, platform_fee_bps=0)


def test_a_shop_with_only_cards_offers_cards() -> None:
    params = gateway().intent_params(tenant=TENANT, amount=500, currency="usd", metadata={}, email="b@example.com")
    assert params["payment_method_types"] == ["card"]
    assert "payment_method_options" not in params


def test_a_shop_with_wallets_offers_them_and_wechat_pay_is_set_up_for_the_web() -> None:
    shop = dataclasses.replace(TENANT, payment_methods=("card", "alipay", "wechat_pay"))
    params = gateway().intent_params(tenant=shop, amount=500, currency="cny", metadata={}, email="b@example.com")
    assert params["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert params["payment_method_options"] == {"wechat_pay": {"client": "web"}}
