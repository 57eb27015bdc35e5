"""Sales' DynamoDB store: orders, the sale and refund transactions, order search and customers."""
