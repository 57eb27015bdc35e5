"""The webhook verification guide's code really verifies Standard Webhooks signatures (made by the library)."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "webhooks.md"
SNIPPETS = ROOT / "chalicelib" / "web" / "snippets"
BODY = json.dumps({"id": "evt_01", "type": "order.delivered", "api_version": "v1", "created_at": 1_735_689_600,
                   "tenant_id": "ten_01", "data": {"id": "ord_01", "status": "delivered"}}).encode()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def load(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "guide_example"}
    exec(compile(code, str(GUIDE), "exec"), namespace)  # the guide's own text, run as written
    return namespace


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(secret: str, body: bytes, *, msg_id: str = "evt_01", at: int | None = None) -> dict[str, str]:
    """Headers exactly as a Standard Webhooks sender makes them, signed by the reference library."""
    ts = int(time.time()) if at is None else at
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


@pytest.fixture(scope="module")
def by_hand() -> dict[str, Any]:
    blocks = python_blocks()
    assert len(blocks) == 2, "the guide has the library example and the standard-library example"
    return load(blocks[1])


@pytest.fixture(scope="module")
def verify_webhook(by_hand: dict[str, Any]) -> Any:
    return by_hand["verify_webhook"]


@pytest.fixture(scope="module")
def guide_errors(by_hand: dict[str, Any]) -> Any:
    return by_hand["WebhookVerificationError"]


def test_the_guide_and_the_docs_page_show_the_same_code() -> None:
    # given the guide's code blocks and the snippets the /docs page renders
    library, by_hand = python_blocks()
    # then they are the same text, so the page and the guide cannot drift apart
    assert library == (SNIPPETS / "verify_with_library.py.txt").read_text(encoding="utf-8")
    assert by_hand == (SNIPPETS / "verify_by_hand.py.txt").read_text(encoding="utf-8")


def test_hand_written_verifier_accepts_a_library_signature(verify_webhook: Any) -> None:
    # given a delivery signed by the standardwebhooks library
    secret = new_secret()
    headers = signed_headers(secret, BODY)
    # when the guide's stdlib verifier checks it (header names in any case)
    event = verify_webhook(secret, BODY, {k.title(): v for k, v in headers.items()})
    # then it returns the event
    assert event == json.loads(BODY)


def test_hand_written_verifier_accepts_what_our_sender_signs(verify_webhook: Any) -> None:
    # given the signature header our webhook sender puts on a delivery, with a rotated-out secret still live
    from chalicelib.adapters.webhook_sender import HttpWebhookSender

    new, old = new_secret(), new_secret()
    now = int(time.time())
    signature = HttpWebhookSender(production=False).sign(secrets=[new, old], message_id="msg_01", timestamp=now,
                                                         body=BODY)
    headers = {"webhook-id": "msg_01", "webhook-timestamp": str(now), "webhook-signature": signature}
    # when / then: the guide's verifier accepts it with either secret
    assert verify_webhook(new, BODY, headers) == json.loads(BODY)
    assert verify_webhook(old, BODY, headers) == json.loads(BODY)


def test_hand_written_verifier_accepts_either_signature_during_rotation(verify_webhook: Any) -> None:
    # given a delivery signed with the old and the new secret (two entries)
    old, new = new_secret(), new_secret()
    at = int(time.time())
    both = " ".join([signed_headers(old, BODY, at=at)["webhook-signature"],
                     signed_headers(new, BODY, at=at)["webhook-signature"]])
    headers = {**signed_headers(new, BODY, at=at), "webhook-signature": both}
    # when / then: a receiver configured with either secret accepts it
    assert verify_webhook(old, BODY, headers) == json.loads(BODY)
    assert verify_webhook(new, BODY, headers) == json.loads(BODY)


@pytest.mark.parametrize("tamper", ["body", "id", "timestamp", "other_secret", "old", "future", "missing",
                                    "v2_only", "not_a_number"])
def test_hand_written_verifier_refuses(verify_webhook: Any, guide_errors: Any, tamper: str) -> None:
    # given a correctly signed delivery, then changed in one way
    secret = new_secret()
    now = int(time.time())
    body, headers = BODY, signed_headers(secret, BODY, at=now)
    if tamper == "body":
        body = BODY.replace(b"delivered", b"refunded")
    elif tamper == "id":
        headers["webhook-id"] = "evt_02"
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(now + 1)
    elif tamper == "other_secret":
        headers = signed_headers(new_secret(), BODY, at=now)
    elif tamper == "old":
        headers = signed_headers(secret, BODY, at=now - 301)
    elif tamper == "future":
        headers = signed_headers(secret, BODY, at=now + 301)
    elif tamper == "missing":
        del headers["webhook-signature"]
    elif tamper == "v2_only":
        headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v2,")
    elif tamper == "not_a_number":
        headers["webhook-timestamp"] = "soon"
    # when / then: the guide's verifier refuses it, and so does the reference library
    with pytest.raises(guide_errors):
        verify_webhook(secret, body, headers)
    with pytest.raises(Exception):  # noqa: B017 - the library raises its own error type
        Webhook(secret).verify(body, headers)


def test_library_example_verifies_a_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    # given the guide's library example, configured with a real endpoint secret
    secret = new_secret()
    example = load(python_blocks()[0].replace('"whsec_..."', repr(secret)))
    # when it handles a signed delivery and a forged one
    ok = example["handle"](BODY, signed_headers(secret, BODY))
    forged = example["handle"](BODY, signed_headers(new_secret(), BODY))
    # then the first is processed and the second refused
    assert (ok, forged) == (200, 400)
    assert capsys.readouterr().out == "order.delivered {'id': 'ord_01', 'status': 'delivered'}\n"
