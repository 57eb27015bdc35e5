"""Sales' routes: the merchant's orders and customers, checkout and the Stripe webhook."""
