"""Marketing's pure rules: pricing and, as they arrive, coupons, flash sales and automations."""
