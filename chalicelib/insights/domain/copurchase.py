"""Co-purchase rules, "buyers of X also bought Y", from one basket per buyer (the distinct products they bought).

Over the N non-empty baskets, for a product pair bought together by `count` buyers:
  support    = count / N                 (share of buyers who bought both)
  confidence = count / buyers of X       (P(Y | X): what the product page says, "32 % also bought")
  lift       = confidence / P(Y)         (how much more likely than any buyer; 1 = unrelated)

A rule is kept when `count` ≥ `min_support_count` (default 5: fewer buyers would be a hunch, and a rule from one or
two buyers tells others what those buyers bought), confidence ≥ `min_confidence` and lift > `min_lift` (1: Y is
more likely after X than without it, so bestsellers that everyone buys anyway are not recommended everywhere).
Each product keeps its best `max_per_product` rules by score = lift × confidence (= P(Y|X)² / P(Y): likely *and*
specific), then confidence, then count, then consequent id, so the order is deterministic.

Cost: products bought by fewer than `min_support_count` buyers cannot be in a rule and are dropped before pairs are
counted (exact). Pairs grow with the square of a basket, so a basket with more than `max_pair_products` (20) such
products pairs only its `max_pair_products` most bought ones (then by id); its items still count for N and P(X),
so a rule of such a big buyer (a reseller, usually) is under- and never over-estimated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

MIN_SUPPORT_COUNT = 5
MIN_CONFIDENCE = 0.05
MIN_LIFT = 1.0
MAX_PER_PRODUCT = 5
MAX_PAIR_PRODUCTS = 20  # 20² counts a basket at most: 20,000 such baskets (the worst case) in about 0.7 s


@dataclass(frozen=True)
class Rule:
    """Buyers of `antecedent` also bought `consequent`; `count` buyers bought both."""

    antecedent: str
    consequent: str
    support: float
    confidence: float
    lift: float
    count: int

    @property
    def score(self) -> float:
        return self.lift * self.confidence


def rules(baskets: Iterable[frozenset[str]], *, min_support_count: int = MIN_SUPPORT_COUNT,
          min_confidence: float = MIN_CONFIDENCE, min_lift: float = MIN_LIFT, max_per_product: int = MAX_PER_PRODUCT,
          max_pair_products: int = MAX_PAIR_PRODUCTS) -> dict[str, list[Rule]]:
    """The best rules of each product that has any, by antecedent; products without a rule are left out."""
    listed = [basket for basket in baskets if basket]
    total = len(listed)
    items = Counter(chain.from_iterable(listed))
    frequent = frozenset(p for p, n in items.items() if n >= min_support_count)
    rank = {p: i for i, p in enumerate(sorted(frequent, key=lambda p: (-items[p], p)))}  # most bought first
    # Each antecedent is counted on its own, over the (capped) baskets that hold it: one small Counter at a time,
    # filled in C, stays in the processor's cache, where one Counter of all pairs (millions of tuple keys) would
    # not; the work is the same, the sum of kept basket sizes squared.
    holding: dict[str, list[list[str]]] = {}
    for basket in listed:
        kept = list(basket & frequent)
        if len(kept) > max_pair_products:
            kept = sorted(kept, key=rank.__getitem__)[:max_pair_products]
        if len(kept) > 1:
            for product in kept:
                holding.setdefault(product, []).append(kept)
    found: dict[str, list[Rule]] = {}
    for x, held in holding.items():
        together = Counter(chain.from_iterable(held))
        del together[x]
        bought_x = items[x]
        # a cheap first cut (a hair below the bound, so float rounding cannot drop a rule exactly on it)
        need = max(min_support_count, min_confidence * bought_x * (1 - 1e-9))
        for y, both in [(y, n) for y, n in together.items() if n >= need]:
            confidence = both / bought_x
            lift = confidence * total / items[y]
            if confidence >= min_confidence and lift > min_lift:
                found.setdefault(x, []).append(Rule(x, y, both / total, confidence, lift, both))
    for kept_rules in found.values():
        kept_rules.sort(key=lambda r: (-r.score, -r.confidence, -r.count, r.consequent))
        del kept_rules[max_per_product:]
    return found


def recommend(rules_for_product: Sequence[Rule], exclude: Collection[str], limit: int) -> list[str]:
    """Up to `limit` products to show beside one product, best first, leaving out `exclude` (what the buyer has)."""
    picked: list[str] = []
    for rule in rules_for_product:
        if len(picked) >= limit:
            break
        if rule.consequent not in exclude and rule.consequent not in picked:
            picked.append(rule.consequent)
    return picked
