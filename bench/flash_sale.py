"""Flash sale (秒杀): 2,000 concurrent buyers for 1,000 keys; nothing sold twice, nothing oversold.

Phase 1, checkout: all buyers are submitted at once to a thread pool; each calls CheckoutService.start.
Phase 2, fulfilment: reserved buyers pay at localstripe, then their signed payment_intent.succeeded
event goes through FulfilmentService.handle_webhook, as in production; an event whose handling
raised is re-sent (same event id, fresh signature) the way Stripe retries a failed delivery.
Phase 3, replay: delivered orders get their event twice more plus a second event for the same intent,
all concurrently; each must answer "duplicate" and change nothing.
Then every order and every key is read back (nothing decrypted) and checked.

By default every reserved buyer pays (--paying all); `--paying 100` gives a quicker run with the same
request counts per order. (The stock moto server deep-copies the whole table once per transaction item;
devstack/moto_server.py, which this harness starts, snapshots only the touched items instead.)

    python -m bench.flash_sale [--buyers 2000] [--keys 1000] [--workers 64] [--paying all|100]
                               [--pay-workers 4] [--replays 100]
"""

from __future__ import annotations

import argparse
import random
import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.harness import (
    DynamoFailureTap,
    ErrorLog,
    Progress,
    RequestCounter,
    main,
    per,
    percentile,
    say,
    stack,
)
from chalicelib.inventory.domain.models import KeyRef
from chalicelib.kernel.errors import OutOfStock
from chalicelib.sales.domain.models import OrderStatus
from chalicelib.tenancy.domain.roles import SYSTEM
from tests.support import shop

STRIPE_RETRIES = 3


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    tap = DynamoFailureTap()
    tapped: dict[str, Any] = {}
    try:
        with stack("flash") as st:
            return run(args, st, tap, tapped)
    finally:
        tap.close()


def run(args: argparse.Namespace, st: Any, tap: DynamoFailureTap, tapped: dict[str, Any]) -> dict[str, Any]:
    c, settings = st.container, st.settings
    counter = RequestCounter(c)
    errors = ErrorLog()

    # ---- setup: one tenant, one product, the keys ----------------------------------------------------
    slug = f"flash-{secrets.token_hex(4)}"
    tenant, _api_key = c.tenancy.tenants.sign_up({"name": "Flash shop", "slug": slug,
                                                  "email": f"owner@{slug}.example.com",
                                          "password": "correct horse battery"})
    product = c.catalog.products.create(actor=SYSTEM, tenant_id=tenant.id,
                                        body={"name": "Game card", "price": 500, "currency": "usd", "max_per_order": 1})
    imported = c.inventory.key_import.import_keys(tenant_id=tenant.id, product_id=product.id,
                                        body={"keys": shop.new_keys(args.keys, "FLASH")},
                                        content_type="application/json")
    assert imported.imported == args.keys and imported.failure is None, imported
    before = c.catalog.products.stock(tenant_id=tenant.id, product_id=product.id)
    tapped["setup"] = tap.take()
    say(f"tenant {tenant.id}, product {product.id} ({product.shards} shards), stock {before}")
    # built before the threads start
    _ = (c.sales.checkout, c.sales.fulfilment, c.platform.payments, c.sales.order_store, c.platform.queue)

    # ---- phase 1: all buyers at once -----------------------------------------------------------------
    progress = Progress("checkouts started", args.buyers)

    def buy(i: int) -> tuple[str, str | None, str | None, int]:
        progress.tick()
        mark = counter.thread_dynamodb()
        try:
            # each buyer a browser of its own, its device id issued by the shop's page (the risk rules count it)
            started = c.sales.checkout.start(slug=slug, body={"product_id": product.id, "quantity": 1,
                                                        "email": f"buyer{i}@example.com",
                                                        "device": c.risk.risk_engine.issue_device(tenant)})
            kind, order_id, intent_id = "reserved", started.order.id, started.order.payment_intent_id
        except OutOfStock:
            kind, order_id, intent_id = "sold_out", None, None
        except Exception as exc:
            errors.add("checkout", exc)
            kind, order_id, intent_id = "error", None, None
        return kind, order_id, intent_id, counter.thread_dynamodb() - mark

    say(f"checkout: {args.buyers} buyers submitted at once to {args.workers} threads")
    t0 = time.perf_counter()
    with counter.phase("checkout"), ThreadPoolExecutor(args.workers) as pool:
        bought = list(pool.map(buy, range(args.buyers)))
    checkout_seconds = time.perf_counter() - t0
    tapped["checkout"] = tap.take()
    answers = Counter(kind for kind, *_ in bought)
    reserved = [(order_id, intent_id) for kind, order_id, intent_id, _ in bought if kind == "reserved"]
    req_reserved = [n for kind, *_, n in bought if kind == "reserved"]
    req_sold_out = [n for kind, *_, n in bought if kind == "sold_out"]
    say(f"checkout done in {checkout_seconds:.1f}s: {dict(answers)}")

    # ---- phase 2: pay, then the webhook ----------------------------------------------------------------
    paying = reserved if args.paying == "all" else random.Random(7).sample(reserved, min(int(args.paying),
                                                                                          len(reserved)))
    event_of: dict[str, str] = {}  # order id -> the id of the event that pays it
    paid = Progress("payments + webhooks", len(paying), every=50)

    def send(order_id: str, intent_id: str) -> tuple[str, float]:
        payload, signature = shop.stripe_event(settings, intent_id, event_id=event_of[order_id])
        t = time.perf_counter()
        try:
            outcome = c.sales.fulfilment.handle_webhook(payload=payload, signature=signature).result
        except Exception as exc:  # Stripe sees a 5xx and retries later
            errors.add("webhook", exc)
            outcome = "error"
        return outcome, time.perf_counter() - t

    def pay_and_deliver(order: tuple[str, str]) -> tuple[str, str, float]:
        order_id, intent_id = order
        paid.tick()
        try:
            shop.pay(settings, intent_id)
        except Exception as exc:
            errors.add("pay", exc)
            return order_id, "pay_error", 0.0
        event_of[order_id] = f"evt_{secrets.token_hex(12)}"
        return (order_id, *send(order_id, intent_id))

    say(f"fulfilment: {len(paying)} of {len(reserved)} reserved buyers pay, on {args.pay_workers} threads")
    intent_of = dict(reserved)
    t0 = time.perf_counter()
    with counter.phase("fulfilment"):
        with ThreadPoolExecutor(args.pay_workers) as pool:
            fulfilled = list(pool.map(pay_and_deliver, paying))
        outcome_of = {order_id: outcome for order_id, outcome, _ in fulfilled}
        retried: Counter[str] = Counter()
        for _ in range(STRIPE_RETRIES):
            for order_id in [o for o, outcome in outcome_of.items() if outcome == "error"]:
                outcome_of[order_id] = send(order_id, intent_of[order_id])[0]
                retried[outcome_of[order_id]] += 1
    fulfilment_seconds = time.perf_counter() - t0
    tapped["fulfilment"] = tap.take()
    outcomes = Counter(outcome_of.values())
    delivered_ids = [o for o, outcome in outcome_of.items() if outcome in ("delivered", "duplicate")]
    # "duplicate" on an event's first sending: was the order delivered by that very event? (The ledger
    # records the event id in the sale transaction.) Happens when the transaction's HTTP call is retried
    # after a client timeout and the retry meets the first attempt's committed write.
    first_send_duplicate = [o for o, outcome in outcome_of.items() if outcome == "duplicate"]
    with counter.phase("verify"):
        own_event = sum(1 for o in first_send_duplicate if c.sales.sale_ledger.event_seen(event_of[o]))
    webhook_ms = [dt * 1000 for _, outcome, dt in fulfilled if outcome == "delivered"]
    say(f"fulfilment done in {fulfilment_seconds:.1f}s: {dict(outcomes)}; Stripe-style retries {dict(retried)}")

    # ---- verification: every order and every key read back (no decryption) -----------------------------
    def check() -> dict[str, Any]:
        statuses: Counter[str] = Counter()
        owner_of: dict[KeyRef, list[str]] = {}
        status_of: dict[str, OrderStatus] = {}
        for order_id, _ in reserved:
            order = c.sales.order_store.get(tenant_id=tenant.id, order_id=order_id)
            statuses[order.status.value] += 1
            status_of[order_id] = order.status
            for ref in order.keys:
                owner_of.setdefault(ref, []).append(order_id)
        states = c.inventory.key_pool.shard_states(tenant_id=tenant.id, product_id=product.id, shards=product.shards)
        stored = c.inventory.key_pool.read(tenant_id=tenant.id, product_id=product.id,
                                 refs=[KeyRef(s.shard, n) for s in states for n in range(s.size)])
        taken = [k for k in stored if k.status in ("reserved", "sold")]
        sold = [k for k in stored if k.status == "sold"]
        delivered_orders = sum(1 for s in status_of.values() if s == OrderStatus.DELIVERED)
        pending_orders = sum(1 for s in status_of.values() if s == OrderStatus.PENDING)
        stock = c.catalog.products.stock(tenant_id=tenant.id, product_id=product.id)
        dups = {
            "key_in_two_orders": sum(len(v) - 1 for v in owner_of.values() if len(v) > 1),
            "same_ciphertext_taken_twice": len(taken) - len({k.ciphertext for k in taken}),
            "same_fingerprint_taken_twice": len(taken) - len({k.fingerprint for k in taken}),
            "taken_key_not_listed_by_its_order": sum(1 for k in taken if owner_of.get(k.ref) != [k.order_id]),
            "sold_key_of_undelivered_order": sum(1 for k in sold
                                                 if status_of.get(k.order_id or "") != OrderStatus.DELIVERED),
        }
        total = stock.available + stock.reserved + stock.sold
        return {
            "order_statuses": dict(statuses), "key_statuses": dict(Counter(k.status for k in stored)),
            "stock": vars(stock), "duplicates": sum(dups.values()), "duplicates_detail": dups,
            "oversold": delivered_orders > args.keys or len(taken) > args.keys,
            "stock_consistent": (total == args.keys and stock.sold == delivered_orders == len(sold)
                                 and stock.reserved == pending_orders),
            "numbers_handed_out": sum(s.next for s in states),
        }

    with counter.phase("verify"):
        after_fulfilment = check()
    say(f"after fulfilment: {after_fulfilment}")

    # ---- phase 3: the same events again, and a second event for the same intent, concurrently ----------
    replay_outcomes: Counter[str] = Counter()
    targets = delivered_ids[:args.replays]
    if targets:
        jobs = [(o, event_of[o]) for o in targets] * 2 + [(o, f"evt_{secrets.token_hex(12)}") for o in targets]

        def replay(job: tuple[str, str]) -> str:
            order_id, event_id = job
            try:
                payload, signature = shop.stripe_event(settings, intent_of[order_id], event_id=event_id)
                return str(c.sales.fulfilment.handle_webhook(payload=payload, signature=signature).result)
            except Exception as exc:
                errors.add("replay", exc)
                return "error"

        with counter.phase("replay"), ThreadPoolExecutor(args.pay_workers) as pool:
            replay_outcomes.update(pool.map(replay, jobs))
        tapped["replay"] = tap.take()
        say(f"replays: {dict(replay_outcomes)}")
        with counter.phase("verify"):
            after_replay = check()
    else:
        after_replay = after_fulfilment

    # ---- phase 4: every buyer's e-mail (decrypts the keys: the KMS side of a delivery) --------------------
    pending = c.platform.outbox.pending(older_than=int(time.time()) + 3600, limit=args.keys * 2)
    mailed: Counter[str] = Counter()

    def mail(message: Any) -> str:
        try:
            c.sales.notifications.deliver(message)
            return "sent"
        except Exception as exc:
            errors.add("mail", exc)
            return "error"

    with counter.phase("mail"), ThreadPoolExecutor(args.pay_workers) as pool:
        mailed.update(pool.map(mail, pending))
    say(f"mails: {dict(mailed)}")

    # ---- arithmetic ----------------------------------------------------------------------------------------
    delivered = after_fulfilment["order_statuses"].get("delivered", 0)
    co, fu, everything = counter.report("checkout"), counter.report("fulfilment"), counter.report()
    numbers_handed_out = after_fulfilment["numbers_handed_out"]  # = successful counter updates
    update_failed = co["dynamodb_failed"].get("UpdateItem", 0)
    update_ok = co["dynamodb"].get("UpdateItem", 0) - update_failed
    claims_ok = update_ok - numbers_handed_out  # successful key reservations
    lost_races = numbers_handed_out - claims_ok  # numbers whose key failed `status = available`
    sold_out = answers.get("sold_out", 0)
    return {
        "scenario": "flash_sale",
        "buyers": args.buyers, "keys": args.keys, "shards": product.shards, "checkout_threads": args.workers,
        "reserved": len(reserved), "sold_out_answers": sold_out, "paying": len(paying),
        "delivered": delivered,
        "webhook_outcomes": dict(outcomes), "stripe_style_retries": dict(retried),
        "first_send_answered_duplicate_but_delivered_by_that_event": own_event,
        **errors.report(),
        "duplicates": after_replay["duplicates"],
        "oversold": after_replay["oversold"],
        "stock_consistent": after_fulfilment["stock_consistent"] and after_replay["stock_consistent"],
        "stock_before": vars(before),
        "after_fulfilment": after_fulfilment,
        "replay_outcomes": dict(replay_outcomes),
        "after_replay": after_replay,
        "wall_seconds": round(checkout_seconds + fulfilment_seconds, 2),
        "checkout_seconds": round(checkout_seconds, 2),
        "fulfilment_seconds": round(fulfilment_seconds, 2),
        "checkout_answers_per_second": round(args.buyers / checkout_seconds, 1),
        "deliveries_per_second": round(delivered / fulfilment_seconds, 2) if fulfilment_seconds else None,
        "webhook_ms_under_load": {"p50": round(percentile(webhook_ms, 50), 1),
                                  "p99": round(percentile(webhook_ms, 99), 1),
                                  "max": round(max(webhook_ms, default=0), 1)},
        "table_items_at_end": st.item_count(st.settings.table_name),
        "dynamodb_requests_total": co["dynamodb_total"] + fu["dynamodb_total"],
        "dynamodb_requests_per_order": {
            "checkout_path_per_reserved_order": per(co["dynamodb_total"], len(reserved)),
            "fulfilment_path_per_delivered_order": per(fu["dynamodb_total"], delivered),
            "total": round((per(co["dynamodb_total"], len(reserved)) or 0) + (per(fu["dynamodb_total"], delivered)
                                                                            or 0), 3)},
        "dynamodb_requests_per_checkout_call": {
            "reserved_median": percentile(req_reserved, 50), "reserved_max": max(req_reserved, default=0),
            "sold_out_median": percentile(req_sold_out, 50), "sold_out_max": max(req_sold_out, default=0)},
        "dynamodb_by_operation": {
            "checkout": co["dynamodb"], "checkout_failed": co["dynamodb_failed"],
            "fulfilment": fu["dynamodb"], "fulfilment_failed": fu["dynamodb_failed"],
            "replay": counter.report("replay")["dynamodb"]},
        "dynamodb_failure_causes": tapped,
        "claims": {"numbers_handed_out": numbers_handed_out, "key_reservations_ok": claims_ok,
                   "lost_claim_races": lost_races, "failed_counter_updates": update_failed - lost_races},
        "lost_claim_races_per_order": per(lost_races, len(reserved), 4),
        "failed_counter_updates_per_sold_out_answer": per(update_failed - lost_races, sold_out),
        "kms_calls": everything["kms_total"],
        "kms_calls_by_phase": {p: counter.report(p)["kms"]
                               for p in ("setup", "checkout", "fulfilment", "replay", "mail")},
        "mails": dict(mailed),
        "mail_dynamodb_requests_per_mail": per(counter.report("mail")["dynamodb_total"], mailed["sent"]),
        "keystore_dynamodb_calls": everything["keystore_dynamodb_total"],
        "notes": [
            "DynamoDB requests are PynamoDB's logical calls (pre_dynamodb_send), counted per phase; a failed one "
            "is a pre without the post signal PynamoDB sends only on success. HTTP retries inside one call are "
            "listed apart (dynamodb_failure_causes.<phase>.http_retries).",
            "Lost claim races are counted, not guessed: every successful counter update hands out one number "
            "(the shards' `next`, summed afterwards), and every successful UpdateItem of the checkout phase is "
            "either such a counter update or a key reservation, so key_reservations_ok = UpdateItem_ok - "
            "numbers_handed_out and lost_claim_races = numbers_handed_out - key_reservations_ok (a number "
            "whose key failed `status = available`). The other failed UpdateItems are counter updates on an "
            "emptied shard (`next < size`): the cost of a sold-out answer. dynamodb_failure_causes confirms both "
            "from the error responses themselves (UpdateItem:counter:* vs UpdateItem:key:*).",
            "Checkout and fulfilment are separate phases (all checkouts, then the payments), so the per-order "
            "split is exact; checkout_path_per_reserved_order spreads the sold-out answers' requests over the "
            "orders that got a key. Replays are not in the per-order costs.",
            "Only --paying buyers pay (default: all). Unpaid reservations stay reserved and are checked too "
            "(stock.reserved == pending orders).",
            "The moto server serialises DynamoDB requests (devstack.moto_server), so conditional writes and "
            "transactions are isolated as on DynamoDB; concurrency shows up as waiting, not as lost updates.",
            "webhook_outcomes counts the answer to each event's first sending. 'duplicate' there with "
            "first_send_answered_duplicate_but_delivered_by_that_event equal to it means: the sale "
            "transaction committed, the client timed out waiting (moto serialises requests, so webhooks "
            "queue behind each other's O(table) transactions), botocore re-sent the same request, and moto, "
            "which ignores TransactWriteItems' ClientRequestToken, answered the re-send with the conditions "
            "the first attempt had just made false. DynamoDB answers such a re-send with success; the "
            "order is delivered either way, but the service then skips its queue message (the outbox "
            "sweeper sends it later). webhook_ms_under_load is mostly that queueing.",
            "Timings are moto's and localstripe's on this machine, with client threads, moto and localstripe "
            "sharing its cores (and whatever else runs there); compare request counts, not seconds.",
        ],
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--buyers", type=int, default=2000)
    p.add_argument("--keys", type=int, default=1000)
    p.add_argument("--workers", type=int, default=64, help="checkout threads")
    p.add_argument("--paying", default="all", help="how many reserved buyers pay: a number or 'all'")
    p.add_argument("--pay-workers", type=int, default=4, help="payment + webhook threads")
    p.add_argument("--replays", type=int, default=100, help="delivered orders whose events are re-sent")
    return p.parse_args(argv)


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
