"""What checkout holds now, for the capabilities that show it: a coupon's uses (orders holding one)."""

from __future__ import annotations

from chalicelib.sales.domain.ports import OrderStore


class HoldCounts:
    def __init__(self, *, orders: OrderStore) -> None:
        self._orders = orders

    def coupon_uses(self, *, tenant_id: str, codes: list[str]) -> dict[str, int]:
        """Orders holding a use of each code: paid ones, and unpaid ones whose reservation still runs."""
        return self._orders.coupon_uses(tenant_id=tenant_id, codes=codes)
