"""The Meilisearch backend, on the official client: one index per document type
(`<prefix><type>s`), settings applied idempotently, documents written in batches and every write
waited on (the indexer marks an event done only once its documents are searchable).

The client is synchronous (requests), so calls run in worker threads. After a failure to reach
the server, calls fail at once for a few seconds instead of each waiting for a timeout: the
outbox worker keeps moving and the API answers "unavailable" quickly.
"""

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from search.documents import Document, DocumentType
from search.engine import TenantToken
from search.errors import SearchUnavailable
from search.filters import AllOf, Always, AnyOf, Eq, Filter, Greater, In, Never, Value
from search.query import (
    MAX_FACET_VALUES,
    MAX_TOTAL_HITS,
    Highlight,
    Hit,
    Mode,
    TypeQuery,
    TypeResult,
)
from search.settings import SNIPPET_WORDS, SYNONYMS
from search.text import (
    ELLIPSIS,
    MARK_CLOSE,
    MARK_OPEN,
    ONE_TYPO_MIN_CHARS,
    TWO_TYPOS_MIN_CHARS,
    safe_highlight,
)

T = TypeVar("T")

BATCH = 1000  # documents per request
PAUSE_AFTER_FAILURE_SECONDS = 5.0


def index_settings(doc_type: DocumentType) -> dict[str, Any]:
    by_weight = sorted(doc_type.text_fields, key=lambda f: -f.weight)  # stable: ties keep order
    return {
        "searchableAttributes": [f.name for f in by_weight],
        "filterableAttributes": sorted(a.name for a in doc_type.attributes),
        "sortableAttributes": ["created_at"],
        "rankingRules": [
            "words",
            "typo",
            "proximity",
            "attribute",
            "sort",
            "exactness",
            "created_at:desc",
        ],
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {
                "oneTypo": ONE_TYPO_MIN_CHARS,
                "twoTypos": TWO_TYPOS_MIN_CHARS,
            },
        },
        "synonyms": {word: list(others) for word, others in SYNONYMS.items()},
        "faceting": {"maxValuesPerFacet": MAX_FACET_VALUES},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    }


def to_filter(condition: Filter) -> str | None:
    """Meilisearch filter syntax; None for no restriction. Never is the caller's to handle."""
    match condition:
        case Always():
            return None
        case Never():
            raise ValueError("a filter that matches nothing has no Meilisearch form")
        case Eq(field=field, value=value):
            return f"{field} = {_literal(value)}"
        case In(field=field, values=values):
            return f"{field} IN [{', '.join(_literal(v) for v in values)}]"
        case Greater(field=field, value=value):
            return f"{field} > {int(value)}"
        case AllOf(parts=parts):
            return "(" + " AND ".join(str(to_filter(p)) for p in parts) + ")"
        case AnyOf(parts=parts):
            return "(" + " OR ".join(str(to_filter(p)) for p in parts) + ")"
    raise TypeError(f"not a filter: {condition!r}")


def _literal(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


class MeilisearchBackend:
    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        prefix: str = "bondfire_",
        timeout_seconds: int = 5,
        task_timeout_ms: int = 60_000,
        tenant_key: str | None = None,
        tenant_key_uid: str | None = None,
        public_url: str | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._client = meilisearch.Client(url, api_key, timeout=timeout_seconds)
        self._task_timeout_ms = task_timeout_ms
        self._tenant_key = tenant_key
        self._tenant_key_uid = tenant_key_uid
        self._public_url = public_url or url
        self._ready: set[str] = set()
        self._paused_until = 0.0
        self._last_failure = ""

    def uid(self, doc_type: DocumentType) -> str:
        name = doc_type.name
        plural = f"{name[:-1]}ies" if name.endswith("y") else f"{name}s"  # case_studies
        return f"{self.prefix}{plural}"

    # --- the interface --------------------------------------------------------------------

    async def setup(self, types: Sequence[DocumentType]) -> None:
        for doc_type in types:
            await self._call(self._create_with_settings, self.uid(doc_type), doc_type)
            self._ready.add(doc_type.name)

    async def upsert(self, doc_type: DocumentType, documents: Sequence[Document]) -> None:
        if documents:
            await self._ensure(doc_type)
            await self._call(self._add, self.uid(doc_type), documents)

    async def delete(self, doc_type: DocumentType, ids: Sequence[int]) -> None:
        if ids:
            await self._ensure(doc_type)
            index = self._client.index(self.uid(doc_type))
            await self._call(lambda: self._wait([index.delete_documents(list(ids)).task_uid]))

    async def search(self, doc_type: DocumentType, query: TypeQuery) -> TypeResult:
        return (await self.search_many([(doc_type, query)]))[0]

    async def search_many(
        self, queries: Sequence[tuple[DocumentType, TypeQuery]]
    ) -> list[TypeResult]:
        asked = [(t, q) for t, q in queries if not isinstance(q.condition, Never)]
        for doc_type, _ in asked:
            await self._ensure(doc_type)
        answers: list[dict[str, Any]] = []
        if asked:
            body = [self._search_body(t, q) for t, q in asked]
            response = await self._call(self._client.multi_search, body)
            answers = list(response["results"])
        found = iter(answers)
        return [
            TypeResult(hits=[], total=0, facets={})
            if isinstance(q.condition, Never)
            else _result(t, q, next(found))
            for t, q in queries
        ]

    async def begin_rebuild(self, doc_type: DocumentType) -> "MeilisearchRebuild":
        await self._ensure(doc_type)
        temporary = f"{self.uid(doc_type)}_rebuild"
        await self._call(self._drop_if_exists, temporary)
        await self._call(self._create_with_settings, temporary, doc_type)
        return MeilisearchRebuild(self, self.uid(doc_type), temporary)

    async def ping(self) -> None:
        health = await self._call(self._client.health)
        if health.get("status") != "available":
            raise SearchUnavailable(f"Meilisearch at {self.url} reports {health}")

    async def close(self) -> None:
        return None

    def tenant_token(
        self, rules: Mapping[DocumentType, Filter], expires_at: datetime
    ) -> TenantToken | None:
        """A token for the browser to query Meilisearch directly, filtered to the viewer."""
        if not (self._tenant_key and self._tenant_key_uid):
            return None
        search_rules: dict[str, Any] = {}
        for doc_type, condition in rules.items():
            if isinstance(condition, Never):
                continue  # no access to the index at all
            expression = to_filter(condition)
            search_rules[self.uid(doc_type)] = {"filter": expression} if expression else {}
        token = self._client.generate_tenant_token(
            self._tenant_key_uid, search_rules, expires_at=expires_at, api_key=self._tenant_key
        )
        return TenantToken(
            token=token,
            url=self._public_url,
            indexes={t.name: self.uid(t) for t in rules if self.uid(t) in search_rules},
            expires_at=expires_at,
        )

    # --- calls ----------------------------------------------------------------------------

    async def _call(self, work: Callable[..., T], *args: Any) -> T:
        if time.monotonic() < self._paused_until:
            raise SearchUnavailable(self._last_failure)
        try:
            return await asyncio.to_thread(work, *args)
        except (
            MeilisearchCommunicationError,
            MeilisearchTimeoutError,
            requests.RequestException,
        ) as error:
            self._last_failure = f"Meilisearch at {self.url} is unreachable ({error})"
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            raise SearchUnavailable(self._last_failure) from error
        except MeilisearchApiError as error:
            raise SearchUnavailable(
                f"Meilisearch at {self.url} refused the request: {error.message}"
            ) from error

    async def _ensure(self, doc_type: DocumentType) -> None:
        if doc_type.name not in self._ready:
            await self.setup([doc_type])

    def _wait(self, task_uids: Sequence[int]) -> None:
        for uid in task_uids:
            task = self._client.wait_for_task(uid, timeout_in_ms=self._task_timeout_ms)
            if task.status != "succeeded":
                raise SearchUnavailable(
                    f"Meilisearch at {self.url}: task {uid} ({task.type}) {task.status}:"
                    f" {task.error}"
                )

    def _create_with_settings(self, uid: str, doc_type: DocumentType) -> None:
        try:
            self._client.get_index(uid)
        except MeilisearchApiError as error:
            if error.code != "index_not_found":
                raise
            self._wait([self._client.create_index(uid, {"primaryKey": "id"}).task_uid])
        # Unchanged settings are a no-op for Meilisearch: applying them again is safe.
        self._wait([self._client.index(uid).update_settings(index_settings(doc_type)).task_uid])

    def _add(self, uid: str, documents: Sequence[Document]) -> None:
        index = self._client.index(uid)
        tasks = [
            index.add_documents(list(documents[start : start + BATCH]), primary_key="id").task_uid
            for start in range(0, len(documents), BATCH)
        ]
        self._wait(tasks)

    def _drop_if_exists(self, uid: str) -> None:
        try:
            self._client.get_index(uid)
        except MeilisearchApiError as error:
            if error.code == "index_not_found":
                return
            raise
        self._wait([self._client.delete_index(uid).task_uid])

    def _search_body(self, doc_type: DocumentType, query: TypeQuery) -> dict[str, Any]:
        shown = _shown_fields(doc_type, query)
        body: dict[str, Any] = {
            "indexUid": self.uid(doc_type),
            "q": query.text,
            "limit": query.limit,
            "offset": 0,
            "attributesToRetrieve": ["id", "created_at", *shown],
            "showRankingScore": True,
        }
        if (expression := to_filter(query.condition)) is not None:
            body["filter"] = expression
        if query.facets:
            body["facets"] = list(query.facets)
        if query.words:
            snippets = [f.name for f in doc_type.text_fields if f.snippet and f.name in shown]
            body |= {
                "attributesToHighlight": shown,
                "attributesToCrop": snippets,
                "cropLength": SNIPPET_WORDS,
                "cropMarker": ELLIPSIS,
                "highlightPreTag": MARK_OPEN,
                "highlightPostTag": MARK_CLOSE,
            }
        else:
            body["sort"] = ["created_at:desc"]
        if query.mode is Mode.SUGGEST:
            body["attributesToSearchOn"] = list(doc_type.suggest_fields)
        return body


class MeilisearchRebuild:
    def __init__(self, backend: MeilisearchBackend, live: str, temporary: str) -> None:
        self._backend = backend
        self._live = live
        self._temporary = temporary

    async def add(self, documents: Sequence[Document]) -> None:
        if documents:
            await self._backend._call(self._backend._add, self._temporary, documents)

    async def publish(self) -> None:
        client = self._backend._client

        def swap() -> None:
            swapped = client.swap_indexes([{"indexes": [self._live, self._temporary]}])
            self._backend._wait([swapped.task_uid])
            self._backend._wait([client.delete_index(self._temporary).task_uid])

        await self._backend._call(swap)

    async def abandon(self) -> None:
        await self._backend._call(self._backend._drop_if_exists, self._temporary)


def _shown_fields(doc_type: DocumentType, query: TypeQuery) -> list[str]:
    if query.mode is Mode.SUGGEST:
        return list(doc_type.suggest_fields)
    return [f.name for f in doc_type.text_fields]


def _joined(value: Any) -> str:
    """A formatted field as text; lists (tags) come back as lists of formatted strings."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value or "")


def _result(doc_type: DocumentType, query: TypeQuery, answer: Mapping[str, Any]) -> TypeResult:
    shown = _shown_fields(doc_type, query)
    hits = []
    for raw in answer.get("hits", []):
        formatted = raw.get("_formatted", {})
        highlights = tuple(
            Highlight(name, text)
            for name in shown
            if (text := safe_highlight(_joined(formatted.get(name)))) is not None
        )
        score = float(raw.get("_rankingScore", 0.0)) if query.words else float(raw["created_at"])
        hits.append(Hit(doc_type.name, int(raw["id"]), score, highlights))
    distribution = answer.get("facetDistribution") or {}
    return TypeResult(
        hits=hits,
        total=min(int(answer.get("estimatedTotalHits", len(hits))), MAX_TOTAL_HITS),
        facets={
            attribute: {str(value): int(count) for value, count in values.items()}
            for attribute, values in distribution.items()
        },
    )
