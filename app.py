"""kamidrop's Chalice app: composes each capability's routes, schedules and queue handlers; no logic here."""

from __future__ import annotations

import os

from chalice import Chalice, Rate

from chalicelib import wiring
from chalicelib.aftersales.routes.reports import after_sales
from chalicelib.apidocs.routes import docs
from chalicelib.catalog.routes import catalog
from chalicelib.console.routes.aftersales import console_aftersales
from chalicelib.console.routes.cockpit import console_cockpit
from chalicelib.console.routes.coupons import console_coupons
from chalicelib.console.routes.customers import console_customers
from chalicelib.console.routes.history import console_history
from chalicelib.console.routes.home import console_home
from chalicelib.console.routes.images import console_images
from chalicelib.console.routes.insight_settings import console_insight_settings
from chalicelib.console.routes.insights import console_insights
from chalicelib.console.routes.integrations import console_integrations
from chalicelib.console.routes.keys import console_keys
from chalicelib.console.routes.orders import console_orders
from chalicelib.console.routes.products import console_products
from chalicelib.console.routes.reports import console_reports
from chalicelib.console.routes.review_queue import console_review_queue
from chalicelib.console.routes.risk_rules import console_risk_rules
from chalicelib.console.routes.security import console_security
from chalicelib.console.routes.settings import console_settings
from chalicelib.console.routes.signin import console_signin
from chalicelib.console.routes.signup import console_signup
from chalicelib.console.routes.staff import console_staff
from chalicelib.console.routes.thresholds import console_thresholds
from chalicelib.http import routes as http_routes
from chalicelib.http.fallbacks import register_fallbacks
from chalicelib.http.framework import framework_answers
from chalicelib.http.health import health_routes
from chalicelib.insights.routes.funnel import funnel_routes
from chalicelib.insights.routes.heatmap import insights
from chalicelib.insights.routes.history import history_routes
from chalicelib.insights.routes.reports import report_routes
from chalicelib.insights.routes.segments import segment_routes
from chalicelib.insights.routes.settings import settings_routes
from chalicelib.insights.routes.stock import stock_routes
from chalicelib.integrations.routes.webhooks import webhooks
from chalicelib.inventory.routes.keys import inventory
from chalicelib.marketing.routes import coupon_routes
from chalicelib.redemption.routes import redemption
from chalicelib.risk.routes import risk_routes
from chalicelib.sales.routes.checkout import checkout_routes
from chalicelib.sales.routes.orders import sales
from chalicelib.storefront.routes.lookup import lookup
from chalicelib.storefront.routes.order_page import order_page_routes
from chalicelib.storefront.routes.shop import storefront
from chalicelib.tenancy.routes import merchant

app = Chalice(app_name="kamidrop")
http_routes.serve_with(wiring.container)  # views find the container here; the HTTP layer imports no capability
for blueprint in (merchant, catalog, inventory, sales, webhooks, redemption, after_sales, docs, health_routes,
                  checkout_routes, order_page_routes, storefront, lookup, console_signup, console_signin, console_home,
                  console_security, console_staff, console_settings, console_products, console_images,
                  console_orders, console_keys, console_aftersales, console_customers, console_insights,
                  console_history, console_reports, console_cockpit, console_integrations, insights, funnel_routes,
                  segment_routes, stock_routes, history_routes, report_routes, settings_routes,
                  console_insight_settings, coupon_routes, console_coupons, risk_routes,
                  console_thresholds, console_review_queue, console_risk_rules):
    app.register_blueprint(blueprint)
register_fallbacks(app)  # last: 404 and 405 in the contract's error shape for whatever is left
app.register_middleware(framework_answers(app), "http")  # the framework's own answers (415...) in that shape too

BATCH_WINDOW_SECONDS = 1  # the local worker gathers its batches the same way (devstack/worker.py)
QUEUE_NAME = os.environ.get("KAMIDROP_QUEUE_NAME", f"kamidrop-{os.environ.get('KAMIDROP_STAGE', 'dev')}-outbox")
JOBS_QUEUE_NAME = os.environ.get("KAMIDROP_JOBS_QUEUE_NAME", f"kamidrop-{os.environ.get('KAMIDROP_STAGE', 'dev')}-jobs")


@app.schedule(Rate(1, unit=Rate.MINUTES))
def expire_reservations(event: object) -> None:
    from chalicelib.wiring.jobs import expire_reservations as run

    run()


@app.schedule(Rate(1, unit=Rate.HOURS))
def recover_skipped_keys(event: object) -> None:
    from chalicelib.wiring.jobs import recover_skipped_keys as run

    run()


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_outbox(event: object) -> None:
    from chalicelib.wiring.jobs import sweep_outbox as run

    run()


@app.schedule(Rate(1, unit=Rate.MINUTES))
def deliver_webhooks(event: object) -> None:
    from chalicelib.wiring.jobs import deliver_webhooks as run

    run()


@app.schedule(Rate(1, unit=Rate.HOURS))
def stock_alerts(event: object) -> None:
    """Each shop's stock against its safety line: one queue message per shop."""
    from chalicelib.wiring.jobs import fan_out

    fan_out("stock_alerts")


@app.schedule(Rate(1, unit=Rate.HOURS))
def nightly(event: object) -> None:
    """Segments and co-purchase rules, made once per shop day just after the shop's midnight: one message per shop."""
    from chalicelib.wiring.jobs import fan_out

    fan_out("nightly")


# The poller gathers up to a second of messages into one batch, handled together (see wiring/jobs.py).
@app.on_sqs_message(queue=QUEUE_NAME, batch_size=10, maximum_batching_window_in_seconds=BATCH_WINDOW_SECONDS)
def outbox_messages(event: object) -> None:
    from chalicelib.wiring.jobs import handle_queue_batch

    handle_queue_batch([(record.body, record.receipt_handle) for record in event])  # type: ignore[attr-defined]


# Background work, one message an invocation (a history chunk takes seconds): never ahead of a buyer's e-mail.
@app.on_sqs_message(queue=JOBS_QUEUE_NAME, batch_size=1)
def job_messages(event: object) -> None:
    from chalicelib.wiring.jobs import handle_job_message

    for record in event:  # type: ignore[attr-defined]
        handle_job_message(record.body)
