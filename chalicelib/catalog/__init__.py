"""Catalog: products, their fields, limits and after-sales policy."""
