"""The demo shop's six months of history: the generated file imports whole (no line refused), with the shapes the
operations pages are shown with (a planted co-purchase, a product that stopped selling)."""

from __future__ import annotations

import json
from typing import Any

from devstack.demo_history import ACCELERATOR, DEMAND, history_csv
from devstack.seed import DEMO_PRODUCTS, HISTORY_PRODUCTS
from tests.support import shop


def test_the_demo_history_imports_whole(client: Any, container: Any) -> None:
    # given a shop with the demo's products
    merchant = shop.sign_up(client)
    bodies = [body for _, body in DEMO_PRODUCTS] + [body for _, _, body in HISTORY_PRODUCTS]
    priced = {b["name"]: (shop.product(client, merchant["key"], name=b["name"], price=b["price"])["id"], b["price"])
              for b in bodies}
    assert set(DEMAND) | {ACCELERATOR} == set(priced)
    # when the generated history is imported
    text = history_csv(priced, container.platform.clock.now())
    r = shop.call(client, "POST", "/v1/insights/history", {"csv": text, "preset": "kamidrop"}, key=merchant["key"])
    # then every paid row is taken (the unpaid ones skipped, none refused)
    assert r.status_code == 202, r.body[:500]
    job = json.loads(r.body)
    rows = text.count("\n") - 1
    assert job["orders"] + job["skipped"] == rows and job["orders"] > 4_000 and 0 < job["skipped"] < rows // 10
    # and the same file is the same every time (seeded)
    assert history_csv(priced, container.platform.clock.now()) == text
