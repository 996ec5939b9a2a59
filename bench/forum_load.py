"""Bulk-load the synthetic forums: Core executemany on SQLite, COPY on PostgreSQL.

Foreign keys are not checked while loading (SQLite `foreign_keys=OFF`, PostgreSQL
`session_replication_role=replica`): the generator keeps them valid, and on SQLite
`PRAGMA foreign_key_check` proves it afterwards. SQLite also skips fsync and keeps its rollback
journal in memory during the load only; the app's connections switch the file back to WAL.
"""

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import forum_data, synthetic
from bench.forum_data import COLUMNS, ForumRows, ForumSize
from bench.harness import BenchFailure
from domain.community.models import Post, Reaction, Space, Thread, ThreadRead
from domain.identity.models import Member
from domain.shared.database import create_engine

SQLITE_BATCH = 20_000
TABLES: dict[str, Table] = {
    "spaces": Space.__table__,  # type: ignore[dict-item]
    "threads": Thread.__table__,  # type: ignore[dict-item]
    "posts": Post.__table__,  # type: ignore[dict-item]
    "reactions": Reaction.__table__,  # type: ignore[dict-item]
    "thread_reads": ThreadRead.__table__,  # type: ignore[dict-item]
}
SQLITE_LOAD_PRAGMAS = (
    "PRAGMA foreign_keys=OFF",
    "PRAGMA synchronous=OFF",
    "PRAGMA journal_mode=MEMORY",
    "PRAGMA cache_size=-1000000",
)


@dataclass(frozen=True)
class Forum:
    """What was loaded, whom the benchmark signs in as, and how long it took."""

    identity: synthetic.DataSet
    size: ForumSize
    viewer_id: int
    rows: dict[str, int]
    accepted_answers: int
    readable_slugs: list[str]
    biggest_slug: str
    biggest_threads: int
    generate_seconds: float
    insert_seconds: float


def load(url: str, size: ForumSize, accounts: int, members: int, seed: int) -> Forum:
    """Reset the database, load identity data (bench/synthetic.py), then the forums."""
    identity, identity_rows = synthetic.load_with_rows(url, accounts, members, seed=seed)
    started = time.perf_counter()
    viewer = identity.customer_member_id
    rows = forum_data.generate(identity_rows, size, viewer, seed=seed + 1)
    generated = time.perf_counter()
    asyncio.run(insert_rows(url, rows))
    return Forum(
        identity=identity,
        size=size,
        viewer_id=viewer,
        rows={name: len(table_rows) for name, table_rows in rows.tables.items()},
        accepted_answers=len(rows.accepted),
        readable_slugs=rows.readable_slugs,
        biggest_slug=rows.biggest_slug,
        biggest_threads=rows.biggest_threads,
        generate_seconds=generated - started,
        insert_seconds=time.perf_counter() - generated,
    )


def existing(url: str, accounts: int, members: int, seed: int) -> Forum:
    """The forum an earlier run left in the database (same --accounts, --members and --seed)."""
    identity_rows = synthetic.generate(accounts, members, seed)
    viewer = synthetic.typical_customer(identity_rows, accounts)
    return asyncio.run(_existing(url, accounts, viewer))


async def _existing(url: str, accounts: int, viewer: dict[str, Any]) -> Forum:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            count = {
                name: await connection.scalar(select(func.count()).select_from(table)) or 0
                for name, table in TABLES.items()
            }
            found = await connection.scalar(
                select(Member.account_id).where(Member.id == viewer["id"])
            )
            if not count["posts"] or found != viewer["account_id"]:
                raise BenchFailure("no forum from an earlier run with these options: drop --reuse")
            spaces = (
                await connection.execute(
                    select(
                        Space.slug, Space.visibility, Space.account_id, Space.thread_count
                    ).order_by(Space.id)
                )
            ).all()
            accepted = await connection.scalar(
                select(func.count()).where(Thread.accepted_post_id.is_not(None))
            )
            member_count = await connection.scalar(select(func.count()).select_from(Member))
    finally:
        await engine.dispose()
    biggest = max(spaces, key=lambda s: s.thread_count)  # the first of equals, as when loading
    identity = synthetic.DataSet(
        database=await synthetic.describe(url),
        customer_accounts=accounts,
        members=member_count or 0,
        roles=0,
        competitor_pairs=0,
        largest_account_members=0,
        admin_id=1,
        customer_member_id=viewer["id"],
        migrate_seconds=0.0,
        insert_seconds=0.0,
    )
    readable = [
        s.slug
        for s in spaces
        if s.visibility == "PUBLIC" or (s.visibility == "ACCOUNT" and s.account_id == found)
    ]
    return Forum(
        identity=identity,
        size=ForumSize(len(spaces), count["threads"], count["posts"]),
        viewer_id=viewer["id"],
        rows=count,
        accepted_answers=accepted or 0,
        readable_slugs=readable,
        biggest_slug=biggest.slug,
        biggest_threads=biggest.thread_count,
        generate_seconds=0.0,
        insert_seconds=0.0,
    )


async def insert_rows(url: str, rows: ForumRows) -> None:
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    if not postgres:

        @event.listens_for(engine.sync_engine, "connect")
        def _loading(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in SQLITE_LOAD_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

    try:
        async with engine.begin() as connection:
            if postgres:
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            for name in COLUMNS:
                await _bulk(connection, TABLES[name], COLUMNS[name], rows.tables[name])
            if rows.accepted:
                threads = TABLES["threads"]
                await connection.execute(
                    update(threads)
                    .where(threads.c.id == bindparam("b_id"))
                    .values(accepted_post_id=bindparam("b_post")),
                    rows.accepted,
                )
            if postgres:
                for table in ("spaces", "threads", "posts"):
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        if postgres:
            # What autovacuum would have done by now: statistics and the visibility map.
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE"))
        else:
            async with engine.connect() as connection:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"generated rows break foreign keys: {broken[:5]}")
                await connection.exec_driver_sql("ANALYZE")
                await connection.commit()
    finally:
        await engine.dispose()


async def _bulk(
    connection: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        records = (tuple(_pg(v) for v in row) for row in rows)
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=list(columns)
        )
        return
    statement = insert(table)
    for start in range(0, len(rows), SQLITE_BATCH):
        batch = rows[start : start + SQLITE_BATCH]
        await connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in batch])


def _pg(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list) else value
