"""Apps with settings of a test's choosing, joined to the test's rolled-back transaction."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.app import create_app
from api.settings import Settings
from domain.shared.database import create_engine
from migrations.runner import upgrade
from tests.conftest import NO_POSTGRES, POSTGRES_URL

AppFactory = Callable[..., FastAPI]


@pytest.fixture
async def make_app(
    settings: Settings, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AppFactory]:
    """Builds apps from fresh Settings (validators run), overrides as keyword arguments."""
    apps: list[FastAPI] = []

    def make(**overrides: Any) -> FastAPI:
        values = settings.model_dump(exclude_unset=True) | overrides
        app = create_app(
            Settings(**values, _env_file=None),  # type: ignore[call-arg]
            engine=engine,
            session_factory=session_factory,
            configure_logs=False,
        )
        apps.append(app)
        return app

    yield make
    for app in apps:  # ASGITransport runs no lifespan: close what it would have closed
        await app.state.persisted_queries.aclose()
        await app.state.broadcaster.close()


def client_for(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, **kwargs), base_url="http://bondfire.test"
    )


REDIS_URL = "redis://127.0.0.1:6379/13"  # this directory's own Redis database


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except Exception as error:
        await client.aclose()
        reason = f"Redis tests skipped: no Redis at {REDIS_URL} ({type(error).__name__})"
        print(reason)
        pytest.skip(reason)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def committed_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database of the module's own whose commits are real (a temporary SQLite file, or a
    PostgreSQL database created next to the test database and dropped after)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('committed') / 'bondfire.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@pytest.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(committed_database_url)
    yield engine
    await engine.dispose()
