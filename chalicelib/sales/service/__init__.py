"""Sales' use cases: checkout, fulfilment, orders, refunds, customers, reservations, buyer e-mails."""
