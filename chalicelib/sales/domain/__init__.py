"""Sales' pure rules: orders, search filters, customers, refunds, payments and their ports."""
