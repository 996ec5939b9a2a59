"""Migrations keep the data they do not mean to touch.

SQLite changes a table by copying it and dropping the old one (Alembic's batch mode). With
foreign keys on, that DROP deletes every row first and cascades, so a migration that only added
a constraint to `threads` would have deleted every post. This walks the demo community down
and up again on a SQLite file and counts what must survive.
"""

import asyncio
from pathlib import Path

from sqlalchemy import text

from api.demo import load_demo
from domain.shared.database import create_engine, create_session_factory
from migrations.runner import downgrade, upgrade

# Revisions after this one were written together; downgrading past them and back exercises every
# batch-mode table copy they do, in both directions.
BEFORE_RECENT_MIGRATIONS = "0011"
SURVIVING_TABLES = ("accounts", "members", "spaces", "threads", "posts", "ideas", "idea_votes")


async def _load_demo(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            await load_demo(session)
            await session.commit()
    finally:
        await engine.dispose()


async def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table: (
                    await connection.execute(text(f"SELECT count(*) FROM {table}"))
                ).scalar_one()
                for table in SURVIVING_TABLES
            }
    finally:
        await engine.dispose()


def test_downgrading_and_upgrading_sqlite_keeps_every_row(tmp_path: Path):
    # given: the demo community on the newest schema
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    asyncio.run(_load_demo(url))
    loaded = asyncio.run(_counts(url))
    assert loaded["posts"] > 0 and loaded["idea_votes"] > 0
    # when
    downgrade(url, BEFORE_RECENT_MIGRATIONS)
    downgraded = asyncio.run(_counts(url))
    upgrade(url)
    upgraded = asyncio.run(_counts(url))
    # then
    # 0014's old layout kept a merged duplicate's dropped votes in idea_merge_votes, not idea_votes
    assert {t: n for t, n in downgraded.items() if t != "idea_votes"} == {
        t: n for t, n in loaded.items() if t != "idea_votes"
    }
    assert upgraded == loaded
