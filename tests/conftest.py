"""Test harness: SQLite and PostgreSQL, both migrated by the real Alembic migrations.

Every database test runs once per backend. PostgreSQL runs when BONDFIRE_TEST_POSTGRES_URL is
set (CI sets it and BONDFIRE_REQUIRE_POSTGRES=1, which fails the run if those tests skipped).
Each test runs in a transaction that is rolled back; the app under test joins it through
savepoints, so a request's commit is real SQL but leaves nothing behind.
"""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from domain.shared.database import create_engine
from migrations.runner import downgrade, upgrade

POSTGRES_URL = os.environ.get("BONDFIRE_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("BONDFIRE_REQUIRE_POSTGRES") == "1"
NO_POSTGRES = "PostgreSQL tests skipped: BONDFIRE_TEST_POSTGRES_URL is not set"

_postgres_outcomes: dict[str, int] = {"passed": 0, "skipped": 0}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        return url
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    # Down to nothing and up again: a leftover schema never leaks in, and downgrades are exercised.
    downgrade(POSTGRES_URL, "base")
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture
def settings(database_url: str, keys_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        keys_dir=keys_dir,
        log_format="console",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    return create_app(
        settings, engine=engine, session_factory=session_factory, configure_logs=False
    )


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        yield client


@pytest.fixture
def statements(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """Counts SQL statements sent while the test runs: `statements.count`, `statements.reset()`."""
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter.on_execute)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter.on_execute)


class StatementCounter:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def on_execute(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.sql.append(statement)

    @property
    def count(self) -> int:
        return len(self.sql)

    def reset(self) -> None:
        self.sql.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "[postgresql" in report.nodeid or "-postgresql" in report.nodeid:
        if report.when == "call" and report.passed:
            _postgres_outcomes["passed"] += 1
        elif report.skipped and NO_POSTGRES in str(report.longrepr):
            # Only a missing database counts: other skips (e.g. no Meilisearch) say why.
            _postgres_outcomes["skipped"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not REQUIRE_POSTGRES:
        return
    if _postgres_outcomes["passed"] == 0 or _postgres_outcomes["skipped"]:
        print(
            f"\nBONDFIRE_REQUIRE_POSTGRES=1 but PostgreSQL tests passed={_postgres_outcomes['passed']}"
            f" skipped={_postgres_outcomes['skipped']}: failing the run."
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
