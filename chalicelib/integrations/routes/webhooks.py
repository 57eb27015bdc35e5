"""Merchant API: outbound webhook endpoints, their deliveries, platform events and replays (scope `webhooks`)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.http import serialize
from chalicelib.http.routes import LIST_QUERY, Call, endpoint
from chalicelib.http.schema import page_of
from chalicelib.integrations.routes import shapes

webhooks = Blueprint(__name__)

TAG = "Webhooks"
CATALOGUE = (
    "Events (payload `{id, type, api_version: \"2026-11-01\", created_at, tenant_id, data}`): "
    "`order.created`, `order.paid`, `order.delivered`, `order.refunded`, `order.failed` (data: the order object, "
    "never its keys); `stock.low`, `stock.out` (data: `{object: \"stock\", product_id, product_name, available, "
    "low_stock_threshold}` once per crossing on a sale; from the hourly stock check `{..., level, safety_line, "
    "daily_units, days_left, cover_days, window_days}`, again after 24 h or at once when worse); `key.redeemed`, "
    "`key.reported`; `report.ready` (data: `{object: \"report\", kind, from, to, orders, revenue, anomalies, "
    "url}` once per period). Signed per Standard Webhooks "
    "(`webhook-id` = the delivery id, `webhook-timestamp`, `webhook-signature: v1,<base64>` — two signatures "
    "while a rotated secret overlaps). 10 s timeout; any non-2xx, timeout or network error is retried after "
    "5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h; 410 Gone disables the endpoint at once, and an "
    "endpoint failing for 5 days is disabled and the owner e-mailed."
)


@endpoint(webhooks, "POST", "/v1/webhook_endpoints", summary="Create a webhook endpoint", tag=TAG, scope="webhooks",
          secret_answer=True,
          status=201, body=shapes.ENDPOINT_CREATE, response=shapes.ENDPOINT_WITH_SECRET,
          description="The signing `secret` (whsec_...) is shown only in this answer. In production the URL must "
                      "be https on a public address. " + CATALOGUE)
def create_endpoint(call: Call) -> Any:
    created, secret = call.c.integrations.webhooks.create(tenant_id=call.tenant_id, actor=call.actor, body=call.json())
    return {**shapes.endpoint(created), "secret": secret}


@endpoint(webhooks, "GET", "/v1/webhook_endpoints", summary="List webhook endpoints, newest first", tag=TAG,
          scope="webhooks", response=page_of(shapes.ENDPOINT), query=LIST_QUERY)
def list_endpoints(call: Call) -> Any:
    limit, cursor = call.list_params()
    page = call.c.integrations.webhooks.list(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([shapes.endpoint(e) for e in page.items], page.next_cursor)


@endpoint(webhooks, "GET", "/v1/webhook_endpoints/{endpoint_id}", summary="Get a webhook endpoint", tag=TAG,
          scope="webhooks", response=shapes.ENDPOINT)
def get_endpoint(call: Call, endpoint_id: str) -> Any:
    return shapes.endpoint(call.c.integrations.webhooks.get(tenant_id=call.tenant_id, endpoint_id=endpoint_id))


@endpoint(webhooks, "PATCH", "/v1/webhook_endpoints/{endpoint_id}", summary="Change a webhook endpoint", tag=TAG,
          scope="webhooks", body=shapes.ENDPOINT_PATCH, response=shapes.ENDPOINT,
          description="`enabled: true` re-enables a disabled endpoint; replay what it missed afterwards.")
def patch_endpoint(call: Call, endpoint_id: str) -> Any:
    return shapes.endpoint(call.c.integrations.webhooks.patch(tenant_id=call.tenant_id, actor=call.actor,
                                                              endpoint_id=endpoint_id,
                                                 body=call.json()))


@endpoint(webhooks, "DELETE", "/v1/webhook_endpoints/{endpoint_id}", summary="Delete a webhook endpoint", tag=TAG,
          scope="webhooks", response=shapes.DELETED)
def delete_endpoint(call: Call, endpoint_id: str) -> Any:
    call.c.integrations.webhooks.delete(tenant_id=call.tenant_id, actor=call.actor, endpoint_id=endpoint_id)
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


@endpoint(webhooks, "POST", "/v1/webhook_endpoints/{endpoint_id}/rotate_secret", summary="Rotate the signing secret",
          secret_answer=True,
          tag=TAG, scope="webhooks", body=shapes.ROTATE, response=shapes.ENDPOINT_WITH_SECRET,
          description="A new secret signs from now on; the old one adds a second signature for `overlap_seconds` "
                      "(default 86400, at most 7 days, 0 ends it at once).")
def rotate_secret(call: Call, endpoint_id: str) -> Any:
    body = call.json() if call.raw() else {}
    rotated, secret = call.c.integrations.webhooks.rotate_secret(tenant_id=call.tenant_id, actor=call.actor,
                                                                 endpoint_id=endpoint_id,
                                                                 body=body)
    return {**shapes.endpoint(rotated), "secret": secret}


@endpoint(webhooks, "POST", "/v1/webhook_endpoints/{endpoint_id}/test", summary="Send a test event now", tag=TAG,
          scope="webhooks", response=shapes.DELIVERY, extra_statuses=(409,),
          description="Sends a `webhook.test` event to this endpoint only, at once, and answers with the delivery "
                      "and its first attempt (failed ones are retried on the usual schedule).")
def test_endpoint(call: Call, endpoint_id: str) -> Any:
    return shapes.delivery(call.c.integrations.webhooks.send_test(tenant_id=call.tenant_id, actor=call.actor,
                                                                  endpoint_id=endpoint_id))


@endpoint(webhooks, "POST", "/v1/webhook_endpoints/{endpoint_id}/replay", summary="Re-send undelivered messages",
          tag=TAG, scope="webhooks", body=shapes.REPLAY_SINCE, response=shapes.REPLAYED,
          description="Every message to this endpoint created at or after `since` and not delivered is sent again "
                      "with a fresh retry schedule (at most 1,000 per call; call again for more).")
def replay_endpoint(call: Call, endpoint_id: str) -> Any:
    done = call.c.integrations.webhooks.replay_endpoint(tenant_id=call.tenant_id, actor=call.actor,
                                                        endpoint_id=endpoint_id,
                                                        body=call.json())
    return {"object": "replay", "requeued": done.requeued}


@endpoint(webhooks, "GET", "/v1/webhook_endpoints/{endpoint_id}/deliveries", summary="Deliveries to an endpoint",
          tag=TAG, scope="webhooks", response=page_of(shapes.DELIVERY), query=LIST_QUERY,
          description="Newest first, each with its attempts (time, status code, duration, error).")
def list_deliveries(call: Call, endpoint_id: str) -> Any:
    limit, cursor = call.list_params()
    page = call.c.integrations.webhooks.deliveries(tenant_id=call.tenant_id, endpoint_id=endpoint_id, limit=limit,
                                                   cursor=cursor)
    return serialize.page([shapes.delivery(d) for d in page.items], page.next_cursor)


@endpoint(webhooks, "GET", "/v1/events", summary="List events, newest first", tag=TAG, scope="webhooks",
          response=page_of(shapes.EVENT), query=LIST_QUERY, description=CATALOGUE)
def list_events(call: Call) -> Any:
    limit, cursor = call.list_params()
    page = call.c.integrations.webhooks.events(tenant_id=call.tenant_id, limit=limit, cursor=cursor)
    return serialize.page([shapes.event(e) for e in page.items], page.next_cursor)


@endpoint(webhooks, "GET", "/v1/events/{event_id}", summary="Get an event with its deliveries", tag=TAG,
          scope="webhooks", response=shapes.EVENT_WITH_DELIVERIES)
def get_event(call: Call, event_id: str) -> Any:
    found, deliveries = call.c.integrations.webhooks.event(tenant_id=call.tenant_id, event_id=event_id)
    return {**shapes.event(found), "deliveries": [shapes.delivery(d) for d in deliveries]}


@endpoint(webhooks, "POST", "/v1/events/{event_id}/replay", summary="Re-send one event", tag=TAG, scope="webhooks",
          response=shapes.REPLAYED, description="Every delivery of the event is sent again, delivered ones too.")
def replay_event(call: Call, event_id: str) -> Any:
    done = call.c.integrations.webhooks.replay_event(tenant_id=call.tenant_id, actor=call.actor, event_id=event_id)
    return {"object": "replay", "requeued": done.requeued}
