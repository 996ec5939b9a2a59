"""PostgreSQL pooled connections are checked at checkout without a round trip while in use, and
pinged once idle (domain/shared/database.py)."""

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

from domain.shared import database
from tests.conftest import NO_POSTGRES, POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)


@pytest.fixture
async def engine():
    engine = database.create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)  # type: ignore[arg-type]
    yield engine
    await engine.dispose()


class Pings:
    def __init__(self) -> None:
        self.sent = 0
        self.unanswered = 0  # how many of the next pings get no answer


@pytest.fixture
def pings(monkeypatch):
    """Counts the pings of pooled connections; can leave some unanswered."""
    pings = Pings()
    real_ping = AsyncAdapt_asyncpg_connection.ping

    def ping(connection):  # type: ignore[no-untyped-def]
        pings.sent += 1
        if pings.unanswered:
            pings.unanswered -= 1
            raise OSError("no answer")
        return real_ping(connection)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", ping)
    return pings


async def _backend(engine) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))


async def test_a_connection_in_use_is_not_pinged(engine, pings):
    first = await _backend(engine)
    # when requests follow each other on the pooled connection
    assert [await _backend(engine) for _ in range(3)] == [first] * 3
    # then no ping was sent
    assert pings.sent == 0


async def test_an_idle_connection_that_does_not_answer_is_replaced(engine, pings, monkeypatch):
    first = await _backend(engine)
    # when the pooled connection sat idle past the limit and does not answer a ping
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", -1.0)
    pings.unanswered = 1
    replaced = await _backend(engine)
    # then the pool discarded it and the request got a new one (itself pinged, and answering)
    assert replaced != first and pings.sent == 2


async def test_a_connection_the_server_closed_is_replaced_without_an_error(engine):
    first = await _backend(engine)
    admin = database.create_engine(POSTGRES_URL)  # type: ignore[arg-type]
    async with admin.connect() as killer:
        await killer.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
    await admin.dispose()
    # when the next request checks out the pooled connection the server closed
    replaced = await _backend(engine)
    # then it got a live one instead
    assert replaced != first
