"""Search backends: the embedded SQLite FTS5 engine and Meilisearch."""
