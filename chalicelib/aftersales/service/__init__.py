"""After-sales use cases: reporting and replacing keys, and the notices they send."""
