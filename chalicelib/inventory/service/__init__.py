"""Inventory's use cases: key import, and the merchant's keys (masked lists, voids, reveals, exports)."""
