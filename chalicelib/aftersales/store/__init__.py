"""After-sales' DynamoDB store: reports in their order's partition, a pointer per report, the open count."""
