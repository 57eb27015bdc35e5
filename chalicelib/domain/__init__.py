"""Pure domain: entities, rules, errors and ports; no AWS, Stripe or Chalice."""
