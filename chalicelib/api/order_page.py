"""The buyer's order page (HTML): keys with copy buttons, the usage guide, after-sales and the shop's support."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Response

from .pages import page

if TYPE_CHECKING:
    from chalicelib.services.orders import BuyerOrder

    from .routes import Call


def render_order_page(call: Call, view: BuyerOrder) -> Response:
    return page(call, "order.html", order=view.order, keys=view.keys, usage_guide=view.usage_guide,
                usage_url=view.usage_url, lines=view.lines, reports=view.reports)
