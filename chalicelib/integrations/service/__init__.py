"""Integrations' use cases: events, webhook endpoints and their deliveries, order events."""
