"""The search index Bondfire talks to: checks a request, adds the viewer's permission filter to
every document type's query, runs them on the backend and merges the hits by relevance (or by
recency for an empty query)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from domain.shared.errors import Forbidden
from search.backends.base import Backend
from search.documents import DOCUMENT_TYPES, DocumentType
from search.errors import SearchError, SearchErrorCode, SearchUnavailable
from search.filters import Filter, all_of, one_of
from search.permissions import Viewer
from search.query import (
    MAX_LIMIT,
    MAX_TOTAL_HITS,
    Mode,
    SearchRequest,
    SearchResult,
    TypeQuery,
    TypeResult,
)
from search.text import MAX_QUERY_CHARS, query_words

TYPE_FACET = "type"
ACCOUNT_FILTER = "account"  # reveals who works where: staff, or one's own account only


@dataclass(frozen=True)
class TenantToken:
    """A Meilisearch key scoped to one viewer: the browser may query these indexes directly and
    sees only what the viewer may see."""

    token: str
    url: str
    indexes: dict[str, str]  # document type -> index uid
    expires_at: datetime


@runtime_checkable
class IssuesTenantTokens(Protocol):
    def tenant_token(
        self, rules: Mapping[DocumentType, Filter], expires_at: datetime
    ) -> TenantToken | None: ...


class SearchIndex:
    def __init__(
        self, backend: Backend, types: Mapping[str, DocumentType] = DOCUMENT_TYPES
    ) -> None:
        self.backend = backend
        self.types = dict(types)

    async def setup(self) -> None:
        await self.backend.setup(list(self.types.values()))

    async def is_available(self) -> bool:
        try:
            await self.backend.ping()
        except SearchUnavailable:
            return False
        return True

    async def close(self) -> None:
        await self.backend.close()

    async def search(self, viewer: Viewer, request: SearchRequest) -> SearchResult:
        words = self._checked(viewer, request)
        types = self._types(request.types)
        wanted = min(request.offset + request.limit + 1, MAX_TOTAL_HITS + 1)
        planned: list[tuple[DocumentType, TypeQuery]] = []
        for doc_type in types:
            condition = self._condition(doc_type, viewer, request.filters)
            if condition is None:
                continue  # a filter this type does not have: none of its documents match
            facets = (
                tuple(f.attribute for f in doc_type.facets if viewer.is_staff or not f.staff_only)
                if request.facets
                else ()
            )
            query = TypeQuery(
                text=" ".join(words),
                words=tuple(words),
                condition=condition,
                limit=wanted,
                facets=facets,
                mode=request.mode,
            )
            planned.append((doc_type, query))
        results = await self.backend.search_many(planned) if planned else []
        return self._merged(request, planned, results)

    def tenant_token(
        self, viewer: Viewer, expires_at: datetime, types: Sequence[str] | None = None
    ) -> TenantToken | None:
        """None when the backend cannot issue one (the embedded engine, or no key set)."""
        if not isinstance(self.backend, IssuesTenantTokens):
            return None
        rules = {t: t.visibility(viewer) for t in self._types(types)}
        return self.backend.tenant_token(rules, expires_at)

    # --- request checks ---------------------------------------------------------------------

    def _checked(self, viewer: Viewer, request: SearchRequest) -> list[str]:
        if len(request.query) > MAX_QUERY_CHARS:
            raise SearchError(
                f"the query is {len(request.query)} characters long; at most {MAX_QUERY_CHARS}",
                code=SearchErrorCode.QUERY_TOO_LONG,
                field=["query"],
            )
        if not 0 <= request.limit <= MAX_LIMIT:
            raise SearchError(
                f"page size must be between 0 and {MAX_LIMIT}, got {request.limit}",
                field=["first"],
            )
        if not 0 <= request.offset <= MAX_TOTAL_HITS:
            raise SearchError(f"search results end after {MAX_TOTAL_HITS} hits", field=["after"])
        types = self._types(request.types)
        known = {name for t in types for name in t.filters}
        for name in request.filters:
            if name not in known:
                raise SearchError(
                    f"unknown filter {name!r} for {', '.join(t.name for t in types)};"
                    f" known filters: {', '.join(sorted(known)) or 'none'}",
                    code=SearchErrorCode.UNKNOWN_FILTER,
                    field=["filters", name],
                )
        accounts = request.filters.get(ACCOUNT_FILTER, ())
        if not viewer.is_staff and any(a != viewer.account_id for a in accounts):
            raise Forbidden("you may filter by your own account only")
        return query_words(request.query)

    def _types(self, names: Sequence[str] | None) -> list[DocumentType]:
        if names is None:
            return list(self.types.values())
        unknown = [n for n in names if n not in self.types]
        if unknown:
            raise SearchError(
                f"unknown search type {unknown[0]!r}; known types: {', '.join(self.types)}",
                code=SearchErrorCode.UNKNOWN_TYPE,
                field=["types"],
            )
        return [self.types[n] for n in dict.fromkeys(names)]

    def _condition(
        self, doc_type: DocumentType, viewer: Viewer, filters: Mapping[str, Sequence[Any]]
    ) -> Filter | None:
        parts = [doc_type.visibility(viewer)]
        for name, values in filters.items():
            attribute = doc_type.filters.get(name)
            if attribute is None:
                return None
            kind = doc_type.attribute(attribute).kind
            parts.append(one_of(attribute, [_checked_value(name, kind, v) for v in values]))
        return all_of(*parts)

    # --- merging ----------------------------------------------------------------------------

    def _merged(
        self,
        request: SearchRequest,
        planned: Sequence[tuple[DocumentType, TypeQuery]],
        results: Sequence[TypeResult],
    ) -> SearchResult:
        hits = sorted(
            (hit for result in results for hit in result.hits),
            key=lambda h: (-h.score, h.type, -h.id),
        )
        end = request.offset + request.limit
        facets: dict[str, dict[str, int]] = {}
        if request.facets:
            facets[TYPE_FACET] = {
                doc_type.name: result.total
                for (doc_type, _), result in zip(planned, results, strict=True)
                if result.total
            }
            for (doc_type, _), result in zip(planned, results, strict=True):
                for facet in doc_type.facets:
                    for value, count in result.facets.get(facet.attribute, {}).items():
                        counts = facets.setdefault(facet.name, {})
                        counts[value] = counts.get(value, 0) + count
        return SearchResult(
            hits=hits[request.offset : end],
            total=min(sum(r.total for r in results), MAX_TOTAL_HITS),
            has_more=len(hits) > end and end < MAX_TOTAL_HITS,
            facets=facets,
        )


def _checked_value(name: str, kind: str, value: Any) -> Any:
    expected: type | tuple[type, ...] = {"int": int, "bool": bool}.get(kind, str)
    if isinstance(value, expected) and not (kind == "int" and isinstance(value, bool)):
        return value
    raise SearchError(
        f"filter {name!r} takes {'a number' if kind == 'int' else kind} values, got {value!r}",
        code=SearchErrorCode.INVALID_FILTER,
        field=["filters", name],
    )


def suggest_request(query: str, types: Sequence[str] | None, limit: int) -> SearchRequest:
    return SearchRequest(
        query=query,
        types=tuple(types) if types is not None else None,
        limit=limit,
        mode=Mode.SUGGEST,
    )
