"""Insights' storage: rollup counters and their exactly-once markers."""
