"""Marketing's use cases: coupons merchants set up and checkout redeems."""
