"""Notifications: written by the outbox worker, read and managed through GraphQL over HTTP."""

import pytest
from sqlalchemy import func, select, update

from domain.community import events
from domain.community.models import (
    Notification,
    NotificationKind,
    Post,
    PostStatus,
    SpaceVisibility,
    SpaceWatch,
    ThreadWatch,
)
from domain.community.policies import CommunityRules
from domain.identity.models import MemberStatus, Role
from domain.programs.models import Program, ProgramEnrolment, ProgramKind
from domain.shared.outbox import OutboxEvent, record_event
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

INBOX = """
query($first: Int, $after: String, $unreadOnly: Boolean) {
  unreadNotificationCount
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
    edges { node { id kind readAt message actor { handle } thread { id } post { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
INBOX_DEEP = """
query($first: Int) {
  notifications(first: $first) {
    edges { node {
      id kind createdAt
      actor { name account { name } }
      thread { title author { name } space { name } }
      post { number author { name } thread { title } }
    } }
  }
}
"""
START_THREAD = """
mutation($input: StartThreadInput!) {
  startThread(input: $input) { thread { id posts(first: 1) { edges { node { id } } } } userErrors { code } }
}
"""
REPLY = """
mutation($input: ReplyInput!) {
  reply(input: $input) { post { id status } userErrors { code } }
}
"""
WATCH = """
mutation($input: WatchInput!) { watch(input: $input) { watching userErrors { code } } }
"""
ACCEPT = """
mutation($input: AcceptAnswerInput!) { acceptAnswer(input: $input) { userErrors { code } } }
"""
MARK_READ = """
mutation($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) {
    notifications { id readAt }
    unreadNotificationCount
    userErrors { field code }
  }
}
"""
SET_PREFERENCE = """
mutation($input: SetNotificationPreferenceInput!) {
  setNotificationPreference(input: $input) { preference { kind enabled } userErrors { code } }
}
"""
PREFERENCES = "query { notificationPreferences { kind enabled } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Notification { id kind } } }"


@pytest.fixture
async def people(session):
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    return {
        "admin": await create_member(session, vendor, {Role.ADMIN}, handle="ada"),
        "staff": await create_member(session, vendor, {Role.CSM}, handle="sol"),
        "mod": await create_member(session, acme, {Role.MODERATOR}, handle="mo"),
        "casey": await create_member(session, acme, handle="casey"),
        "dana": await create_member(session, acme, handle="dana"),
        "gil": await create_member(session, globex, handle="gil"),
        "acme": acme,
    }


class Forum:
    """Acts through the API as given members and reads their inboxes."""

    def __init__(self, app, client):  # type: ignore[no-untyped-def]
        self.app, self.client = app, client

    async def call(self, member, query, variables=None):  # type: ignore[no-untyped-def]
        return await gql(self.client, query, variables, token=bearer(self.app, member))

    async def start_thread(self, member, space, body="Opening post", kind="DISCUSSION"):  # type: ignore[no-untyped-def]
        input = {"spaceId": global_id("Space", space.id), "title": "A thread", "body": body}
        body = await self.call(member, START_THREAD, {"input": input | {"kind": kind}})
        assert body["data"]["startThread"]["userErrors"] == [], body
        thread = body["data"]["startThread"]["thread"]
        return thread["id"], thread["posts"]["edges"][0]["node"]["id"]

    async def reply(self, member, thread_id, body="A reply"):  # type: ignore[no-untyped-def]
        result = await self.call(member, REPLY, {"input": {"threadId": thread_id, "body": body}})
        assert result["data"]["reply"]["userErrors"] == [], result
        return result["data"]["reply"]["post"]

    async def watch(self, member, id):  # type: ignore[no-untyped-def]
        result = await self.call(member, WATCH, {"input": {"id": id}})
        assert result["data"]["watch"]["userErrors"] == [], result

    async def inbox(self, member, **variables):  # type: ignore[no-untyped-def]
        body = await self.call(member, INBOX, variables)
        assert "errors" not in body, body
        return body["data"]

    async def kinds(self, member):  # type: ignore[no-untyped-def]
        """(kind, actor handle) of each notification, newest first."""
        data = await self.inbox(member)
        return [
            (n["node"]["kind"], (n["node"]["actor"] or {}).get("handle"))
            for n in data["notifications"]["edges"]
        ]

    async def drain(self) -> None:
        await self.app.state.dispatcher.drain()


@pytest.fixture
def forum(app, client):  # type: ignore[no-untyped-def]
    return Forum(app, client)


async def test_a_reply_notifies_the_threads_watchers_but_not_its_author(forum, session, people):
    # given casey's thread, watched by dana and by a suspended member
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    await forum.watch(people["dana"], thread_id)
    await forum.watch(people["mod"], thread_id)
    people["mod"].status = MemberStatus.SUSPENDED
    await session.commit()
    # when gil replies, and the worker runs
    post = await forum.reply(people["gil"], thread_id)
    await forum.drain()
    # then the active watchers hear of it, the author of the reply does not
    assert await forum.kinds(people["casey"]) == [("REPLY", "gil")]
    assert await forum.kinds(people["dana"]) == [("REPLY", "gil")]
    assert await forum.kinds(people["gil"]) == []
    assert await _count(session, people["mod"].id) == 0  # suspended: cannot even sign in
    data = await forum.inbox(people["casey"])
    node = data["notifications"]["edges"][0]["node"]
    assert (node["thread"]["id"], node["post"]["id"], node["readAt"]) == (
        thread_id,
        post["id"],
        None,
    )
    assert data["unreadNotificationCount"] == 1


async def test_a_mention_notifies_once_as_a_mention(forum, session, people):
    # given a space the admin watches
    space = await create_space(session)
    session.add(SpaceWatch(member_id=people["admin"].id, space_id=space.id))
    await session.commit()
    # when casey opens a thread mentioning dana and the (watching) admin
    thread_id, _ = await forum.start_thread(people["casey"], space, "Hi @dana and @ada")
    await forum.drain()
    # then each hears of it once: a mention beats the new-thread notice
    assert await forum.kinds(people["dana"]) == [("MENTION", "casey")]
    assert await forum.kinds(people["admin"]) == [("MENTION", "casey")]
    # when gil replies mentioning casey, who watches the thread as its author
    await forum.reply(people["gil"], thread_id, "@casey @gil see this")
    await forum.drain()
    # then casey gets a mention and no reply notice; nobody is told of mentioning themselves
    assert await forum.kinds(people["casey"]) == [("MENTION", "gil")]
    assert await forum.kinds(people["gil"]) == []
    # and a thread without mentions is a NEW_THREAD for the space's watchers
    await forum.start_thread(people["gil"], space)
    await forum.drain()
    assert [k for k, _ in await forum.kinds(people["admin"])] == ["NEW_THREAD", "MENTION"]


async def test_an_edit_that_adds_a_mention_notifies_only_the_new_member(forum, session, people):
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    post = await forum.reply(people["gil"], thread_id, "thanks @dana")
    await forum.drain()
    edit = "mutation($input: EditPostInput!) { editPost(input: $input) { userErrors { code } } }"
    body = await forum.call(
        people["gil"], edit, {"input": {"postId": post["id"], "body": "thanks @dana and @mo"}}
    )
    assert body["data"]["editPost"]["userErrors"] == []
    await forum.drain()
    assert await forum.kinds(people["mod"]) == [("MENTION", "gil")]
    assert await forum.kinds(people["dana"]) == [("MENTION", "gil")]


@pytest.mark.parametrize("visibility", ["STAFF", "ACCOUNT", "PROGRAM"])
async def test_members_who_may_not_read_the_space_are_never_notified(
    forum, session, people, visibility
):
    # given a space gil may not read, and a reader of it (as a positive control)
    author, reader = people["casey"], people["dana"]
    if visibility == "STAFF":
        author, reader = people["admin"], people["staff"]
        space = await create_space(session, SpaceVisibility.STAFF)
    elif visibility == "ACCOUNT":
        space = await create_space(session, SpaceVisibility.ACCOUNT, account_id=people["acme"].id)
    else:
        program = Program(kind=ProgramKind.BETA, name="Beta", codename="Owl")
        session.add(program)
        await session.flush()
        for member in (author, reader):
            session.add(ProgramEnrolment(program_id=program.id, member_id=member.id))
        space = await create_space(session, SpaceVisibility.PROGRAM, program_id=program.id)
    # gil watches the space and the thread (from before he lost access, say)
    thread = await create_thread(session, space, author.id)
    for member in (people["gil"], reader):
        session.add(SpaceWatch(member_id=member.id, space_id=space.id))
        session.add(ThreadWatch(member_id=member.id, thread_id=thread.id))
    await session.commit()
    # when the author opens a thread and replies, mentioning gil and the reader each time
    mentions = "@gil @" + reader.handle
    new_thread, _ = await forum.start_thread(author, space, mentions)
    await forum.reply(author, global_id("Thread", thread.id), mentions)
    await forum.reply(author, new_thread, "no mentions")
    await forum.drain()
    # then gil hears of nothing; the reader of the space hears of both mentions
    assert await forum.kinds(people["gil"]) == []
    assert await _count(session, people["gil"].id) == 0
    assert await forum.kinds(reader) == [("MENTION", author.handle)] * 2


async def test_held_posts_notify_no_one_until_approved(app, forum, session, people):
    # given casey's thread, and posts of new members held for review
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    app.state.community_rules = CommunityRules(hold_posts_below_trust_level=1)
    # when gil (trust level 0) replies mentioning dana
    post = await forum.reply(people["gil"], thread_id, "@dana what do you think?")
    assert post["status"] == "HELD"
    await forum.drain()
    # then nobody hears of it
    assert await forum.kinds(people["casey"]) == []
    assert await forum.kinds(people["dana"]) == []
    # when a moderator approves it (the post becomes visible and POST_CREATED comes again)
    held = await session.get(Post, await _post_id(session, people["gil"].id))
    held.status = PostStatus.VISIBLE
    record_event(session, events.POST_CREATED, {"thread_id": held.thread_id, "post_id": held.id})
    await session.commit()
    await forum.drain()
    # then they do, once
    assert await forum.kinds(people["casey"]) == [("REPLY", "gil")]
    assert await forum.kinds(people["dana"]) == [("MENTION", "gil")]


async def test_a_kind_turned_off_is_not_delivered(forum, session, people):
    # given casey turns replies off
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    await forum.watch(people["dana"], thread_id)
    body = await forum.call(
        people["casey"], SET_PREFERENCE, {"input": {"kind": "REPLY", "enabled": False}}
    )
    assert body["data"]["setNotificationPreference"] == {
        "preference": {"kind": "REPLY", "enabled": False},
        "userErrors": [],
    }
    preferences = (await forum.call(people["casey"], PREFERENCES))["data"]
    assert preferences["notificationPreferences"] == [
        {"kind": kind.value, "enabled": kind is not NotificationKind.REPLY}
        for kind in NotificationKind
    ]
    # and dana, a watcher too, turns mentions off
    await forum.call(
        people["dana"], SET_PREFERENCE, {"input": {"kind": "MENTION", "enabled": False}}
    )
    # when gil replies, mentioning dana
    await forum.reply(people["gil"], thread_id, "@dana has the answer")
    await forum.drain()
    # then casey hears nothing; dana still hears of the reply, as a reply
    assert await forum.kinds(people["casey"]) == []
    assert await forum.kinds(people["dana"]) == [("REPLY", "gil")]
    # when casey turns replies back on, the next reply reaches them
    await forum.call(people["casey"], SET_PREFERENCE, {"input": {"kind": "REPLY", "enabled": True}})
    await forum.reply(people["gil"], thread_id)
    await forum.drain()
    assert await forum.kinds(people["casey"]) == [("REPLY", "gil")]


async def test_read_state_unread_filter_and_counts(forum, session, people):
    # given three notifications for casey
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    for _ in range(3):
        await forum.reply(people["gil"], thread_id)
    await forum.drain()
    data = await forum.inbox(people["casey"])
    ids = [edge["node"]["id"] for edge in data["notifications"]["edges"]]
    assert (len(ids), data["unreadNotificationCount"]) == (3, 3)

    # when casey marks the newest read
    body = await forum.call(people["casey"], MARK_READ, {"input": {"ids": [ids[0]]}})
    # then
    payload = body["data"]["markNotificationsRead"]
    assert payload["userErrors"] == [] and payload["unreadNotificationCount"] == 2
    assert [n["id"] for n in payload["notifications"]] == [ids[0]]
    assert payload["notifications"][0]["readAt"] is not None
    unread = await forum.inbox(people["casey"], unreadOnly=True)
    assert [e["node"]["id"] for e in unread["notifications"]["edges"]] == ids[1:]
    page = await forum.inbox(people["casey"], first=2)
    assert page["notifications"]["pageInfo"]["hasNextPage"] is True
    rest = await forum.inbox(people["casey"], after=page["notifications"]["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in rest["notifications"]["edges"]] == ids[2:]

    # when gil tries to mark casey's notification, or input is malformed: nothing changes
    for member, input, expected in [
        (people["gil"], {"ids": [ids[1]]}, [(["input", "ids"], "NOT_FOUND")]),
        (people["casey"], {"ids": [ids[1]], "all": True}, [(["input"], "INVALID_VALUE")]),
        (people["casey"], {}, [(["input"], "INVALID_VALUE")]),
        (people["casey"], {"ids": [ids[1]] * 101}, [(["input", "ids"], "TOO_MANY_ITEMS")]),
        (
            people["casey"],
            {"ids": [global_id("Thread", 1)]},
            [(["input", "ids"], "NOT_FOUND")],
        ),
    ]:
        body = await forum.call(member, MARK_READ, {"input": input})
        payload = body["data"]["markNotificationsRead"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == expected, input
        assert payload["unreadNotificationCount"] is None
    assert (await forum.inbox(people["casey"]))["unreadNotificationCount"] == 2

    # when casey marks all read
    body = await forum.call(people["casey"], MARK_READ, {"input": {"all": True}})
    # then
    assert body["data"]["markNotificationsRead"]["unreadNotificationCount"] == 0
    unread = await forum.inbox(people["casey"], unreadOnly=True)
    assert unread["notifications"]["edges"] == [] and unread["unreadNotificationCount"] == 0


async def test_delivering_events_again_creates_no_duplicates(forum, session, people):
    # given notifications from a thread, a mention and an accepted answer
    space = await create_space(session)
    session.add(SpaceWatch(member_id=people["dana"].id, space_id=space.id))
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space, "@mo hi", kind="QUESTION")
    answer = await forum.reply(people["gil"], thread_id, "@dana knows")
    await forum.call(people["casey"], ACCEPT, {"input": {"postId": answer["id"]}})
    await forum.drain()
    count = select(func.count()).select_from(Notification)
    before = await session.scalar(count)
    assert before == 5  # mo: MENTION; dana: NEW_THREAD, MENTION; casey: REPLY; gil: ANSWER_ACCEPTED
    # when every event is delivered again (at-least-once), and the worker drains twice more
    await session.execute(update(OutboxEvent).values(processed_at=None))
    await session.commit()
    await forum.drain()
    await forum.drain()
    # then nothing new
    assert await session.scalar(count) == before


async def test_an_accepted_answer_notifies_its_author_unless_they_accepted_it(
    forum, session, people
):
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space, kind="QUESTION")
    gils = await forum.reply(people["gil"], thread_id)
    mos = await forum.reply(people["mod"], thread_id)
    await forum.drain()
    # when casey accepts gil's answer, then the moderator accepts their own
    await forum.call(people["casey"], ACCEPT, {"input": {"postId": gils["id"]}})
    await forum.call(people["mod"], ACCEPT, {"input": {"postId": mos["id"]}})
    await forum.drain()
    # then gil hears of it from casey; the moderator is not told of their own act
    assert await forum.kinds(people["gil"]) == [("ANSWER_ACCEPTED", "casey"), ("REPLY", "mo")]
    assert await forum.kinds(people["mod"]) == []


async def test_a_moderation_event_notifies_the_affected_member(forum, session, people):
    # given gil's reply, hidden by a moderator
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    await forum.reply(people["gil"], thread_id)
    await forum.drain()
    post_id = await _post_id(session, people["gil"].id)
    await session.execute(update(Post).where(Post.id == post_id).values(status=PostStatus.HIDDEN))
    payload = {"member_id": people["gil"].id, "actor_id": people["mod"].id}
    record_event(
        session,
        events.POST_MODERATED,
        payload | {"action": "HIDE", "reason": "off topic", "post_id": post_id},
    )
    record_event(session, events.MEMBER_SUSPENDED, payload | {"action": "suspend", "reason": None})
    own = {"member_id": people["mod"].id, "actor_id": people["mod"].id, "action": "lock"}
    record_event(session, events.THREAD_MODERATED, own | {"reason": None, "thread_id": 1})
    await session.commit()
    # when
    await forum.drain()
    # then gil is told, without the moderator's name and without the post he can no longer see
    data = await forum.inbox(people["gil"])
    nodes = [edge["node"] for edge in data["notifications"]["edges"]]
    assert [(n["kind"], n["message"], n["actor"], n["post"]) for n in nodes] == [
        ("MODERATION", "A moderator acted on your account: suspend.", None, None),
        ("MODERATION", "A moderator acted on your post: hide. Reason: off topic", None, None),
    ]
    assert nodes[1]["thread"] == {"id": thread_id} and nodes[0]["thread"] is None
    assert await forum.kinds(people["mod"]) == []


async def test_a_notification_shows_only_what_its_recipient_may_read_now(forum, session, people):
    # given casey was notified of gil's reply
    space = await create_space(session)
    await session.commit()
    thread_id, _ = await forum.start_thread(people["casey"], space)
    await forum.reply(people["gil"], thread_id)
    await forum.drain()
    node = (await forum.inbox(people["casey"]))["notifications"]["edges"][0]["node"]
    # when the reply is hidden
    await session.execute(
        update(Post)
        .where(Post.id == await _post_id(session, people["gil"].id))
        .values(status=PostStatus.HIDDEN)
    )
    await session.commit()
    # then the notification stays, pointing at the thread only
    again = (await forum.inbox(people["casey"]))["notifications"]["edges"][0]["node"]
    assert (again["id"], again["thread"], again["post"]) == (node["id"], {"id": thread_id}, None)
    # and only casey may fetch it by id
    assert (await forum.call(people["casey"], NODE, {"id": node["id"]}))["data"]["node"] == {
        "id": node["id"],
        "kind": "REPLY",
    }
    assert (await forum.call(people["gil"], NODE, {"id": node["id"]}))["data"]["node"] is None
    # and nobody without credentials sees an inbox
    body = await gql(forum.client, INBOX)
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_the_inbox_costs_the_same_number_of_statements_for_2_or_20(
    app, client, session, people, statements
):
    counts = []
    for size in (2, 20):
        # given `size` notifications for a fresh member, each about another member's reply
        reader = await create_member(session, people["acme"])
        for _ in range(size):
            author = await create_member(session, people["acme"])
            thread = await create_thread(session, await create_space(session), author.id, replies=1)
            reply = await session.scalar(
                select(Post).where(Post.thread_id == thread.id, Post.number == 2)
            )
            session.add(
                Notification(
                    recipient_id=reader.id,
                    kind=NotificationKind.REPLY,
                    actor_id=author.id,
                    thread_id=thread.id,
                    post_id=reply.id,
                    dedupe_key=reply.id,
                )
            )
        await session.commit()
        token = bearer(app, reader)
        # when
        statements.reset()
        body = await gql(client, INBOX_DEEP, {"first": 50}, token=token)
        # then
        assert "errors" not in body, body
        assert len(body["data"]["notifications"]["edges"]) == size
        counts.append(statements.count)
    assert counts[0] == counts[1], counts


async def test_the_worker_costs_the_same_number_of_statements_for_3_or_30_watchers(
    forum, session, people, statements
):
    counts = []
    for size in (3, 30):
        # given a thread watched by `size` members
        space = await create_space(session)
        thread = await create_thread(session, space, people["casey"].id)
        for _ in range(size):
            watcher = await create_member(session, people["acme"])
            session.add(ThreadWatch(member_id=watcher.id, thread_id=thread.id))
        await session.commit()
        await forum.reply(people["gil"], global_id("Thread", thread.id))
        # when the worker handles the reply
        statements.reset()
        await forum.drain()
        # then every watcher is notified, in a fixed number of statements
        assert (
            await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.thread_id == thread.id)
            )
            == size
        )
        counts.append(statements.count)
    assert counts[0] == counts[1], counts


async def _post_id(session, author_id: int) -> int:  # type: ignore[no-untyped-def]
    """The latest post of an author."""
    return await session.scalar(
        select(Post.id).where(Post.author_id == author_id).order_by(Post.id.desc()).limit(1)
    )


async def _count(session, recipient_id: int) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == recipient_id)
    )
