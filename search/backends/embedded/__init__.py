"""The embedded backend: SQLite FTS5 in a file of its own (or in memory), whatever database the
application uses. Writes go through one connection, one transaction per call; reads use pooled
connections in WAL mode, so an API process and a `bondfire worker` process can share the file.
Blocking SQLite calls run in worker threads, never on the event loop."""

import asyncio
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from search.backends.embedded.matching import add_to_dictionary
from search.backends.embedded.querying import run_query
from search.backends.embedded.schema import (
    SCOPE_COLUMN,
    Tables,
    add_missing_columns,
    create_meta,
    create_tables,
    drop_tables,
    has_scope_column,
    read_generation,
    scope_text,
    stored,
    write_generation,
)
from search.documents import Document, DocumentType
from search.errors import SearchUnavailable
from search.query import TypeQuery, TypeResult

T = TypeVar("T")

MEMORY = ":memory:"
MAX_IDLE_READERS = 4
_CHUNK = 500  # ids per IN (...) list


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._memory = self._path == MEMORY
        self._lock = asyncio.Lock()
        self._writer: sqlite3.Connection | None = None
        self._idle_readers: list[sqlite3.Connection] = []
        self._ready: set[str] = set()

    @property
    def location(self) -> str:
        return self._path

    # --- the interface --------------------------------------------------------------------

    async def setup(self, types: Sequence[DocumentType]) -> None:
        for doc_type in types:
            await self._ensure(doc_type)

    async def upsert(self, doc_type: DocumentType, documents: Sequence[Document]) -> None:
        if documents:
            await self._ensure(doc_type)
            await self._write(lambda c: _put(c, self._live(c, doc_type), documents))

    async def delete(self, doc_type: DocumentType, ids: Sequence[int]) -> None:
        if ids:
            await self._write(lambda c: _remove(c, self._live(c, doc_type), ids))

    async def search(self, doc_type: DocumentType, query: TypeQuery) -> TypeResult:
        await self._ensure(doc_type)
        return await self._read(lambda c: run_query(c, self._live(c, doc_type), query))

    async def search_many(
        self, queries: Sequence[tuple[DocumentType, TypeQuery]]
    ) -> list[TypeResult]:
        return [await self.search(doc_type, query) for doc_type, query in queries]

    async def begin_rebuild(self, doc_type: DocumentType) -> "EmbeddedRebuild":
        def begin(connection: sqlite3.Connection) -> Tables:
            key = _building_key(doc_type)
            stale = read_generation(connection, key)
            if stale is not None:  # a rebuild that died half-way
                drop_tables(connection, Tables(doc_type, stale))
            live = read_generation(connection, _live_key(doc_type)) or 0
            tables = Tables(doc_type, max(live, stale or 0) + 1)
            create_tables(connection, tables)
            write_generation(connection, key, tables.generation)
            return tables

        return EmbeddedRebuild(self, await self._write(begin))

    async def ping(self) -> None:
        await self._read(lambda c: c.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        async with self._lock:
            for connection in [*self._idle_readers, *([self._writer] if self._writer else [])]:
                connection.close()
            self._idle_readers.clear()
            self._writer = None

    # --- connections and transactions -------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self._memory:
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self._path, timeout=10, isolation_level=None, check_same_thread=False
            )
            if not self._memory:
                connection.execute("PRAGMA journal_mode=WAL")
            # The outbox marks an event done once its documents are written: they must survive
            # a power cut, not only a crash of the process.
            connection.execute("PRAGMA synchronous=FULL")
        except (OSError, sqlite3.Error) as error:
            raise SearchUnavailable(
                f"cannot open the embedded search index at {self._path}: {error}"
            ) from error
        return connection

    def _writer_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = self._connect()
            create_meta(self._writer)
        return self._writer

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        async with self._lock:
            return await asyncio.to_thread(
                lambda: _transaction(self._writer_connection(), work, "BEGIN IMMEDIATE")
            )

    async def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._memory:  # one connection holds the whole in-memory database
            async with self._lock:
                return await asyncio.to_thread(
                    lambda: _transaction(self._writer_connection(), work, "BEGIN")
                )
        connection = (
            self._idle_readers.pop()
            if self._idle_readers
            else await asyncio.to_thread(self._connect)
        )
        try:
            result = await asyncio.to_thread(_transaction, connection, work, "BEGIN")
        except SearchUnavailable:
            connection.close()  # it may be the connection that is broken
            raise
        except BaseException:
            self._release(connection)
            raise
        self._release(connection)
        return result

    def _release(self, connection: sqlite3.Connection) -> None:
        if len(self._idle_readers) < MAX_IDLE_READERS:
            self._idle_readers.append(connection)
        else:
            connection.close()

    async def _ensure(self, doc_type: DocumentType) -> None:
        if doc_type.name not in self._ready:
            await self._write(lambda c: add_missing_columns(c, self._live(c, doc_type)))
            self._ready.add(doc_type.name)

    def _live(self, connection: sqlite3.Connection, doc_type: DocumentType) -> Tables:
        """The generation searches use; the first one is created on first use (writer only)."""
        generation = read_generation(connection, _live_key(doc_type))
        if generation is None:
            tables = Tables(doc_type, 1)
            create_tables(connection, tables)
            write_generation(connection, _live_key(doc_type), 1)
            return tables
        return Tables(doc_type, generation)


class EmbeddedRebuild:
    def __init__(self, backend: EmbeddedBackend, tables: Tables) -> None:
        self._backend = backend
        self._tables = tables

    async def add(self, documents: Sequence[Document]) -> None:
        if documents:
            await self._backend._write(lambda c: _put(c, self._tables, documents, replace=False))

    async def publish(self) -> None:
        tables = self._tables

        def swap(connection: sqlite3.Connection) -> None:
            old = read_generation(connection, _live_key(tables.doc_type))
            write_generation(connection, _live_key(tables.doc_type), tables.generation)
            write_generation(connection, _building_key(tables.doc_type), None)
            if old is not None and old != tables.generation:
                drop_tables(connection, Tables(tables.doc_type, old))

        await self._backend._write(swap)

    async def abandon(self) -> None:
        def drop(connection: sqlite3.Connection) -> None:
            drop_tables(connection, self._tables)
            write_generation(connection, _building_key(self._tables.doc_type), None)

        await self._backend._write(drop)


def _live_key(doc_type: DocumentType) -> str:
    return f"live:{doc_type.name}"


def _building_key(doc_type: DocumentType) -> str:
    return f"building:{doc_type.name}"


def _transaction(
    connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], T], begin: str
) -> T:
    try:
        connection.execute(begin)
        try:
            result = work(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result
    except sqlite3.OperationalError as error:
        raise SearchUnavailable(f"the embedded search index failed: {error}") from error


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


# --- writing ------------------------------------------------------------------------------


def _put(
    connection: sqlite3.Connection,
    tables: Tables,
    documents: Sequence[Document],
    *,
    replace: bool = True,
) -> None:
    if replace:
        _remove(connection, tables, [d["id"] for d in documents])
    text_fields, scalars = tables.text_fields, tables.scalar_attributes
    scoped = bool(tables.scoped_attributes) and has_scope_column(connection, tables)
    columns = [*text_fields, *([SCOPE_COLUMN] if scoped else [])]
    connection.executemany(
        f"INSERT INTO {tables.fts} (rowid, {', '.join(columns)})"
        f" VALUES (?, {', '.join('?' for _ in columns)})",
        [
            (
                d["id"],
                *(_text(d.get(f)) for f in text_fields),
                *([scope_text(tables, d)] if scoped else []),
            )
            for d in documents
        ],
    )
    columns = ["id", "created_at", *scalars]
    connection.executemany(
        f"INSERT INTO {tables.docs} ({', '.join(columns)})"
        f" VALUES ({', '.join('?' for _ in columns)})",
        [tuple(stored(d.get(c)) for c in columns) for d in documents],
    )
    connection.executemany(
        f"INSERT OR IGNORE INTO {tables.values} (field, value, doc_id) VALUES (?, ?, ?)",
        [
            (field, str(value), d["id"])
            for d in documents
            for field in tables.multi_attributes
            for value in d.get(field) or ()
        ],
    )
    add_to_dictionary(connection, tables, (_text(d.get(f)) for d in documents for f in text_fields))


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value or "")


def _remove(connection: sqlite3.Connection, tables: Tables, ids: Sequence[int]) -> None:
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        connection.execute(f"DELETE FROM {tables.fts} WHERE rowid IN ({marks})", chunk)
        connection.execute(f"DELETE FROM {tables.docs} WHERE id IN ({marks})", chunk)
        connection.execute(f"DELETE FROM {tables.values} WHERE doc_id IN ({marks})", chunk)
