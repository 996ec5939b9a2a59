"""Search: one index interface with Meilisearch and embedded backends (built by the search issue)."""
