"""Seed a demo shop through the public HTTP API (sign-up, products, key imports, six months of order history through
the history import) and the console's own pages (the owner confirms the e-mail with the link the stack mailed, so
the demo console login works); the storefront visits the history cannot carry go straight into the funnel's rows."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import string
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from devstack import demo_funnel
from devstack.demo_history import ZONE, history_csv

DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.kamidrop.test"
KEYS_PER_PRODUCT = 50
_KEY_ALPHABET = string.ascii_uppercase + string.digits

DEMO_PRODUCTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("STEAM", {"name": "Steam Wallet 50 USD", "price": 5000, "currency": "usd", "category": "Games",
               "description": "A 50 USD Steam Wallet code, shown on screen and sent by email.",
               "usage_guide": "1. Open Steam and sign in.\n2. Games → Redeem a Steam Wallet Code.\n"
                              "3. Paste the key and press Continue.\n"
                              "打开 Steam → 游戏 → 兑换 Steam 钱包充值码 → 粘贴卡密。",
               "usage_url": "https://help.steampowered.com/"}),
    ("NFLX", {"name": "Netflix 1 month", "price": 1299, "currency": "usd", "category": "Streaming",
              "usage_guide": "Sign in at netflix.com/redeem and paste the key."}),
)
# Products the history sells too (made before the two above, so the storefront lists those first), with their stock.
HISTORY_PRODUCTS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("GEMS", 80, {"name": "Game gems 60", "price": 499, "currency": "usd", "category": "Games",
                  "price_tiers": [{"min_quantity": 5, "unit_price": 449}, {"min_quantity": 10, "unit_price": 399}]}),
    ("ACCEL", 40, {"name": "Game accelerator 30 days", "price": 299, "currency": "usd", "category": "Games"}),
    ("OFFICE", 5, {"name": "Office licence key", "price": 3999, "currency": "usd", "category": "Software"}),
    ("PROMO", 20, {"name": "Spring promo code", "price": 500, "currency": "usd", "category": "Gift cards",
                   "max_per_buyer": {"day": 2, "lifetime": 5}}),
)
DEMO_COUPON: dict[str, Any] = {"code": "WELCOME10", "kind": "percent", "value": 1000, "per_buyer_cap": 1,
                               "total_cap": 500}
DEMO_SHOP_SETTINGS: dict[str, Any] = {
    "announcement": "Keys arrive on screen and by e-mail within seconds. 付款后卡密立即显示并发送到邮箱。",
    "support_contact": "help@demo.kamidrop.test",
    "timezone": "Asia/Shanghai",
}


class SeedError(RuntimeError):
    """The demo shop could not be created; the message names the request and the answer."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def random_key(prefix: str) -> str:
    """A demo card key such as STEAM-7KQ2M-X9D4P-LC3TZ."""
    groups = ("".join(secrets.choice(_KEY_ALPHABET) for _ in range(5)) for _ in range(3))
    return "-".join((prefix, *groups))


class _Api:
    def __init__(self, base: str, timeout: float) -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def post(self, path: str, body: dict[str, Any], *, expect: tuple[int, ...] = (201,)) -> dict[str, Any]:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        try:
            response = self.session.post(f"{self.base}{path}", json=body, headers=headers,
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            raise SeedError(f"POST {path}: no answer from {self.base} ({type(exc).__name__})") from exc
        if response.status_code not in expect:
            raise SeedError(f"POST {path} answered {response.status_code}: {_error_text(response)}",
                            status=response.status_code, code=_error_code(response))
        payload = response.json()
        if not isinstance(payload, dict):
            raise SeedError(f"POST {path} answered {type(payload).__name__}, expected a JSON object")
        return payload


def _error_code(response: requests.Response) -> str | None:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def _error_text(response: requests.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        return f"{error.get('type')}/{error.get('code')}: {error.get('message')}"
    return response.text[:300]


def _patch(api: _Api, path: str, body: dict[str, Any]) -> None:
    try:
        response = api.session.patch(f"{api.base}{path}", json=body, timeout=api.timeout)
    except requests.RequestException as exc:
        raise SeedError(f"PATCH {path}: no answer from {api.base} ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise SeedError(f"PATCH {path} answered {response.status_code}: {_error_text(response)}",
                        status=response.status_code, code=_error_code(response))


def seed(api_url: str, *, slug: str = DEMO_SLUG, timeout: float = 30.0, mail_dir: Path | None = None,
         history: bool = True, aws_env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Create the demo shop on a fresh stack; returns the `demo` block of `.devstack.json`. With `history`, six
    months of past orders are imported (the worker counts them into the figures within a minute or two), and,
    given the stack's environment `aws_env` (its emulator endpoint, table and test credentials), thirty days of
    storefront visits around those orders are added to the funnel.

    Fails with SeedError when the slug is already taken (the stack was seeded before).
    """
    api = _Api(api_url, timeout)
    password = secrets.token_urlsafe(12)[:16]
    signup = {"name": "Demo Game Cards", "slug": slug, "email": DEMO_EMAIL, "password": password}
    try:
        created = api.post("/v1/tenants", signup)
    except SeedError as exc:
        if exc.status == 409 and exc.code == "slug_taken":
            raise SeedError(
                f"the shop slug {slug!r} is already taken on {api.base}: this stack was seeded "
                "before. Restart the stack for a fresh demo shop, or start it with --no-seed.",
                status=exc.status, code=exc.code) from None
        raise
    api_key = created.get("api_key")
    if not isinstance(api_key, str) or not api_key:
        raise SeedError("POST /v1/tenants answered without an api_key")
    api.session.headers["Authorization"] = f"Bearer {api_key}"
    _patch(api, "/v1/tenant", DEMO_SHOP_SETTINGS)

    # the history's own products first: the storefront lists the newest first, so the two demo cards lead it
    priced = {body["name"]: (_product(api, prefix, count, body), int(body["price"]))
              for prefix, count, body in (HISTORY_PRODUCTS if history else ())}
    product_ids = [_product(api, prefix, KEYS_PER_PRODUCT, body) for prefix, body in DEMO_PRODUCTS]
    if history:
        priced.update({body["name"]: (pid, int(body["price"]))
                       for pid, (_, body) in zip(product_ids, DEMO_PRODUCTS, strict=True)})
        now = int(time.time())
        text = history_csv(priced, now)
        api.post("/v1/insights/history", {"csv": text, "preset": "kamidrop"}, expect=(202,))
        # a welcome coupon buyers can try at checkout (the console's Coupons page counts its uses)
        api.post("/v1/coupons", DEMO_COUPON, expect=(201,))
        if aws_env is not None:
            seed_funnel(aws_env, tenant_id=_tenant_id(created), history=text, now=now,
                        product_ids=[pid for pid, _ in priced.values()])

    if mail_dir is not None:
        confirm_console_email(api.base, DEMO_EMAIL, password, mail_dir, timeout=timeout)
    return {"slug": slug, "api_key": api_key, "console_email": DEMO_EMAIL,
            "console_password": password, "products": product_ids}


def _tenant_id(created: dict[str, Any]) -> str:
    tenant = created.get("tenant")
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id:
        raise SeedError("POST /v1/tenants answered without tenant.id")
    return tenant_id


def seed_funnel(aws_env: Mapping[str, str], *, tenant_id: str, history: str, now: int,
                product_ids: list[str]) -> int:
    """Adds the demo funnel (devstack.demo_funnel) for the history's last thirty days straight into the stack's
    table: the history import cannot carry visits, and replaying them through the storefront would be one request
    per view. Only ever against an emulator endpoint. Returns the writes made (one per shop day and product)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.kernel.settings import from_environ

    settings = from_environ(dict(aws_env))
    if not settings.aws_endpoint_url:
        raise SeedError("the demo funnel is written only to the local emulator, and no KAMIDROP_AWS_ENDPOINT "
                        "was given")
    client = boto3.client("dynamodb", endpoint_url=settings.aws_endpoint_url, region_name=settings.region,
                          aws_access_key_id=aws_env.get("AWS_ACCESS_KEY_ID", "testing"),
                          aws_secret_access_key=aws_env.get("AWS_SECRET_ACCESS_KEY", "testing"))
    today = datetime.fromtimestamp(now, tz=UTC).astimezone(ZONE).date()  # the shop's zone, as the history's
    counts = demo_funnel.funnel_counts(demo_funnel.paid_sales(history, today), product_ids, today)
    try:
        return demo_funnel.write(demo_funnel.rows(counts), tenant_id=tenant_id, table=settings.table_name,
                                 client=client)
    except (BotoCoreError, ClientError) as exc:
        raise SeedError(f"writing the demo funnel to {settings.aws_endpoint_url}: {exc}") from exc


def _product(api: _Api, prefix: str, count: int, body: dict[str, Any]) -> str:
    product = api.post("/v1/products", body)
    product_id = product.get("id")
    if not isinstance(product_id, str):
        raise SeedError(f"POST /v1/products answered without an id for {body['name']!r}")
    keys = [random_key(prefix) for _ in range(count)]
    result = api.post(f"/v1/products/{product_id}/keys", {"keys": keys}, expect=(200, 201))
    if result.get("imported") != count:
        raise SeedError(f"importing keys for {body['name']!r}: expected {count} imported, "
                        f"got {result.get('imported')!r} (duplicates {result.get('duplicates')!r}, "
                        f"rejected {len(result.get('rejected') or [])})")
    return product_id


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_CONFIRM = re.compile(r"/console/confirm\?token=[A-Za-z0-9_\-]+")


def confirm_console_email(base: str, address: str, password: str, mail_dir: Path, *, timeout: float) -> None:
    """Signs in on the console once (an unconfirmed owner is sent a new confirmation link), then opens the link
    from the mail folder: the owner is confirmed exactly as a merchant would be."""
    web = requests.Session()
    page = web.get(f"{base}/console/login", timeout=timeout)
    token = _CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise SeedError(f"GET /console/login answered {page.status_code} without a form")
    started = time.time()
    answer = web.post(f"{base}/console/login", data={"email": address, "password": password,
                                                     "csrf": token.group(1)}, timeout=timeout,
                      allow_redirects=False)
    if answer.status_code == 303:
        return  # confirmed already
    link = _newest_link(mail_dir, address, since=started - 1)
    if link is None:
        raise SeedError(f"POST /console/login answered {answer.status_code}, and no confirmation mail for "
                        f"{address} reached {mail_dir}")
    opened = web.get(f"{base}{link}", timeout=timeout, allow_redirects=False)
    if opened.status_code != 303:
        raise SeedError(f"opening the confirmation link answered {opened.status_code}")


def _newest_link(mail_dir: Path, address: str, *, since: float) -> str | None:
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        if path.stat().st_mtime < since:
            break
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] != address:
            continue
        body = message.get_body(preferencelist=("plain",))
        found = _CONFIRM.search(body.get_content() if body is not None else "")
        if found:
            return found.group(0)
    return None

