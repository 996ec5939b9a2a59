"""GraphQL for search: one query over every document type, autocomplete and tenant tokens."""
