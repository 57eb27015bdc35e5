"""HTTP layer: Chalice blueprints, request parsing and error mapping."""
