"""Engine and session factories for SQLite (embedded, WAL) and PostgreSQL, and how to tell a
database that cannot serve right now from a bug."""

import asyncio
import socket
import sqlite3
import time
import weakref
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.shared.sqlite_driver import one_trip_dbapi

SQLITE_BUSY_TIMEOUT_SECONDS = 10
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}",
    "PRAGMA synchronous=NORMAL",
)


def create_engine(url: str, **options: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if parsed.get_driver_name() == "aiosqlite":
            options.setdefault("module", one_trip_dbapi())
        engine = create_async_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    # Plan each statement with its values: asyncpg prepares and caches statements, and from the
    # sixth run PostgreSQL may switch to a generic plan that ignores the IN list (bench/forum.py).
    # A connect timeout well under the request timeout: a server that does not answer (host down,
    # network cut) must fail a request quickly rather than hold it for asyncpg's default 60 s.
    options.setdefault(
        "connect_args",
        {"server_settings": {"plan_cache_mode": "force_custom_plan"}, "timeout": 10},
    )
    engine = create_async_engine(url, **options)
    if not options.get("pool_pre_ping"):
        _check_connections_on_checkout(engine)
    return engine


# A pooled PostgreSQL connection idle for longer than this is pinged before a request uses it.
IDLE_PING_SECONDS = 10.0
_LAST_USED = "bondfire_last_used"


def _check_connections_on_checkout(engine: AsyncEngine) -> None:
    """A dead pooled connection is replaced before a request uses it, at a fraction of
    `pool_pre_ping`'s price.

    With asyncpg, SQLAlchemy's pre-ping is three round trips per checkout (BEGIN, a ping,
    ROLLBACK): a millisecond on every request. Instead: a connection whose server closed it (a
    backend terminated, the server restarted) is seen closed by asyncpg without any traffic;
    and one idle for more than IDLE_PING_SECONDS, which a firewall or NAT may have dropped
    silently, is pinged. Either way the pool discards it and checks out another (SQLAlchemy's
    documented DisconnectionError protocol). A connection that breaks while in use is
    SERVICE_UNAVAILABLE (`unavailability`), as before.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise exc.DisconnectionError("the server closed this connection")
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) > IDLE_PING_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as error:
                raise exc.DisconnectionError("the connection did not answer a ping") from error


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT, which every mutation relies on to
    # change nothing on a failure; take over BEGIN ourselves (SQLAlchemy's documented recipe).
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(SQLITE_WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


SQLITE_WRITE_OPTION = "bondfire_sqlite_write"


async def begin_writing(session: AsyncSession) -> None:
    """Make the session's transaction a write transaction from its first statement.

    SQLite (WAL) lets a transaction that has read upgrade to writing only if nobody committed
    in between; otherwise it fails at once with "database is locked", busy timeout or not. So a
    unit of work that will write takes the write lock up front (BEGIN IMMEDIATE), and others
    wait their turn instead. Work already done in the session is committed first. PostgreSQL
    needs none of this.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if session.in_transaction():
        await session.commit()
    await _take_writer_turn(session, bind.engine)
    try:
        await session.connection(execution_options={SQLITE_WRITE_OPTION: True})
    except BaseException:
        _end_writer_turn(session)
        raise


# Writers of one SQLite database within this process queue in arrival order (an asyncio lock
# is first come, first served) and only the head of the queue waits in BEGIN IMMEDIATE. Left to
# SQLite's busy handler, every waiter polls with growing sleeps, so a newcomer often wins over
# one that has waited for seconds: under load some writes waited past the busy timeout and
# failed while the rest went through (bench/load). Other processes (a `bondfire worker`, the
# CLI) still meet at SQLite's lock and its busy timeout.
_writer_turns: "weakref.WeakKeyDictionary[Any, dict[asyncio.AbstractEventLoop, asyncio.Lock]]" = (
    weakref.WeakKeyDictionary()
)
_WRITER_TURN = "bondfire_sqlite_writer_turn"


async def _take_writer_turn(session: AsyncSession, engine: Any) -> None:
    by_loop = _writer_turns.setdefault(engine, {})
    turn = by_loop.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for runs the acquire as a task of
        # its own and loses a cancellation that lands as the lock is granted (the request's own
        # time limit then never stops it).
        async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_SECONDS):
            await turn.acquire()
    except TimeoutError:
        raise exc.OperationalError(
            "BEGIN IMMEDIATE",
            None,
            sqlite3.OperationalError("database is locked (waited for this process's writers)"),
        ) from None
    session.info[_WRITER_TURN] = turn
    sync_session = session.sync_session
    if not event.contains(sync_session, "after_transaction_end", _on_transaction_end):
        event.listen(sync_session, "after_transaction_end", _on_transaction_end)


def _on_transaction_end(sync_session: Any, transaction: Any) -> None:
    if transaction.parent is None:  # the session's own transaction, not a savepoint
        _end_writer_turn(sync_session)


def _end_writer_turn(session: Any) -> None:
    turn = session.info.pop(_WRITER_TURN, None)
    if turn is not None:
        turn.release()


async def commit_without_waiting_for_the_disk(session: AsyncSession) -> None:
    """Let this transaction's commit return before its write-ahead log reaches the disk.

    For writes a person can simply repeat and nobody else depends on (a vote): PostgreSQL's
    `synchronous_commit = off` for this transaction only. A crash can then lose the last
    moments of such commits (up to three `wal_writer_delay`s, 0.6 s by default), whole
    transactions only, never half of one; any later ordinary commit makes them durable too.
    SQLite in WAL mode with `synchronous=NORMAL` already commits every transaction this way.
    The flush it saves is most of a vote's time on an ordinary disk (bench/feedback.py: 5 ms
    p50, 13 ms p95).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLite messages that mean "not now" rather than "wrong SQL" (which is OperationalError too).
_SQLITE_TRANSIENT = (
    "database is locked",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
)
# PostgreSQL SQLSTATE classes and codes of the same kind: connection exceptions (08), server
# shutting down or starting (57P01-57P03), insufficient resources (53: disk full, too many
# connections).
_PG_TRANSIENT_PREFIXES = ("08", "53", "57P01", "57P02", "57P03")


def unavailability(error: BaseException) -> str | None:
    """Why the database cannot serve at the moment, or None if `error` is something else.

    "Connection lost", "unreachable", "out of space", "busy" are conditions that pass (the pool
    reconnects, an operator frees space) and that the client may retry; everything else is a
    bug to log and mask. Looks through the exception's causes, as drivers wrap each other.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        reason = _reason(current)
        if reason is not None:
            return reason
        # Both links: SQLite's "no such savepoint" (after it rolled back a full transaction
        # itself) is caused by the driver but happened while handling "database or disk is full".
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return None


def _reason(error: BaseException) -> str | None:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return "connection lost"
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return "busy"
    sqlstate = str(getattr(error, "sqlstate", None) or getattr(error, "pgcode", None) or "")
    if sqlstate.startswith(_PG_TRANSIENT_PREFIXES):
        return "out of space" if sqlstate == "53100" else "unreachable"
    message = str(error).lower()
    if "database or disk is full" in message:
        return "out of space"
    if any(text in message for text in _SQLITE_TRANSIENT):
        return "busy" if "locked" in message else "unreachable"
    if "connection is closed" in message or "connection was closed" in message:
        return "connection lost"
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return "unreachable"
    if isinstance(error, OSError) and "connect call failed" in message:
        return "unreachable"
    return None
