"""Rebuilding the index from the database: searches keep working, nothing written meanwhile is
lost."""

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import update

from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent
from search.backends.embedded import EmbeddedBackend
from search.engine import SearchIndex
from search.permissions import Viewer
from search.query import SearchRequest
from search.reindex import catch_up, reindex
from tests.test_cli import Cli, assert_one_line_error

STAFF_MODERATOR = Viewer(
    member_id=0, account_id=0, is_staff=True, is_moderator=True, program_ids=frozenset()
)


async def test_reindex_rebuilds_everything_from_the_database(world):
    # given content whose index updates were lost (handled, but never reached this index)
    thread, _ = await world.start("casey", "general", "Gecko care", "gecko")
    reply = await world.reply("gil", thread, "gecko reply")
    await world.session.execute(update(OutboxEvent).values(processed_at=utcnow()))
    await world.session.commit()
    assert await world.find("casey", "gecko") == []
    progress: list[tuple[str, int, int]] = []
    # when
    rebuilt = await reindex(
        world.session_factory,
        world.index,
        list(world.index.types.values()),
        lambda t, done, total: progress.append((t.name, done, total)),
    )
    # then
    assert {r.type: r.documents for r in rebuilt} == {
        "thread": 1,
        "post": 1,
        "member": 7,
        "idea": 0,
        "case_study": 0,
        "testimonial": 0,
        "advocate_profile": 0,
    }
    assert ("member", 7, 7) in progress and ("thread", 1, 1) in progress
    assert set(await world.find("casey", "gecko")) == {("thread", thread.id), ("post", reply.id)}


async def test_searches_use_the_old_index_until_the_new_one_is_swapped_in(world):
    # given
    old, _ = await world.start("casey", "general", "Iguana diet", "iguana")
    await world.index_pending()
    threads = world.index.types["thread"]
    # when a rebuild is under way, holding a document the live index does not have yet
    rebuild = await world.index.backend.begin_rebuild(threads)
    new, _ = await world.start("casey", "general", "Iguana habitat", "iguana")
    await rebuild.add(await threads.load(world.session, [old.id, new.id]))
    # then searches still see the live index
    assert await world.find("casey", "iguana") == [("thread", old.id)]
    # when it is swapped in
    await rebuild.publish()
    # then
    assert {i for _, i in await world.find("casey", "iguana")} == {old.id, new.id}


async def test_writes_made_during_a_rebuild_are_caught_up_after_the_swap(world):
    # given a rebuild that started before a thread was edited and the edit indexed
    thread, opening = await world.start("casey", "general", "Tapir facts", "tapir")
    await world.index_pending()
    threads = world.index.types["thread"]
    started = utcnow()
    rebuild = await world.index.backend.begin_rebuild(threads)
    await rebuild.add(await threads.load(world.session, [thread.id]))  # read before the edit
    from domain.community.services import posting
    from tests.search.world import RULES

    await posting.edit_post(
        world.session,
        world.actor("casey"),
        RULES,
        utcnow(),
        opening.id,
        "tapir",
        title="Okapi facts",
    )
    await world.session.commit()
    await world.index_pending()  # reaches the live index, which is about to be replaced
    await rebuild.publish()
    assert await world.find("casey", "okapi") == []  # the swapped-in index missed it
    # when
    caught_up = await catch_up(world.session_factory, world.index, threads, started, None)
    # then
    assert caught_up == 1
    assert await world.find("casey", "okapi") == [("thread", thread.id)]


def test_the_reindex_command_rebuilds_with_a_progress_bar(tmp_path: Path):
    # given the demo community (its own database, index file and keys)
    cli = Cli.in_directory(tmp_path)
    cli.ok("db", "upgrade")
    cli.ok("demo")
    cli.ok("search", "setup")
    # when
    result = cli.ok("search", "reindex", "--type", "thread", "--type", "member")
    # then
    demo_threads = _count_rows(cli.database, "threads")
    assert demo_threads > 5
    assert f"thread: {demo_threads} documents indexed and swapped in" in result.stdout
    assert "member:" in result.stdout and "post:" not in result.stdout
    assert "threads" in result.stdout + result.stderr  # the progress bar's label
    assert f"embedded index at {Path('var') / 'search.db'}" in result.stdout
    import asyncio

    async def staff_search() -> list[str]:
        index = SearchIndex(EmbeddedBackend(tmp_path / "var" / "search.db"))
        try:
            found = await index.search(STAFF_MODERATOR, SearchRequest("pipelines"))
            return [hit.type for hit in found.hits]
        finally:
            await index.close()

    assert "thread" in asyncio.run(staff_search())
    # the advocacy types rebuild the same way, from the demo's case studies
    advocacy = cli.run("search", "reindex", "--type", "case_study", "--type", "testimonial")
    assert advocacy.returncode == 0, advocacy.stderr
    studies = _count_rows(cli.database, "case_studies")
    assert f"case_study: {studies} documents indexed" in advocacy.stdout
    assert "testimonial:" in advocacy.stdout and "thread:" not in advocacy.stdout
    # and a type that does not exist is one clear line
    assert_one_line_error(
        cli.run("search", "reindex", "--type", "webinar"), "unknown search type 'webinar'"
    )
    unreachable = cli.run("search", "setup", BONDFIRE_MEILISEARCH_URL="http://127.0.0.1:9")
    assert_one_line_error(unreachable, "search is unavailable", "127.0.0.1:9")


def _count_rows(database: Path, table: str) -> int:
    with closing(sqlite3.connect(database)) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
