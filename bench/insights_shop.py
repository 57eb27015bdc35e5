"""The insights benchmark's shops: sign-up, products, keys, and sales counted straight into the rollups."""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.harness import ErrorLog, Progress
from chalicelib.insights.domain.rollups import Fact, bucket
from chalicelib.tenancy.domain.roles import SYSTEM


def shop(c: Any, name: str, slug: str) -> Any:
    tenant, _ = c.tenancy.tenants.sign_up({"name": name, "slug": slug, "email": f"owner@{slug}.example.com",
                                           "password": "correct horse battery"}, api_key=False)
    return tenant


def new_products(c: Any, tenant_id: str, n: int, what: str) -> list[Any]:
    progress = Progress(f"{what} products created", n, every=max(n // 4, 1))

    def make(i: int) -> Any:
        p = c.catalog.products.create(actor=SYSTEM, tenant_id=tenant_id,
                                      body={"name": f"Bench card {i}", "price": 500, "currency": "usd"})
        progress.tick()
        return p

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(make, range(n)))


def import_keys(c: Any, tenant_id: str, product_ids: list[str], keys: int, what: str) -> None:
    progress = Progress(f"{what} key imports", len(product_ids), every=max(len(product_ids) // 4, 1))

    def one(pid: str) -> None:
        c.inventory.key_import.import_keys(tenant_id=tenant_id, product_id=pid, content_type="application/json",
                                           body={"keys": [f"BENCH-{secrets.token_hex(8)}" for _ in range(keys)]})
        progress.tick()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, product_ids))


def record(c: Any, tenant: Any, facts: list[Fact], what: str, errors: ErrorLog) -> float:
    """Counts the facts as the outbox consumer counts a delivery; returns the wall seconds."""
    progress = Progress(what, len(facts), every=max(len(facts) // 10, 1))

    def count(fact: Fact) -> None:
        try:
            c.insights.rollup_store.record(tenant.id, fact, bucket(fact.at, tenant.zone))
        except Exception as exc:  # counted in the result; the rest goes on
            errors.add(what, exc)
        progress.tick()

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(count, facts))
    return time.perf_counter() - started
