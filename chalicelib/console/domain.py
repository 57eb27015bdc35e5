"""The console's own rules: the first-run checklist a new shop works through."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of the first-run checklist; `key` names its texts (console.step.<key>)."""

    key: str
    done: bool


@dataclass(frozen=True)
class ShopGlance:
    """What the home page knows of the shop: the checklist and a few counts (from the first page of products)."""

    steps: tuple[Step, ...]
    products: int
    in_stock: int
    sold: int
    more_products: bool = False  # more than one page: the counts cover the first page only

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


def checklist(*, has_product: bool, has_keys: bool, has_support: bool, has_sale: bool) -> tuple[Step, ...]:
    """Add a product, import its keys, set the support contact, make a test purchase: in that order."""
    return (Step("product", has_product), Step("keys", has_keys), Step("support", has_support),
            Step("purchase", has_sale))
