"""Marketing: the one pricing function checkout applies (tiers, thresholds, coupons, floor), and later the
promotions merchants set up."""
