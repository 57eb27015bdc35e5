"""Product images: a presigned POST the bucket itself enforces (type, size, fields), attaching only this
product's own, really-an-image object, replacing and removing (old objects deleted), through the API and the
console, role-gated; the storefront shows the image lazy-loaded and sized."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop
from tests.support.console import Browser, ConsoleEnv, csrf_of, joined, owner_of_new_shop, serve
from tests.support.images import png


def upload(form: dict[str, Any], body: bytes, **overrides: str) -> requests.Response:
    fields = {**form["fields"], **overrides}
    return requests.post(form["url"], data=fields, files={"file": ("card.png", body, "image/png")},
                         allow_redirects=False, timeout=10)


def stored(settings: Any, key: str) -> bool:
    s3 = boto3.client("s3", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")
    return any(o["Key"] == key for o in s3.list_objects_v2(Bucket=settings.media_bucket,
                                                           Prefix=key).get("Contents", []))


def _form(client: Any, merchant: dict[str, Any], product_id: str, content_type: str = "image/png",
          size: int = 100) -> Any:
    return shop.call(client, "POST", f"/v1/products/{product_id}/image/upload",
                     {"content_type": content_type, "size": size}, key=merchant["key"])


def test_upload_attach_and_show_on_the_storefront(client: Any, settings: Any) -> None:
    # given a product on sale
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    shop.import_keys(client, merchant["key"], product["id"], shop.new_keys(2, prefix="IMG"))
    image = png()
    # when the merchant asks for a form, posts the file to the bucket and attaches it
    r = _form(client, merchant, product["id"], size=len(image))
    assert r.status_code == 201, r.body
    form = json.loads(r.body)
    assert form["max_bytes"] == 2 * 1024 * 1024 and form["expires_in"] == 600
    assert re.fullmatch(rf"products/{merchant['tenant']['id']}/{product['id']}/img_[0-9a-z]{{26}}\.png", form["key"])
    sent = upload(form, image)
    assert sent.status_code == 201, sent.text
    r = shop.call(client, "PUT", f"/v1/products/{product['id']}/image", {"key": form["key"]}, key=merchant["key"])
    # then the product shows the bucket's public address of exactly those bytes
    assert r.status_code == 200, r.body
    url = json.loads(r.body)["image_url"]
    assert url == f"{settings.media_base_url}/{form['key']}"
    got = requests.get(url, timeout=10)
    assert (got.status_code, got.headers["Content-Type"], got.content) == (200, "image/png", image)
    # and the storefront shows it, lazy-loaded and sized
    page = shop.call(client, "GET", f"/s/{merchant['slug']}").body.decode()
    assert f'<img src="{url}" alt="" loading="lazy" width="320" height="180">' in page


def test_the_bucket_refuses_a_larger_file_another_type_or_an_unsigned_field(client: Any, settings: Any) -> None:
    # given a form for a 100-byte PNG
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    form = json.loads(_form(client, merchant, product["id"]).body)
    # when the file is over the signed maximum (2 MB), it is refused by the bucket, as S3 does
    big = upload(form, png() + b"\x00" * (2 * 1024 * 1024))
    assert (big.status_code, "<Code>EntityTooLarge</Code>" in big.text) == (400, True)
    # when the type is changed in the form, or a field is added, it is refused too
    other = upload(form, png(), **{"Content-Type": "image/svg+xml"})
    assert (other.status_code, "Policy Condition failed" in other.text) == (403, True)
    extra = upload(form, png(), acl="public-read-write")
    assert (extra.status_code, "Extra input fields: acl" in extra.text) == (403, True)
    # then nothing was stored, and nothing can be attached
    assert not stored(settings, form["key"])
    r = shop.call(client, "PUT", f"/v1/products/{product['id']}/image", {"key": form["key"]}, key=merchant["key"])
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (400, "image_not_uploaded")


def test_forms_are_only_made_for_images_of_at_most_2_mb(client: Any) -> None:
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    r = _form(client, merchant, product["id"], content_type="image/svg+xml")
    assert (r.status_code, json.loads(r.body)["error"]["code"], json.loads(r.body)["error"]["param"]) == (
        400, "unsupported_image_type", "content_type")
    r = shop.call(client, "POST", f"/v1/products/{product['id']}/image/upload", {"content_type": {}, "size": 1},
                  key=merchant["key"])
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (400, "unsupported_image_type")
    r = _form(client, merchant, product["id"], size=3 * 1024 * 1024)
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (413, "image_too_large")
    assert "at most 2 MB; this one is 3.0 MB" in json.loads(r.body)["error"]["message"]
    r = _form(client, merchant, product["id"], size=0)
    assert (r.status_code, json.loads(r.body)["error"]["param"]) == (400, "size")


def test_only_this_products_real_image_is_attached(client: Any, settings: Any) -> None:
    # given two products of one shop, and a form for each
    merchant = shop.sign_up(client)
    first, second = (shop.product(client, merchant["key"]) for _ in range(2))
    form_first = json.loads(_form(client, merchant, first["id"]).body)
    assert upload(form_first, png()).status_code == 201
    # when the first product's object is attached to the second product, it is refused
    r = shop.call(client, "PUT", f"/v1/products/{second['id']}/image", {"key": form_first["key"]},
                  key=merchant["key"])
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (400, "image_not_uploaded")
    # when the bytes under an image/png form are not a PNG, attaching refuses them and deletes the object
    form_second = json.loads(_form(client, merchant, second["id"]).body)
    assert upload(form_second, b"<html><script>alert(1)</script></html>").status_code == 201
    r = shop.call(client, "PUT", f"/v1/products/{second['id']}/image", {"key": form_second["key"]},
                  key=merchant["key"])
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (400, "image_rejected")
    assert not stored(settings, form_second["key"])
    # then neither product has an image
    for p in (first, second):
        got = json.loads(shop.call(client, "GET", f"/v1/products/{p['id']}", key=merchant["key"]).body)
        assert got["image_url"] is None


def test_replacing_deletes_the_old_object_and_removing_clears_it(client: Any, settings: Any) -> None:
    merchant = shop.sign_up(client)
    product = shop.product(client, merchant["key"])
    keys = []
    for _ in range(2):
        form = json.loads(_form(client, merchant, product["id"]).body)
        assert upload(form, png()).status_code == 201
        r = shop.call(client, "PUT", f"/v1/products/{product['id']}/image", {"key": form["key"]},
                      key=merchant["key"])
        assert r.status_code == 200, r.body
        keys.append(form["key"])
    # the first image was replaced: its object is gone, the second one stays
    assert (stored(settings, keys[0]), stored(settings, keys[1])) == (False, True)
    r = shop.call(client, "DELETE", f"/v1/products/{product['id']}/image", key=merchant["key"])
    assert (r.status_code, json.loads(r.body)["image_url"], json.loads(r.body)["version"]) == (200, None, 4)
    assert not stored(settings, keys[1])
    # a second removal changes nothing
    again = shop.call(client, "DELETE", f"/v1/products/{product['id']}/image", key=merchant["key"])
    assert (again.status_code, json.loads(again.body)["version"]) == (200, 4)


# ---- the console ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def env(settings: Any) -> ConsoleEnv:
    return ConsoleEnv(settings)


@pytest.fixture()
def web(env: ConsoleEnv) -> Iterator[Any]:
    yield from serve(env)


def _console_form(b: Browser, product_id: str, size: int) -> Any:
    csrf = csrf_of(b.get(f"/console/products/{product_id}"))
    return b.client.http.post(f"/console/products/{product_id}/image/form",
                              headers=b._headers({"Content-Type": "application/json", "X-CSRF-Token": csrf}),
                              body=json.dumps({"content_type": "image/png", "size": size}))


def test_console_upload_comes_back_through_the_bucket_and_shows_the_image(web: Any, env: ConsoleEnv) -> None:
    # given a signed-in owner on a product page
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                            body={"name": "Pictured", "price": 300, "currency": "usd"})
    page = owner.get(f"/console/products/{product.id}").body.decode()
    assert 'id="image-file"' in page and 'id="no-image"' in page
    # when the page's script gets a form and the browser posts the file to the bucket
    r = _console_form(owner, product.id, len(png()))
    assert r.status_code == 200, r.body
    form = json.loads(r.body)
    sent = upload(form, png())
    # then the bucket sends the browser back to the console, which attaches the image
    assert sent.status_code == 303
    back = urlsplit(sent.headers["Location"])
    assert back.path == f"/console/products/{product.id}/image/attach"
    done = owner.get(f"{back.path}?{back.query}")
    assert (done.status_code, done.headers["Location"]) == (303, f"/console/products/{product.id}?saved=image")
    shown = owner.get(done.headers["Location"]).body.decode()
    url = env.c.catalog.products.get(tenant_id=tenant_id, product_id=product.id).image_url
    assert url.endswith(".png") and f'id="product-image" src="{url}"' in shown
    # and the page lets the bucket's address take the form and show the image
    csp = owner.get(f"/console/products/{product.id}").headers["Content-Security-Policy"]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(env.settings.aws_endpoint_url))
    assert f"form-action 'self' {origin};" in csp and f"img-src 'self' https: data: {origin};" in csp
    # when the owner removes it
    removed = owner.post(f"/console/products/{product.id}/image/remove", {}, csrf=csrf_of(owner.get(
        f"/console/products/{product.id}")))
    assert removed.headers["Location"] == f"/console/products/{product.id}?saved=image_removed"
    assert env.c.catalog.products.get(tenant_id=tenant_id, product_id=product.id).image_url == ""


def test_a_way_back_not_signed_for_this_session_attaches_nothing(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                            body={"name": "Pictured", "price": 300, "currency": "usd"})
    form = json.loads(_console_form(owner, product.id, len(png())).body)
    sent = upload(form, png())
    back = urlsplit(sent.headers["Location"])
    forged = re.sub(r"sig=[0-9a-f]+", "sig=" + "0" * 64, back.query)
    r = owner.get(f"{back.path}?{forged}")
    assert r.headers["Location"] == f"/console/products/{product.id}?image_error=image_not_uploaded"
    assert "did not arrive" in owner.get(r.headers["Location"]).body.decode()
    assert env.c.catalog.products.get(tenant_id=tenant_id, product_id=product.id).image_url == ""


def test_a_viewer_cannot_upload_or_remove(web: Any, env: ConsoleEnv) -> None:
    owner, tenant_id, _ = owner_of_new_shop(web, env)
    viewer, _ = joined(web, env, owner, "viewer")
    product = env.c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                            body={"name": "Pictured", "price": 300, "currency": "usd"})
    before = env.snapshot(tenant_id)
    page = viewer.get(f"/console/products/{product.id}").body.decode()
    assert 'id="image-file"' not in page
    r = _console_form(viewer, product.id, 100)
    assert (r.status_code, json.loads(r.body)["error"]["code"]) == (403, "role_forbidden")
    r = viewer.post(f"/console/products/{product.id}/image/remove", {}, csrf=csrf_of(viewer.get("/console")))
    assert r.status_code == 403
    assert env.snapshot(tenant_id) == before
