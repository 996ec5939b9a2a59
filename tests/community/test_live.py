"""Live updates: the broadcasters on their own, then GraphQL subscriptions end to end over real
websockets (graphql-transport-ws) against the real app served by uvicorn.

The end-to-end tests need committed data that the server's own sessions and outbox worker see,
so they run on a database of their own (a temporary SQLite file, or a PostgreSQL database created
for the run and dropped after), migrated by the real migrations. Redis tests use database 14 and
skip, saying why, when no Redis answers on 127.0.0.1:6379.
"""

import asyncio
import base64
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import make_url, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from websockets.asyncio.client import ClientConnection, connect

from api.app import create_app
from api.live import InMemoryBroadcaster, SubscriberLagged, websocket
from api.live.broadcaster import Broadcaster
from api.live.redis_broadcaster import RedisBroadcaster
from api.settings import Settings
from domain.community.models import Notification, Space, SpaceVisibility, Thread
from domain.community.notifications import NOTIFICATION_CONSUMERS
from domain.identity.models import Member, MemberStatus, Role
from domain.shared.database import create_engine, create_session_factory
from migrations.runner import upgrade
from tests.conftest import NO_POSTGRES, POSTGRES_URL
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.ids import global_id

REDIS_URL = "redis://127.0.0.1:6379/14"
WAIT = 30.0  # seconds: the bound on every wait here (a loaded 2-core CI box can take >10 s to start a server)

THREAD_POSTS = """
subscription($threadId: ID!) {
  threadPosts(threadId: $threadId) { id number bodyHtml status author { name } thread { id } }
}
"""
NOTIFICATION_RECEIVED = """
subscription { notificationReceived { id kind readAt post { id } thread { id } actor { name } } }
"""
APPROVE_POST = """
mutation($input: ApprovePostInput!) { approvePost(input: $input) { post { id } userErrors { code } } }
"""
REPLY = """
mutation($input: ReplyInput!) { reply(input: $input) { post { id status } userErrors { code } } }
"""


# --- Redis ----------------------------------------------------------------------------------


async def redis_unavailable() -> str | None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except Exception as error:
        return f"Redis tests skipped: no Redis at {REDIS_URL} ({type(error).__name__})"
    finally:
        await client.aclose()
    return None


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    reason = await redis_unavailable()
    if reason:
        print(reason)
        pytest.skip(reason)
    yield REDIS_URL
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()  # database 14 only: the rate limiter's counters
    await client.aclose()


# --- broadcasters ---------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def broadcasters(request: pytest.FixtureRequest) -> AsyncIterator[list[Broadcaster]]:
    """Two broadcasters that share messages, as two API processes would: the same in-memory
    one twice, or two Redis ones on a channel prefix of this test's own."""
    if request.param == "memory":
        broadcaster = InMemoryBroadcaster(queue_size=5)
        yield [broadcaster, broadcaster]
        await broadcaster.close()
        return
    reason = await redis_unavailable()
    if reason:
        print(reason)
        pytest.skip(reason)
    prefix = f"bondfire-test:{uuid.uuid4().hex}:"
    pair: list[Broadcaster] = [
        RedisBroadcaster(REDIS_URL, prefix=prefix, queue_size=5) for _ in range(2)
    ]
    yield pair
    for broadcaster in pair:
        await broadcaster.close()


async def next_message(subscription: Any) -> Any:
    return await asyncio.wait_for(anext(subscription), WAIT)


async def test_publish_reaches_the_subscribers_of_that_channel_only(broadcasters):
    publisher, listener = broadcasters
    async with (
        listener.subscribe("thread:1") as first,
        listener.subscribe("thread:1") as second,
        listener.subscribe("thread:2") as other,
    ):
        assert listener.subscriber_count("thread:1") == 2

        await publisher.publish("thread:1", {"post_id": 7})
        await publisher.publish("thread:2", {"post_id": 8})

        assert await next_message(first) == {"post_id": 7}
        assert await next_message(second) == {"post_id": 7}
        assert await next_message(other) == {"post_id": 8}
        assert first.pending == second.pending == 0


async def test_leaving_unsubscribes(broadcasters):
    publisher, listener = broadcasters
    async with listener.subscribe("member:3") as staying:
        async with listener.subscribe("member:3") as leaving:
            pass
        assert listener.subscriber_count("member:3") == 1
        with pytest.raises(StopAsyncIteration):
            await next_message(leaving)

        await publisher.publish("member:3", {"notification_id": 1})
        assert await next_message(staying) == {"notification_id": 1}
    assert listener.subscriber_count("member:3") == 0

    # Subscribing again after everyone left works (Redis: a new SUBSCRIBE).
    async with listener.subscribe("member:3") as again:
        await publisher.publish("member:3", {"notification_id": 2})
        assert await next_message(again) == {"notification_id": 2}


async def test_a_slow_subscriber_is_dropped_instead_of_buffering(broadcasters):
    publisher, listener = broadcasters
    async with (
        listener.subscribe("thread:9") as slow,
        listener.subscribe("thread:9") as keeping_up,
    ):
        for n in range(12):  # the queues hold 5
            await publisher.publish("thread:9", {"post_id": n})
            assert await next_message(keeping_up) == {"post_id": n}

        with pytest.raises(SubscriberLagged):
            await next_message(slow)
        assert slow.pending <= 1  # what it had queued was freed at once
        assert listener.subscriber_count("thread:9") == 1
        await publisher.publish("thread:9", {"post_id": 99})
        assert await next_message(keeping_up) == {"post_id": 99}


async def test_redis_subscriptions_survive_a_dropped_connection(redis_url):
    name = f"bondfire-test-{uuid.uuid4().hex[:12]}"
    broadcaster = RedisBroadcaster(f"{redis_url}?client_name={name}", prefix=f"{name}:")
    admin = Redis.from_url(redis_url)
    try:
        async with broadcaster.subscribe("thread:1") as subscription:
            # given Redis drops this process's subscribing connection
            killed = 0
            for client in await admin.client_list():
                if client.get("name") == name and client.get("sub") != "0":
                    killed += await admin.client_kill_filter(_id=client["id"])
            assert killed == 1

            # then the reader reconnects and subscribes again
            for _ in range(int(WAIT / 0.05)):
                if (await admin.pubsub_numsub(f"{name}:thread:1"))[0][1]:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the broadcaster did not subscribe again")
            await broadcaster.publish("thread:1", {"post_id": 2})
            assert await next_message(subscription) == {"post_id": 2}
    finally:
        await broadcaster.close()
        await admin.aclose()


async def test_closing_the_broadcaster_ends_subscriptions():
    broadcaster = InMemoryBroadcaster()
    async with broadcaster.subscribe("thread:1") as subscription:
        waiting = asyncio.create_task(next_message(subscription))
        await asyncio.sleep(0)
        await broadcaster.close()
        with pytest.raises(StopAsyncIteration):
            await waiting


# --- a committed database and real servers --------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def live_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"bondfire_live_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@pytest.fixture(scope="module")
async def committed(live_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions whose commits are real: what the tests set up, the servers see."""
    engine = create_engine(live_database_url)
    yield create_session_factory(engine)
    await engine.dispose()


def live_settings(database_url: str, keys_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        keys_dir=keys_dir,
        log_format="console",
        posting_rate_limit="1000/minute",
        _env_file=None,  # type: ignore[call-arg]
        **overrides,
    )


async def until(condition: Callable[[], bool]) -> None:
    """Polls, bounded, for what has no event to wait on."""
    for _ in range(int(WAIT / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("condition not met in time")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # leave Ctrl-C to pytest


class Served:
    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.http_url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/graphql"

    def token(self, member: Member) -> str:
        return self.app.state.tokens.issue(member.id)

    async def wait_for_subscribers(self, channel: str, count: int = 1) -> None:
        """Subscribing has no acknowledgement in graphql-transport-ws; wait until it took."""
        await until(lambda: self.app.state.broadcaster.subscriber_count(channel) >= count)

    async def gql(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.http_url, timeout=WAIT) as client:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def reply(self, thread: Thread, body: str, token: str) -> dict[str, Any]:
        result = await self.gql(
            REPLY, {"input": {"threadId": global_id("Thread", thread.id), "body": body}}, token
        )
        payload: dict[str, Any] = result["data"]["reply"]
        assert payload["userErrors"] == [], payload
        return payload["post"]


@contextlib.asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[Served]:
    """The real app under uvicorn on a free port of 127.0.0.1, in this event loop."""
    app = create_app(settings, configure_logs=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(WAIT):
            while not server.started:
                if task.done():
                    task.result()  # raises why it did not start
                await asyncio.sleep(0.01)
        yield Served(app, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)
        sock.close()


@pytest.fixture
async def server(live_database_url: str, keys_dir: Path) -> AsyncIterator[Served]:
    async with serve(live_settings(live_database_url, keys_dir)) as served:
        yield served


class GraphQLWebSocket:
    """A graphql-transport-ws client over a real websocket."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self._ids = iter(range(1, 1000))

    async def send(self, message: dict[str, Any]) -> None:
        await self.websocket.send(json.dumps(message))

    async def receive(self, within: float = WAIT) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(
                await asyncio.wait_for(self.websocket.recv(), within)
            )
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        operation_id = str(next(self._ids))
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})
        return operation_id

    async def next_data(self, operation_id: str) -> dict[str, Any]:
        message = await self.receive()
        assert message == {"id": operation_id, "type": "next", "payload": message["payload"]}
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def error_codes(self, operation_id: str) -> list[str]:
        message = await self.receive()
        assert (message["id"], message["type"]) == (operation_id, "error"), message
        return [error["extensions"]["code"] for error in message["payload"]]

    async def nothing_within(self, seconds: float) -> None:
        with pytest.raises(TimeoutError):
            message = await self.receive(within=seconds)
            pytest.fail(f"expected nothing, got {message}")


@contextlib.asynccontextmanager
async def graphql_ws(
    served: Served,
    token: str | None,
    *,
    init_payload: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[GraphQLWebSocket]:
    async with connect(
        served.ws_url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
        open_timeout=WAIT,
        close_timeout=WAIT,
    ) as websocket:
        client = GraphQLWebSocket(websocket)
        if init_payload is None:
            init_payload = {"Authorization": f"Bearer {token}"} if token else {}
        await client.send({"type": "connection_init", "payload": init_payload})
        assert await client.receive() == {"type": "connection_ack"}
        yield client


@pytest.fixture
async def forum(committed):
    """Members of two customer accounts, a moderator, and a public and an Acme-only thread."""
    async with committed() as session:
        vendor = await create_vendor(session)
        acme = await create_account(session, name="Acme")
        globex = await create_account(session, name="Globex")
        casey = await create_member(session, acme, name="Casey")
        gil = await create_member(session, globex, name="Gil")
        mod = await create_member(session, acme, {Role.MODERATOR}, name="Mo")
        admin = await create_member(session, vendor, {Role.ADMIN}, name="Ada")
        public = await create_space(session)
        acme_only = await create_space(session, SpaceVisibility.ACCOUNT, account_id=acme.id)
        people = {"casey": casey, "gil": gil, "mod": mod, "admin": admin, "acme": acme}
        threads = {
            "public": await create_thread(session, public, casey.id),
            "acme_only": await create_thread(session, acme_only, casey.id),
        }
        await session.commit()
    return {**people, **threads, "public_space": public}


def thread_id(thread: Thread) -> dict[str, str]:
    return {"threadId": global_id("Thread", thread.id)}


# --- threadPosts ----------------------------------------------------------------------------


async def test_a_reply_reaches_the_threads_subscriber(server, forum):
    thread = forum["public"]
    async with graphql_ws(server, server.token(forum["casey"])) as casey:
        # given
        operation = await casey.subscribe(THREAD_POSTS, thread_id(thread))
        await server.wait_for_subscribers(f"thread:{thread.id}")

        # when: someone else replies over HTTP
        post = await server.reply(thread, "Same **here**", server.token(forum["gil"]))

        # then
        data = await casey.next_data(operation)
        assert data["threadPosts"] == {
            "id": post["id"],
            "number": 2,
            "bodyHtml": "<p>Same <strong>here</strong></p>\n",
            "status": "VISIBLE",
            "author": {"name": "Gil"},
            "thread": {"id": global_id("Thread", thread.id)},
        }

        # and leaving releases the subscription
        await casey.send({"id": operation, "type": "complete"})
        await until(
            lambda: server.app.state.broadcaster.subscriber_count(f"thread:{thread.id}") == 0
        )


async def test_a_member_who_cannot_read_the_thread_cannot_subscribe(server, forum):
    async with graphql_ws(server, server.token(forum["gil"])) as gil:
        private = await gil.subscribe(THREAD_POSTS, thread_id(forum["acme_only"]))
        assert await gil.error_codes(private) == ["NOT_FOUND"]

        missing = await gil.subscribe(THREAD_POSTS, {"threadId": global_id("Thread", 10**9)})
        assert await gil.error_codes(missing) == ["NOT_FOUND"]

        not_a_thread = await gil.subscribe(
            THREAD_POSTS, {"threadId": global_id("Space", forum["public_space"].id)}
        )
        assert await gil.error_codes(not_a_thread) == ["NOT_FOUND"]

    assert server.app.state.broadcaster.subscriber_count(f"thread:{forum['acme_only'].id}") == 0
    # Casey of Acme can read it, and does subscribe.
    async with graphql_ws(server, server.token(forum["casey"])) as casey:
        operation = await casey.subscribe(THREAD_POSTS, thread_id(forum["acme_only"]))
        await server.wait_for_subscribers(f"thread:{forum['acme_only'].id}")
        post = await server.reply(forum["acme_only"], "Internal note", server.token(forum["mod"]))
        assert (await casey.next_data(operation))["threadPosts"]["id"] == post["id"]


async def test_what_is_pushed_is_rechecked_when_it_is_delivered(server, forum, committed):
    thread, space = forum["public"], forum["public_space"]
    async with (
        graphql_ws(server, server.token(forum["casey"])) as casey,
        graphql_ws(server, server.token(forum["gil"])) as gil,
    ):
        # given both may read the thread when they subscribe
        casey_op = await casey.subscribe(THREAD_POSTS, thread_id(thread))
        gil_op = await gil.subscribe(THREAD_POSTS, thread_id(thread))
        await server.wait_for_subscribers(f"thread:{thread.id}", 2)

        # when the space becomes Acme's only, and an Acme moderator replies
        await set_space_visibility(committed, space, SpaceVisibility.ACCOUNT, forum["acme"].id)
        hidden_from_gil = await server.reply(thread, "Acme only now", server.token(forum["mod"]))

        # then Casey of Acme receives it
        assert (await casey.next_data(casey_op))["threadPosts"]["id"] == hidden_from_gil["id"]

        # and Gil does not: once the space is public again, the next post is the first he gets
        await set_space_visibility(committed, space, SpaceVisibility.PUBLIC, None)
        public_again = await server.reply(thread, "Open again", server.token(forum["mod"]))
        assert (await gil.next_data(gil_op))["threadPosts"]["id"] == public_again["id"]
        assert (await casey.next_data(casey_op))["threadPosts"]["id"] == public_again["id"]


async def set_space_visibility(
    committed, space: Space, visibility: SpaceVisibility, account_id: int | None
) -> None:
    async with committed() as session:
        await session.execute(
            update(Space)
            .where(Space.id == space.id)
            .values(visibility=visibility, account_id=account_id)
        )
        await session.commit()


async def test_held_posts_reach_moderators_and_their_author_only(
    live_database_url, keys_dir, forum
):
    settings = live_settings(live_database_url, keys_dir, hold_posts_below_trust_level=1)
    thread = forum["public"]
    async with (
        serve(settings) as served,
        graphql_ws(served, served.token(forum["casey"])) as casey,
        graphql_ws(served, served.token(forum["mod"])) as mod,
        graphql_ws(served, served.token(forum["gil"])) as gil,
    ):
        casey_op = await casey.subscribe(THREAD_POSTS, thread_id(thread))
        mod_op = await mod.subscribe(THREAD_POSTS, thread_id(thread))
        gil_op = await gil.subscribe(THREAD_POSTS, thread_id(thread))
        await served.wait_for_subscribers(f"thread:{thread.id}", 3)

        # when a new member's reply is held for review
        held = await served.reply(thread, "My first post", served.token(forum["gil"]))
        assert held["status"] == "HELD"

        # then the moderator and the author see it
        assert (await mod.next_data(mod_op))["threadPosts"]["id"] == held["id"]
        assert (await gil.next_data(gil_op))["threadPosts"]["id"] == held["id"]

        # and Casey does not: the next post on the channel is the first she gets
        visible = await served.reply(thread, "Welcome", served.token(forum["mod"]))
        assert (await casey.next_data(casey_op))["threadPosts"]["id"] == visible["id"]
        assert (await mod.next_data(mod_op))["threadPosts"]["id"] == visible["id"]
        assert (await gil.next_data(gil_op))["threadPosts"]["id"] == visible["id"]

        # when the moderator approves the held post, Casey gets it, once; the others had it
        approved = await served.gql(
            APPROVE_POST, {"input": {"postId": held["id"]}}, served.token(forum["mod"])
        )
        assert approved["data"]["approvePost"]["userErrors"] == [], approved
        data = await casey.next_data(casey_op)
        assert (data["threadPosts"]["id"], data["threadPosts"]["status"]) == (held["id"], "VISIBLE")
        last = await served.reply(thread, "Thanks", served.token(forum["mod"]))
        for client, operation in ((casey, casey_op), (mod, mod_op), (gil, gil_op)):
            assert (await client.next_data(operation))["threadPosts"]["id"] == last["id"]


# --- authentication and what runs over the socket -------------------------------------------


async def test_subscriptions_without_valid_credentials_are_unauthenticated(server, forum):
    variables = thread_id(forum["public"])
    async with graphql_ws(server, None) as anonymous:
        operation = await anonymous.subscribe(THREAD_POSTS, variables)
        assert await anonymous.error_codes(operation) == ["UNAUTHENTICATED"]
        operation = await anonymous.subscribe(NOTIFICATION_RECEIVED)
        assert await anonymous.error_codes(operation) == ["UNAUTHENTICATED"]
    async with graphql_ws(server, "not-a-token") as forged:
        operation = await forged.subscribe(THREAD_POSTS, variables)
        assert await forged.error_codes(operation) == ["UNAUTHENTICATED"]


async def test_the_upgrade_requests_authorization_header_also_authenticates(server, forum):
    headers = {"Authorization": f"Bearer {server.token(forum['casey'])}"}
    async with graphql_ws(server, None, init_payload={}, headers=headers) as casey:
        operation = await casey.subscribe(THREAD_POSTS, thread_id(forum["public"]))
        await server.wait_for_subscribers(f"thread:{forum['public'].id}")
        post = await server.reply(forum["public"], "Header auth", server.token(forum["gil"]))
        assert (await casey.next_data(operation))["threadPosts"]["id"] == post["id"]


async def test_a_member_deactivated_meanwhile_stops_receiving(
    server, forum, committed, monkeypatch
):
    monkeypatch.setattr(websocket, "REAUTHENTICATE_SECONDS", 0.0)  # check before every item
    async with committed() as session:
        leaving = await create_member(session, forum["acme"], name="Lee")
        await session.commit()
    thread = forum["public"]
    async with graphql_ws(server, server.token(leaving)) as lee:
        operation = await lee.subscribe(THREAD_POSTS, thread_id(thread))
        await server.wait_for_subscribers(f"thread:{thread.id}")
        first = await server.reply(thread, "Still here?", server.token(forum["gil"]))
        assert (await lee.next_data(operation))["threadPosts"]["id"] == first["id"]

        # when the member is deactivated, the next item ends the subscription instead
        async with committed() as session:
            await session.execute(
                update(Member)
                .where(Member.id == leaving.id)
                .values(status=MemberStatus.DEACTIVATED)
            )
            await session.commit()
        await server.reply(thread, "Gone?", server.token(forum["gil"]))

        message = await lee.receive()
        assert message["type"] == "next", message
        assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == [
            "UNAUTHENTICATED"
        ]
        assert await lee.receive() == {"id": operation, "type": "complete"}


async def test_subscriptions_sent_by_http_are_refused(server, forum):
    body = await server.gql(NOTIFICATION_RECEIVED, {}, server.token(forum["casey"]))
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_only_subscriptions_run_over_the_websocket(server, forum):
    async with graphql_ws(server, server.token(forum["casey"])) as casey:
        query = await casey.subscribe("query { spaces { id } }")
        assert await casey.error_codes(query) == ["BAD_USER_INPUT"]
        mutation = await casey.subscribe(REPLY, {"input": {"threadId": "x", "body": "x"}})
        assert await casey.error_codes(mutation) == ["BAD_USER_INPUT"]


# --- notificationReceived -------------------------------------------------------------------


def skip_without_notification_consumers() -> None:
    if not NOTIFICATION_CONSUMERS:
        reason = "notificationReceived skipped: no notification consumers are registered yet"
        print(reason)
        pytest.skip(reason)


async def test_a_mention_reaches_the_mentioned_members_notification_subscription(
    server, forum, committed
):
    skip_without_notification_consumers()
    casey, gil = forum["casey"], forum["gil"]
    async with (
        graphql_ws(server, server.token(casey)) as casey_ws,
        graphql_ws(server, server.token(gil)) as gil_ws,
    ):
        # given
        casey_op = await casey_ws.subscribe(NOTIFICATION_RECEIVED)
        gil_op = await gil_ws.subscribe(NOTIFICATION_RECEIVED)
        await server.wait_for_subscribers(f"member:{casey.id}")
        await server.wait_for_subscribers(f"member:{gil.id}")

        # when
        post = await server.reply(
            forum["public"], f"Ask @{casey.handle} about it", server.token(gil)
        )

        # then
        data = await casey_ws.next_data(casey_op)
        notification_id = await notification_of(committed, casey, post["id"])
        assert data["notificationReceived"] == {
            "id": global_id("Notification", notification_id),
            "kind": "MENTION",
            "readAt": None,
            "post": {"id": post["id"]},
            "thread": {"id": global_id("Thread", forum["public"].id)},
            "actor": {"name": "Gil"},
        }
        # Gil wrote it and is not notified: his next notification is the one he gets next.
        await server.reply(forum["public"], f"Thanks @{gil.handle}", server.token(casey))
        assert (await gil_ws.next_data(gil_op))["notificationReceived"]["actor"] == {
            "name": "Casey"
        }


async def notification_of(committed, member: Member, post_global_id: str) -> int:
    post_id = int(base64.b64decode(post_global_id).decode().split(":", 1)[1])
    async with committed() as session:
        found = await session.scalar(
            select(Notification.id).where(
                Notification.recipient_id == member.id, Notification.post_id == post_id
            )
        )
    assert found is not None
    return found


# --- several API processes through Redis ----------------------------------------------------


async def test_instances_sharing_redis_deliver_each_others_events(
    live_database_url, keys_dir, forum, redis_url
):
    # given two instances on one database and one Redis: A only serves subscriptions, B serves
    # the reply and is the only one draining the outbox
    a_settings = live_settings(
        live_database_url, keys_dir, redis_url=redis_url, embedded_worker=False
    )
    b_settings = live_settings(live_database_url, keys_dir, redis_url=redis_url)
    thread, casey = forum["public"], forum["casey"]
    async with serve(a_settings) as a, serve(b_settings) as b:
        assert isinstance(a.app.state.broadcaster, RedisBroadcaster)
        async with graphql_ws(a, a.token(casey)) as casey_ws:
            posts = await casey_ws.subscribe(THREAD_POSTS, thread_id(thread))
            notifications = await casey_ws.subscribe(NOTIFICATION_RECEIVED)
            await a.wait_for_subscribers(f"thread:{thread.id}")
            await a.wait_for_subscribers(f"member:{casey.id}")

            # when
            post = await b.reply(thread, f"From B, @{casey.handle}", b.token(forum["gil"]))

            # then A pushes the post (and, with notifications on, the mention)
            expected = {posts: "threadPosts"}
            if NOTIFICATION_CONSUMERS:
                expected[notifications] = "notificationReceived"
            received = {}
            for _ in expected:
                message = await casey_ws.receive()
                assert message["type"] == "next", message
                received[message["id"]] = message["payload"]["data"]
            assert received[posts]["threadPosts"]["id"] == post["id"]
            if NOTIFICATION_CONSUMERS:
                assert received[notifications]["notificationReceived"]["post"] == {"id": post["id"]}
