"""What limits per buyer and coupons cost a checkout, and what a burst against them costs.

    python -m bench.checkout_rules [--checkouts 20] [--burst 100]

In-process against moto (as tests/conftest.py sets it up), counting DynamoDB requests per checkout from
PynamoDB's signals (request counts carry over to DynamoDB; times do not):
- per checkout, `--checkouts` sequential checkouts of distinct buyers on: a plain product; one limited per buyer
  (day and month); a plain product with a capped coupon; a limited product with a capped coupon;
- a burst: `--burst` parallel checkouts of ONE buyer against a day limit of 5, and of distinct buyers against a
  coupon capped at 5: outcomes, and the requests the refused ones cost (no key is claimed for them).
Every checkout goes through the shop's risk rules (the defaults) as a browser's does: its own page-issued device
id, one address for all. `plain_risk_off` is the plain case in a shop that switched its rules off: the difference
is what the risk engine costs a checkout.
"""

from __future__ import annotations

import argparse
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.capacity import CapacityTap, Meter
from bench.harness import RequestCounter, main, say, stack
from bench.insights_shop import import_keys, shop
from chalicelib.kernel.errors import DomainError
from chalicelib.sales.service.checkout import Client
from chalicelib.tenancy.domain.roles import SYSTEM

LIMITED = {"max_per_buyer": {"day": 5, "month": 20}}
CASES = {"plain_risk_off": ({}, None), "plain": ({}, None), "limits": (LIMITED, None), "coupon": ({}, "BENCH"),
         "limits_and_coupon": (LIMITED, "BENCH")}


def run(args: argparse.Namespace, st: Any, meter: Meter) -> dict[str, Any]:
    c = st.container
    slug = f"rules-{secrets.token_hex(4)}"
    tenant = shop(c, "Rules shop", slug)
    c.marketing.coupons.create(actor=SYSTEM, tenant_id=tenant.id, body={
        "code": "BENCH", "kind": "percent", "value": 1000, "total_cap": 100_000, "per_buyer_cap": 3})
    c.marketing.coupons.create(actor=SYSTEM, tenant_id=tenant.id, body={
        "code": "RUSH", "kind": "percent", "value": 1000, "total_cap": 5})
    quiet = shop(c, "Rules shop without risk", f"{slug}-off")
    c.risk.risk_rules.update(actor=SYSTEM, tenant_id=quiet.id, body={"enabled": False})
    products: dict[str, Any] = {}
    for name, (fields, _) in {**CASES, "burst": ({"max_per_buyer": {"day": 5}}, None)}.items():
        products[name] = c.catalog.products.create(actor=SYSTEM, tenant_id=tenant.id, body={
            "name": f"Rules {name}", "price": 1000, "currency": "usd", **fields})
    off = c.catalog.products.create(actor=SYSTEM, tenant_id=quiet.id, body={
        "name": "Rules plain", "price": 1000, "currency": "usd"})
    import_keys(c, tenant.id, [p.id for p in products.values()], max(args.checkouts, args.burst) + 10, "rules")
    import_keys(c, quiet.id, [off.id], args.checkouts + 10, "quiet")
    products["plain_risk_off"] = off
    devices: dict[str, str] = {}  # one browser per buyer, its id issued by the shop's page

    def checkout(product_id: str, email: str, coupon: str | None) -> str:
        owner = quiet if product_id == off.id else tenant
        device = devices.setdefault(email, c.risk.risk_engine.issue_device(owner))
        body = {"product_id": product_id, "email": email, "device": device, **({"coupon": coupon} if coupon else {})}
        try:
            c.sales.checkout.start(slug=owner.slug, body=body, client=Client(ip="198.51.100.20"))
        except DomainError as exc:
            return exc.code
        return "reserved"

    out: dict[str, Any] = {}
    for name, (_, coupon) in CASES.items():
        say(f"per checkout: {name}")
        with meter.phase(name):
            results = [checkout(products[name].id, f"b{i}-{name}@example.com", coupon) for i in range(args.checkouts)]
        assert results.count("reserved") == args.checkouts, results
        report = meter.report(name)
        out[name] = {"checkouts": args.checkouts,
                     "requests_per_checkout": round(report["dynamodb_total"] / args.checkouts, 2),
                     "per_checkout": {op: round(n / args.checkouts, 2) for op, n in report["dynamodb"].items()}}
    for label, product, coupon, same_buyer in (("burst_one_buyer_day_limit_5", products["burst"], None, True),
                                               ("burst_coupon_capped_5", products["plain"], "RUSH", False)):
        say(f"burst: {label}")
        emails = ["rush@example.com" if same_buyer else f"r{i}@example.com" for i in range(args.burst)]
        with meter.phase(label), ThreadPoolExecutor(max_workers=25) as pool:
            results = list(pool.map(checkout, [product.id] * args.burst, emails, [coupon] * args.burst))
        outcomes = {k: results.count(k) for k in sorted(set(results))}
        report = meter.report(label)
        out[label] = {"parallel": args.burst, "outcomes": outcomes, "requests": report["dynamodb_total"],
                      "by_operation": report["dynamodb"], "failed": report.get("dynamodb_failed", {}),
                      "requests_per_attempt": round(report["dynamodb_total"] / args.burst, 2)}
    return out


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    tap = CapacityTap()
    try:
        with stack("checkout_rules") as st:
            meter = Meter(RequestCounter(st.container), tap)
            return {"scenario": "checkout_rules", **run(args, st, meter),
                    "note": "DynamoDB requests from PynamoDB's signals (retries not included), Stripe not counted; "
                            "moto stands in for DynamoDB"}
    finally:
        tap.close()


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkouts", type=int, default=20)
    p.add_argument("--burst", type=int, default=100)
    return p.parse_args()


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
