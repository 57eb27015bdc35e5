"""DynamoDB persistence through PynamoDB; repositories return domain objects."""
