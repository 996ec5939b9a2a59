"""The embedded engine narrows a space-filtered match inside FTS5 (the `scope_` column); an
index built before that column existed keeps answering the same, unnarrowed, until rebuilt."""

from dataclasses import replace
from pathlib import Path

from search.backends.embedded import EmbeddedBackend
from search.documents import DOCUMENT_TYPES, Document
from search.documents.threads import Threads
from search.engine import SearchIndex
from search.permissions import Viewer
from search.query import SearchRequest

STAFF = Viewer(member_id=1, account_id=1, is_staff=True, is_moderator=True, program_ids=frozenset())


class ThreadsBeforeNarrowing(Threads):
    """The thread type as it was before space_id went into the text index."""

    attributes = tuple(replace(a, in_text=False) for a in Threads.attributes)


def _thread(doc_id: int, space_id: int, title: str) -> Document:
    return {
        "id": doc_id,
        "created_at": 1_700_000_000 + doc_id,
        "title": title,
        "body": "",
        "tags": [],
        "space_id": space_id,
        "space_visibility": "PUBLIC",
        "space_program_id": None,
        "space_account_id": None,
        "author_id": 1,
        "account_id": 1,
        "kind": "DISCUSSION",
        "answered": False,
        "hidden": False,
        "deleted": False,
    }


async def _space_hits(index: SearchIndex, query: str, space_id: int) -> list[int]:
    request = SearchRequest(
        query=query, types=("thread",), filters={"space": (space_id,)}, limit=100, facets=True
    )
    result = await index.search(STAFF, request)
    assert result.total == len(result.hits)
    assert result.facets.get("space", {}) == (
        {str(space_id): len(result.hits)} if result.hits else {}
    )
    return sorted(hit.id for hit in result.hits)


async def test_space_filters_select_the_same_hits_with_and_without_narrowing(tmp_path: Path):
    threads = DOCUMENT_TYPES["thread"]
    documents = [_thread(i, 1 + i % 3, f"webhook retries {i}") for i in range(1, 31)]
    documents.append(_thread(31, 1, "billing page"))
    expected = {space: sorted(d["id"] for d in documents[:30] if d["space_id"] == space)
                for space in (1, 2, 3)}  # fmt: skip
    # given a new index (narrowed) and one built before narrowing existed
    narrowed = SearchIndex(EmbeddedBackend(tmp_path / "new.db"))
    legacy_backend = EmbeddedBackend(tmp_path / "old.db")
    await legacy_backend.setup([ThreadsBeforeNarrowing()])
    legacy = SearchIndex(legacy_backend)
    try:
        for index in (narrowed, legacy):
            await index.setup()
            await index.backend.upsert(threads, documents)
        # then both find exactly each space's matches, prefix and all
        for index in (narrowed, legacy):
            for space, ids in expected.items():
                assert await _space_hits(index, "webhook retries", space) == ids
                assert await _space_hits(index, "webhook retr", space) == ids
            assert await _space_hits(index, "billing", 1) == [31]
            assert await _space_hits(index, "billing", 2) == []
    finally:
        await narrowed.close()
        await legacy.close()
