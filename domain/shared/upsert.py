"""INSERT ... ON CONFLICT DO NOTHING on both databases: idempotent writes that stay safe when
two requests race to create the same row."""

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_ignoring_duplicates(
    session: AsyncSession, target: type[DeclarativeBase] | Table, rows: list[dict[str, Any]]
) -> int:
    """Inserts the rows that do not exist yet; returns how many were new."""
    if not rows:
        return 0
    insert = postgresql_insert if dialect_name(session) == "postgresql" else sqlite_insert
    result = await session.execute(insert(target).values(rows).on_conflict_do_nothing())
    return int(getattr(result, "rowcount", 0) or 0)


def dialect_name(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name
