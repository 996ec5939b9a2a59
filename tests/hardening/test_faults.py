"""Faults, with real components: a PostgreSQL backend terminated mid-request, the database cut
off behind a TCP proxy, Redis on a closed port, a `bondfire worker` process killed with SIGKILL
mid-batch, SQLite out of pages. While a fault lasts the API answers clean coded errors; it
recovers by itself; no accepted write is lost and nothing is half-written.

(Meilisearch down is tests/search/test_unavailable.py and tests/search/test_api.py.)
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.app import create_app
from api.graphql.persisted import sha256_hex
from api.settings import Settings
from domain.advocacy.models import LedgerEntry, PointBalance
from domain.community import events as community_events
from domain.community.models import MemberStanding, Notification, Post, Thread
from domain.community.policies import CommunityRules
from domain.community.services.posting import NewReply, reply
from domain.identity.models import AccountKind, Member
from domain.identity.policies import actor_for
from domain.shared.database import begin_writing, create_engine, create_session_factory
from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent, record_event
from tests.hardening.conftest import client_for
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer
from tests.support.ids import global_id
from tests.support.tcp_proxy import TcpProxy

FEED = """
query($slug: String!) {
  space(slug: $slug) { threads(first: 10) { edges { node { id replyCount } } } }
}
"""
REPLY = """
mutation($input: ReplyInput!) {
  reply(input: $input) { post { id number } userErrors { field code } }
}
"""
VIEWER = "{ viewer { name } }"
JSON = {"Content-Type": "application/json"}
RESPONSE_JSON = {**JSON, "Accept": "application/graphql-response+json"}
BONDFIRE = Path(sys.executable).parent / "bondfire"


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


def require_postgresql(url: str) -> None:
    if not url.startswith("postgresql"):
        reason = "needs PostgreSQL (a server to terminate or cut off); SQLite has no connection"
        print(reason)
        pytest.skip(reason)


@dataclass
class Forum:
    """One customer, a space and a thread, committed."""

    member: Member
    slug: str
    thread_id: int

    @property
    def thread_gid(self) -> str:
        return global_id("Thread", self.thread_id)


async def committed_forum(engine: AsyncEngine) -> Forum:
    async with create_session_factory(engine)() as session:
        account = await create_account(session)
        member = await create_member(session, account)
        space = await create_space(session)
        thread = await create_thread(session, space, member.id)
        await session.commit()
        return Forum(member, space.slug, thread.id)


def app_on(url: str, engine: AsyncEngine, keys_dir: Path, **overrides: Any) -> FastAPI:
    settings = Settings(
        database_url=url,
        environment="test",
        keys_dir=keys_dir,
        posting_rate_limit="10000/minute",
        _env_file=None,  # type: ignore[call-arg]
        **overrides,
    )
    return create_app(settings, engine=engine, configure_logs=False)


def authorization(app: FastAPI, member: Member) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer(app, member)}"}


async def post(client: httpx.AsyncClient, app: FastAPI, member: Member, query: str, **kw: Any):
    headers = {**kw.pop("headers", JSON), **authorization(app, member)}
    return await client.post("/graphql", json={"query": query, **kw}, headers=headers)


async def reply_count_and_posts(engine: AsyncEngine, thread_id: int) -> tuple[int, int]:
    async with engine.connect() as connection:
        count = await connection.scalar(select(Thread.reply_count).where(Thread.id == thread_id))
        posts = await connection.scalar(
            select(func.count()).select_from(Post).where(Post.thread_id == thread_id)
        )
    return int(count or 0), int(posts or 0)


# --- PostgreSQL: a connection terminated mid-request -----------------------------------------


async def _terminate_when_blocked(admin: AsyncEngine, table: str, request: Awaitable[Any]) -> Any:
    """Runs `request` while `table` is locked, terminates the backend that waits on the lock
    (the app's connection, mid-request), then releases the lock."""
    async with admin.connect() as locker:
        await locker.begin()
        await locker.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        task = asyncio.ensure_future(request)
        async with admin.connect() as watcher:
            await watcher.execution_options(isolation_level="AUTOCOMMIT")
            pid = None
            for _ in range(400):
                pid = await watcher.scalar(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() LIMIT 1"
                    )
                )
                if pid is not None or task.done():
                    break
                await asyncio.sleep(0.025)
            assert pid is not None, "the request never waited on the lock"
            assert await watcher.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await locker.rollback()
    return await task


async def test_a_connection_terminated_mid_request_is_a_coded_error_and_the_next_one_works(
    committed_database_url, keys_dir
):
    require_postgresql(committed_database_url)
    engine = create_engine(committed_database_url)
    admin = create_async_engine(committed_database_url)
    forum = await committed_forum(engine)
    app = app_on(committed_database_url, engine, keys_dir)
    reply_input = {"input": {"threadId": forum.thread_gid, "body": "Lost with the connection"}}
    try:
        async with client_for(app) as client:
            # given a working app
            ok = await post(client, app, forum.member, FEED, variables={"slug": forum.slug})
            assert ok.status_code == 200 and ok.json()["data"]["space"]["threads"]["edges"]
            # when its connection is terminated while a query waits on the threads table
            cut = await _terminate_when_blocked(
                admin,
                "threads",
                post(client, app, forum.member, FEED, variables={"slug": forum.slug}),
            )
            # then a coded error, not a 500 with a traceback
            assert cut.status_code == 200 and codes(cut) == ["SERVICE_UNAVAILABLE"]
            assert "Retry shortly" in cut.json()["errors"][0]["message"]
            assert "Traceback" not in cut.text and "asyncpg" not in cut.text
            # when it is terminated in the middle of a reply (waiting on the thread row's lock)
            lost = await _terminate_when_blocked(
                admin,
                "threads",
                post(client, app, forum.member, REPLY, variables=reply_input),
            )
            assert codes(lost) == ["SERVICE_UNAVAILABLE"]
            # then nothing of it was written
            assert await reply_count_and_posts(engine, forum.thread_id) == (0, 1)
            # and the next requests succeed: the pool replaced the dead connection
            again = await post(client, app, forum.member, REPLY, variables=reply_input)
            assert again.json()["data"]["reply"]["post"]["number"] == 2
            # even after the server closed every idle connection of the pool (the pool sees
            # them closed at checkout; the timeout waits until each backend has exited)
            async with admin.connect() as killer:
                await killer.execution_options(isolation_level="AUTOCOMMIT")
                await killer.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE"
                        " datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            after = await post(client, app, forum.member, FEED, variables={"slug": forum.slug})
            assert after.status_code == 200 and "errors" not in after.json()
            node = after.json()["data"]["space"]["threads"]["edges"][0]["node"]
            assert node["replyCount"] == 1
        assert await reply_count_and_posts(engine, forum.thread_id) == (1, 2)
    finally:
        await admin.dispose()
        await engine.dispose()


# --- PostgreSQL: the database briefly unreachable --------------------------------------------


async def test_a_database_briefly_unreachable_is_503_then_recovers_without_restart(
    committed_database_url, keys_dir
):
    require_postgresql(committed_database_url)
    direct = create_engine(committed_database_url)
    forum = await committed_forum(direct)
    target = make_url(committed_database_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = create_engine(url)
    app = app_on(url, engine, keys_dir)
    reply_input = {"input": {"threadId": forum.thread_gid, "body": "Sent during the outage"}}
    try:
        async with client_for(app) as client:
            assert (await post(client, app, forum.member, VIEWER)).status_code == 200
            # when the network to the database is cut
            await proxy.cut()
            # then reads, writes and the readiness probe answer 503 with a code and Retry-After
            for query, variables, headers in [
                (VIEWER, None, JSON),
                (REPLY, reply_input, JSON),
                (VIEWER, None, RESPONSE_JSON),
            ]:
                down = await post(
                    client, app, forum.member, query, variables=variables, headers=headers
                )
                assert down.status_code == 503, down.text
                assert codes(down) == ["SERVICE_UNAVAILABLE"]
                assert down.headers["retry-after"] == "1" and "data" not in down.json()
            assert (await client.get("/readyz")).status_code == 503
            # when it is back, the same app serves again: no restart
            await proxy.start()
            assert (await client.get("/readyz")).status_code == 200
            back = await post(client, app, forum.member, REPLY, variables=reply_input)
            assert back.json()["data"]["reply"]["post"]["number"] == 2
        # and exactly the reply accepted after the outage is stored
        assert await reply_count_and_posts(direct, forum.thread_id) == (1, 2)
    finally:
        await engine.dispose()
        with contextlib.suppress(Exception):
            await proxy.cut()
        await direct.dispose()


# --- Redis down ------------------------------------------------------------------------------


async def test_with_redis_down_requests_and_posts_are_served_uncounted(make_app, session):
    # given an app whose Redis (rate limits, persisted queries, live updates) is a closed port
    account = await create_account(session)
    member = await create_member(session, account)
    space = await create_space(session)
    thread = await create_thread(session, space, member.id)
    await session.commit()
    app = make_app(redis_url="redis://127.0.0.1:9/0", posting_rate_limit="2/minute")
    variables = {"input": {"threadId": global_id("Thread", thread.id), "body": "still here"}}
    async with client_for(app) as client:
        # when a member reads and posts more than the posting limit allows
        read = await post(client, app, member, FEED, variables={"slug": space.slug})
        replies = [await post(client, app, member, REPLY, variables=variables) for _ in range(3)]
        # and a client uses automatic persisted queries (kept in Redis too)
        apq = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(VIEWER)}}
        unknown = await client.post(
            "/graphql", json={"extensions": apq}, headers={**JSON, **authorization(app, member)}
        )
        registered = await post(client, app, member, VIEWER, extensions=apq)
    # then everything is served (limits uncounted: the documented fallback), no 500
    assert read.status_code == 200 and "errors" not in read.json()
    numbers = [r.json()["data"]["reply"]["post"]["number"] for r in replies]
    assert numbers == [2, 3, 4]
    # the persisted query store is empty while Redis is down: the client resends the query
    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert registered.json() == {"data": {"viewer": {"name": member.name}}}


# --- the outbox worker killed mid-batch ------------------------------------------------------


REPLIES_TO_HANDLE = 250
MEMBERS = 10


async def _replies_with_events(engine: AsyncEngine) -> tuple[list[int], list[int]]:
    """Trusted members reply through the real service: each reply's outbox event is pending.
    Returns the members and the posts."""
    factory = create_session_factory(engine)
    async with factory() as session:
        account = await create_account(session)
        members = [await create_member(session, account) for _ in range(MEMBERS)]
        for member in members:  # trusted: their posts earn points (untrusted ones earn none)
            session.add(MemberStanding(member_id=member.id, posts_read=50, threads_created=1))
        space = await create_space(session)
        thread = await create_thread(session, space, members[0].id)
        await session.commit()
        actors = [actor_for(m, AccountKind.CUSTOMER) for m in members]
        thread_id, member_ids = thread.id, [m.id for m in members]
    posts: list[int] = []
    for start in range(0, REPLIES_TO_HANDLE, 50):
        async with factory() as session:
            for i in range(start, start + 50):
                new = NewReply(thread_id=thread_id, body=f"Reply {i}")
                created = await reply(session, actors[i % MEMBERS], CommunityRules(), utcnow(), new)
                posts.append(created.id)
            await session.commit()
    return member_ids, posts


def _expected_reply_notifications(member_ids: list[int], posts: list[int]) -> dict[int, int]:
    """Per reply, how many members hear of it: every member watches the thread (they replied),
    less its author and those who replied after it (they have seen it: notifications.py)."""
    authors = [member_ids[i % MEMBERS] for i in range(len(posts))]
    expected = {}
    for index, post_id in enumerate(posts):
        recipients = set(member_ids) - set(authors[index + 1 :]) - {authors[index]}
        if recipients:
            expected[post_id] = len(recipients)
    return expected


async def _counts(engine: AsyncEngine, post_ids: list[int]) -> dict[str, int]:
    async with engine.connect() as connection:
        pending = await connection.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        )
        ledger = await connection.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.source_type == "Post", LedgerEntry.source_id.in_(post_ids))
        )
    return {"pending": int(pending or 0), "ledger": int(ledger or 0)}


def _start_worker(url: str, keys_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BONDFIRE_DATABASE_URL": url,
        "BONDFIRE_ENVIRONMENT": "test",  # the embedded search index in memory
        "BONDFIRE_KEYS_DIR": str(keys_dir),
        "BONDFIRE_LOG_LEVEL": "WARNING",
        "BONDFIRE_MATCHING_CHECKIN_INTERVAL": "0",
    }
    return subprocess.Popen(
        [str(BONDFIRE), "worker", "--poll", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def _wait_for(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_worker_killed_mid_batch_loses_no_event_and_repeats_none_in_effect(
    committed_database_url, keys_dir
):
    engine = create_engine(committed_database_url)
    try:
        # given a few hundred replies whose outbox events wait for the worker
        member_ids, posts = await _replies_with_events(engine)
        total_pending = (await _counts(engine, posts))["pending"]
        assert total_pending >= len(posts)
        # when a worker has committed its first batch and is SIGKILLed during the next one
        worker = _start_worker(committed_database_url, keys_dir)
        try:

            async def first_batch_done() -> bool:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
                return (await _counts(engine, posts))["pending"] < total_pending

            await _wait_for(first_batch_done, 300, "the worker's first batch")
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        at_kill = await _counts(engine, posts)
        assert 0 < at_kill["pending"] < total_pending, "the kill did not land mid-run"
        # then a new worker finishes the work
        worker = _start_worker(committed_database_url, keys_dir)
        try:

            async def drained() -> bool:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
                return (await _counts(engine, posts))["pending"] == 0

            await _wait_for(drained, 300, "the restarted worker to drain the outbox")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        # and every event took effect exactly once: one ledger entry and 2 points per post,
        # and the REPLY notifications the consumer's rule asks for, none missing
        async with engine.connect() as connection:
            failed = await connection.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.attempts > 0)
            )
            ledger = (
                await connection.execute(
                    select(LedgerEntry.source_id, func.count())
                    .where(LedgerEntry.source_type == "Post", LedgerEntry.source_id.in_(posts))
                    .group_by(LedgerEntry.source_id)
                )
            ).all()
            points = dict(
                (
                    await connection.execute(
                        select(PointBalance.member_id, PointBalance.lifetime).where(
                            PointBalance.member_id.in_(member_ids)
                        )
                    )
                ).all()
            )
            notified = (
                await connection.execute(
                    select(Notification.post_id, func.count())
                    .where(Notification.post_id.in_(posts))
                    .group_by(Notification.post_id)
                )
            ).all()
        assert failed == 0
        assert sorted(post for post, _ in ledger) == sorted(posts)
        assert {count for _, count in ledger} == {1}
        per_member = REPLIES_TO_HANDLE // MEMBERS
        assert points == {member: 2 * per_member for member in member_ids}
        assert dict(notified) == _expected_reply_notifications(member_ids, posts)
    finally:
        await engine.dispose()


# --- SQLite out of space ---------------------------------------------------------------------


async def test_sqlite_out_of_space_refuses_writes_cleanly_and_recovers(
    committed_database_url, keys_dir
):
    if not committed_database_url.startswith("sqlite"):
        reason = "SQLite's page limit stands in for a full disk; PostgreSQL: see the drill"
        print(reason)
        pytest.skip(reason)
    engine = create_engine(committed_database_url)
    forum = await committed_forum(engine)
    async with engine.connect() as connection:
        full_at = int(await connection.scalar(text("PRAGMA page_count")) or 0)
    limit = {"pages": full_at}

    # `max_page_count` is per connection: set on every checkout, so the test can lift it
    @event.listens_for(engine.sync_engine, "checkout")
    def _cap(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={limit['pages']}")
        cursor.close()

    app = app_on(committed_database_url, engine, keys_dir)
    body = "A long reply that fills the disk. " * 100
    accepted = 0
    try:
        async with client_for(app) as client:
            # when members keep replying until the database cannot grow
            for attempt in range(500):
                variables = {"input": {"threadId": forum.thread_gid, "body": f"{attempt} {body}"}}
                response = await post(client, app, forum.member, REPLY, variables=variables)
                if codes(response):
                    break
                assert response.json()["data"]["reply"]["userErrors"] == []
                accepted += 1
            else:
                pytest.fail("the page limit never stopped a write")
            # then the write that did not fit is a clean coded error
            assert response.status_code == 200 and codes(response) == ["SERVICE_UNAVAILABLE"]
            assert "out of space" in response.json()["errors"][0]["message"]
            # and nothing of it was written: counters equal rows, the rows are the accepted ones
            count, rows = await reply_count_and_posts(engine, forum.thread_id)
            assert (count, rows) == (accepted, accepted + 1)
            async with engine.connect() as connection:
                events = await connection.scalar(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.topic == community_events.POST_CREATED)
                    .where(OutboxEvent.payload["thread_id"].as_integer() == forum.thread_id)
                )
            assert events == accepted
            # and reads still work
            feed = await post(client, app, forum.member, FEED, variables={"slug": forum.slug})
            node = feed.json()["data"]["space"]["threads"]["edges"][0]["node"]
            assert node["replyCount"] == accepted
            # when space is freed, writes work again without a restart
            limit["pages"] = 1_000_000
            variables = {"input": {"threadId": forum.thread_gid, "body": "room again"}}
            again = await post(client, app, forum.member, REPLY, variables=variables)
            assert again.json()["data"]["reply"]["post"]["number"] == accepted + 2
    finally:
        await engine.dispose()


# --- SQLite writers under load ---------------------------------------------------------------


async def test_sqlite_writers_take_turns_in_arrival_order(committed_database_url):
    """Left to SQLite's busy handler, waiting writers poll and newcomers overtake them, so under
    load some waited past the busy timeout and failed (bench/load); now they queue."""
    if not committed_database_url.startswith("sqlite"):
        reason = "PostgreSQL writers do not share one database lock"
        print(reason)
        pytest.skip(reason)
    engine = create_engine(committed_database_url)
    factory = create_session_factory(engine)
    order: list[int] = []

    async def writer(n: int) -> None:
        async with factory() as session:
            await begin_writing(session)
            order.append(n)
            record_event(session, "test.turn", {"n": n})
            await asyncio.sleep(0.01)  # holding the lock a while, as a request does
            await session.commit()

    try:
        # given a writer holding the lock while twenty others arrive one after the other
        async with factory() as first:
            await begin_writing(first)
            writers = []
            for n in range(20):
                writers.append(asyncio.create_task(writer(n)))
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.1)
            assert order == []  # all wait
            await first.commit()
        await asyncio.wait_for(asyncio.gather(*writers), 30)
        # then each wrote, in the order it arrived
        assert order == list(range(20))
        # and a unit of work that ended any way (rollback, close, error) passed its turn on
        async with factory() as rolled_back:
            await begin_writing(rolled_back)
            await rolled_back.rollback()
        async with factory() as closed:
            await begin_writing(closed)
        with contextlib.suppress(ValueError):
            async with factory() as failed:
                await begin_writing(failed)
                raise ValueError
        await asyncio.wait_for(writer(20), 5)
        assert order[-1] == 20
    finally:
        await engine.dispose()
