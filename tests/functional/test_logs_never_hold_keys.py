"""No plaintext card key ever reaches a log record or the process's output, on happy and failing paths."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from collections.abc import Iterable
from typing import Any

import pytest
import stripe

from tests.support import shop


def _json(r: Any) -> Any:
    return json.loads(r.body)


def _disguises(key: str) -> list[str]:
    """The key as text, and the parts of its base64 and hex forms that appear wherever it sits in a larger
    encoded blob (a log of a raw e-mail or request body encodes the whole blob, at any byte alignment)."""
    raw = key.encode()
    forms = {key, raw.hex(), raw.hex().upper()}
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode().rstrip("=")
        # Drop the characters that mix in bytes before or after the key: what is left is fixed by the key alone.
        start = (pad * 8 + 5) // 6
        inner = encoded[start:len(encoded) - 2]
        forms.add(inner)
        forms.add(inner.replace("+", "-").replace("/", "_"))
    return sorted(forms)


def _record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter()
    texts = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(repr(record.msg))
        texts.append(repr(record.args))
        texts.append(repr(vars(record)))  # extra= fields included
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if record.stack_info:
            texts.append(record.stack_info)
    return texts


def _leaks(keys: list[str], texts: list[str]) -> list[tuple[str, str, str]]:
    found = []
    for key in keys:
        for form in _disguises(key):
            for text in texts:
                at = text.find(form)
                if at >= 0:
                    found.append((key, form, text[max(0, at - 120):at + 120]))
                    break
    return found


def test_disguises_find_a_key_inside_a_base64_blob():
    # given a key inside larger bytes at every alignment, base64-encoded as a logged request body would be
    key = "KEY-" + secrets.token_hex(8).upper()
    for prefix in (b"", b"a", b"ab", b"abc"):
        blob = base64.b64encode(prefix + b"Subject: x\r\n\r\n" + key.encode() + b"\r\n--end").decode()
        # when it is scanned
        # then the key is found
        assert _leaks([key], [blob]), prefix
    # and an unrelated key is not
    assert _leaks(["KEY-" + secrets.token_hex(8).upper()], [binascii.hexlify(b"nothing here").decode()]) == []


def _checkout(client: Any, slug: str, product_id: str, quantity: int = 1) -> tuple[dict[str, Any], str]:
    r = shop.checkout(client, slug, product_id, quantity=quantity, email="buyer@example.com")
    assert r.status_code == 201, r.body
    started = _json(r)
    return started, started["payment"]["client_secret"].split("_secret_")[0]


def _sell_and_fail(client: Any, settings: Any, container: Any) -> list[str]:
    """The whole sale plus its failing paths; returns the 20 imported keys after proving the buyer got two."""
    merchant = shop.sign_up(client)
    key, slug = merchant["key"], merchant["slug"]
    product = shop.product(client, key, price=900, max_per_order=5)
    keys = shop.new_keys(20, prefix="LOG")
    # the merchant imports 20 keys, half as JSON and half as a text file, and sends them all again
    first = shop.import_keys(client, key, product["id"], keys[:10])
    text = shop.call(client, "POST", f"/v1/products/{product['id']}/keys",
                     ("\r\n".join(keys[10:]) + "\r\n").encode(), key=key, headers={"Content-Type": "text/plain"})
    again = shop.import_keys(client, key, product["id"], keys)
    assert (first["imported"], _json(text)["imported"], again["duplicates"]) == (10, 10, 20)
    # a buyer checks out two keys, pays, and Stripe's signed event arrives (twice)
    started, intent_id = _checkout(client, slug, product["id"], quantity=2)
    shop.pay(settings, intent_id)
    payload, signature = shop.stripe_event(settings, intent_id)
    assert _json(shop.post_event(client, payload, signature))["result"] == "delivered"
    assert _json(shop.post_event(client, payload, signature))["result"] == "duplicate"
    # the buyer opens the order page, as JSON and as HTML
    page_url = f"/s/{slug}/orders/{started['order_id']}?token={started['order_token']}"
    page = client.http.get(page_url, headers={"Accept": "application/json"})
    html = client.http.get(page_url)
    # the outbox is handled as the queue worker does: events, webhooks fan-out, customer totals, the e-mail
    from chalicelib.wiring.jobs import handle_outbox

    now = container.platform.clock.now()
    messages = [m for m in container.platform.outbox.pending(older_than=now + 60, limit=1000)
                if m.order_id == started["order_id"]]
    assert sorted(m.kind for m in messages) == ["order_created", "order_delivered"]
    for message in messages:
        handle_outbox(message)
    # failing paths: forged, stale and wrongly keyed signatures, an amount that does not match, a declined card
    forged = shop.post_event(client, payload, signature.replace("v1=", "v1=0"))
    stale = shop.post_event(client, *shop.stripe_event(settings, intent_id, timestamp=now - 3600))
    wrong_secret = shop.post_event(client, *shop.stripe_event(settings, intent_id, secret="whsec_wrong"))
    _, mismatch_intent = _checkout(client, slug, product["id"])
    shop.pay(settings, mismatch_intent)
    mismatched = shop.post_event(client, *shop.stripe_event(settings, mismatch_intent, overrides={"amount": 1}))
    declined_order, declined_intent = _checkout(client, slug, product["id"])
    with pytest.raises(stripe.CardError):
        shop.pay(settings, declined_intent, number="4000000000000341")
    failed = shop.post_event(client, *shop.stripe_event(settings, declined_intent,
                                                        kind="payment_intent.payment_failed"))
    declined_page = client.http.get(f"/s/{slug}/orders/{declined_order['order_id']}"
                                    f"?token={declined_order['order_token']}", headers={"Accept": "application/json"})
    # and the merchant reads its orders
    listed = shop.call(client, "GET", "/v1/orders", key=key)
    one = shop.call(client, "GET", f"/v1/orders/{started['order_id']}", key=key)

    # the keys did reach the buyer, on the page and in the mail's path, so a scan looks at real plaintext
    assert page.status_code == 200
    bought = _json(page)["keys"]
    assert len(bought) == 2 and set(bought) <= set(keys)
    assert html.status_code == 200 and all(k in html.body.decode() for k in bought)
    # the failing paths failed as they should
    assert [r.status_code for r in (forged, stale, wrong_secret)] == [400, 400, 400]
    assert {_json(r)["error"]["code"] for r in (forged, stale, wrong_secret)} == {"invalid_signature"}
    assert (mismatched.status_code, _json(mismatched)["result"]) == (200, "mismatch")
    assert (failed.status_code, _json(failed)["result"]) == (200, "released")
    assert _json(declined_page)["keys"] == []
    # the merchant API never shows a key
    assert (listed.status_code, one.status_code) == (200, 200)
    assert not any(k in listed.body.decode() or k in one.body.decode() for k in keys)
    return keys


def test_no_plaintext_key_reaches_logs_or_output_at_the_default_level(client, settings, container, caplog, capfd):
    # given every log record of INFO and above captured (the platform's default LOG_LEVEL), and stdout/stderr
    caplog.set_level(logging.INFO)
    # when the whole sale and its failing paths run
    keys = _sell_and_fail(client, settings, container)
    # then something was logged (the mismatch is an error), and no key, in any form, is in a record or the output
    out, err = capfd.readouterr()
    assert any(r.levelno >= logging.ERROR for r in caplog.records)
    assert _leaks(keys, [*_record_texts(caplog.records), caplog.text, out, err]) == []


def test_no_plaintext_key_reaches_logs_or_output_even_at_debug(client, settings, container, caplog, capfd):
    # given every logger of the process at DEBUG, and the process's stdout and stderr captured
    caplog.set_level(logging.DEBUG)
    # when the whole sale and its failing paths run
    keys = _sell_and_fail(client, settings, container)
    # then no key, in any form, is in any log record or in anything the process wrote
    out, err = capfd.readouterr()
    texts = [*_record_texts(caplog.records), caplog.text, out, err]
    assert len(caplog.records) > 100, "DEBUG logging was not on: the scan would prove nothing"
    assert _leaks(keys, texts) == []
    # and no KMS plaintext (a tenant's branch key decrypts all its card keys) is logged either
    assert [r.name for r in caplog.records if '"Plaintext"' in r.getMessage()] == []


def test_no_password_or_console_token_reaches_logs_even_at_debug(client, container, caplog, capfd):
    """The console's secrets: passwords as typed, the mailed links' tokens, session cookies and CSRF tokens."""
    import re

    from tests.fakes import FakeMailer
    from tests.support.console import Browser, csrf_of, link_in

    caplog.set_level(logging.DEBUG)
    mailer = FakeMailer()
    container.replace("mailer", mailer)  # the account service is built after this, with the fake
    container.tenancy.__dict__.pop("accounts", None)
    slug = f"log-{secrets.token_hex(4)}"
    email, password, new_password = f"owner@{slug}.example.com", "first secret phrase 1", "second secret phrase 2"
    secrets_seen: list[str] = [password, new_password]
    # when an owner signs up, confirms, fails a sign-in, signs in, and resets the password by link
    b = Browser(client)
    page = b.get("/console/signup")
    secrets_seen.append(csrf_of(page))
    assert b.post("/console/signup", {"name": "Log Shop", "slug": slug, "email": email, "password": password},
                  csrf=csrf_of(page)).status_code == 200
    confirm = link_in(mailer.sent[-1], "/console/confirm")
    secrets_seen.append(confirm.split("token=")[1])
    assert b.get(confirm).status_code == 303
    secrets_seen.append(b.cookies["kd_console"])
    secrets_seen.append(csrf_of(b.get("/console")))
    started = b.post("/console/security/two-step/start", {}, csrf=csrf_of(b.get("/console/security")))
    totp_key = re.search(r'id="two-step-key">([A-Z2-7]+)<', started.body.decode())
    assert totp_key is not None
    secrets_seen.append(totp_key.group(1))  # the two-step secret (enrolment left pending: sign-in stays one step)
    other = Browser(client)
    assert other.form("/console/login", "/console/login", {"email": email, "password": "not it at all"}).status_code == 401
    assert other.form("/console/login", "/console/login", {"email": email, "password": password}).status_code == 303
    secrets_seen.append(other.cookies["kd_console"])
    assert other.form("/console/forgot", "/console/forgot", {"email": email}).status_code == 200
    reset = link_in(mailer.sent[-1], "/console/reset")
    token = reset.split("token=")[1]
    secrets_seen.append(token)
    form = other.get(reset)
    assert other.post("/console/reset", {"token": token, "password": new_password},
                      csrf=csrf_of(form)).status_code == 303
    # then none of them, in any form, is in a log record or the output
    out, err = capfd.readouterr()
    texts = [*_record_texts(caplog.records), caplog.text, out, err]
    assert len(caplog.records) > 20, "DEBUG logging was not on: the scan would prove nothing"
    assert _leaks(secrets_seen, texts) == []
    assert not any(re.search(r"\$argon2id\$", t) for t in texts)  # nor a password hash
