"""Storefront's pages: the shop, the product's checkout page, the order page and order lookup."""
