"""The GraphQL transport: schema assembled from one module per context."""
