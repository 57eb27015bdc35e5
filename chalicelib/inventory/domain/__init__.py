"""Inventory's pure rules: key parsing and fingerprints, key records, batches and the pool port."""
