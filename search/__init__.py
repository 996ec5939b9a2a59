"""Search: one index interface, Meilisearch and embedded backends (built by the search issue)."""
