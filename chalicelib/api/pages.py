"""Server-rendered HTML pages (storefront, checkout, order) through Jinja2 with autoescaping."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from chalice import Response

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
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
    html = _env().get_template(template).render(**context)
    return Response(body=html, status_code=status, headers=dict(SECURITY_HEADERS))


def money(amount: int, currency: str) -> str:
    from chalicelib.domain.money import CURRENCY_EXPONENT

    exp = CURRENCY_EXPONENT.get(currency, 2)
    value = amount / (10 ** exp) if exp else amount
    return f"{value:,.{exp}f} {currency.upper()}"


def render_order_page(view: Any) -> Response:
    return render("order.html", shop=view.tenant, order=view.order, keys=view.keys,
                  amount=money(view.order.amount, view.order.currency), usage_guide=view.usage_guide,
                  usage_url=view.usage_url)
