"""Scheduled and queue-driven handlers."""
