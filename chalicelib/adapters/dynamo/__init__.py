"""The single DynamoDB table: item classes, key layout, table creation, failure translation, cursors, the outbox."""
