"""The S3 POST-policy checks moto leaves out: expiry, every condition, the size range, no unnamed field.

moto stores whatever a browser form posts; S3 refuses a form whose file or fields break the signed policy. The
local stack wraps moto with these checks so an image upload is refused here exactly where S3 would refuse it
(the answers carry S3's codes). The signature itself is not checked: moto accepts any credentials.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

EXEMPT = {"policy", "signature", "x-amz-signature", "awsaccesskeyid", "file"}


def violation(policy_b64: str, fields: dict[str, str], size: int, bucket: str,
              now: datetime | None = None) -> tuple[int, str, str] | None:
    """(status, S3 error code, message) for a form S3 would refuse, else None."""
    try:
        policy = json.loads(base64.b64decode(policy_b64))
        expires = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError):
        return 400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON."
    if (now or datetime.now(UTC)) >= expires:
        return 403, "AccessDenied", "Invalid according to Policy: Policy expired."
    values = {k.lower(): v for k, v in fields.items()}
    values["bucket"] = bucket
    named = {"bucket"}
    for cond in conditions:
        if isinstance(cond, dict):
            ((name, expected),) = cond.items()
            op, field = "eq", name.lower()
        elif isinstance(cond, list) and len(cond) == 3 and cond[0] == "content-length-range":
            low, high = int(cond[1]), int(cond[2])
            if size > high:
                return 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            if size < low:
                return 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
            continue
        elif isinstance(cond, list) and len(cond) == 3:
            op, field, expected = str(cond[0]).lower(), str(cond[1]).lstrip("$").lower(), cond[2]
        else:
            return 400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Simple-Condition: {cond}"
        named.add(field)
        actual = values.get(field)
        ok = actual is not None and (actual == expected if op == "eq" else
                                     op == "starts-with" and actual.startswith(str(expected)))
        if not ok:
            shown = json.dumps([op, f"${field}", expected])
            return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {shown}"
    extra = sorted(k for k in values if k not in named and k not in EXEMPT and not k.startswith("x-ignore-"))
    if extra:
        return 403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
    return None


def _error(start_response: Callable[..., Any], status: int, code: str, message: str) -> list[bytes]:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            "</Error>").encode()
    reason = {400: "Bad Request", 403: "Forbidden"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


class PostPolicyGuard:
    """WSGI middleware in front of moto: browser form uploads (unsigned POSTs with a `policy` field) are checked
    as S3 checks them before moto stores anything."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "POST" or "HTTP_AUTHORIZATION" in environ
                or not str(environ.get("CONTENT_TYPE", "")).startswith("multipart/form-data")):
            return self._app(environ, start_response)
        from werkzeug.formparser import parse_form_data

        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        probe = dict(environ, **{"wsgi.input": io.BytesIO(raw)})
        _, form, files = parse_form_data(probe)
        environ["wsgi.input"] = io.BytesIO(raw)  # moto reads the same body again
        if "policy" in form:
            upload = files.get("file")
            size = len(upload.read()) if upload is not None else 0
            fields = {k: form[k] for k in form}
            bucket = str(environ.get("PATH_INFO", "/")).strip("/").split("/")[0]
            refused = violation(form["policy"], fields, size, bucket)
            if refused is not None:
                return _error(start_response, *refused)
        return self._app(environ, start_response)
