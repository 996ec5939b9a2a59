"""The one-trip aiosqlite cursor (domain/shared/sqlite_driver.py) behaves as a DB-API cursor."""

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import exc, text

from domain.shared.database import create_engine


@pytest.fixture
async def engine(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
        )
    yield engine
    await engine.dispose()


async def test_rows_description_counts_and_ids_come_back(engine):
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "b"}, {"body": "c"}]
        )
        updated = await connection.execute(text("UPDATE notes SET body = body || '!'"))
        assert updated.rowcount == 3
        rows = await connection.execute(text("SELECT id, body FROM notes ORDER BY id"))
        assert list(rows.keys()) == ["id", "body"]
        assert rows.all() == [(1, "a!"), (2, "b!"), (3, "c!")]
        returned = await connection.execute(text("DELETE FROM notes WHERE id > 1 RETURNING id"))
        assert sorted(returned.scalars().all()) == [2, 3] and returned.rowcount == 2


async def test_errors_are_sqlalchemys_and_the_transaction_still_rolls_back(engine):
    with pytest.raises(exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
    with pytest.raises(exc.OperationalError, match="no such table"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM missing"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar() == 0


async def test_a_statement_is_one_trip_to_the_connections_thread(engine, monkeypatch):
    trips = 0
    queue = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        nonlocal trips
        trips += 1
        return await queue(self, fn, *args, **kwargs)

    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is set up and in use
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        rows = await connection.execute(text("SELECT id FROM notes"))
        assert rows.all() == [] and trips == 1
