"""Persisted queries: an allow-list built from frontend-contract/operations, and Apollo's APQ.

Hash rule (what a frontend build and this server agree on): every named operation in
`frontend-contract/operations/*.graphql` becomes one document, the operation followed by the
fragments it uses (by name), printed by graphql-core's `print_ast`; its id is the lowercase hex
SHA-256 of that text in UTF-8. `bondfire schema operations-manifest` prints the list in Apollo's
persisted query manifest format. A client sends `{"extensions": {"persistedQuery": {"version": 1,
"sha256Hash": id}}}` with or without `query`.

Modes (BONDFIRE_PERSISTED_QUERIES):
- `allowlist`: only listed operations run, sent by id alone, or in full (the full text is matched
  by its own SHA-256, or by the id of the operation it selects once printed as above).
- `apq`: Apollo's automatic persisted queries. An unknown id is answered with
  PERSISTED_QUERY_NOT_FOUND; the client then sends query and id together, the server checks the
  hash and keeps the query (bounded in-memory LRU, or Redis with a TTL). Listed operations are
  known from the start. Plain queries run as usual.
- `off`: plain queries only; a persisted query id is PERSISTED_QUERY_NOT_SUPPORTED.
"""

import hashlib
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    get_operation_ast,
    parse,
    print_ast,
    visit,
)

logger = logging.getLogger("bondfire.graphql")

Mode = Literal["allowlist", "apq", "off"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ManifestOperation:
    id: str
    name: str
    type: str
    body: str


def operation_documents(document: DocumentNode) -> list[tuple[OperationDefinitionNode, str]]:
    """Each operation of a document with its printed body (the operation, then its fragments)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    out = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            used = _fragments_used(definition, fragments)
            single = DocumentNode(definitions=(definition, *(fragments[n] for n in sorted(used))))
            out.append((definition, print_ast(single)))
    return out


def _fragments_used(
    node: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    used: set[str] = set()
    pending: list[OperationDefinitionNode | FragmentDefinitionNode] = [node]
    while pending:
        collector = _SpreadCollector()
        visit(pending.pop(), collector)
        for name in collector.names:
            if name not in used and name in fragments:
                used.add(name)
                pending.append(fragments[name])
    return used


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
        self.names.append(spread.name.value)


class ManifestError(ValueError):
    """An operations file that does not parse."""


def build_manifest(directory: Path, *, strict: bool = True) -> list[ManifestOperation]:
    """The operations a frontend may send, from every `*.graphql` file under `directory`.

    A file that does not parse is an error, or (not strict) skipped with a warning."""
    operations: dict[str, ManifestOperation] = {}
    for path in sorted(directory.glob("*.graphql")):
        try:
            document = parse(path.read_text())
        except GraphQLError as error:
            problem = f"{path.name}: {error.message}"
            if strict:
                raise ManifestError(problem) from error
            logger.warning("persisted queries: skipped %s", problem)
            continue
        for operation, body in operation_documents(document):
            name = operation.name.value if operation.name else path.stem
            digest = sha256_hex(body)
            operations[digest] = ManifestOperation(digest, name, operation.operation.value, body)
    return sorted(operations.values(), key=lambda o: (o.name, o.id))


def manifest_json(operations: list[ManifestOperation]) -> str:
    """Apollo's persisted query manifest format (what its client link and router read)."""
    return json.dumps(
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": o.id, "name": o.name, "type": o.type, "body": o.body} for o in operations
            ],
        },
        indent=2,
    )


@lru_cache(maxsize=1024)
def selected_operation_id(query: str, operation_name: str | None) -> str | None:
    """The manifest id of the operation a full query selects, or None if it does not parse."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    selected = get_operation_ast(document, operation_name)
    for operation, body in operation_documents(document):
        if operation is selected:
            return sha256_hex(body)
    return None


class PersistedQueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...
    async def put(self, digest: str, query: str) -> None: ...
    async def aclose(self) -> None: ...


class MemoryQueryStore:
    """Least recently used queries, bounded by count and by total characters."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self._queries: OrderedDict[str, str] = OrderedDict()
        self._chars = 0

    async def get(self, digest: str) -> str | None:
        query = self._queries.get(digest)
        if query is not None:
            self._queries.move_to_end(digest)
        return query

    async def put(self, digest: str, query: str) -> None:
        if len(query) > self.max_chars:
            return
        previous = self._queries.pop(digest, None)
        self._chars -= len(previous or "")
        self._queries[digest] = query
        self._chars += len(query)
        while len(self._queries) > self.max_entries or self._chars > self.max_chars:
            _, evicted = self._queries.popitem(last=False)
            self._chars -= len(evicted)

    def __len__(self) -> int:
        return len(self._queries)

    async def aclose(self) -> None:
        pass


class RedisQueryStore:
    """Shared by every API process; entries expire. If Redis is down, clients resend queries."""

    def __init__(self, url: str, ttl_seconds: int, prefix: str = "bondfire:apq:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.ttl_seconds, self.prefix = ttl_seconds, prefix

    async def get(self, digest: str) -> str | None:
        try:
            value = await self._redis.get(self.prefix + digest)
        except Exception:
            logger.warning("persisted query store unavailable", exc_info=True)
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, digest: str, query: str) -> None:
        try:
            await self._redis.set(self.prefix + digest, query, ex=self.ttl_seconds)
        except Exception:
            logger.warning("persisted query store unavailable", exc_info=True)

    async def aclose(self) -> None:
        await self._redis.aclose()


class PersistedQueries:
    def __init__(self, mode: Mode, manifest: list[ManifestOperation], store: QueryStore) -> None:
        self.mode = mode
        self.listed = {o.id: o.body for o in manifest}
        self.store = store

    async def resolve(
        self, query: str | None, operation_name: str | None, extensions: dict[str, Any] | None
    ) -> str | None:
        """The query text to run; raises PersistedQueryError when it may not run."""
        digest = _requested_digest(extensions)
        if digest is None:
            if self.mode == "allowlist" and query is not None:
                self._require_listed(query, operation_name)
            return query
        if self.mode == "off":
            raise PersistedQueryError("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
        if query is not None:
            if sha256_hex(query) != digest:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query"
                )
            if self.mode == "allowlist":
                self._require_listed(query, operation_name)
            elif digest not in self.listed:
                await self.store.put(digest, query)
            return query
        known = self.listed.get(digest)
        if known is None and self.mode == "apq":
            known = await self.store.get(digest)
        if known is None:
            if self.mode == "allowlist":
                raise _not_in_list()
            raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        return known

    def _require_listed(self, query: str, operation_name: str | None) -> None:
        if sha256_hex(query) in self.listed:
            return
        if selected_operation_id(query, operation_name) not in self.listed:
            raise _not_in_list()

    async def aclose(self) -> None:
        await self.store.aclose()


def _not_in_list() -> PersistedQueryError:
    return PersistedQueryError(
        "PERSISTED_QUERY_NOT_IN_LIST",
        "Only the operations registered in the frontend contract may run here.",
    )


def _requested_digest(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(
            "PERSISTED_QUERY_INVALID", "persistedQuery must be {version: 1, sha256Hash}"
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise PersistedQueryError(
            "PERSISTED_QUERY_INVALID", "persistedQuery.sha256Hash must be 64 lowercase hex digits"
        )
    return digest


def build_persisted_queries(
    mode: Mode,
    operations_dir: Path,
    *,
    redis_url: str | None,
    max_entries: int,
    max_chars: int,
    ttl_seconds: int,
) -> PersistedQueries:
    strict = mode == "allowlist"  # else a broken example file must not stop the API
    manifest = build_manifest(operations_dir, strict=strict) if operations_dir.is_dir() else []
    if mode == "allowlist" and not manifest:
        raise ValueError(
            f"BONDFIRE_PERSISTED_QUERIES=allowlist but no operations in {operations_dir}"
        )
    store: QueryStore = (
        RedisQueryStore(redis_url, ttl_seconds)
        if redis_url and mode == "apq"
        else MemoryQueryStore(max_entries, max_chars)
    )
    return PersistedQueries(mode, manifest, store)
