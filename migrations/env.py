import asyncio
from typing import Any

from alembic import context
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import domain.models  # noqa: F401  (registers every table on the metadata)
from domain.shared.database import create_engine
from domain.shared.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from api.settings import get_settings

        url = get_settings().database_url
    return url


def _without_foreign_keys_while_migrating(engine: AsyncEngine) -> None:
    """SQLite alters most things by copying a table and dropping the old one (batch mode), and
    with foreign keys on, DROP TABLE first deletes every row, cascading: a migration that adds a
    constraint to `threads` would delete every post. Alembic's advice: foreign keys off while
    migrating (the pragma must be set outside a transaction, hence at connect), then checked."""

    @event.listens_for(engine.sync_engine, "connect")
    def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:10]}")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        _check_foreign_keys(connection)


async def _run_online() -> None:
    engine = create_engine(_database_url())
    if engine.dialect.name == "sqlite":
        _without_foreign_keys_while_migrating(engine)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
