"""The console's Orders → Held for review: the orders the shop's risk rules held before payment, each with its score
and reasons in the merchant's words and the time its hold has left, approved (the buyer is e-mailed a link to pay)
or rejected (keys back on sale, the buyer told nothing was charged), and a buyer blocked in one click — through the
same services as `/v1/orders/{id}/approve|reject` and `/v1/risk/blocks`."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.console.routes.render import TAG, console_page, error_text, forbidden_page, redirect
from chalicelib.http.parsing import FORM_TYPE
from chalicelib.http.routes import Call, QueryParam, endpoint
from chalicelib.http.schema import string
from chalicelib.kernel.errors import Conflict, NotFound, PermissionDenied
from chalicelib.tenancy.domain.roles import Permission

console_review_queue = Blueprint(__name__)
PAGE = "console/review_queue.html"
QUEUE = "/console/orders/review"


def _page(call: Call, *, status: int = 200, **context: object) -> Response:
    held = call.c.sales.reviews.queue(actor=call.actor, tenant_id=call.tenant_id, limit=100, cursor=None).items
    return console_page(call, PAGE, status=status, held=held, now=call.c.platform.clock.now(),
                        may_decide=call.actor.may(Permission.AFTER_SALES),
                        may_block=call.actor.may(Permission.SETTINGS), **context)


@endpoint(console_review_queue, "GET", QUEUE, summary="Orders held for review", tag=TAG, auth="console",
          produces="text/html", in_openapi=False,
          query=(QueryParam("done", string(enum=("approved", "rejected", "blocked")), "what was just done"),))
def queue(call: Call) -> Response:
    try:
        return _page(call, done=call.query.get("done"))
    except PermissionDenied as exc:
        return forbidden_page(call, exc)


@endpoint(console_review_queue, "POST", QUEUE + "/{order_id}/{action}", summary="Decide a held order (form)",
          tag=TAG, auth="console", content_types=(FORM_TYPE,), produces="text/html", idempotent=False,
          in_openapi=False)
def decide(call: Call, order_id: str, action: str) -> Response:
    reviews = call.c.sales.reviews
    try:
        if action == "approve":
            reviews.approve(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id)
        elif action == "reject":
            reviews.reject(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id)
        elif action == "block":
            order = call.c.sales.orders.get(tenant_id=call.tenant_id, order_id=order_id)
            call.c.risk.risk_rules.block(actor=call.actor, tenant_id=call.tenant_id, body={"email": order.email})
            reviews.reject(actor=call.actor, tenant_id=call.tenant_id, order_id=order_id)
            action = "block"
        else:
            raise NotFound("no such action")
    except PermissionDenied as exc:
        return forbidden_page(call, exc)
    except Conflict as exc:
        return _page(call, status=409, error=error_text(call, exc))
    return redirect(f"{QUEUE}?done={'blocked' if action == 'block' else action + 'd'}")
