"""Transport layer: FastAPI app, GraphQL schema, authentication at the edge, CLI."""
