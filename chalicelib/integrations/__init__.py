"""Integrations: platform events and outbound webhooks."""
