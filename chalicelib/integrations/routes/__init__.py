"""Integrations' merchant API routes (webhook endpoints, deliveries, events) and their shapes."""
