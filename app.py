"""kamidrop's Chalice app: composes blueprints, schedules and queue handlers; no logic here."""

from __future__ import annotations

import os

from chalice import Chalice, Rate

from chalicelib.api.after_sales import after_sales
from chalicelib.api.catalog import catalog
from chalicelib.api.docs import docs
from chalicelib.api.fallbacks import register_fallbacks
from chalicelib.api.inventory import inventory
from chalicelib.api.lookup import lookup
from chalicelib.api.merchant import merchant
from chalicelib.api.public import public
from chalicelib.api.redemption import redemption
from chalicelib.api.sales import sales
from chalicelib.api.storefront import storefront
from chalicelib.api.webhooks import webhooks

app = Chalice(app_name="kamidrop")
for blueprint in (merchant, catalog, inventory, sales, webhooks, redemption, after_sales, docs, public, storefront,
                  lookup):
    app.register_blueprint(blueprint)
register_fallbacks(app)  # last: 404 and 405 in the contract's error shape for whatever is left

QUEUE_NAME = os.environ.get("KAMIDROP_QUEUE_NAME", f"kamidrop-{os.environ.get('KAMIDROP_STAGE', 'dev')}-outbox")


@app.schedule(Rate(1, unit=Rate.MINUTES))
def expire_reservations(event: object) -> None:
    from chalicelib.jobs.tasks import expire_reservations as run

    run()


@app.schedule(Rate(1, unit=Rate.HOURS))
def recover_skipped_keys(event: object) -> None:
    from chalicelib.jobs.tasks import recover_skipped_keys as run

    run()


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_outbox(event: object) -> None:
    from chalicelib.jobs.tasks import sweep_outbox as run

    run()


@app.schedule(Rate(1, unit=Rate.MINUTES))
def deliver_webhooks(event: object) -> None:
    from chalicelib.jobs.webhooks import deliver_due

    deliver_due()


@app.on_sqs_message(queue=QUEUE_NAME, batch_size=10)
def outbox_messages(event: object) -> None:
    from chalicelib.jobs.tasks import handle_queue_body

    for record in event:  # type: ignore[attr-defined]
        handle_queue_body(record.body)
