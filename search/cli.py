"""`bondfire search`: apply the index settings, and rebuild the index from the database."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.shared.database import create_engine, create_session_factory
from migrations.runner import is_current
from search.documents import DocumentType
from search.engine import SearchIndex
from search.errors import SearchUnavailable
from search.factory import build_search_index
from search.indexer import requeue_parked_retries
from search.reindex import reindex

T = TypeVar("T")

search_app = typer.Typer(
    help="The search index: apply its settings, rebuild it.", no_args_is_help=True
)


def _describe(index: SearchIndex) -> str:
    backend: Any = index.backend
    if backend.name == "meilisearch":
        return f"Meilisearch at {backend.url} (indexes {backend.prefix}<type>s)"
    return f"the embedded index at {backend.location}"


def _with_index(
    work: Callable[[SearchIndex, async_sessionmaker[AsyncSession]], Awaitable[T]],
) -> tuple[SearchIndex, T]:
    from api.cli import NOT_MIGRATED, CliError
    from api.settings import Settings

    settings = Settings()
    index = build_search_index(settings)

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            if not await is_current(engine):
                raise CliError(NOT_MIGRATED)
            return await work(index, create_session_factory(engine))
        finally:
            await engine.dispose()
            await index.close()

    try:
        return index, asyncio.run(main())
    except SearchUnavailable as error:
        raise CliError(f"search is unavailable: {error.message}") from error


@search_app.command("setup")
def setup() -> None:
    """Create the indexes and apply their settings (searchable, filterable and sortable fields,
    ranking rules, typo tolerance, synonyms). Safe to run again. Also queues index updates that
    failed while the index was unreachable."""

    async def work(index: SearchIndex, sessions: async_sessionmaker[AsyncSession]) -> int:
        await index.setup()
        async with sessions() as session, session.begin():
            return await requeue_parked_retries(session)

    index, requeued = _with_index(work)
    typer.echo(f"search ready: {_describe(index)}; types {', '.join(index.types)}")
    if requeued:
        typer.echo(f"{requeued} index updates that had failed are queued again")


@search_app.command("reindex")
def reindex_command(
    types: Annotated[
        list[str] | None,
        typer.Option("--type", help="Rebuild only this document type (repeatable)."),
    ] = None,
) -> None:
    """Rebuild the index from the database. Searches keep working meanwhile: each type is
    built beside the live index and swapped in when complete."""
    from api.cli import CliError

    bars = _Bars()

    async def work(index: SearchIndex, sessions: async_sessionmaker[AsyncSession]) -> Any:
        unknown = [t for t in types or () if t not in index.types]
        if unknown:
            raise CliError(
                f"unknown search type {unknown[0]!r}; known types: {', '.join(index.types)}"
            )
        chosen = [index.types[t] for t in dict.fromkeys(types)] if types else None
        await index.setup()
        try:
            return await reindex(sessions, index, chosen or list(index.types.values()), bars)
        finally:
            bars.finish()

    index, rebuilt = _with_index(work)
    for done in rebuilt:
        typer.echo(
            f"{done.type}: {done.documents} documents indexed and swapped in"
            f" ({done.caught_up} updated again for writes made meanwhile)"
        )
    typer.echo(f"reindexed {_describe(index)}")


class _Bars:
    """One progress bar per document type."""

    def __init__(self) -> None:
        self._current: Any = None
        self._type: str | None = None
        self._shown = 0

    def __call__(self, doc_type: DocumentType, done: int, total: int) -> None:
        if doc_type.name != self._type:
            self.finish()
            self._type, self._shown = doc_type.name, 0
            self._current = typer.progressbar(length=max(total, done), label=f"{doc_type.name}s")
            self._current.__enter__()
        self._current.update(done - self._shown)
        self._shown = done

    def finish(self) -> None:
        if self._current is not None:
            self._current.__exit__(None, None, None)
            self._current = None
