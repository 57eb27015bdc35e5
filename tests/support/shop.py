"""Test helpers that drive the HTTP API like an integrator and Stripe like a paying buyer."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import stripe

from chalicelib.kernel.settings import Settings


def call(client: Any, method: str, path: str, body: Any = None, key: str | None = None,
         headers: dict[str, str] | None = None) -> Any:
    h = {"Content-Type": "application/json"}
    if key:
        h["Authorization"] = f"Bearer {key}"
    h.update(headers or {})
    data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    return getattr(client.http, method.lower())(path, headers=h, body=data)


def sign_up(client: Any, slug: str | None = None) -> dict[str, Any]:
    slug = slug or f"shop-{secrets.token_hex(4)}"
    r = call(client, "POST", "/v1/tenants", {"name": f"Shop {slug}", "slug": slug,
                                             "email": f"owner@{slug}.example.com", "password": "correct horse battery"})
    assert r.status_code == 201, r.body
    body = json.loads(r.body)
    return {"slug": slug, "key": body["api_key"], "tenant": body["tenant"]}


def product(client: Any, key: str, price: int = 500, currency: str = "usd", **extra: Any) -> dict[str, Any]:
    r = call(client, "POST", "/v1/products", {"name": "Game card", "price": price, "currency": currency, **extra},
             key=key)
    assert r.status_code == 201, r.body
    return dict(json.loads(r.body))


def import_keys(client: Any, key: str, product_id: str, keys: list[str]) -> dict[str, Any]:
    r = call(client, "POST", f"/v1/products/{product_id}/keys", {"keys": keys}, key=key)
    assert r.status_code == 200, r.body
    return dict(json.loads(r.body))


def stock(client: Any, key: str, product_id: str) -> dict[str, int]:
    r = call(client, "GET", f"/v1/products/{product_id}/stock", key=key)
    assert r.status_code == 200, r.body
    return dict(json.loads(r.body))


def new_keys(n: int, prefix: str = "KEY") -> list[str]:
    return [f"{prefix}-{secrets.token_hex(8).upper()}" for _ in range(n)]


def stripe_client(settings: Settings) -> stripe.StripeClient:
    return stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base or ""},
                               max_network_retries=0)


def pay(settings: Settings, intent_id: str, number: str = "4242424242424242") -> Any:
    """Attach a test card and confirm, exactly as the browser checkout does through Stripe.js."""
    sc = stripe_client(settings)
    pm = sc.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    sc.v1.payment_intents.update(intent_id, params={"payment_method": pm.id})
    return sc.v1.payment_intents.confirm(intent_id)


def stripe_event(settings: Settings, intent_id: str, kind: str = "payment_intent.succeeded",
                 event_id: str | None = None, overrides: dict[str, Any] | None = None,
                 timestamp: int | None = None, secret: str | None = None) -> tuple[bytes, str]:
    """A Stripe event for the intent as Stripe would send it: JSON body and a real v1 signature."""
    intent = stripe_client(settings).v1.payment_intents.retrieve(intent_id)
    obj = json.loads(json.dumps(intent.to_dict()))
    obj.update(overrides or {})
    event = {"id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event", "type": kind,
             "created": int(time.time()), "data": {"object": obj}, "api_version": "2024-06-20"}
    payload = json.dumps(event).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new((secret or settings.stripe_webhook_secret).encode(), f"{ts}.".encode() + payload,
                   hashlib.sha256).hexdigest()
    return payload, f"t={ts},v1={mac}"


def post_event(client: Any, payload: bytes, signature: str) -> Any:
    return client.http.post("/stripe/webhook", headers={"Content-Type": "application/json",
                                                        "Stripe-Signature": signature}, body=payload)


def checkout(client: Any, slug: str, product_id: str, quantity: int = 1, email: str = "buyer@example.com") -> Any:
    return call(client, "POST", f"/s/{slug}/checkout", {"product_id": product_id, "quantity": quantity,
                                                        "email": email})


def delivered_order(client: Any, settings: Settings, slug: str, product_id: str,
                    email: str = "buyer@example.com") -> dict[str, Any]:
    """A checkout paid at the local Stripe and delivered by its signed webhook; returns the checkout answer."""
    r = checkout(client, slug, product_id, email=email)
    assert r.status_code == 201, r.body
    started = dict(json.loads(r.body))
    intent_id = started["payment"]["client_secret"].split("_secret_")[0]
    pay(settings, intent_id)
    payload, signature = stripe_event(settings, intent_id)
    delivered = post_event(client, payload, signature)
    assert (delivered.status_code, json.loads(delivered.body)["result"]) == (200, "delivered"), delivered.body
    return started
