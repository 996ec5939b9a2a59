"""SQLite: a unit of work that reads, then writes after someone else committed, must not fail."""

import asyncio

import pytest
from sqlalchemy import text

from domain.shared.database import begin_writing, create_engine, create_session_factory
from migrations.runner import upgrade


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'writes.db'}"
    upgrade(url)  # Alembic runs its own event loop: outside the test's
    return url


@pytest.fixture
async def sqlite_factory(sqlite_url):
    engine = create_engine(sqlite_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def _write_once(factory, n: int) -> None:
    async with factory() as other:
        await other.execute(
            text(
                "INSERT INTO outbox_events (topic, payload, created_at, attempts) "
                "VALUES ('t', '{}', '2026-01-01', :n)"
            ),
            {"n": n},
        )
        await other.commit()


async def test_a_deferred_reader_that_writes_after_another_commit_is_refused(sqlite_factory):
    # given: what happens without begin_writing (the reason it exists)
    async with sqlite_factory() as session:
        await session.execute(text("SELECT count(*) FROM outbox_events"))
        await _write_once(sqlite_factory, 1)
        with pytest.raises(Exception, match="database is locked"):
            await session.execute(
                text(
                    "INSERT INTO outbox_events (topic, payload, created_at, attempts) "
                    "VALUES ('mine', '{}', '2026-01-01', 0)"
                )
            )


async def test_begin_writing_makes_others_wait_instead(sqlite_factory):
    async with sqlite_factory() as session:
        await begin_writing(session)
        await session.execute(text("SELECT count(*) FROM outbox_events"))
        # another writer starts meanwhile: it waits for our lock (busy timeout) ...
        other = asyncio.create_task(_write_once(sqlite_factory, 1))
        await asyncio.sleep(0.2)
        assert not other.done()
        # ... our write succeeds, and theirs goes through after our commit
        await session.execute(
            text(
                "INSERT INTO outbox_events (topic, payload, created_at, attempts) "
                "VALUES ('mine', '{}', '2026-01-01', 0)"
            )
        )
        await session.commit()
    await asyncio.wait_for(other, timeout=10)
    async with sqlite_factory() as check:
        assert (await check.execute(text("SELECT count(*) FROM outbox_events"))).scalar() == 2
