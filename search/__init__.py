"""Search: one index interface (search.engine.SearchIndex) over two backends, the embedded
SQLite FTS5 engine and Meilisearch; the indexer that keeps it in step through the outbox; and
rebuilds without downtime. See search/README.md."""
