"""Image rules: whose key is whose, bytes that match their type, and the S3 POST-policy checks the local stack
adds to the emulator (expiry, conditions, size range, unnamed fields)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from chalicelib.catalog.images import StoredObject, looks_like, object_key, owns
from devstack.s3_post_policy import violation

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _policy(*conditions: object, expiration: str = "2026-12-04T12:10:00Z") -> str:
    return base64.b64encode(json.dumps({"expiration": expiration, "conditions": list(conditions)}).encode()).decode()


def test_a_key_belongs_to_one_product_of_one_shop() -> None:
    key = object_key("ten_a1", "prd_b2", "img_" + "0" * 26, "image/webp")
    assert key == "products/ten_a1/prd_b2/img_00000000000000000000000000.webp"
    assert owns(key, "ten_a1", "prd_b2")
    assert not owns(key, "ten_a1", "prd_other")
    assert not owns(key, "ten_other", "prd_b2")
    assert not owns("products/ten_a1/prd_b2/../prd_x/img_00000000000000000000000000.png", "ten_a1", "prd_b2")
    assert not owns("products/ten_a1/prd_b2/img_00000000000000000000000000.svg", "ten_a1", "prd_b2")


def test_bytes_must_start_as_their_type_does() -> None:
    assert looks_like(StoredObject(10, "image/png", b"\x89PNG\r\n\x1a\n\x00\x00"))
    assert looks_like(StoredObject(10, "image/jpeg", b"\xff\xd8\xff\xe0"))
    assert looks_like(StoredObject(10, "image/gif", b"GIF89a...."))
    assert looks_like(StoredObject(10, "image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "))
    assert not looks_like(StoredObject(10, "image/webp", b"RIFF\x00\x00\x00\x00WAVEfmt "))
    assert not looks_like(StoredObject(10, "image/png", b"<html><script>"))
    assert not looks_like(StoredObject(10, "image/svg+xml", b"<svg "))


def test_a_form_that_keeps_to_its_policy_passes() -> None:
    policy = _policy({"bucket": "media"}, {"key": "products/a.png"}, {"Content-Type": "image/png"},
                     ["starts-with", "$x-amz-meta-tag", "card"], ["content-length-range", 1, 100])
    fields = {"key": "products/a.png", "Content-Type": "image/png", "x-amz-meta-tag": "card-1",
              "policy": policy, "x-amz-signature": "sig", "x-ignore-me": "1"}
    assert violation(policy, fields, 100, "media", NOW) is None


def test_s3s_refusals() -> None:
    policy = _policy({"bucket": "media"}, {"Content-Type": "image/png"}, ["content-length-range", 1, 100])
    fields = {"Content-Type": "image/png"}
    assert violation(policy, fields, 101, "media", NOW) == (
        400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    assert violation(policy, fields, 0, "media", NOW)[1] == "EntityTooSmall"  # type: ignore[index]
    assert violation(policy, {"Content-Type": "text/html"}, 10, "media", NOW) == (
        403, "AccessDenied", 'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", '
                             '"image/png"]')
    assert violation(policy, fields, 10, "other-bucket", NOW)[1] == "AccessDenied"  # type: ignore[index]
    assert violation(policy, {**fields, "acl": "public-read"}, 10, "media", NOW) == (
        403, "AccessDenied", "Invalid according to Policy: Extra input fields: acl")
    late = _policy({"bucket": "media"}, expiration="2026-12-04T11:59:59.000Z")
    assert violation(late, {}, 10, "media", NOW) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    assert violation("not base64 json", {}, 10, "media", NOW)[1] == "InvalidPolicyDocument"  # type: ignore[index]
