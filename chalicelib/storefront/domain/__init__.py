"""Storefront's pure rules: the shelf (stock states, search) and finding an order again."""
