"""The search contract suite runs on every backend: the embedded engine always, Meilisearch
when BONDFIRE_TEST_MEILI_URL is set (BONDFIRE_TEST_MEILI_KEY for its key), each on SQLite and
PostgreSQL. Each test gets an empty index of its own."""

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from search.backends.embedded import EmbeddedBackend
from search.backends.meili import MeilisearchBackend
from search.engine import SearchIndex
from tests.search.world import World, build_world

MEILI_URL = os.environ.get("BONDFIRE_TEST_MEILI_URL")
MEILI_KEY = os.environ.get("BONDFIRE_TEST_MEILI_KEY")
NO_MEILI = (
    "Meilisearch contract tests skipped: BONDFIRE_TEST_MEILI_URL is not set "
    "(e.g. http://127.0.0.1:7700); the embedded backend ran the same cases"
)

OpenIndex = Callable[[], SearchIndex]


@pytest.fixture(params=["embedded", "meilisearch"])
async def open_index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenIndex]:
    """Opens the test's index; calling it again opens the same index afresh, as a restarted
    process would."""
    opened: list[SearchIndex] = []
    if request.param == "embedded":
        path = tmp_path / "search.db"

        def open_embedded() -> SearchIndex:
            opened.append(SearchIndex(EmbeddedBackend(path)))
            return opened[-1]

        yield open_embedded
    else:
        if not MEILI_URL:
            pytest.skip(NO_MEILI)
        prefix = f"bftest_{uuid.uuid4().hex[:10]}_"

        def open_meili() -> SearchIndex:
            opened.append(SearchIndex(MeilisearchBackend(MEILI_URL, MEILI_KEY, prefix=prefix)))
            return opened[-1]

        yield open_meili
        await _drop_meili_indexes(prefix)
    for index in opened:
        await index.close()


async def _drop_meili_indexes(prefix: str) -> None:
    import meilisearch

    client = meilisearch.Client(MEILI_URL or "", MEILI_KEY)
    for found in client.get_indexes({"limit": 1000})["results"]:
        if found.uid.startswith(prefix):
            client.delete_index(found.uid)


@pytest.fixture
def index(open_index: OpenIndex) -> SearchIndex:
    return open_index()


@pytest.fixture
async def world(session, session_factory, index) -> World:
    return await build_world(session, session_factory, index)
