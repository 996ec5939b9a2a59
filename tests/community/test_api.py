"""Forums through GraphQL over HTTP."""

import pytest
from sqlalchemy import func, select

from domain.community.models import Post, PostRevision, SpaceVisibility, Thread, ThreadKind
from domain.identity.models import Role
from domain.programs.models import Program, ProgramEnrolment, ProgramKind
from domain.shared.audit import AuditEntry
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

START_THREAD = """
mutation($input: StartThreadInput!) {
  startThread(input: $input) {
    thread { id title kind tags replyCount author { name } posts(first: 5) { edges { node { id number bodyHtml } } } }
    userErrors { field code message }
  }
}
"""
REPLY = """
mutation($input: ReplyInput!) {
  reply(input: $input) { post { id number bodyHtml bodyMarkdown parent { id } } userErrors { field code } }
}
"""
FEED = """
query($slug: String!, $first: Int, $after: String, $order: ThreadOrder) {
  space(slug: $slug) {
    threads(first: $first, after: $after, order: $order) {
      edges { node { id title replyCount lastActivityAt unreadCount viewerReactions
                     author { name account { name } } } }
      pageInfo { hasNextPage endCursor }
    }
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
        "mod": await create_member(session, acme, {Role.MODERATOR}, name="Mo Moderator"),
        "casey": await create_member(session, acme, name="Casey", handle="casey"),
        "gil": await create_member(session, globex, name="Gil", handle="gil"),
        "acme": acme,
        "globex": globex,
    }


async def test_start_thread_and_reply_render_sanitized_html(app, client, session, people):
    space = await create_space(session)
    await session.commit()
    token = bearer(app, people["casey"])
    body = await gql(
        client,
        START_THREAD,
        {
            "input": {
                "spaceId": global_id("Space", space.id),
                "kind": "QUESTION",
                "title": "  How to export? ",
                "body": "Hi <script>alert(1)</script> **all** @gil",
                "tags": ["Export", "export", "api"],
            }
        },
        token=token,
    )
    payload = body["data"]["startThread"]
    assert payload["userErrors"] == []
    thread = payload["thread"]
    assert (thread["title"], thread["kind"], thread["tags"]) == (
        "How to export?",
        "QUESTION",
        ["export", "api"],
    )
    html = thread["posts"]["edges"][0]["node"]["bodyHtml"]
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>all</strong>" in html

    reply = await gql(
        client,
        REPLY,
        {"input": {"threadId": thread["id"], "body": "Use the CSV button"}},
        token=bearer(app, people["gil"]),
    )
    assert reply["data"]["reply"]["post"]["number"] == 2
    feed = await gql(client, FEED, {"slug": space.slug}, token=token)
    node = feed["data"]["space"]["threads"]["edges"][0]["node"]
    assert node["replyCount"] == 1 and node["unreadCount"] == 2


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"body": "   "}, "body", "EMPTY_BODY"),
        ({"body": "x" * 20_001}, "body", "BODY_TOO_LONG"),
        ({"title": ""}, "title", "INVALID_VALUE"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags", "TOO_MANY_ITEMS"),
        ({"body": "see [this](https://evil.example)"}, "body", "LINKS_NOT_ALLOWED"),
    ],
)
async def test_bad_thread_input_is_a_user_error_and_creates_nothing(
    app, client, session, people, variables, field, code
):
    space = await create_space(session)
    await session.commit()
    input = {"spaceId": global_id("Space", space.id), "title": "Fine", "body": "Fine"} | variables
    body = await gql(client, START_THREAD, {"input": input}, token=bearer(app, people["casey"]))
    assert body["data"]["startThread"]["thread"] is None
    assert [(e["field"], e["code"]) for e in body["data"]["startThread"]["userErrors"]] == [
        (["input", field], code)
    ]
    assert await session.scalar(select(func.count()).select_from(Thread)) == 0


async def test_unknown_or_unreadable_space_is_not_found(app, client, session, people):
    staff_only = await create_space(session, SpaceVisibility.STAFF)
    await session.commit()
    for space_id in (global_id("Space", staff_only.id), global_id("Space", 999_999)):
        body = await gql(
            client,
            START_THREAD,
            {"input": {"spaceId": space_id, "title": "t", "body": "b"}},
            token=bearer(app, people["casey"]),
        )
        assert body["data"]["startThread"]["userErrors"] == [
            {"field": ["input", "spaceId"], "code": "NOT_FOUND", "message": "space not found"}
        ]


async def test_locked_thread_refuses_replies_except_from_moderators(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, locked=True)
    await session.commit()
    variables = {"input": {"threadId": global_id("Thread", thread.id), "body": "me too"}}
    refused = await gql(client, REPLY, variables, token=bearer(app, people["gil"]))
    assert refused["data"]["reply"]["userErrors"] == [
        {"field": ["input", "threadId"], "code": "THREAD_LOCKED"}
    ]
    allowed = await gql(client, REPLY, variables, token=bearer(app, people["mod"]))
    assert allowed["data"]["reply"]["userErrors"] == []


async def test_reacting_twice_is_refused_and_counts_stay_right(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id)
    post_id = await session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    await session.commit()
    mutation = "mutation($i: ReactionInput!) { addReaction(input: $i) { post { reactionCount viewerReactions } userErrors { code } } }"
    variables = {"i": {"postId": global_id("Post", post_id), "kind": "HEART"}}
    first = await gql(client, mutation, variables, token=bearer(app, people["gil"]))
    second = await gql(client, mutation, variables, token=bearer(app, people["gil"]))
    assert first["data"]["addReaction"] == {
        "post": {"reactionCount": 1, "viewerReactions": ["HEART"]},
        "userErrors": [],
    }
    assert second["data"]["addReaction"] == {
        "post": None,
        "userErrors": [{"code": "ALREADY_REACTED"}],
    }
    await session.refresh(thread)
    assert thread.reaction_count == 1


async def test_accepting_answers(app, client, session, people):
    space = await create_space(session)
    question = await create_thread(
        session, space, people["casey"].id, kind=ThreadKind.QUESTION, replies=2
    )
    discussion = await create_thread(session, space, people["casey"].id, replies=1)
    answers = (
        await session.scalars(
            select(Post.id).where(Post.thread_id == question.id).order_by(Post.number)
        )
    ).all()
    discussion_reply = await session.scalar(
        select(Post.id).where(Post.thread_id == discussion.id, Post.number == 2)
    )
    await session.commit()
    accept = "mutation($i: AcceptAnswerInput!) { acceptAnswer(input: $i) { thread { acceptedAnswer { number } } userErrors { code } } }"

    not_question = await gql(
        client,
        accept,
        {"i": {"postId": global_id("Post", discussion_reply)}},
        token=bearer(app, people["casey"]),
    )
    assert not_question["data"]["acceptAnswer"]["userErrors"] == [{"code": "NOT_A_QUESTION"}]
    not_asker = await gql(
        client,
        accept,
        {"i": {"postId": global_id("Post", answers[1])}},
        token=bearer(app, people["gil"]),
    )
    assert error_codes(not_asker) == ["FORBIDDEN"]
    by_asker = await gql(
        client,
        accept,
        {"i": {"postId": global_id("Post", answers[1])}},
        token=bearer(app, people["casey"]),
    )
    assert by_asker["data"]["acceptAnswer"] == {
        "thread": {"acceptedAnswer": {"number": 2}},
        "userErrors": [],
    }
    by_moderator = await gql(
        client,
        accept,
        {"i": {"postId": global_id("Post", answers[2])}},
        token=bearer(app, people["mod"]),
    )
    assert by_moderator["data"]["acceptAnswer"]["thread"]["acceptedAnswer"] == {"number": 3}
    actions = (
        await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_id == question.id)
            .order_by(AuditEntry.id)
        )
    ).all()
    assert actions == ["answer.accept", "answer.unaccept", "answer.accept"]


async def test_editing_keeps_revisions_and_only_the_author_may(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id)
    post_id = await session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    await session.commit()
    edit = "mutation($i: EditPostInput!) { editPost(input: $i) { post { bodyMarkdown editedAt } userErrors { code } } }"
    variables = {"i": {"postId": global_id("Post", post_id), "body": "Better words"}}
    assert error_codes(await gql(client, edit, variables, token=bearer(app, people["gil"]))) == [
        "FORBIDDEN"
    ]
    done = await gql(client, edit, variables, token=bearer(app, people["casey"]))
    assert done["data"]["editPost"]["post"]["bodyMarkdown"] == "Better words"
    revisions = (
        await session.scalars(
            select(PostRevision.body_markdown).where(PostRevision.post_id == post_id)
        )
    ).all()
    original = f"Post 1 of thread {thread.title.split()[-1]}"
    assert revisions == [original]
    history = "query($id: ID!) { node(id: $id) { ... on Post { revisions { bodyMarkdown editor { name } } } } }"
    own = await gql(
        client, history, {"id": global_id("Post", post_id)}, token=bearer(app, people["casey"])
    )
    assert own["data"]["node"]["revisions"] == [
        {"bodyMarkdown": original, "editor": {"name": "Casey"}}
    ]
    others = await gql(
        client, history, {"id": global_id("Post", post_id)}, token=bearer(app, people["gil"])
    )
    assert others["data"]["node"]["revisions"] is None


async def test_deleted_posts_disappear_for_members_not_for_moderators(app, client, session, people):
    space = await create_space(session)
    thread = await create_thread(session, space, people["casey"].id, replies=1)
    reply_id = await session.scalar(
        select(Post.id).where(Post.thread_id == thread.id, Post.number == 2)
    )
    await session.commit()
    delete = "mutation($i: DeletePostInput!) { deletePost(input: $i) { post { deleted } userErrors { code } } }"
    assert (
        await gql(
            client,
            delete,
            {"i": {"postId": global_id("Post", reply_id)}},
            token=bearer(app, people["casey"]),
        )
    )["data"]["deletePost"]["post"] == {"deleted": True}
    posts = "query($id: ID!) { node(id: $id) { ... on Thread { replyCount posts { edges { node { number } } } } } }"
    member_view = await gql(
        client, posts, {"id": global_id("Thread", thread.id)}, token=bearer(app, people["gil"])
    )
    mod_view = await gql(
        client, posts, {"id": global_id("Thread", thread.id)}, token=bearer(app, people["mod"])
    )
    assert [e["node"]["number"] for e in member_view["data"]["node"]["posts"]["edges"]] == [1]
    assert member_view["data"]["node"]["replyCount"] == 0
    assert [e["node"]["number"] for e in mod_view["data"]["node"]["posts"]["edges"]] == [1, 2]


async def test_visibility_rule_holds_on_every_surface(app, client, session, people):
    # given a space per rule, each with one thread by an insider
    program = Program(kind=ProgramKind.BETA, name="Beta", codename="Nightjar")
    session.add(program)
    await session.flush()
    session.add(ProgramEnrolment(program_id=program.id, member_id=people["gil"].id))
    spaces = {
        "public": await create_space(session, SpaceVisibility.PUBLIC),
        "staff": await create_space(session, SpaceVisibility.STAFF),
        "acme": await create_space(session, SpaceVisibility.ACCOUNT, account_id=people["acme"].id),
        "beta": await create_space(session, SpaceVisibility.PROGRAM, program_id=program.id),
    }
    threads = {
        name: await create_thread(session, space, people["admin"].id)
        for name, space in spaces.items()
    }
    await session.commit()
    expected = {
        "casey": {"public", "acme"},
        "gil": {"public", "beta"},
        "admin": {"public", "staff", "acme", "beta"},
    }
    for who, readable in expected.items():
        token = bearer(app, people[who])
        # spaces list
        listed = await gql(client, "query { spaces { slug } }", token=token)
        assert {s["slug"] for s in listed["data"]["spaces"]} == {
            spaces[n].slug for n in readable
        }, who
        for name, space in spaces.items():
            visible = name in readable
            # node (space and thread) and the space feed
            node = await gql(
                client,
                "query($id: ID!) { node(id: $id) { id } }",
                {"id": global_id("Thread", threads[name].id)},
                token=token,
            )
            assert (node["data"]["node"] is not None) == visible, (who, name)
            feed = await gql(client, FEED, {"slug": space.slug}, token=token)
            assert (feed["data"]["space"] is not None) == visible, (who, name)
        # what's new and a member's activity
        new = await gql(
            client, "query { whatsNew(first: 50) { edges { node { id } } } }", token=token
        )
        assert {e["node"]["id"] for e in new["data"]["whatsNew"]["edges"]} == {
            global_id("Thread", threads[n].id) for n in readable
        }, who
        activity = await gql(
            client,
            "query($m: ID!) { memberActivity(memberId: $m, first: 50) { edges { node { thread { id } } } } }",
            {"m": global_id("Member", people["admin"].id)},
            token=token,
        )
        assert {e["node"]["thread"]["id"] for e in activity["data"]["memberActivity"]["edges"]} == {
            global_id("Thread", threads[n].id) for n in readable
        }, who


async def test_space_feed_statements_are_constant_and_order_is_latest_activity(
    app, client, session, people, statements
):
    from datetime import timedelta

    from domain.shared.models import utcnow

    space = await create_space(session)
    base = utcnow() - timedelta(days=1)
    authors = [people["casey"], people["gil"], people["mod"]]
    for i in range(30):
        await create_thread(
            session, space, authors[i % 3].id, replies=i % 4, at=base + timedelta(minutes=i)
        )
    pinned = await create_thread(
        session, space, people["admin"].id, at=base - timedelta(days=5), pinned=True
    )
    await session.commit()
    token = bearer(app, people["casey"])
    statements.reset()
    await gql(client, FEED, {"slug": space.slug, "first": 3}, token=token)
    small_count = statements.count
    statements.reset()
    large = await gql(client, FEED, {"slug": space.slug, "first": 25}, token=token)
    assert statements.count == small_count, statements.sql
    edges = large["data"]["space"]["threads"]["edges"]
    assert edges[0]["node"]["id"] == global_id("Thread", pinned.id)
    times = [e["node"]["lastActivityAt"] for e in edges[1:]]
    assert times == sorted(times, reverse=True)
    # the next page continues where this one ended, without overlap
    after = large["data"]["space"]["threads"]["pageInfo"]["endCursor"]
    rest = await gql(client, FEED, {"slug": space.slug, "first": 25, "after": after}, token=token)
    ids = [e["node"]["id"] for e in edges] + [
        e["node"]["id"] for e in rest["data"]["space"]["threads"]["edges"]
    ]
    assert len(ids) == len(set(ids)) == 31


async def test_a_quoted_post_from_a_space_you_cannot_read_stays_hidden(
    app, client, session, people
):
    # given a staff-only post, quoted by staff into a public thread
    staff_space = await create_space(session, SpaceVisibility.STAFF)
    public_space = await create_space(session)
    secret = await create_thread(session, staff_space, people["admin"].id)
    public = await create_thread(session, public_space, people["admin"].id)
    secret_post = await session.scalar(select(Post.id).where(Post.thread_id == secret.id))
    await session.commit()
    made = await gql(
        client,
        REPLY,
        {
            "input": {
                "threadId": global_id("Thread", public.id),
                "body": "see above",
                "quotedPostId": global_id("Post", secret_post),
            }
        },
        token=bearer(app, people["admin"]),
    )
    reply_id = made["data"]["reply"]["post"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on Post { quotedPost { id } } } }"
    # then staff follow the link; a customer reading the public reply gets no link to it
    staff = await gql(client, query, {"id": reply_id}, token=bearer(app, people["admin"]))
    customer = await gql(client, query, {"id": reply_id}, token=bearer(app, people["casey"]))
    assert staff["data"]["node"]["quotedPost"] == {"id": global_id("Post", secret_post)}
    assert customer["data"]["node"]["quotedPost"] is None
