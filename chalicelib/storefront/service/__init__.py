"""Storefront's use cases: the cached shelf and order lookup."""
