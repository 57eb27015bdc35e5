"""Sales: checkout, reservations, payments, fulfilment, refunds, orders and customers."""
