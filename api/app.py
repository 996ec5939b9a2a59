"""FastAPI application factory."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.auth.authenticate import Authenticator
from api.auth.keys import SigningKeys
from api.auth.tokens import BondfireTokens, ExternalIssuer
from api.graphql.persisted import build_persisted_queries
from api.graphql.router import CommittingGraphQLRouter, build_context
from api.graphql.schema import build_schema
from api.live import create_broadcaster
from api.logging import configure_logging
from api.middleware import BodySizeLimitMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from api.ratelimit import RateLimiter, storage_uri
from api.redaction import redact_root_handlers
from api.settings import Settings
from api.worker import build_dispatcher, check_in_sweep, consumers, run_every
from domain.community.policies import CommunityRules
from domain.community.views import ViewCounter
from domain.shared.database import create_engine, create_session_factory
from migrations.runner import is_current
from search.factory import build_search_index

logger = logging.getLogger("bondfire.app")


class DatabaseNotMigrated(RuntimeError):
    pass


# Collect the youngest generation after 100,000 net new container objects rather than 700,
# and the oldest ten times less often. bench/nodebb.py, three runs paired in time: p95 of the
# forum category page 17.4 -> 15.2, 16.9 -> 14.5, 20.0 -> 15.4 ms; memory bounded by the
# threshold (cyclic garbage waits at most that many allocations).
GC_THRESHOLDS = (100_000, 50, 1_000)


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    """Build the app. Tests pass their own session factory (bound to a rolled-back transaction)."""
    settings = settings or Settings()
    if configure_logs:
        configure_logging(settings.log_level, settings.log_format)
        redact_root_handlers()
    owns_engine = engine is None
    engine = engine or create_engine(settings.database_url)
    keys = SigningKeys.load_or_create(settings.keys_dir)
    tokens = BondfireTokens(
        keys,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
        leeway=settings.clock_skew_seconds,
        reload=lambda: SigningKeys.load_or_create(settings.keys_dir),
    )
    external = None
    if settings.oidc_enabled:
        assert settings.oidc_issuer and settings.oidc_client_id
        external = ExternalIssuer(
            settings.oidc_issuer,
            settings.oidc_audience or settings.oidc_client_id,
            leeway=settings.clock_skew_seconds,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not await is_current(engine):
            raise DatabaseNotMigrated("database is not migrated: run `bondfire db upgrade`")
        worker = (
            asyncio.create_task(app.state.dispatcher.run()) if settings.embedded_worker else None
        )
        # Buddy check-in reminders on their cadence, with nobody to press a button.
        sweeps = (
            asyncio.create_task(
                run_every(
                    settings.matching_checkin_interval,
                    check_in_sweep(app.state.session_factory, app.state.dispatcher),
                )
            )
            if settings.embedded_worker and settings.matching_checkin_interval
            else None
        )
        views = app.state.view_counter
        view_flushes = (
            asyncio.create_task(
                run_every(
                    settings.view_flush_seconds,
                    lambda: views.flush(app.state.session_factory),
                )
            )
            if views is not None
            else None
        )
        # What exists now (schema, mappers, settings) lives as long as the process: keep it out
        # of the cyclic collector's full passes, which otherwise stall requests (bench/forum.py).
        gc.collect()
        gc.freeze()
        # A page allocates tens of thousands of objects that reference counting frees; at
        # Python's default threshold (700) the collector still ran dozens of times per page.
        gc.set_threshold(*GC_THRESHOLDS)
        yield
        for task in (worker, sweeps, view_flushes):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if views is not None:
            try:
                await views.flush(app.state.session_factory)
            except Exception:
                logger.exception("the last view counts could not be saved")
        await app.state.broadcaster.close()
        await app.state.persisted_queries.aclose()
        if external is not None:
            await external.aclose()
        if owns_engine:
            await engine.dispose()

    app = FastAPI(title="Bondfire", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory or create_session_factory(engine)
    app.state.search = build_search_index(settings)
    app.state.broadcaster = create_broadcaster(settings)
    app.state.dispatcher = build_dispatcher(
        app.state.session_factory, consumers(app.state.search, app.state.broadcaster)
    )
    app.state.tokens = tokens
    app.state.view_counter = ViewCounter() if settings.view_flush_seconds else None
    app.state.external_issuer = external
    app.state.community_rules = CommunityRules(
        hold_posts_below_trust_level=settings.hold_posts_below_trust_level,
        links_min_trust_level=settings.links_min_trust_level,
    )
    app.state.rate_limiter = RateLimiter(
        storage_uri(settings.redis_url),
        settings.posting_rate_limit,
        per_member=settings.rate_limit_per_member,
        per_ip=settings.rate_limit_per_ip,
    )
    app.state.persisted_queries = build_persisted_queries(
        settings.persisted_queries,
        settings.persisted_operations_dir,
        redis_url=settings.redis_url,
        max_entries=settings.apq_cache_entries,
        max_chars=settings.apq_cache_bytes,
        ttl_seconds=settings.apq_ttl_seconds,
    )
    app.state.authenticator = Authenticator(
        tokens, external, jit_provisioning=settings.oidc_jit_provisioning
    )

    graphql = CommittingGraphQLRouter(
        build_schema(settings),
        context_getter=build_context,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=True,  # queries only: a mutation by GET is 405
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.cors_origins,
        persisted_queries=app.state.persisted_queries,
        request_timeout_seconds=settings.request_timeout_seconds,
    )
    app.include_router(graphql, prefix="/graphql")
    if settings.oidc_enabled:
        from starlette.middleware.sessions import SessionMiddleware

        from api.auth.oidc import oidc_router

        if not settings.session_secret:
            raise ValueError(
                "BONDFIRE_SESSION_SECRET must be set when OpenID Connect login is enabled:"
                " it signs the login cookie that holds state, nonce and PKCE verifier"
            )
        # Only the few minutes between /auth/login and /auth/callback use this cookie.
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.session_secret,
            session_cookie="bondfire_login",
            max_age=600,
            path="/auth",
            same_site="lax",
            https_only=(settings.oidc_redirect_url or "").startswith("https://"),
        )
        app.include_router(oidc_router(settings), prefix="/auth")

    @app.get("/.well-known/jwks.json", include_in_schema=False)
    async def jwks() -> dict[str, object]:
        return keys.public_jwks()

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            migrated = await is_current(engine)
        except Exception:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if not migrated:
            return JSONResponse({"status": "unavailable", "database": "not migrated"}, 503)
        if not await app.state.search.is_available():
            return JSONResponse({"status": "unavailable", "search": "unreachable"}, 503)
        return JSONResponse({"status": "ready"})

    if settings.cors_origins:
        # Listed origins only (settings refuse a wildcard). No credentials: the API reads a
        # bearer token from the Authorization header, never a cookie, so a browser needs none.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-request-id", "graphql-cost"],
            expose_headers=["x-request-id", "retry-after"],
            max_age=600,
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        SecurityHeadersMiddleware, hsts_max_age_seconds=settings.hsts_max_age_seconds
    )
    app.add_middleware(RequestIdMiddleware)
    return app
