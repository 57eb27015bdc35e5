"""Storefront: buyer pages, the order page, order lookup and buyer sessions."""
