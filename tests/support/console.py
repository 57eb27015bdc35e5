"""A browser's cookie jar and forms over the Chalice test client, for the console's pages."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3

from chalicelib import wiring
from chalicelib.http.conventions.rate_limits import POLICIES, RateLimitService
from chalicelib.http.conventions.store import DynamoRateCounter
from chalicelib.kernel.conventions import Limit
from tests.fakes import FakeMailer, FixedClock

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSWORD = "correct horse battery"
ROOMY = {"ip:console": Limit(10_000, 60), "ip:console_auth": Limit(10_000, 60),
         "email:console_mail": Limit(10_000, 900), "ip:signup": Limit(10_000, 3600), "ip:public": Limit(10_000, 60)}


class ConsoleEnv:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.clock = FixedClock(int(time.time()))
        self.mailer = FakeMailer()
        self.c = wiring.Container(settings, clock=self.clock, mailer=self.mailer, rate_limits=RateLimitService(
            counter=DynamoRateCounter(), clock=self.clock, policies={**POLICIES, **ROOMY}))

    def snapshot(self, tenant_id: str) -> list[dict[str, Any]]:
        """The shop's items (users, links, activity), plus every e-mail lookup of it; not rate-limit windows nor
        the dashboard digest (derived figures a page view may keep)."""
        ddb = boto3.client("dynamodb", endpoint_url=self.settings.aws_endpoint_url, region_name="us-east-1")
        found = []
        for page in ddb.get_paginator("scan").paginate(TableName=self.settings.table_name):
            for item in page["Items"]:
                pk = item["pk"]["S"]
                mine = pk.startswith(f"T#{tenant_id}") or item.get("tenant_id", {}).get("S") == tenant_id
                if mine and "#RL#" not in pk and not pk.endswith("#RU#DIGEST"):
                    found.append(item)
        return sorted(found, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def serve(env: ConsoleEnv) -> Iterator[Any]:
    """The Chalice test client on the env's container, an hour later than the last test (the client's one IP
    leaves no sign-in lock behind)."""
    from chalice.test import Client

    from app import app
    from chalicelib import wiring

    previous = wiring._container
    wiring.use(env.c)
    env.clock.advance(3600)
    with Client(app) as test_client:
        yield test_client
    wiring.use(previous)


class Browser:
    """A browser's cookie jar and forms over the Chalice test client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return h

    def _keep(self, r: Any) -> Any:
        raw = r.headers.get("Set-Cookie") or r.headers.get("set-cookie")
        for value in ([] if raw is None else raw if isinstance(raw, list) else [raw]):
            name, _, rest = value.partition("=")
            content = rest.split(";", 1)[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = content
        return r

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self._keep(self.client.http.get(path, headers=self._headers(headers)))

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None = None) -> Any:
        body = dict(fields)
        if csrf is not None:
            body["csrf"] = csrf
        return self._keep(self.client.http.post(path, headers=self._headers(FORM), body=urlencode(body)))

    def form(self, path: str, action: str, fields: dict[str, str]) -> Any:
        """Opens the page, then sends its form with the page's CSRF token (as a browser would)."""
        page = self.get(path)
        assert page.status_code == 200, page.body[:300]
        return self.post(action, fields, csrf=csrf_of(page))


def csrf_of(r: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', r.body.decode())
    assert found, "the page has no CSRF field"
    return found.group(1)


def link_in(mail: dict[str, str], path: str) -> str:
    found = re.search(r"https?://[^\s]+" + re.escape(path) + r"\?token=[A-Za-z0-9_\-]+", mail["text"])
    assert found, mail["text"]
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def cookie_header(r: Any, name: str) -> str:
    raw = r.headers.get("Set-Cookie")
    values = raw if isinstance(raw, list) else [raw]
    matches = [v for v in values if v and v.startswith(name + "=")]
    assert matches, values
    return str(matches[0])


def owner_of_new_shop(web: Any, env: Any) -> tuple[Browser, str, str]:
    """A signed-in owner's browser, the shop's tenant id and the owner's e-mail."""
    slug = f"stf-{secrets.token_hex(4)}"
    email = f"owner@{slug}.example.com"
    b = Browser(web)
    assert b.form("/console/signup", "/console/signup", {"name": f"Shop {slug}", "slug": slug, "email": email,
                                                         "password": PASSWORD}).status_code == 200
    assert b.get(link_in(env.mailer.sent[-1], "/console/confirm")).status_code == 303
    tenant = env.c.tenancy.tenants.by_slug(slug)
    return b, tenant.id, email


def invite(b: Browser, email: str, role: str) -> Any:
    return b.post("/console/staff/invite", {"email": email, "role": role}, csrf=csrf_of(b.get("/console")))


def joined(web: Any, env: Any, owner: Browser, role: str) -> tuple[Browser, str]:
    """Invites someone with `role` and accepts in a fresh browser; returns it and the new member's e-mail."""
    email = f"{role}-{secrets.token_hex(3)}@staff.example.com"
    assert invite(owner, email, role).status_code == 303
    link = link_in(env.mailer.sent[-1], "/console/invite")
    b = Browser(web)
    page = b.get(link)
    assert page.status_code == 200
    r = b.post("/console/invite", {"token": link.split("token=")[1], "password": "staff pass phrase"},
               csrf=csrf_of(page))
    assert r.status_code == 303 and r.headers["Location"] == "/console?joined=1"
    return b, email


def user_id(env: Any, tenant_id: str, email: str) -> str:
    from chalicelib.tenancy.domain.roles import Actor

    owner = next(a for a in env.c.tenancy.staff_store.list(tenant_id) if a.role == "owner")
    actor = Actor.staff(owner.user_id, owner.email, "owner")
    return next(a.user_id for a in env.c.tenancy.staff.list(actor=actor, tenant_id=tenant_id) if a.email == email)
