"""Inventory's DynamoDB store: the sharded key pool, batches and the key-access log."""
