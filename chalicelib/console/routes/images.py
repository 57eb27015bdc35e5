"""A product's image: the page asks for a signed form and posts the file straight to the media bucket, which sends
the browser back here to attach it; and removing it. All through the catalog's image service."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.errors import json_response, status_for
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import DomainError, InvalidRequest, NotFound, PermissionDenied

console_images = Blueprint(__name__)


def _signed(call: Call, product_id: str, key: str) -> str:
    """Binds the bucket's redirect to this session, product and object: a link made elsewhere attaches nothing."""
    assert call.session is not None
    return hmac.new(call.session.csrf.encode(), f"image:{product_id}:{key}".encode(), hashlib.sha256).hexdigest()


def _guard(product_id: str) -> None:
    if not product_id.startswith("prd_") or len(product_id) > 64:
        raise NotFound("no such product")


@endpoint(console_images, "POST", "/console/products/{product_id}/image/form", summary="A signed image upload form",
          tag=TAG, auth="console", produces="application/json", idempotent=False, in_openapi=False)
def upload_form(call: Call, product_id: str) -> Response:
    """JSON in (`content_type`, `size` of the chosen file), the bucket's form out, for the page's script."""
    body = call.json()
    try:
        _guard(product_id)
        if not isinstance(body, dict):
            raise InvalidRequest("send {\"content_type\": ..., \"size\": ...}")
        images = call.c.catalog.images
        base = call.c.settings.public_base_url
        # the way back is signed for the object's key (the bucket appends key= itself)
        form = images.upload_form(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id,
                                  content_type=body.get("content_type"), size=body.get("size"),
                                  redirect=lambda key: f"{base}/console/products/{product_id}/image/attach?"
                                  + urlencode({"sig": _signed(call, product_id, key)}))
    except DomainError as exc:
        return json_response({"error": {"code": exc.code, "message": error_text(call, exc), "param": exc.param}},
                             status_for(exc))
    return json_response({"url": form.url, "fields": form.fields, "max_bytes": form.max_bytes,
                          "expires_in": form.expires_in}, 200)


@endpoint(console_images, "GET", "/console/products/{product_id}/image/attach", summary="Attach an uploaded image",
          tag=TAG, auth="console", produces="text/html", in_openapi=False,
          query=(QueryParam("key", string(max_length=300), "the object the bucket stored"),
                 QueryParam("sig", string(max_length=128), "the page's signature of the upload"),
                 QueryParam("bucket", string(max_length=100), "added by the bucket"),
                 QueryParam("etag", string(max_length=100), "added by the bucket")))
def attach(call: Call, product_id: str) -> Response:
    key, sig = call.query.get("key") or "", call.query.get("sig") or ""
    try:
        _guard(product_id)
        call.c.catalog.products.get(tenant_id=call.tenant_id, product_id=product_id)  # another shop's: 404 first
        if not hmac.compare_digest(sig, _signed(call, product_id, key)):
            raise InvalidRequest("this upload link was not made for this session; upload the image again",
                                 code="image_not_uploaded", param="key")
        call.c.catalog.images.attach(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id, key=key)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except DomainError as exc:
        return redirect(f"/console/products/{product_id}?" + urlencode({"image_error": exc.code}))
    return redirect(f"/console/products/{product_id}?saved=image")


@endpoint(console_images, "POST", "/console/products/{product_id}/image/remove", summary="Remove the image (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def remove(call: Call, product_id: str) -> Response:
    call.form()
    try:
        _guard(product_id)
        call.c.catalog.images.remove(actor=call.actor, tenant_id=call.tenant_id, product_id=product_id)
    except NotFound:
        return console_page(call, "console/not_found.html", status=404)
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    return redirect(f"/console/products/{product_id}?saved=image_removed")
