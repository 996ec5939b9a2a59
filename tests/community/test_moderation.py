"""Moderation through GraphQL over HTTP and through the services: flags, the queue, moderator
actions on posts, threads and members, the audit trail, and trust levels."""

import asyncio
import base64
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.app import create_app
from domain.community import events
from domain.community.models import (
    Flag,
    FlagStatus,
    MemberStanding,
    Post,
    PostStatus,
    Space,
    SpaceVisibility,
    Thread,
    ThreadWatch,
)
from domain.community.services import posting
from domain.community.services.flags import AUTO_HIDE_REASON, flag_post, resolve_flags
from domain.community.services.post_actions import PostAction, moderate_post
from domain.community.services.suspensions import suspend_member, unsuspend_member
from domain.community.services.thread_actions import (
    ThreadAction,
    merge_thread,
    moderate_thread,
    move_thread,
)
from domain.community.standing import recompute, trust_level_for
from domain.identity.models import Account, AccountKind, Member, Role
from domain.identity.policies import actor_for
from domain.shared.audit import AuditEntry
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow
from domain.shared.outbox import OutboxEvent
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

FLAG = "mutation($i: FlagPostInput!) { flagPost(input: $i) { post { id status } userErrors { field code } } }"
RESOLVE = "mutation($i: ResolveFlagsInput!) { resolveFlags(input: $i) { post { status } userErrors { field code } } }"
APPROVE = "mutation($i: ApprovePostInput!) { approvePost(input: $i) { post { status } userErrors { field code } } }"
REJECT = "mutation($i: RejectPostInput!) { rejectPost(input: $i) { post { status } userErrors { field code } } }"
MODERATE_POST = "mutation($i: ModeratePostInput!) { moderatePost(input: $i) { post { status } userErrors { field code } } }"
MODERATE_THREAD = "mutation($i: ModerateThreadInput!) { moderateThread(input: $i) { thread { locked closed pinned hidden } userErrors { field code } } }"
MOVE = "mutation($i: MoveThreadInput!) { moveThread(input: $i) { thread { space { slug threadCount } } userErrors { field code } } }"
MERGE = """
mutation($i: MergeThreadsInput!) {
  mergeThreads(input: $i) {
    source { id hidden locked postCount }
    target { id postCount replyCount posts(first: 10) { edges { node { number bodyMarkdown } } } }
    userErrors { field code }
  }
}
"""
SUSPEND = "mutation($i: SuspendMemberInput!) { suspendMember(input: $i) { standing { suspendedUntil member { name } } userErrors { field code } } }"
UNSUSPEND = "mutation($i: UnsuspendMemberInput!) { unsuspendMember(input: $i) { standing { suspendedUntil } userErrors { field code } } }"
REPLY = "mutation($i: ReplyInput!) { reply(input: $i) { post { number status } userErrors { field code } } }"
START = "mutation($i: StartThreadInput!) { startThread(input: $i) { thread { id hidden } userErrors { field code } } }"
QUEUE = """
query($first: Int, $after: String) {
  moderationQueue(first: $first, after: $after) {
    edges { cursor node {
      kind flagCount flagWeight queuedAt
      flags { reason weight flaggedBy { name } }
      post { id status } thread { id title }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
LOG = """
query($targetId: ID) {
  moderationLog(first: 50, targetId: $targetId) {
    edges { node { action targetId reason actor { name } } }
  }
}
"""
STANDING = """
query($m: ID!) {
  memberStanding(memberId: $m) {
    trustLevel replies flagsUpheld suspendedUntil canPostLinks flagWeight member { name }
  }
}
"""


@pytest.fixture
async def people(session):
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    return {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "csm": await create_member(session, vendor, {Role.CSM}, name="Cy Csm"),
        "mod": await create_member(session, acme, {Role.MODERATOR}, name="Mo Moderator"),
        "casey": await create_member(session, acme, name="Casey"),
        "gil": await create_member(session, globex, name="Gil"),
        "hal": await create_member(session, globex, name="Hal"),
        "ivy": await create_member(session, globex, name="Ivy"),
        "acme": acme,
        "vendor": vendor,
    }


async def fresh(session, model, id):
    return await session.get(model, id, populate_existing=True)


async def reply_ids(session, thread):
    rows = await session.scalars(
        select(Post.id).where(Post.thread_id == thread.id).order_by(Post.number)
    )
    return list(rows)


async def counted_space(session, threads):
    """A public space whose thread_count says it holds `threads` threads."""
    space = await create_space(session)
    space.thread_count = threads
    await session.flush()
    return space


async def set_standing(session, member, **counters):
    """A standing earned by these counters (the rest zero), trust level computed."""
    zero = dict.fromkeys(
        (
            "posts_read",
            "threads_created",
            "replies",
            "accepted_answers",
            "flags_upheld",
            "approved_posts",
        ),
        0,
    )
    standing = MemberStanding(member_id=member.id, **(zero | counters))
    recompute(standing)
    session.add(standing)
    await session.flush()
    return standing


def node_id(global_id_value):
    return int(base64.b64decode(global_id_value).split(b":")[1])


async def moderation_events(session, topic=None):
    statement = select(OutboxEvent).order_by(OutboxEvent.id)
    topics = (
        [topic]
        if topic
        else [
            events.POST_MODERATED,
            events.THREAD_MODERATED,
            events.MEMBER_SUSPENDED,
        ]
    )
    rows = await session.scalars(
        statement.where(OutboxEvent.topic.in_(topics)).execution_options(populate_existing=True)
    )
    return [row.payload for row in rows]


async def audit_entries(session):
    rows = await session.execute(
        select(
            AuditEntry.actor_member_id,
            AuditEntry.action,
            AuditEntry.target_type,
            AuditEntry.target_id,
            AuditEntry.reason,
        ).order_by(AuditEntry.id)
    )
    return [tuple(row) for row in rows]


# --- flags ----------------------------------------------------------------------------------


async def test_a_member_flags_a_post_once_and_never_their_own(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, replies=1)
    _, reply = await reply_ids(session, thread)
    private = await create_space(session, SpaceVisibility.ACCOUNT, account_id=people["acme"].id)
    private_thread = await create_thread(session, private, people["casey"].id)
    (private_post,) = await reply_ids(session, private_thread)
    await session.commit()
    gil = bearer(app, people["gil"])

    def flag(post_id, reason="Spam"):
        return {"i": {"postId": global_id("Post", post_id), "reason": reason}}

    first = await gql(client, FLAG, flag(reply), token=gil)
    again = await gql(client, FLAG, flag(reply, "Still spam"), token=gil)
    own = await gql(client, FLAG, flag(reply), token=bearer(app, people["casey"]))
    blank = await gql(client, FLAG, flag(reply, "  "), token=bearer(app, people["hal"]))
    too_long = await gql(client, FLAG, flag(reply, "x" * 1001), token=bearer(app, people["hal"]))
    unreadable = await gql(client, FLAG, flag(private_post), token=gil)

    assert first["data"]["flagPost"] == {
        "post": {"id": global_id("Post", reply), "status": "VISIBLE"},
        "userErrors": [],
    }
    assert again["data"]["flagPost"]["userErrors"] == [
        {"field": ["input", "postId"], "code": "ALREADY_FLAGGED"}
    ]
    assert own["data"]["flagPost"]["userErrors"] == [
        {"field": ["input", "postId"], "code": "INVALID_VALUE"}
    ]
    for refused in (blank, too_long):
        assert refused["data"]["flagPost"]["userErrors"] == [
            {"field": ["input", "reason"], "code": "INVALID_VALUE"}
        ]
    assert unreadable["data"]["flagPost"]["userErrors"] == [
        {"field": ["input", "postId"], "code": "NOT_FOUND"}
    ]
    flags = (await session.scalars(select(Flag))).all()
    assert [(f.post_id, f.member_id, f.reason, f.weight, f.status) for f in flags] == [
        (reply, people["gil"].id, "Spam", 1, FlagStatus.OPEN)
    ]


async def test_flags_weigh_by_trust_and_enough_weight_hides_the_post(app, client, session, people):
    # given a reply, a regular (trust 2: flags weigh 2) and a new member (weighs 1)
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, replies=1)
    _, reply = await reply_ids(session, thread)
    assert (await set_standing(session, people["gil"], posts_read=100, replies=10)).trust_level == 2
    await session.commit()
    variables = {"i": {"postId": global_id("Post", reply), "reason": "Abusive"}}

    # when the regular flags it: weight 2, still visible
    after_one = await gql(client, FLAG, variables, token=bearer(app, people["gil"]))
    assert after_one["data"]["flagPost"]["post"]["status"] == "VISIBLE"
    assert await audit_entries(session) == []

    # when the new member flags it too: weight 3 reaches the threshold
    after_two = await gql(client, FLAG, variables, token=bearer(app, people["hal"]))

    # then the post is hidden pending review, out of members' sight and counts
    assert after_two["data"]["flagPost"]["post"]["status"] == "HIDDEN"
    weights = await session.scalars(select(Flag.weight).order_by(Flag.id))
    assert list(weights) == [2, 1]
    assert (await fresh(session, Thread, thread.id)).reply_count == 0
    assert await audit_entries(session) == [
        (None, "post.auto_hide", "Post", reply, AUTO_HIDE_REASON)
    ]
    assert await moderation_events(session) == [
        {
            "member_id": people["casey"].id,
            "actor_id": None,
            "action": "hide_pending_review",
            "reason": AUTO_HIDE_REASON,
            "thread_id": thread.id,
            "post_id": reply,
        }
    ]
    posts = "query($id: ID!) { node(id: $id) { ... on Thread { posts { edges { node { number } } } } } }"
    seen = await gql(
        client, posts, {"id": global_id("Thread", thread.id)}, token=bearer(app, people["ivy"])
    )
    assert [e["node"]["number"] for e in seen["data"]["node"]["posts"]["edges"]] == [1]
    # a further flag neither hides again nor audits again
    await gql(client, FLAG, variables, token=bearer(app, people["ivy"]))
    assert len(await audit_entries(session)) == 1


async def test_flags_hiding_an_opening_post_hide_its_thread(session, people):
    space = await counted_space(session, 1)
    thread = await create_thread(session, space, people["casey"].id)
    (opening,) = await reply_ids(session, thread)
    now = utcnow()
    for who in ("gil", "hal", "ivy"):
        actor = actor_for(people[who], AccountKind.CUSTOMER)
        await flag_post(session, actor, now, opening, "Spam")
    assert (await fresh(session, Post, opening)).status is PostStatus.HIDDEN
    assert (await fresh(session, Thread, thread.id)).hidden is True
    assert (await fresh(session, Space, space.id)).thread_count == 0


# --- the queue ------------------------------------------------------------------------------


async def test_the_queue_is_for_moderators_and_lists_flagged_posts_oldest_first(
    app, client, session, people, statements
):
    # given flagged replies in a public space, and one in a staff-only space
    space = await create_space(session)
    staff = await create_space(session, SpaceVisibility.STAFF)
    public_threads = [
        await create_thread(session, space, people["casey"].id, replies=1) for _ in range(3)
    ]
    staff_thread = await create_thread(session, staff, people["csm"].id, replies=1)
    now = utcnow() - timedelta(hours=1)
    flagged = []
    for minutes, thread in enumerate([*public_threads, staff_thread]):
        _, reply = await reply_ids(session, thread)
        flagged.append(reply)
        for who in ("gil", "hal") if minutes == 0 else ("gil",):
            actor = actor_for(people[who], AccountKind.CUSTOMER)
            if thread is staff_thread:
                actor = actor_for(people["admin"], AccountKind.VENDOR)
            await flag_post(
                session, actor, now + timedelta(minutes=minutes), reply, f"{who}: off-topic"
            )
    await session.commit()

    # when a member asks: forbidden
    refused = await gql(client, QUEUE, token=bearer(app, people["gil"]))
    assert error_codes(refused) == ["FORBIDDEN"] and refused["data"] is None

    # when the customer moderator asks, a page at a time
    token = bearer(app, people["mod"])
    statements.reset()
    first = await gql(client, QUEUE, {"first": 2}, token=token)
    page_statements = statements.count
    page = first["data"]["moderationQueue"]
    assert page["pageInfo"]["hasNextPage"] is True
    nodes = [e["node"] for e in page["edges"]]
    assert nodes[0] == {
        "kind": "FLAGGED",
        "flagCount": 2,
        "flagWeight": 2,
        "queuedAt": nodes[0]["queuedAt"],
        "flags": [
            {"reason": "gil: off-topic", "weight": 1, "flaggedBy": {"name": "Gil"}},
            {"reason": "hal: off-topic", "weight": 1, "flaggedBy": {"name": "Hal"}},
        ],
        "post": {"id": global_id("Post", flagged[0]), "status": "VISIBLE"},
        "thread": {
            "id": global_id("Thread", public_threads[0].id),
            "title": public_threads[0].title,
        },
    }
    statements.reset()
    rest = await gql(
        client, QUEUE, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=token
    )
    assert statements.count == page_statements, statements.sql
    rest_page = rest["data"]["moderationQueue"]
    # then: oldest first, the staff-only space's post left out for a customer moderator
    assert [e["node"]["post"]["id"] for e in [*page["edges"], *rest_page["edges"]]] == [
        global_id("Post", p) for p in flagged[:3]
    ]
    assert rest_page["pageInfo"]["hasNextPage"] is False
    admin_view = await gql(client, QUEUE, {"first": 10}, token=bearer(app, people["admin"]))
    assert len(admin_view["data"]["moderationQueue"]["edges"]) == 4


# --- resolving flags ------------------------------------------------------------------------


async def test_upholding_flags_hides_the_post_and_costs_its_author_trust(
    app, client, session, people
):
    # given a reply by a member at trust level 2, flagged once
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, replies=1)
    _, reply = await reply_ids(session, thread)
    standing = await set_standing(session, people["casey"], posts_read=100, replies=12)
    assert standing.trust_level == 2
    await flag_post(
        session, actor_for(people["gil"], AccountKind.CUSTOMER), utcnow(), reply, "Rude"
    )
    await session.commit()
    variables = {"i": {"postId": global_id("Post", reply), "decision": "UPHOLD", "reason": "Rude"}}

    # when a member tries: forbidden, nothing changes
    refused = await gql(client, RESOLVE, variables, token=bearer(app, people["gil"]))
    assert error_codes(refused) == ["FORBIDDEN"]
    assert (await fresh(session, Post, reply)).status is PostStatus.VISIBLE

    # when a moderator upholds
    done = await gql(client, RESOLVE, variables, token=bearer(app, people["mod"]))

    # then
    assert done["data"]["resolveFlags"] == {"post": {"status": "HIDDEN"}, "userErrors": []}
    flag = await session.scalar(select(Flag).execution_options(populate_existing=True))
    assert (flag.status, flag.resolved_by_id) == (FlagStatus.UPHELD, people["mod"].id)
    standing = await fresh(session, MemberStanding, people["casey"].id)
    assert (standing.flags_upheld, standing.trust_level) == (1, 1)
    assert (await fresh(session, Thread, thread.id)).reply_count == 0
    again = await gql(client, RESOLVE, variables, token=bearer(app, people["mod"]))
    assert again["data"]["resolveFlags"]["userErrors"] == [
        {"field": ["input", "postId"], "code": "INVALID_VALUE"}
    ]


async def test_dismissing_flags_restores_only_what_the_flags_hid(app, client, session, people):
    # given one reply the flags hid, and one a moderator hid by hand after a single flag
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, replies=2)
    _, auto_hidden, hand_hidden = await reply_ids(session, thread)
    now = utcnow()
    for who in ("gil", "hal", "ivy"):
        actor = actor_for(people[who], AccountKind.CUSTOMER)
        await flag_post(session, actor, now, auto_hidden, "Spam?")
    await flag_post(
        session, actor_for(people["gil"], AccountKind.CUSTOMER), now, hand_hidden, "Spam?"
    )
    mod = actor_for(people["mod"], AccountKind.CUSTOMER)
    await moderate_post(session, mod, now, hand_hidden, PostAction.HIDE, "Off-topic")
    await session.commit()
    assert (await fresh(session, Thread, thread.id)).reply_count == 0
    token = bearer(app, people["mod"])

    # when the moderator dismisses the flags on both
    results = [
        await gql(
            client,
            RESOLVE,
            {"i": {"postId": global_id("Post", p), "decision": "DISMISS"}},
            token=token,
        )
        for p in (auto_hidden, hand_hidden)
    ]

    # then the auto-hidden one is back, the hand-hidden one stays hidden
    assert [r["data"]["resolveFlags"]["post"]["status"] for r in results] == ["VISIBLE", "HIDDEN"]
    assert (await fresh(session, Thread, thread.id)).reply_count == 1
    statuses = await session.scalars(select(Flag.status).where(Flag.status != FlagStatus.DISMISSED))
    assert list(statuses) == []
    standing = await fresh(session, MemberStanding, people["casey"].id)
    assert standing is None or standing.flags_upheld == 0


# --- held posts -----------------------------------------------------------------------------


@pytest.fixture
async def holding(settings, engine, session_factory):
    """An app that holds the posts of members below trust level 1 for review."""
    app = create_app(
        settings.model_copy(update={"hold_posts_below_trust_level": 1}),
        engine=engine,
        session_factory=session_factory,
        configure_logs=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        yield app, client


async def test_approving_held_posts_publishes_and_counts_them(holding, session, people):
    app, client = holding
    space = await counted_space(session, 1)
    existing = await create_thread(
        session, space, people["mod"].id, at=utcnow() - timedelta(days=1)
    )
    await session.commit()
    newcomer = bearer(app, people["gil"])

    # given a new member's thread and reply, both held
    started = await gql(
        client,
        START,
        {"i": {"spaceId": global_id("Space", space.id), "title": "Hello", "body": "Hi all"}},
        token=newcomer,
    )
    replied = await gql(
        client,
        REPLY,
        {"i": {"threadId": global_id("Thread", existing.id), "body": "Me too"}},
        token=newcomer,
    )
    await gql(
        client,
        REPLY,
        {"i": {"threadId": global_id("Thread", existing.id), "body": "Buy now"}},
        token=newcomer,
    )
    assert started["data"]["startThread"]["thread"]["hidden"] is True
    assert replied["data"]["reply"]["post"]["status"] == "HELD"
    new_thread_id = node_id(started["data"]["startThread"]["thread"]["id"])
    (held_opening,) = await reply_ids(session, await fresh(session, Thread, new_thread_id))
    _, held_reply, held_spam = await reply_ids(session, existing)
    assert (await fresh(session, Space, space.id)).thread_count == 1
    assert (await fresh(session, Thread, existing.id)).reply_count == 0
    queue = await gql(client, QUEUE, token=bearer(app, people["mod"]))
    assert [
        (e["node"]["kind"], e["node"]["post"]["id"])
        for e in queue["data"]["moderationQueue"]["edges"]
    ] == [("HELD", global_id("Post", p)) for p in (held_opening, held_reply, held_spam)]
    events_before = (await session.scalar(select(func.max(OutboxEvent.id)))) or 0

    # when a member tries to approve: forbidden
    approve_reply = {"i": {"postId": global_id("Post", held_reply)}}
    assert error_codes(await gql(client, APPROVE, approve_reply, token=newcomer)) == ["FORBIDDEN"]

    # when the moderator approves the reply and the thread, and rejects the spam
    token = bearer(app, people["mod"])
    approved = await gql(client, APPROVE, approve_reply, token=token)
    opening = await gql(
        client, APPROVE, {"i": {"postId": global_id("Post", held_opening)}}, token=token
    )
    rejected = await gql(
        client,
        REJECT,
        {"i": {"postId": global_id("Post", held_spam), "reason": "Advertising"}},
        token=token,
    )
    twice = await gql(client, APPROVE, approve_reply, token=token)

    # then they count, from now on
    assert approved["data"]["approvePost"] == {"post": {"status": "VISIBLE"}, "userErrors": []}
    assert opening["data"]["approvePost"]["post"]["status"] == "VISIBLE"
    assert rejected["data"]["rejectPost"]["post"]["status"] == "HIDDEN"
    assert twice["data"]["approvePost"]["userErrors"] == [
        {"field": ["input", "postId"], "code": "INVALID_VALUE"}
    ]
    replied_in = await fresh(session, Thread, existing.id)
    assert (replied_in.reply_count, replied_in.last_poster_id) == (1, people["gil"].id)
    assert replied_in.last_activity_at > utcnow() - timedelta(minutes=1)
    assert (await fresh(session, Thread, new_thread_id)).hidden is False
    assert (await fresh(session, Space, space.id)).thread_count == 2
    assert (await fresh(session, MemberStanding, people["gil"].id)).approved_posts == 2
    # and the notifications go out now
    topics = await session.execute(
        select(OutboxEvent.topic, OutboxEvent.payload)
        .where(OutboxEvent.id > events_before)
        .order_by(OutboxEvent.id)
    )
    assert [(t, p.get("post_id"), p.get("action")) for t, p in topics] == [
        (events.POST_MODERATED, held_reply, "approve"),
        (events.POST_CREATED, held_reply, None),
        (events.POST_MODERATED, held_opening, "approve"),
        (events.THREAD_CREATED, held_opening, None),
        (events.POST_CREATED, held_opening, None),
        (events.POST_MODERATED, held_spam, "reject"),
    ]


# --- threads --------------------------------------------------------------------------------


async def test_locking_stops_replies_until_unlocked(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id)
    await session.commit()
    thread_id = global_id("Thread", thread.id)
    lock = {"i": {"threadId": thread_id, "action": "LOCK", "reason": "Heated"}}
    reply = {"i": {"threadId": thread_id, "body": "One more thing"}}

    assert error_codes(
        await gql(client, MODERATE_THREAD, lock, token=bearer(app, people["gil"]))
    ) == ["FORBIDDEN"]
    locked = await gql(client, MODERATE_THREAD, lock, token=bearer(app, people["mod"]))
    assert locked["data"]["moderateThread"] == {
        "thread": {"locked": True, "closed": False, "pinned": False, "hidden": False},
        "userErrors": [],
    }
    again = await gql(client, MODERATE_THREAD, lock, token=bearer(app, people["mod"]))
    assert again["data"]["moderateThread"]["userErrors"] == [
        {"field": ["input", "action"], "code": "INVALID_VALUE"}
    ]
    refused = await gql(client, REPLY, reply, token=bearer(app, people["gil"]))
    assert refused["data"]["reply"]["userErrors"] == [
        {"field": ["input", "threadId"], "code": "THREAD_LOCKED"}
    ]
    unlock = {"i": {"threadId": thread_id, "action": "UNLOCK"}}
    await gql(client, MODERATE_THREAD, unlock, token=bearer(app, people["mod"]))
    allowed = await gql(client, REPLY, reply, token=bearer(app, people["gil"]))
    assert allowed["data"]["reply"]["userErrors"] == []
    assert await moderation_events(session) == [
        {
            "member_id": people["casey"].id,
            "actor_id": people["mod"].id,
            "action": "lock",
            "reason": "Heated",
            "thread_id": thread.id,
        },
        {
            "member_id": people["casey"].id,
            "actor_id": people["mod"].id,
            "action": "unlock",
            "reason": None,
            "thread_id": thread.id,
        },
    ]


async def test_hiding_a_thread_takes_it_out_of_its_space_count(session, people):
    space = await counted_space(session, 1)
    thread = await create_thread(session, space, people["casey"].id)
    mod = actor_for(people["mod"], AccountKind.CUSTOMER)
    await moderate_thread(session, mod, utcnow(), thread.id, ThreadAction.HIDE, "Spam")
    assert (await fresh(session, Space, space.id)).thread_count == 0
    await moderate_thread(session, mod, utcnow(), thread.id, ThreadAction.UNHIDE)
    assert (await fresh(session, Space, space.id)).thread_count == 1
    await moderate_thread(session, mod, utcnow(), thread.id, ThreadAction.PIN)
    assert (await fresh(session, Thread, thread.id)).pinned is True


async def test_moving_a_thread_keeps_space_counts_right(app, client, session, people):
    source = await counted_space(session, 2)
    target = await counted_space(session, 0)
    staff = await create_space(session, SpaceVisibility.STAFF)
    thread = await create_thread(session, source, people["casey"].id, replies=2)
    await create_thread(session, source, people["casey"].id)
    await session.commit()

    def move(space, reason="Belongs there"):
        return {
            "i": {
                "threadId": global_id("Thread", thread.id),
                "spaceId": global_id("Space", space.id),
                "reason": reason,
            }
        }

    token = bearer(app, people["mod"])
    assert error_codes(await gql(client, MOVE, move(target), token=bearer(app, people["gil"]))) == [
        "FORBIDDEN"
    ]
    moved = await gql(client, MOVE, move(target), token=token)
    assert moved["data"]["moveThread"] == {
        "thread": {"space": {"slug": target.slug, "threadCount": 1}},
        "userErrors": [],
    }
    assert (await fresh(session, Space, source.id)).thread_count == 1
    assert (await fresh(session, Thread, thread.id)).space_id == target.id
    same = await gql(client, MOVE, move(target), token=token)
    hidden_space = await gql(client, MOVE, move(staff), token=token)
    assert same["data"]["moveThread"]["userErrors"] == [
        {"field": ["input", "spaceId"], "code": "INVALID_VALUE"}
    ]
    assert hidden_space["data"]["moveThread"]["userErrors"] == [
        {"field": ["input", "spaceId"], "code": "NOT_FOUND"}
    ]


async def test_a_customer_moderator_cannot_move_private_talk_out(session, people):
    private = await create_space(session, SpaceVisibility.ACCOUNT, account_id=people["acme"].id)
    public = await create_space(session)
    thread = await create_thread(session, private, people["casey"].id)
    mod = actor_for(people["mod"], AccountKind.CUSTOMER)
    with pytest.raises(Forbidden):
        await move_thread(session, mod, utcnow(), thread.id, public.id, "Useful")
    admin = actor_for(people["admin"], AccountKind.VENDOR)
    await move_thread(session, admin, utcnow(), thread.id, public.id, "Useful")
    assert thread.space_id == public.id


async def test_merging_moves_posts_after_the_target_and_leaves_a_pointer(
    app, client, session, people
):
    # given a source thread (3 posts, one of them deleted) and a target (2 posts) in two spaces
    source_space = await counted_space(session, 1)
    target_space = await counted_space(session, 1)
    source = await create_thread(session, source_space, people["casey"].id, replies=2)
    target = await create_thread(session, target_space, people["mod"].id, replies=1)
    deleted = (await reply_ids(session, source))[2]
    (await fresh(session, Post, deleted)).deleted_at = utcnow()
    source.reply_count = 1
    session.add(ThreadWatch(member_id=people["gil"].id, thread_id=source.id))
    await session.commit()
    token = bearer(app, people["mod"])

    def merge(a, b):
        return {
            "i": {
                "sourceThreadId": global_id("Thread", a.id),
                "targetThreadId": global_id("Thread", b.id),
                "reason": "Duplicate",
            }
        }

    itself = await gql(client, MERGE, merge(target, target), token=token)
    assert itself["data"]["mergeThreads"]["userErrors"] == [
        {"field": ["input", "targetThreadId"], "code": "CANNOT_MERGE_INTO_ITSELF"}
    ]
    assert error_codes(
        await gql(client, MERGE, merge(source, target), token=bearer(app, people["gil"]))
    ) == ["FORBIDDEN"]

    # when
    merged = (await gql(client, MERGE, merge(source, target), token=token))["data"]["mergeThreads"]

    # then the posts follow the target's last one, and the counts add up
    assert merged["userErrors"] == []
    assert merged["source"] == {
        "id": global_id("Thread", source.id),
        "hidden": True,
        "locked": True,
        "postCount": 0,
    }
    assert (merged["target"]["postCount"], merged["target"]["replyCount"]) == (5, 3)
    bodies = [e["node"]["bodyMarkdown"] for e in merged["target"]["posts"]["edges"]]
    source_n, target_n = source.title.split()[-1], target.title.split()[-1]
    assert bodies == [
        f"Post 1 of thread {target_n}",
        f"Post 2 of thread {target_n}",
        f"Post 1 of thread {source_n}",
        f"Post 2 of thread {source_n}",
        f"Post 3 of thread {source_n}",
    ]
    assert [e["node"]["number"] for e in merged["target"]["posts"]["edges"]] == [1, 2, 3, 4, 5]
    stored = await fresh(session, Thread, source.id)
    assert stored.merged_into_id == target.id
    assert await session.scalar(select(func.count()).where(Post.thread_id == source.id)) == 0
    assert (await fresh(session, Space, source_space.id)).thread_count == 0
    assert (await fresh(session, Space, target_space.id)).thread_count == 1
    watching = await session.scalar(
        select(func.count()).where(
            ThreadWatch.thread_id == target.id, ThreadWatch.member_id == people["gil"].id
        )
    )
    assert watching == 1
    again = await gql(client, MERGE, merge(source, target), token=token)
    assert again["data"]["mergeThreads"]["userErrors"] == [
        {"field": ["input", "sourceThreadId"], "code": "INVALID_VALUE"}
    ]


# --- members --------------------------------------------------------------------------------


async def test_a_suspension_blocks_posting_until_its_time(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id)
    await session.commit()
    now = utcnow()
    until = now + timedelta(days=3)
    token = bearer(app, people["mod"])

    def suspend(member, when, reason="Repeated insults"):
        return {
            "i": {
                "memberId": global_id("Member", member.id),
                "until": when.isoformat(),
                "reason": reason,
            }
        }

    for when, reason, field in (
        (now - timedelta(minutes=1), "x", "until"),
        (now + timedelta(days=366), "x", "until"),
        (until, " ", "reason"),
    ):
        bad = await gql(client, SUSPEND, suspend(people["gil"], when, reason), token=token)
        assert bad["data"]["suspendMember"]["userErrors"] == [
            {"field": ["input", field], "code": "INVALID_VALUE"}
        ]
    assert error_codes(
        await gql(client, SUSPEND, suspend(people["gil"], until), token=bearer(app, people["hal"]))
    ) == ["FORBIDDEN"]
    # a customer moderator cannot suspend staff; an admin can
    assert error_codes(await gql(client, SUSPEND, suspend(people["csm"], until), token=token)) == [
        "FORBIDDEN"
    ]
    staff = await gql(
        client, SUSPEND, suspend(people["csm"], until), token=bearer(app, people["admin"])
    )
    assert staff["data"]["suspendMember"]["userErrors"] == []

    # when
    done = await gql(client, SUSPEND, suspend(people["gil"], until), token=token)

    # then posting is refused with the reason, until the time
    assert done["data"]["suspendMember"]["userErrors"] == []
    reply = {"i": {"threadId": global_id("Thread", thread.id), "body": "Let me in"}}
    refused = await gql(client, REPLY, reply, token=bearer(app, people["gil"]))
    assert error_codes(refused) == ["FORBIDDEN"]
    assert "suspended" in refused["errors"][0]["message"]
    gil = actor_for(people["gil"], AccountKind.CUSTOMER)
    later = posting.NewReply(thread_id=thread.id, body="Back again")
    await posting.reply(
        session, gil, app.state.community_rules, until + timedelta(seconds=1), later
    )
    # the member and moderators see the suspension; other members do not
    own = await gql(
        client,
        STANDING,
        {"m": global_id("Member", people["gil"].id)},
        token=bearer(app, people["gil"]),
    )
    other = await gql(
        client,
        STANDING,
        {"m": global_id("Member", people["gil"].id)},
        token=bearer(app, people["hal"]),
    )
    assert own["data"]["memberStanding"]["suspendedUntil"] is not None
    assert other["data"]["memberStanding"]["suspendedUntil"] is None
    assert other["data"]["memberStanding"]["flagsUpheld"] is None
    # lifted early
    lift = {"i": {"memberId": global_id("Member", people["gil"].id), "reason": "Apologised"}}
    lifted = await gql(client, UNSUSPEND, lift, token=token)
    assert lifted["data"]["unsuspendMember"] == {
        "standing": {"suspendedUntil": None},
        "userErrors": [],
    }
    allowed = await gql(client, REPLY, reply, token=bearer(app, people["gil"]))
    assert allowed["data"]["reply"]["userErrors"] == []
    assert (await moderation_events(session, events.MEMBER_SUSPENDED))[-2:] == [
        {
            "member_id": people["gil"].id,
            "actor_id": people["mod"].id,
            "action": "suspend",
            "reason": "Repeated insults",
        },
        {
            "member_id": people["gil"].id,
            "actor_id": people["mod"].id,
            "action": "unsuspend",
            "reason": "Apologised",
        },
    ]


# --- the audit trail ------------------------------------------------------------------------


async def test_every_action_is_in_the_moderation_log_with_actor_target_and_reason(
    app, client, session, people
):
    # given one of each action, by a customer moderator, plus one in a staff-only space
    space = await counted_space(session, 3)
    other_space = await create_space(session)
    staff_space = await create_space(session, SpaceVisibility.STAFF)
    thread = await create_thread(session, space, people["casey"].id, replies=2)
    duplicate = await create_thread(session, space, people["casey"].id)
    staff_thread = await create_thread(session, staff_space, people["csm"].id)
    _, hidden_reply, flagged_reply = await reply_ids(session, thread)
    now = utcnow()
    mod = actor_for(people["mod"], AccountKind.CUSTOMER)
    admin = actor_for(people["admin"], AccountKind.VENDOR)
    await flag_post(
        session, actor_for(people["gil"], AccountKind.CUSTOMER), now, flagged_reply, "Rude"
    )
    await resolve_flags(session, mod, now, flagged_reply, True, "r:uphold")
    await moderate_post(session, mod, now, hidden_reply, PostAction.HIDE, "r:hide")
    await moderate_post(session, mod, now, hidden_reply, PostAction.RESTORE, "r:restore")
    for action in ThreadAction:
        if action not in (ThreadAction.HIDE, ThreadAction.UNHIDE):
            await moderate_thread(session, mod, now, thread.id, action, f"r:{action}")
    await moderate_thread(session, mod, now, thread.id, ThreadAction.HIDE, "r:hide")
    await moderate_thread(session, mod, now, thread.id, ThreadAction.UNHIDE, "r:show")
    await move_thread(session, mod, now, thread.id, other_space.id, "r:move")
    await merge_thread(session, mod, now, duplicate.id, thread.id, "r:merge")
    await suspend_member(session, mod, now, people["gil"].id, now + timedelta(days=1), "r:suspend")
    await unsuspend_member(session, mod, now, people["gil"].id, "r:unsuspend")
    await moderate_thread(session, admin, now, staff_thread.id, ThreadAction.LOCK, "staff")
    await session.commit()

    # when the customer moderator reads the log
    log = await gql(client, LOG, token=bearer(app, people["mod"]))

    # then every action is there, newest first, with who, what and why
    entries = [e["node"] for e in log["data"]["moderationLog"]["edges"]]
    assert [(e["action"], e["targetId"], e["reason"], e["actor"]) for e in reversed(entries)] == [
        (
            "POST_FLAGS_UPHOLD",
            global_id("Post", flagged_reply),
            "r:uphold",
            {"name": "Mo Moderator"},
        ),
        ("POST_HIDE", global_id("Post", hidden_reply), "r:hide", {"name": "Mo Moderator"}),
        ("POST_RESTORE", global_id("Post", hidden_reply), "r:restore", {"name": "Mo Moderator"}),
        *[
            (f"THREAD_{a}", global_id("Thread", thread.id), f"r:{a}", {"name": "Mo Moderator"})
            for a in ("LOCK", "UNLOCK", "CLOSE", "REOPEN", "PIN", "UNPIN")
        ],
        ("THREAD_HIDE", global_id("Thread", thread.id), "r:hide", {"name": "Mo Moderator"}),
        ("THREAD_UNHIDE", global_id("Thread", thread.id), "r:show", {"name": "Mo Moderator"}),
        ("THREAD_MOVE", global_id("Thread", thread.id), "r:move", {"name": "Mo Moderator"}),
        ("THREAD_MERGE", global_id("Thread", duplicate.id), "r:merge", {"name": "Mo Moderator"}),
        (
            "MEMBER_SUSPEND",
            global_id("Member", people["gil"].id),
            "r:suspend",
            {"name": "Mo Moderator"},
        ),
        (
            "MEMBER_UNSUSPEND",
            global_id("Member", people["gil"].id),
            "r:unsuspend",
            {"name": "Mo Moderator"},
        ),
    ]
    # the staff-only space's entry is there for staff, and the log filters by target
    admin_log = await gql(client, LOG, token=bearer(app, people["admin"]))
    assert admin_log["data"]["moderationLog"]["edges"][0]["node"]["targetId"] == global_id(
        "Thread", staff_thread.id
    )
    one = await gql(
        client, LOG, {"targetId": global_id("Post", hidden_reply)}, token=bearer(app, people["mod"])
    )
    assert [e["node"]["action"] for e in one["data"]["moderationLog"]["edges"]] == [
        "POST_RESTORE",
        "POST_HIDE",
    ]
    assert error_codes(await gql(client, LOG, token=bearer(app, people["gil"]))) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("mutation", "input_of"),
    [
        (RESOLVE, lambda ids: {"postId": ids["post"], "decision": "UPHOLD"}),
        (APPROVE, lambda ids: {"postId": ids["post"]}),
        (REJECT, lambda ids: {"postId": ids["post"]}),
        (MODERATE_POST, lambda ids: {"postId": ids["post"], "action": "HIDE"}),
        (MODERATE_THREAD, lambda ids: {"threadId": ids["thread"], "action": "HIDE"}),
        (MOVE, lambda ids: {"threadId": ids["thread"], "spaceId": ids["space"]}),
        (MERGE, lambda ids: {"sourceThreadId": ids["thread"], "targetThreadId": ids["other"]}),
        (
            SUSPEND,
            lambda ids: {"memberId": ids["member"], "until": ids["until"], "reason": "x"},
        ),
        (UNSUSPEND, lambda ids: {"memberId": ids["member"]}),
    ],
)
async def test_members_are_forbidden_every_moderator_action_and_nothing_changes(
    app, client, session, people, mutation, input_of
):
    space = await counted_space(session, 2)
    other_space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, replies=1)
    other = await create_thread(session, space, people["casey"].id)
    _, reply = await reply_ids(session, thread)
    await session.commit()
    ids = {
        "post": global_id("Post", reply),
        "thread": global_id("Thread", thread.id),
        "other": global_id("Thread", other.id),
        "space": global_id("Space", other_space.id),
        "member": global_id("Member", people["casey"].id),
        "until": (utcnow() + timedelta(days=1)).isoformat(),
    }
    body = await gql(client, mutation, {"i": input_of(ids)}, token=bearer(app, people["gil"]))
    assert error_codes(body) == ["FORBIDDEN"]
    assert await audit_entries(session) == []
    assert await moderation_events(session) == []
    stored = await fresh(session, Thread, thread.id)
    assert (stored.hidden, stored.space_id, stored.reply_count) == (False, space.id, 1)
    assert (await fresh(session, Post, reply)).status is PostStatus.VISIBLE


# --- trust ----------------------------------------------------------------------------------


async def test_trust_unlocks_links_and_heavier_flags(app, client, session, people):
    space = await create_space(session)
    await set_standing(session, people["hal"], posts_read=20, replies=1)
    await set_standing(session, people["ivy"], accepted_answers=3)
    await session.commit()
    with_link = {
        "i": {
            "spaceId": global_id("Space", space.id),
            "title": "Docs",
            "body": "see [the docs](https://docs.example)",
        }
    }
    new_member = await gql(client, START, with_link, token=bearer(app, people["gil"]))
    basic = await gql(client, START, with_link, token=bearer(app, people["hal"]))
    assert new_member["data"]["startThread"]["userErrors"] == [
        {"field": ["input", "body"], "code": "LINKS_NOT_ALLOWED"}
    ]
    assert basic["data"]["startThread"]["userErrors"] == []
    standings = {
        who: (
            await gql(
                client,
                STANDING,
                {"m": global_id("Member", people[who].id)},
                token=bearer(app, people["casey"]),
            )
        )["data"]["memberStanding"]
        for who in ("gil", "hal", "ivy")
    }
    assert {
        w: (s["trustLevel"], s["canPostLinks"], s["flagWeight"]) for w, s in standings.items()
    } == {
        "gil": (0, False, 1),
        "hal": (1, True, 1),
        "ivy": (3, True, 3),
    }


def test_trust_levels_from_activity():
    def level(**counters):
        base = {
            "posts_read": 0,
            "threads_created": 0,
            "replies": 0,
            "accepted_answers": 0,
            "flags_upheld": 0,
            "approved_posts": 0,
        }
        return trust_level_for(MemberStanding(**(base | counters)))

    assert level() == 0
    assert level(posts_read=20, replies=1) == 1
    assert level(approved_posts=3) == 1
    assert level(posts_read=100, replies=10) == 2
    assert level(posts_read=100, replies=14, flags_upheld=1) == 1
    assert level(accepted_answers=3) == 3
    assert level(replies=50) == 3


# --- concurrency (PostgreSQL) ---------------------------------------------------------------

FLAGGERS = 8


async def test_concurrent_flags_count_once_each_and_hide_the_post_once(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent flags need real concurrent transactions: PostgreSQL only")
    # given committed data: every flag runs in its own transaction
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        account = await create_account(setup)
        author = await create_member(setup, account)
        flaggers = [await create_member(setup, account) for _ in range(FLAGGERS)]
        space = await counted_space(setup, 1)
        thread = await create_thread(setup, space, author.id, replies=1)
        _, reply = await reply_ids(setup, thread)
        await setup.commit()

    async def flag(member: Member, delay: float) -> None:
        await asyncio.sleep(delay)
        async with sessions() as session:
            actor = actor_for(member, AccountKind.CUSTOMER)
            await flag_post(session, actor, utcnow(), reply, "Spam")
            await session.commit()

    try:
        # when
        results = await asyncio.gather(
            *(flag(m, 0.002 * (i % 3)) for i, m in enumerate(flaggers)), return_exceptions=True
        )

        # then
        assert [r for r in results if isinstance(r, BaseException)] == []
        async with sessions() as check:
            assert (
                await check.scalar(
                    select(func.count()).where(
                        Flag.post_id == reply, Flag.status == FlagStatus.OPEN
                    )
                )
                == FLAGGERS
            )
            hides = await check.scalar(
                select(func.count()).where(
                    AuditEntry.target_type == "Post",
                    AuditEntry.target_id == reply,
                    AuditEntry.action == "post.auto_hide",
                )
            )
            assert hides == 1
            assert (await check.get(Post, reply)).status is PostStatus.HIDDEN
            assert (await check.get(Thread, thread.id)).reply_count == 0
            notices = await check.scalar(
                select(func.count()).where(
                    OutboxEvent.topic == events.POST_MODERATED,
                    OutboxEvent.payload["post_id"].as_integer() == reply,
                )
            )
            assert notices == 1
    finally:
        async with sessions() as cleanup:
            await cleanup.execute(
                delete(AuditEntry).where(
                    AuditEntry.target_type == "Post", AuditEntry.target_id == reply
                )
            )
            await cleanup.execute(
                delete(OutboxEvent).where(
                    OutboxEvent.payload["thread_id"].as_integer() == thread.id
                )
            )
            await cleanup.execute(delete(Thread).where(Thread.id == thread.id))
            await cleanup.execute(delete(Space).where(Space.id == space.id))
            await cleanup.execute(delete(Member).where(Member.account_id == account.id))
            await cleanup.execute(delete(Account).where(Account.id == account.id))
            await cleanup.commit()
