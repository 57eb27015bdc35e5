"""Product images in S3: presigned POST forms whose type and size S3 itself enforces, and the reads that check
what arrived."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.catalog.images import StoredObject, UploadForm
from chalicelib.kernel.errors import MediaUnavailable

HEAD_BYTES = 16


class S3MediaStore:
    def __init__(self, *, s3_client: Any, bucket: str, base_url: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket
        self._base = base_url.rstrip("/")

    def upload_form(self, *, key: str, content_type: str, max_bytes: int, redirect: str | None,
                    expires_in: int) -> UploadForm:
        fields = {"Content-Type": content_type, "Cache-Control": "public, max-age=31536000, immutable"}
        # every field the browser sends must be named by a condition, or S3 refuses the form; the exact type and
        # the size range are what S3 enforces for us, whatever the page does
        conditions: list[Any] = [{"Content-Type": content_type}, {"Cache-Control": fields["Cache-Control"]},
                                 ["content-length-range", 1, max_bytes]]
        if redirect:
            fields["success_action_redirect"] = redirect
            conditions.append({"success_action_redirect": redirect})
        else:
            fields["success_action_status"] = "201"
            conditions.append({"success_action_status": "201"})
        try:
            post = self._s3.generate_presigned_post(self._bucket, key, Fields=fields, Conditions=conditions,
                                                    ExpiresIn=expires_in)
        except Exception as exc:  # botocore signs locally; a failure here is missing credentials
            raise MediaUnavailable("image uploads are not available right now; try again shortly") from exc
        return UploadForm(url=str(post["url"]), fields={k: str(v) for k, v in post["fields"].items()}, key=key,
                          max_bytes=max_bytes, expires_in=expires_in)

    def stat(self, key: str) -> StoredObject | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            got = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")
            head = got["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "InvalidRange"):
                return None
            raise MediaUnavailable("the image store did not answer; try again shortly") from exc
        except BotoCoreError as exc:
            raise MediaUnavailable("the image store did not answer; try again shortly") from exc
        total = str(got.get("ContentRange", "")).rpartition("/")[2]
        size = int(total) if total.isdigit() else int(got.get("ContentLength", len(head)))
        return StoredObject(size=size, content_type=str(got.get("ContentType", "")), head=bytes(head))

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._s3.delete_object(Bucket=self._bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise MediaUnavailable("the old image could not be removed") from exc

    def public_url(self, key: str) -> str:
        return f"{self._base}/{key}"

    def key_of(self, url: str) -> str | None:
        prefix = self._base + "/"
        return url[len(prefix):] if url.startswith(prefix) and len(url) > len(prefix) else None


def public_read_policy(bucket: str) -> str:
    """Anyone may read product images (the storefront shows them); nothing else in the bucket is public."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicProductImages", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/products/*"}]})


def ensure_bucket(s3_client: Any, bucket: str) -> None:
    """The media bucket with its read policy (local stacks and tests; infra/ makes it on AWS)."""
    existing = {b["Name"] for b in s3_client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3_client.create_bucket(Bucket=bucket)
    s3_client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
