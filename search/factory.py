"""Which index a process uses, from Bondfire's settings: Meilisearch when a URL is set, else
the embedded engine in its own SQLite file."""

from pathlib import Path
from typing import Protocol

from search.backends.embedded import MEMORY, EmbeddedBackend
from search.backends.meili import MeilisearchBackend
from search.engine import SearchIndex

DEFAULT_INDEX_PATH = Path("./var/search.db")


class SearchSettings(Protocol):
    """The settings search reads (api.settings.Settings has them)."""

    @property
    def environment(self) -> str: ...

    @property
    def search_index_path(self) -> Path | None: ...

    @property
    def meilisearch_url(self) -> str | None: ...

    @property
    def meilisearch_api_key(self) -> str | None: ...

    @property
    def meilisearch_index_prefix(self) -> str: ...

    @property
    def meilisearch_timeout_seconds(self) -> int: ...

    @property
    def meilisearch_tenant_key(self) -> str | None: ...

    @property
    def meilisearch_tenant_key_uid(self) -> str | None: ...

    @property
    def meilisearch_public_url(self) -> str | None: ...


def build_search_index(settings: SearchSettings) -> SearchIndex:
    if settings.meilisearch_url:
        return SearchIndex(
            MeilisearchBackend(
                settings.meilisearch_url,
                settings.meilisearch_api_key,
                prefix=settings.meilisearch_index_prefix,
                timeout_seconds=settings.meilisearch_timeout_seconds,
                tenant_key=settings.meilisearch_tenant_key,
                tenant_key_uid=settings.meilisearch_tenant_key_uid,
                public_url=settings.meilisearch_public_url,
            )
        )
    return SearchIndex(EmbeddedBackend(embedded_index_path(settings)))


def embedded_index_path(settings: SearchSettings) -> str:
    """The configured file; unset, ./var/search.db, or a private in-memory index per app under
    test (tests roll their database back, and an index file would outlive that)."""
    if settings.search_index_path is not None:
        return str(settings.search_index_path)
    return MEMORY if settings.environment == "test" else str(DEFAULT_INDEX_PATH)
