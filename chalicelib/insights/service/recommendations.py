"""Co-purchase recommendations: the nightly rules for one product, for the API and the console, and, kept a few
minutes per server, for the storefront's product and delivery pages (one read per shop and TTL, not per view)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.insights.domain.copurchase import Rule, recommend
from chalicelib.tenancy.domain.roles import Actor, Permission

SHOWN = 3  # products a buyer page shows at most
NAME_PAGES = 20  # a shop's first 2,000 products are named; a rule on a later one shows its id
MAX_SHOPS_HELD = 5_000


class RuleReader(Protocol):
    def rules(self, tenant_id: str) -> tuple[str | None, dict[str, list[Rule]]]: ...


class ProductNames(Protocol):
    def list(self, *, tenant_id: str, limit: int, cursor: str | None) -> Any: ...


@dataclass(frozen=True)
class NamedRule:
    rule: Rule
    product: str  # the antecedent's name
    also: str  # the consequent's name


class RecommendationService:
    def __init__(self, *, store: RuleReader, products: ProductNames | None = None, ttl: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._products = products
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, tuple[float, dict[str, list[Rule]]]] = {}

    def rules_for(self, *, actor: Actor, tenant_id: str, product_id: str) -> tuple[str | None, list[Rule]]:
        """The product's rules as of the last nightly run (and that run's day), read fresh."""
        actor.require(Permission.VIEW)
        day, found = self._store.rules(tenant_id)
        return day, found.get(product_id, [])

    def all_rules(self, *, actor: Actor, tenant_id: str) -> tuple[str | None, dict[str, list[Rule]]]:
        actor.require(Permission.VIEW)
        return self._store.rules(tenant_id)

    def table(self, *, actor: Actor, tenant_id: str, limit: int = 100) -> tuple[str | None, list[NamedRule]]:
        """The shop's strongest rules across products (by lift × confidence), with the products' names."""
        actor.require(Permission.VIEW)
        day, every = self._store.rules(tenant_id)
        ranked = sorted((r for rules in every.values() for r in rules),
                        key=lambda r: (-r.score, -r.confidence, r.antecedent, r.consequent))[:limit]
        names = self._names(tenant_id) if ranked else {}
        return day, [NamedRule(r, names.get(r.antecedent, r.antecedent), names.get(r.consequent, r.consequent))
                     for r in ranked]

    def _names(self, tenant_id: str) -> dict[str, str]:
        names: dict[str, str] = {}
        if self._products is None:
            return names
        cursor: str | None = None
        for _ in range(NAME_PAGES):
            page = self._products.list(tenant_id=tenant_id, limit=100, cursor=cursor)
            names.update({p.id: p.name for p in page.items})
            cursor = page.next_cursor
            if not cursor:
                break
        return names

    def also_bought(self, *, tenant_id: str, product_id: str, exclude: set[str] | None = None,
                    limit: int = SHOWN) -> list[str]:
        """Product ids to show a buyer of `product_id`, best first (the buyer pages' cached read)."""
        now = self._clock()
        with self._lock:
            hit = self._held.get(tenant_id)
        if hit is None or hit[0] <= now:
            _, found = self._store.rules(tenant_id)
            with self._lock:
                if len(self._held) > MAX_SHOPS_HELD:
                    self._held.clear()
                self._held[tenant_id] = (now + self._ttl, found)
        else:
            found = hit[1]
        return recommend(found.get(product_id, []), exclude or {product_id}, limit)
