"""Insights' pure rules: what a sale or a refund adds to the rollups, and the dashboard computed from them."""
