"""Inventory: key pools, import, fingerprints, batches, void, reveal and export."""
