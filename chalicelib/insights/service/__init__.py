"""Insights' use cases: counting from the outbox, the dashboard."""
