"""After-sales (售后): key reports, replacement and the merchant's review."""
