"""Integrations' DynamoDB store: endpoints, events and deliveries."""
