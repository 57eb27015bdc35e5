"""Server-rendered buyer pages through Jinja2 (autoescaping): language, security headers and a script nonce."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from chalice import Response

from chalicelib.kernel.i18n import LOCALE_NAMES, LOCALES, Translator, negotiate, parse_locale

if TYPE_CHECKING:
    from chalicelib.http.routes import Call

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANG_COOKIE = "kd_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "web", "templates")),
        autoescape=True,  # every template escapes by default
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, status: int = 200, **context: Any) -> Response:
    """A page outside the storefront's language handling (the API docs)."""
    html = _env().get_template(template).render(**context)
    return Response(body=html, status_code=status, headers=dict(SECURITY_HEADERS))


def cookie(call: Call, name: str) -> str | None:
    raw = call.header("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None  # a malformed Cookie header is treated as no cookie, never as an error
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def locale_of(call: Call) -> str:
    """The switch's `?lang=`, then its cookie, then Accept-Language, then the shop's own language."""
    default = call.tenant.locale if call.tenant is not None else "en"
    return negotiate(query=call.query.get("lang"), cookie=cookie(call, LANG_COOKIE),
                     accept_language=call.header("accept-language"), default=default)


def translator(call: Call) -> Translator:
    return Translator(locale_of(call))


def _path(call: Call) -> str:
    params = call.request.uri_params or {}
    return call.spec.path.format(**params)


def _switch(call: Call, current: str) -> list[dict[str, Any]]:
    """Links to this very page in each language, keeping its query (an order page's token)."""
    query = {k: v for k, v in call.query.items() if k != "lang"}
    path = _path(call)
    return [{"locale": loc, "name": LOCALE_NAMES[loc], "current": loc == current,
             "href": path + "?" + urlencode({**query, "lang": loc})} for loc in LOCALES]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _csp(call: Call, nonce: str, *, stripe: bool, uploads: bool = False) -> str:
    """Scripts run only with this response's nonce; Stripe.js (and its frames) only on the checkout page; images
    from the shop's media bucket; console forms may post an image straight to the bucket."""
    script, frame, connect = [f"'nonce-{nonce}'"], ["'none'"], ["'self'"]
    settings = call.c.settings
    images = ["'self'", "https:", "data:"]
    media = _origin(settings.media_base_url)
    if not media.startswith("https:"):
        images.append(media)  # the local stack's bucket is plain http
    forms = ["'self'", *settings.media_upload_origins] if uploads else ["'self'"]
    if stripe:
        js = urlsplit(call.c.settings.stripe_js_url)
        origin = f"{js.scheme}://{js.netloc}"
        script.append(origin)
        frame = [origin, "https://hooks.stripe.com"]
        connect += [origin, "https://api.stripe.com"]
    return "; ".join([
        "default-src 'self'", "script-src " + " ".join(script), "style-src 'self' 'unsafe-inline'",
        "img-src " + " ".join(images), "frame-src " + " ".join(frame), "connect-src " + " ".join(connect),
        "form-action " + " ".join(forms), "base-uri 'none'", "object-src 'none'", "frame-ancestors 'none'",
    ])


def page(call: Call, template: str, *, status: int = 200, stripe: bool = False, cookies: Sequence[str] = (),
         private: bool = False, **context: Any) -> Response:
    """A page in the reader's language, with the shop, the language switch and a script nonce. `cookies` are
    extra Set-Cookie values; `private` pages (the console) are never stored by a cache."""
    t = translator(call)
    nonce = secrets.token_urlsafe(16)
    html = _env().get_template(template).render(t=t, shop=call.tenant, switch=_switch(call, t.locale), nonce=nonce,
                                                 **context)
    headers: dict[str, str | list[str]] = dict(SECURITY_HEADERS)
    headers["Content-Security-Policy"] = _csp(call, nonce, stripe=stripe, uploads=private)
    headers["Content-Language"] = t.locale
    headers["Vary"] = "Accept-Language, Cookie"
    set_cookies = list(cookies)
    chosen = parse_locale(call.query.get("lang"))
    if chosen:  # the switch sticks: later pages without ?lang= keep this choice
        secure = "; Secure" if call.c.settings.production else ""
        set_cookies.append(f"{LANG_COOKIE}={chosen}; Path=/; Max-Age={LANG_COOKIE_SECONDS}; SameSite=Lax{secure}")
    if set_cookies:
        headers["Set-Cookie"] = set_cookies if len(set_cookies) > 1 else set_cookies[0]
    if private:
        headers["Cache-Control"] = "no-store"
    return Response(body=html, status_code=status, headers=headers)
