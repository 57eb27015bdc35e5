"""kamidrop: multi-tenant card-key shop platform."""
