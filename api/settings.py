"""Configuration from `BONDFIRE_*` environment variables and an optional `.env` file."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BONDFIRE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/bondfire.db"
    environment: Literal["development", "production", "test"] = "development"

    # Bondfire signs its own short-lived access tokens with keys kept here (created on first run).
    keys_dir: Path = Path("./var/keys")
    token_issuer: str = "bondfire"
    token_audience: str = "bondfire-api"
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    clock_skew_seconds: int = Field(default=60, ge=0, le=300)

    # External OpenID Connect provider (the vendor's IdP). Login is off when issuer is unset.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_url: str | None = None
    oidc_audience: str | None = (
        None  # expected `aud` of the IdP's access tokens; client id if unset
    )
    oidc_jit_provisioning: bool = True
    session_secret: str | None = None  # signs the short login cookie holding state, nonce, PKCE

    # Search: Meilisearch when a URL is set, else the embedded index in its own SQLite file
    # (search_index_path; unset: ./var/search.db, or in memory when environment is "test").
    meilisearch_url: str | None = None
    meilisearch_api_key: str | None = None
    meilisearch_index_prefix: str = "bondfire_"
    meilisearch_timeout_seconds: int = Field(default=5, ge=1, le=120)
    meilisearch_tenant_key: str | None = None  # a search API key: signs viewers' tenant tokens
    meilisearch_tenant_key_uid: str | None = None  # that key's uid (GET /keys)
    meilisearch_public_url: str | None = None  # where browsers reach Meilisearch, if elsewhere
    search_index_path: Path | None = None

    embedded_worker: bool = True  # drain the outbox inside the API process (`bondfire worker` too)
    # Seconds between buddy check-in sweeps, run by the worker (embedded or `bondfire worker`);
    # idempotent, so every worker may run them. 0: off (call `sendBuddyCheckIns` from cron).
    matching_checkin_interval: float = Field(default=3600, ge=0)
    redis_url: str | None = None  # shared rate limits and live-update fan-out across processes

    # Forums
    posting_rate_limit: str = "10/minute"  # per member, `limits` notation
    hold_posts_below_trust_level: int | None = None  # e.g. 1: new members' posts await review
    links_min_trust_level: int = Field(default=1, ge=0, le=3)
    # Thread views are counted in memory and added to the database this often; 0: not counted.
    view_flush_seconds: float = Field(default=5.0, ge=0)

    # Where members open the portal; referral links are {public_base_url}/r/{code}.
    public_base_url: str = "http://127.0.0.1:8000"

    cors_origins: list[str] = []
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    graphiql: bool | None = None  # defaults to on in development only
    introspection: bool = True
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=3000, ge=100)
    max_query_cost: int = Field(default=20_000, ge=100)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)

    # Hardening (see README "Operations"). `GraphQL-Cost: report` asks for extensions.cost.
    query_cost_report: Literal["on_request", "always"] = "on_request"
    # allowlist: only operations from frontend-contract/operations (by sha256); apq: Apollo's
    # automatic persisted queries (any query too); off: plain queries only.
    persisted_queries: Literal["allowlist", "apq", "off"] = "apq"
    persisted_operations_dir: Path = Path(__file__).parents[1] / "frontend-contract" / "operations"
    apq_cache_entries: int = Field(default=2000, ge=10)  # in-memory LRU (Redis: TTL below)
    apq_cache_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)
    apq_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # Anti-abuse ceilings per signed-in member and per client IP (`limits` notation; empty: off).
    rate_limit_per_member: str = "3000/minute"
    rate_limit_per_ip: str = "6000/minute"
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    hsts_max_age_seconds: int = Field(default=0, ge=0)  # > 0 behind TLS: Strict-Transport-Security

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            scheme, _, rest = origin.partition("://")
            if origin == "*" or scheme not in ("http", "https") or not rest or "/" in rest:
                raise ValueError(
                    f"{origin!r} is not an origin: list each one as scheme://host[:port]"
                    " (no wildcard, no path)"
                )
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest.strip("/"):
            raise ValueError(f"{value!r} is not a base URL like https://community.example")
        return value.rstrip("/")

    @field_validator("rate_limit_per_member", "rate_limit_per_ip")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            try:
                parse_many(value)
            except ValueError as error:
                raise ValueError(
                    f"{value!r} is not in `limits` notation, e.g. 600/minute"
                ) from error
        return value.strip()

    @model_validator(mode="after")
    def _production_defaults(self) -> "Settings":
        # Introspection is off in production unless asked for (GraphiQL: see graphiql_enabled).
        if self.environment == "production" and "introspection" not in self.model_fields_set:
            self.introspection = False
        return self

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must be sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB"
            )
        return value

    @property
    def graphiql_enabled(self) -> bool:
        return self.environment == "development" if self.graphiql is None else self.graphiql

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)


@lru_cache
def get_settings() -> Settings:
    return Settings()
