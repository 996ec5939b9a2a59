"""A real OpenID Connect provider for the session, and Bondfire apps that trust it."""

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from tests.support.oidc_provider import OidcProvider, running_provider

CLIENT_ID = "bondfire"
CLIENT_SECRET = "bondfire-client-secret"
REDIRECT_URL = "http://bondfire.test/auth/callback"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    yield from running_provider(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URL])


@pytest.fixture
def oidc_settings(settings: Settings, oidc_provider: OidcProvider) -> Settings:
    return settings.model_copy(
        update={
            "oidc_issuer": oidc_provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_redirect_url": REDIRECT_URL,
            "session_secret": "test-session-secret",
        }
    )


AppFactory = Callable[..., FastAPI]


@pytest.fixture
async def make_oidc_app(
    oidc_settings: Settings, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[AppFactory]:
    """Builds apps joined to the test's rolled-back transaction; settings overrides as kwargs."""
    apps: list[FastAPI] = []

    def make(**overrides: Any) -> FastAPI:
        app = create_app(
            oidc_settings.model_copy(update=overrides),
            engine=engine,
            session_factory=session_factory,
            configure_logs=False,
        )
        apps.append(app)
        return app

    yield make
    for app in apps:  # ASGITransport runs no lifespan, so close what it would have closed
        await app.state.external_issuer.aclose()


@pytest.fixture
def oidc_app(make_oidc_app: AppFactory) -> FastAPI:
    return make_oidc_app()


@pytest.fixture
async def bondfire(oidc_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with bondfire_client(oidc_app) as client:
        yield client


def bondfire_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bondfire.test"
    )


@pytest.fixture
async def idp(oidc_provider: OidcProvider) -> AsyncIterator[httpx.AsyncClient]:
    """A browser's view of the provider: real HTTP, redirects followed by hand."""
    async with httpx.AsyncClient(base_url=oidc_provider.issuer, timeout=10.0) as client:
        yield client
