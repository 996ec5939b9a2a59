"""Configuration from `BONDFIRE_*` environment variables and an optional `.env` file."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
    redis_url: str | None = None  # shared rate limits and live-update fan-out across processes

    # Forums
    posting_rate_limit: str = "10/minute"  # per member, `limits` notation
    hold_posts_below_trust_level: int | None = None  # e.g. 1: new members' posts await review
    links_min_trust_level: int = Field(default=1, ge=0, le=3)

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
