"""Engine and session factories for SQLite (embedded, WAL) and PostgreSQL."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
)


def create_engine(url: str, **options: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_pre_ping", True)
    # Plan each statement with its values: asyncpg prepares and caches statements, and from the
    # sixth run PostgreSQL may switch to a generic plan that ignores the IN list (bench/forum.py).
    options.setdefault(
        "connect_args", {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
    )
    return create_async_engine(url, **options)


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
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        await session.commit()
    await session.connection(execution_options={SQLITE_WRITE_OPTION: True})


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
