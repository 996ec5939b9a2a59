"""Community use cases, one module per area. Services never commit."""
