"""Pure webhook rules: retry schedule, outcomes, URL policy, secrets; the sender's SSRF checks and signatures."""

from __future__ import annotations

import base64
import itertools
import json
import time

import pytest
from standardwebhooks import Webhook

from chalicelib.adapters.webhook_secrets import TenantKeySecretBox
from chalicelib.adapters.webhook_sender import HttpWebhookSender
from chalicelib.integrations.domain import (
    MAX_ATTEMPTS,
    EndpointSecret,
    SendResult,
    WebhookEndpoint,
    endpoint_url,
    event_types,
    new_secret,
    next_attempt_at,
    outcome_of,
    refused_address_reason,
    should_disable,
)
from chalicelib.kernel.errors import DecryptionRefused, InvalidRequest
from chalicelib.tenancy.domain.models import Tenant
from tests.fakes import FakeCipher


def test_the_schedule_retries_nine_times_over_about_three_days():
    # given a first attempt at 0 that keeps failing
    at, times = 0, [0]
    for tries in range(1, MAX_ATTEMPTS + 1):
        nxt = next_attempt_at(tries=tries, at=at)
        if nxt is None:
            break
        times.append(nxt)
        at = nxt
    # then attempts follow 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, and stop after the tenth
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert len(times) == 10 and times[-1] == 272105  # 3.15 days
    assert next_attempt_at(tries=10, at=0) is None and next_attempt_at(tries=0, at=0) is None


@pytest.mark.parametrize(("code", "error", "outcome"), [
    (200, None, "delivered"), (204, None, "delivered"), (410, None, "gone"), (429, None, "retry"),
    (500, None, "retry"), (503, None, "retry"), (404, None, "retry"), (301, None, "retry"),
    (None, "timeout after 10 s", "retry"), (None, "network: ConnectionRefusedError", "retry"),
])
def test_outcomes(code, error, outcome):
    assert outcome_of(SendResult(code, 12, error)) == outcome


def test_five_days_of_failure_disables():
    assert should_disable(failing_since=None, now=10**9) is False
    assert should_disable(failing_since=0, now=5 * 86400 - 1) is False
    assert should_disable(failing_since=0, now=5 * 86400) is True


@pytest.mark.parametrize(("host", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("10.0.0.1", "private"),
    ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("fc00::1", "private"), ("0.0.0.0", "private"), ("100.64.0.1", "non-public"), ("224.0.0.1", "non-public"),
    ("93.184.216.34", None), ("2606:4700::1111", None), ("example.com", None),
])
def test_refused_addresses(host, reason):
    assert refused_address_reason(host) == reason


@pytest.mark.parametrize("url", ["http://example.com/x", "https://127.0.0.1/x", "https://localhost/x",
                                 "https://a.localhost/x", "https://[::1]/x", "https://u:p@example.com/x",
                                 "ftp://example.com", "https://example.com/x#frag", "https:///x", "", 5,
                                 "https://example.com:99999/x"])
def test_production_refuses_urls(url):
    with pytest.raises(InvalidRequest) as err:
        endpoint_url(url, production=True)
    assert err.value.param == "url"


def test_urls_allowed():
    assert endpoint_url("https://hooks.example.com/k?x=1", production=True) == "https://hooks.example.com/k?x=1"
    assert endpoint_url("http://127.0.0.1:8080/h", production=False) == "http://127.0.0.1:8080/h"


def test_event_types_validation():
    assert event_types(["order.paid", "order.paid", "stock.low"]) == ("order.paid", "stock.low")
    assert event_types(["*"]) == ("*",)
    for bad in ([], ["order.nope"], "order.paid", ["webhook.test"], [1]):
        with pytest.raises(InvalidRequest):
            event_types(bad)


def test_secrets_are_standard_webhooks_secrets_of_32_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert new_secret() != secret


def test_the_previous_secret_signs_only_during_its_overlap():
    e = WebhookEndpoint("t", "whe_1", "https://x", ("*",), "", True, 0, 0, EndpointSecret(b"new"),
                        previous_secret=EndpointSecret(b"old", expires_at=100))
    assert [s.sealed for s in e.signing_secrets(99)] == [b"new", b"old"]
    assert [s.sealed for s in e.signing_secrets(100)] == [b"new"]


def test_sender_in_production_refuses_a_name_that_resolves_to_a_private_address_without_connecting():
    # given a public-looking name whose DNS answer is internal (rebinding)
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        return ["93.184.216.34", "10.0.0.7"]

    sender = HttpWebhookSender(production=True, resolve=resolve)
    # when it sends
    result = sender.send(url="https://hooks.example.com/x", secrets=[new_secret()], message_id="msg_1", body=b"{}")
    # then it is refused, with the reason, before any connection
    assert result == SendResult(None, result.duration_ms, "refused: hooks.example.com resolves to a private address")
    assert calls == [("hooks.example.com", 443)]


def test_sender_signatures_verify_with_the_standardwebhooks_library_for_each_secret():
    old, new = new_secret(), new_secret()
    sender = HttpWebhookSender(production=False)
    body = json.dumps({"id": "evt_1", "type": "order.paid"}).encode()
    ts = int(time.time())
    signature = sender.sign(secrets=[new, old], message_id="msg_1", timestamp=ts, body=body)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(ts), "webhook-signature": signature}
    assert Webhook(new).verify(body, headers) == {"id": "evt_1", "type": "order.paid"}
    assert Webhook(old).verify(body, headers) == {"id": "evt_1", "type": "order.paid"}
    assert len(signature.split(" ")) == 2


def _tenant(cipher: FakeCipher, tenant_id: str) -> Tenant:
    bk = cipher.create_tenant_key()
    ct = cipher.encrypt_secret(tenant_id=tenant_id, branch_key_id=bk, secret=bytes(range(32)))
    return Tenant(tenant_id, tenant_id, tenant_id, f"o@{tenant_id}.test", "starter", bk, ct, 0)


def test_sealed_secrets_open_only_for_their_tenant_and_endpoint():
    cipher = FakeCipher()
    tenants = {t: _tenant(cipher, t) for t in ("ten_a", "ten_b")}
    box = TenantKeySecretBox(tenant=tenants.__getitem__, unwrap=lambda t: cipher.decrypt_secret(tenant=t))
    secret = new_secret()
    sealed = box.seal(tenant_id="ten_a", endpoint_id="whe_1", secret=secret)
    assert secret.encode() not in sealed
    assert box.open(tenant_id="ten_a", endpoint_id="whe_1", sealed=sealed) == secret
    for tenant_id, endpoint_id in (("ten_b", "whe_1"), ("ten_a", "whe_2")):
        with pytest.raises(DecryptionRefused):
            box.open(tenant_id=tenant_id, endpoint_id=endpoint_id, sealed=sealed)
