"""Order lookup for buyers: by order number + e-mail + query password, or by a sign-in link and a session."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.http.errors import json_response
from chalicelib.http.pages import cookie, locale_of, page
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import CURRENCY, boolean, id_of, integer, obj, page_of, string, timestamp
from chalicelib.kernel.errors import AuthenticationFailed, RateLimited
from chalicelib.storefront.domain.lookup import SESSION_COOKIE, SESSION_SECONDS, BuyerSession
from chalicelib.tenancy.domain.models import Tenant

lookup = Blueprint(__name__)

TAG = "Order lookup"
EMAIL = string("the e-mail address given at checkout", max_length=254, fmt="email")
LOOKUP = obj({"email": EMAIL, "order_id": id_of("ord", "the order number from the order e-mail"),
              "password": string("the query password chosen at checkout", min_length=1, max_length=64)},
             closed=True)
FOUND = obj({"order_id": id_of("ord"),
             "order_url": string("the order page's permanent link, with its token; treat it as a secret")})
LINK_REQUEST = obj({"email": EMAIL, "locale": string("the mail's language; default from Accept-Language",
                                                     enum=("en", "zh-CN"))}, required=("email",), closed=True)
MY_ORDER = obj({"id": id_of("ord"), "product_name": string(), "quantity": integer(minimum=1),
                "amount": integer(minimum=0), "currency": CURRENCY,
                "status": string(enum=("pending", "review", "paid", "delivered", "failed", "refunded", "expired",
                                       "rejected")),
                "created_at": timestamp(), "order_url": string("the order page's permanent link, with its token")},
               title="BuyerOrder")
PAGE_MESSAGES = ("lookup.failed", "lookup.check_fields", "lookup.too_many", "lookup.error", "lookup.link_sent",
                 "lookup.working")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _email_limited(call: Call, exc: RateLimited) -> RateLimited:
    """The per-e-mail 429 carries its own RateLimit headers, not the per-IP ones the route table added."""
    call.extra_headers.update(exc.headers)
    return exc


@endpoint(lookup, "GET", "/s/{slug}/lookup", summary="The order lookup page", tag=TAG, auth="shop",
          produces="text/html", rate=None,  # a static form: the limits sit on the POSTs that check details
          description="Form 1: order number, e-mail and query password. Form 2: e-mail for a sign-in link.")
def lookup_page(call: Call, slug: str) -> Any:
    return _lookup_page(call)


def _lookup_page(call: Call, notice: str = "") -> Response:
    """`notice` is a message id shown above the forms (an expired sign-in link)."""
    response = page(call, "lookup.html", notice=notice, page_messages=PAGE_MESSAGES)
    response.headers.update(NO_STORE)
    return response


@endpoint(lookup, "POST", "/s/{slug}/lookup", summary="Find an order by number, e-mail and query password",
          tag=TAG, auth="shop", rate="lookup", body=LOOKUP, response=FOUND, secret_answer=True,
          description="All three must match. Unknown order, another shop's order, another e-mail, a wrong "
                      "password and an order without a query password all answer the same 404 "
                      "`order_lookup_failed`. Limited per client IP and per e-mail address (429).")
def find_order(call: Call, slug: str) -> Any:
    assert call.tenant is not None
    try:
        found = call.c.storefront.order_lookup.lookup(tenant=call.tenant, body=call.json())
    except RateLimited as exc:
        raise _email_limited(call, exc) from None
    response = json_response({"order_id": found.order.id, "order_url": found.url})
    response.headers.update(NO_STORE)
    return response


@endpoint(lookup, "POST", "/s/{slug}/lookup/link", summary="E-mail a sign-in link to see all my orders", tag=TAG,
          auth="shop", rate="login_link", status=202, body=LINK_REQUEST, response=obj({"sent": boolean()}),
          description="Always answers 202 `{\"sent\": true}`, whether or not the address has orders in this shop; "
                      "when it has, a sign-in link valid 30 minutes is e-mailed. 503 when the mail could not be "
                      "sent (retry). Limited per client IP and per e-mail address (429).")
def send_link(call: Call, slug: str) -> Any:
    assert call.tenant is not None
    try:
        call.c.storefront.order_lookup.send_link(tenant=call.tenant, body=call.json(), locale=locale_of(call))
    except RateLimited as exc:
        raise _email_limited(call, exc) from None
    return {"sent": True}


@endpoint(lookup, "GET", "/s/{slug}/my", summary="The buyer's orders in this shop (sign-in link or session)",
          tag=TAG, auth="shop", rate="order_lookup", produces="application/json,text/html",
          response=page_of(MY_ORDER), extra_statuses=(401,),
          query=(QueryParam("login", string(max_length=200), "the token of a sign-in link from the e-mail"),
                 QueryParam("limit", integer(minimum=1, maximum=100), "page size, default 20"),
                 QueryParam("cursor", string(max_length=400), "next_cursor of the previous page")),
          description="With `?login=` of a live sign-in link: starts a 7-day buyer session (cookie `kd_buyer`) "
                      "and answers 303 to this page. An expired or unknown link shows the lookup page (200) "
                      "with a note to ask for a new one (JSON: 401 `sign_in_link_invalid`). With a session: "
                      "every order of its e-mail in this shop, newest first; without one the lookup page "
                      "(JSON: 401 `buyer_session_required`).")
def my_orders(call: Call, slug: str) -> Any:
    tenant = call.tenant
    assert tenant is not None
    wants_json = "application/json" in (call.header("accept") or "")
    service = call.c.storefront.order_lookup
    if "login" in call.query:
        session_token = service.open_link(tenant=tenant, token=call.query.get("login"))
        if session_token is None:
            if wants_json:
                raise AuthenticationFailed("this sign-in link expired or is not valid; ask for a new one",
                                           code="sign_in_link_invalid")
            return _lookup_page(call, "lookup.link_invalid")
        return Response(body="", status_code=303, headers={
            "Location": f"/s/{tenant.slug}/my", "Set-Cookie": _session_cookie(call, tenant, session_token),
            **NO_STORE})
    session = service.session(tenant=tenant, token=cookie(call, SESSION_COOKIE))
    if session is None:
        if wants_json:
            raise AuthenticationFailed("sign in with a link from your e-mail first (POST /s/{slug}/lookup/link)",
                                       code="buyer_session_required")
        return _lookup_page(call)
    return _orders(call, tenant, session, wants_json)


def _orders(call: Call, tenant: Tenant, session: BuyerSession, wants_json: bool) -> Response:
    limit, cursor = call.list_params()
    found = call.c.storefront.order_lookup.my_orders(tenant=tenant, session=session, limit=limit, cursor=cursor)
    if wants_json:
        response = json_response({
            "object": "list", "has_more": found.next_cursor is not None, "next_cursor": found.next_cursor,
            "data": [{"id": f.order.id, "product_name": f.order.product_name, "quantity": f.order.quantity,
                      "amount": f.order.amount, "currency": f.order.currency, "status": f.order.status.value,
                      "created_at": f.order.created_at, "order_url": f.url} for f in found.items]})
    else:
        response = page(call, "my_orders.html", orders=found.items, email=session.email,
                        next_cursor=found.next_cursor)
    response.headers.update(NO_STORE)
    return response


def _session_cookie(call: Call, tenant: Tenant, value: str, max_age: int = SESSION_SECONDS) -> str:
    secure = "; Secure" if call.c.settings.production else ""
    return f"{SESSION_COOKIE}={value}; Path=/s/{tenant.slug}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


@endpoint(lookup, "POST", "/s/{slug}/logout", summary="Sign the buyer out (ends the session)", tag=TAG,
          auth="shop", response=obj({"signed_out": boolean()}),
          description="Deletes the buyer session of the `kd_buyer` cookie and clears the cookie.")
def sign_out(call: Call, slug: str) -> Any:
    tenant = call.tenant
    assert tenant is not None
    call.c.storefront.order_lookup.logout(tenant=tenant, token=cookie(call, SESSION_COOKIE))
    response = json_response({"signed_out": True})
    response.headers["Set-Cookie"] = _session_cookie(call, tenant, "", max_age=0)
    response.headers.update(NO_STORE)
    return response
