"""Message catalogs per area; domain/i18n.py merges them."""
