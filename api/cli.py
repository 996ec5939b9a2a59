"""The `bondfire` command: serve the API, migrate the database, load demo data, mint tokens.

Every failure a user can cause (a bad setting, an unmigrated or unreachable database, an unknown
member) ends as one line on stderr and a non-zero exit, never a traceback.
"""

import asyncio
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from typer.core import TyperGroup

from api.auth.keys import SigningKeys
from api.auth.tokens import BondfireTokens
from api.cli_insights import clv_app, import_app, insights_app
from api.cli_privacy import privacy_app
from api.demo import ADMIN_EMAIL, MODERATOR_EMAIL, load_demo
from api.settings import Settings
from domain.identity import repository
from domain.identity.models import MemberStatus
from domain.shared.database import create_engine, create_session_factory
from domain.shared.errors import DomainError
from migrations.runner import current_revision_for, downgrade, head_revision, is_current, upgrade
from search.cli import search_app

T = TypeVar("T")

NOT_MIGRATED = "database is not migrated: run `bondfire db upgrade`"
GRACEFUL_SHUTDOWN_SECONDS = 20
WORKER_HEALTHCHECK_SECONDS = 60


class CliError(Exception):
    """A failure the user can fix; its message is the whole story."""


class _FriendlyErrors(TyperGroup):
    """Turns the errors a user can cause into one line on stderr, for every subcommand."""

    def invoke(self, ctx: Any) -> Any:  # a typer Context (typer vendors its own click)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", code=130)
        except Exception as error:  # the last resort: still one line, never a traceback
            _fail(_describe(error))


def _describe(error: BaseException) -> str:
    if isinstance(error, CliError):
        return str(error)
    if isinstance(error, ValidationError):
        return "; ".join(_setting_problem(problem) for problem in error.errors())
    if isinstance(error, CommandError):
        return f"migration failed: {error}"
    if isinstance(error, DBAPIError):
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"database error: {detail}"
    if isinstance(error, SQLAlchemyError):
        return f"database error: {error}"
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return f"cannot reach the database: {error}"
    if isinstance(error, OSError):
        return str(error)
    if isinstance(error, DomainError):
        return f"rejected: {error.message}"
    return f"unexpected error ({type(error).__name__}): {error}"


def _setting_problem(problem: Any) -> str:
    name = "BONDFIRE_" + "_".join(str(part) for part in problem["loc"]).upper()
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"invalid setting {name}: {message}"


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=_FriendlyErrors,
    help=__doc__.splitlines()[0],
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Migrate the database and show its revision.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
keys_app = typer.Typer(help="The keys that sign Bondfire's access tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")
app.add_typer(keys_app, name="keys")
app.add_typer(search_app, name="search")
app.add_typer(clv_app, name="clv")
app.add_typer(import_app, name="import")
app.add_typer(insights_app, name="insights")
app.add_typer(privacy_app, name="privacy")


def _run(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` with an engine on the configured database, disposed of afterwards."""

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _require_migrated(engine: AsyncEngine) -> None:
    if not await is_current(engine):
        raise CliError(NOT_MIGRATED)


def _in_session(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], *, commit: bool = False
) -> T:
    async def in_session(engine: AsyncEngine) -> T:
        await _require_migrated(engine)
        async with create_session_factory(engine)() as session:
            result = await work(session)
            if commit:
                await session.commit()
            return result

    return _run(settings, in_session)


# --- serve ----------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Serve the API with uvicorn. Refuses to start on a database that is not migrated."""
    import uvicorn  # imported where used, like the schema below: they slow every command down

    settings = Settings()
    _run(settings, _require_migrated)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT and then re-raises the signal to the
    # previous handler; a graceful stop is a success, so that handler does nothing.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # A worker process imports the whole schema before it answers the supervisor's pings;
        # on a busy machine that exceeds uvicorn's 5 s, and it kills and respawns them forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Seconds between polls when idle.", min=0.1)] = 2.0,
) -> None:
    """Drain the outbox (notifications, live updates, ...) until stopped, and send due buddy
    check-in reminders every BONDFIRE_MATCHING_CHECKIN_INTERVAL seconds. Several may run at
    once on PostgreSQL; set BONDFIRE_EMBEDDED_WORKER=false on the API processes then."""
    from api.worker import check_in_sweep, run_every, standalone_dispatcher

    settings = Settings()

    async def run(engine: AsyncEngine) -> None:
        await _require_migrated(engine)
        factory = create_session_factory(engine)
        async with standalone_dispatcher(settings, factory) as dispatcher:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            task = asyncio.create_task(dispatcher.run(poll))
            interval = settings.matching_checkin_interval
            sweeps = check_in_sweep(factory, dispatcher)
            periodic = asyncio.create_task(run_every(interval, sweeps, stop)) if interval else None
            await stop.wait()
            task.cancel()
            if periodic is not None:
                await periodic  # ends once a sweep under way has committed

    _run(settings, run)


# --- db -------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database up to REVISION (the latest by default)."""
    settings = Settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at revision {current_revision_for(settings.database_url) or 'base'}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
) -> None:
    """Migrate the database down to REVISION. Downgrades can drop data: there is no default."""
    settings = Settings()
    downgrade(settings.database_url, revision)
    typer.echo(f"database at revision {current_revision_for(settings.database_url) or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is the latest (head)."""
    current, head = current_revision_for(Settings().database_url), head_revision()
    if current == head:
        typer.echo(f"current revision: {current} (head)")
    else:
        typer.echo(f"current revision: {current or 'base'} (not head; head is {head})")


@db_app.command("backup")
def db_backup(
    output: Annotated[
        Path | None,
        typer.Option(help="File to write (default: var/backups/<name>-<UTC time>.db)."),
    ] = None,
) -> None:
    """Copy the SQLite database while the API keeps running (online backup, one consistent
    snapshot). For PostgreSQL use pg_dump (README, Operations)."""
    from api.backup import BackupError, backup_sqlite

    try:
        summary = backup_sqlite(Settings().database_url, output)
    except BackupError as error:
        raise CliError(str(error)) from error
    typer.echo(
        f"backed up {summary.source} to {summary.output}: {summary.bytes} bytes, "
        f"{summary.tables} tables, revision {summary.revision or 'none'}"
    )


# --- demo and tokens ------------------------------------------------------------------------


@app.command()
def demo() -> None:
    """Load the demo community into the database. Running it again changes nothing."""
    settings = Settings()
    summary = _in_session(settings, load_demo, commit=True)
    if summary.created:
        # The demo's notifications and search index, before anyone signs in.
        _run(settings, lambda engine: _drain_outbox(settings, engine))
        typer.echo(
            f"loaded the demo community: {summary.accounts} accounts, {summary.members} members, "
            f"{summary.spaces} spaces, {summary.threads} threads"
        )
    else:
        typer.echo(f"demo community already loaded ({ADMIN_EMAIL} exists): nothing changed")
    typer.echo(
        "\nGet an access token for the admin or for a customer moderator:\n"
        f"  bondfire token --email {ADMIN_EMAIL}\n"
        f"  bondfire token --email {MODERATOR_EMAIL}\n"
        "\nThen run `bondfire serve` and open GraphiQL at http://127.0.0.1:8000/graphql\n"
        "(development environment) with this request header:\n"
        '  {"Authorization": "Bearer <token>"}'
    )


async def _drain_outbox(settings: Settings, engine: AsyncEngine) -> None:
    from api.worker import standalone_dispatcher

    async with standalone_dispatcher(settings, create_session_factory(engine)) as dispatcher:
        await dispatcher.drain()


@app.command()
def token(
    email: Annotated[str, typer.Option(help="E-mail of an active member.")],
    ttl: Annotated[
        int | None,
        typer.Option(
            help="Lifetime in seconds (default: BONDFIRE_ACCESS_TOKEN_TTL_SECONDS).",
            min=60,
            max=7 * 24 * 3600,
        ),
    ] = None,
) -> None:
    """Mint an access token for a member. The token alone is the last line of stdout."""
    settings = Settings()
    member = _in_session(settings, lambda session: repository.member_by_email(session, email))
    if member is None:
        raise CliError(f"no member with e-mail {email.strip().lower()}")
    if member.status is not MemberStatus.ACTIVE:
        raise CliError(f"member {member.email} is {member.status.value.lower()}, not active")
    tokens = BondfireTokens(
        SigningKeys.load_or_create(settings.keys_dir),
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
        leeway=settings.clock_skew_seconds,
    )
    lifetime = ttl or settings.access_token_ttl_seconds
    typer.echo(
        f"access token for {member.name} <{member.email}> (member {member.id}), "
        f"valid {lifetime} s:",
        err=True,
    )
    typer.echo(tokens.issue(member.id, ttl_seconds=lifetime))


# --- schema and keys ------------------------------------------------------------------------


@schema_app.command("export")
def schema_export() -> None:
    """Print the GraphQL schema (SDL) to stdout."""
    from api.graphql.schema import build_schema

    sys.stdout.write(build_schema(Settings()).as_str() + "\n")


@schema_app.command("operations-manifest")
def schema_operations_manifest() -> None:
    """Print the persisted-query manifest (Apollo's format) of frontend-contract/operations:
    what a frontend build sends by id, and what BONDFIRE_PERSISTED_QUERIES=allowlist accepts."""
    from api.graphql.persisted import ManifestError, build_manifest, manifest_json

    directory = Settings().persisted_operations_dir
    if not directory.is_dir():
        raise CliError(f"no operations directory at {directory}")
    try:
        manifest = build_manifest(directory)
    except ManifestError as error:
        raise CliError(f"cannot build the manifest: {error}") from error
    sys.stdout.write(manifest_json(manifest) + "\n")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key. Older keys stay published so their tokens verify until expiry."""
    directory = Settings().keys_dir
    keys = SigningKeys.load_or_create(directory).rotated()
    keys.save(directory)
    typer.echo(
        f"new signing key {keys.current.kid}; {len(keys.verification_set.keys)} keys published"
    )


if __name__ == "__main__":
    app()
