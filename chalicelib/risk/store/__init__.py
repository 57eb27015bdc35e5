"""Risk's DynamoDB stores: the shop's rules and the velocity counters."""
