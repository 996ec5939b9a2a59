"""The interface every search backend implements: per document type, write documents (returning
once a search would see them), search, and rebuild into a fresh index that replaces the live one
in one step."""

from collections.abc import Sequence
from typing import Protocol

from search.documents import Document, DocumentType
from search.query import TypeQuery, TypeResult


class Rebuild(Protocol):
    """A new index for one type, filled while the live one keeps serving."""

    async def add(self, documents: Sequence[Document]) -> None: ...

    async def publish(self) -> None:
        """Swap it in: searches use it from now on; the old index is dropped."""

    async def abandon(self) -> None: ...


class Backend(Protocol):
    name: str

    async def setup(self, types: Sequence[DocumentType]) -> None:
        """Create missing indexes and apply settings. Idempotent."""

    async def upsert(self, doc_type: DocumentType, documents: Sequence[Document]) -> None:
        """Add or replace documents; returns once they are searchable (read-your-writes)."""

    async def delete(self, doc_type: DocumentType, ids: Sequence[int]) -> None: ...

    async def search(self, doc_type: DocumentType, query: TypeQuery) -> TypeResult: ...

    async def search_many(
        self, queries: Sequence[tuple[DocumentType, TypeQuery]]
    ) -> list[TypeResult]:
        """Several types' queries at once (one round trip where the backend allows)."""

    async def begin_rebuild(self, doc_type: DocumentType) -> Rebuild: ...

    async def ping(self) -> None:
        """Raises SearchUnavailable if the backend cannot serve."""

    async def close(self) -> None: ...
