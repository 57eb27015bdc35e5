"""Marketing's stores: coupons."""
