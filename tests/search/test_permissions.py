"""The index's permission filters select exactly what the readable_* statements select, for
every kind of viewer and every document type, on every backend."""

from sqlalchemy import select

from domain.community import events, policies
from domain.community.models import Post, PostStatus, Thread
from domain.identity import events as identity_events
from domain.identity import policies as identity_policies
from domain.identity.models import Member, MemberStatus, ProfileVisibility
from domain.shared.models import utcnow
from tests.search.world import HOLD_NEW_MEMBERS

VIEWERS = ("admin", "csm", "mod", "casey", "newbie", "gil", "hana")


async def test_search_shows_exactly_what_the_policies_allow(world):
    # given content in every state, in every kind of space
    session = world.session
    for space, author in (("general", "casey"), ("staff", "csm"), ("acme", "mod"), ("beta", "gil")):
        thread, _ = await world.start(author, space, f"{space} topic", "lemur")
        await world.reply(author, thread, "visible lemur reply")
        if space in ("general", "acme"):  # where the new member may post
            await world.reply("newbie", thread, "held lemur reply", rules=HOLD_NEW_MEMBERS)
        hidden = await world.reply(author, thread, "hidden lemur reply")
        hidden.status = PostStatus.HIDDEN
        events.emit(session, events.POST_MODERATED, thread_id=thread.id, post_id=hidden.id)
        deleted = await world.reply(author, thread, "deleted lemur reply")
        deleted.deleted_at = utcnow()
        events.emit(session, events.POST_DELETED, thread_id=thread.id, post_id=deleted.id)
    await world.start("newbie", "general", "held lemur thread", "lemur", rules=HOLD_NEW_MEMBERS)
    hidden_thread, _ = await world.start("gil", "general", "hidden lemur thread", "lemur")
    await world.reply("hana", hidden_thread, "reply in a hidden thread")
    hidden_thread.hidden = True
    events.emit(session, events.THREAD_MODERATED, thread_id=hidden_thread.id)
    gone, _ = await world.start("casey", "acme", "deleted lemur thread", "lemur")
    gone.deleted_at = utcnow()
    events.emit(session, events.THREAD_MODERATED, thread_id=gone.id)
    for who, status in (("hana", MemberStatus.SUSPENDED), ("newbie", MemberStatus.DEACTIVATED)):
        member = world.people[who]
        member.status = status
        identity_events.member_changed(session, identity_events.MEMBER_UPDATED, member)
    # and members with each privacy setting, in both customer accounts
    for who, visibility in (
        ("gil", ProfileVisibility.ACCOUNT),
        ("mod", ProfileVisibility.STAFF),
        ("casey", ProfileVisibility.ACCOUNT),
        ("csm", ProfileVisibility.STAFF),
    ):
        member = world.people[who]
        member.profile_visibility = visibility
        identity_events.member_changed(session, identity_events.MEMBER_UPDATED, member)
    await session.commit()
    await world.index_pending()

    for who in VIEWERS:
        actor = world.actor(who)
        # when
        found = {
            doc_type: {i for _, i in await world.find(who, "", types=(doc_type,))}
            for doc_type in ("thread", "post", "member")
        }
        # then
        threads = set(await session.scalars(policies.readable_threads(actor, select(Thread.id))))  # type: ignore[arg-type]
        posts = set(
            await session.scalars(
                policies.readable_posts(actor, select(Post.id).where(Post.number > 1))  # type: ignore[arg-type]
            )
        )
        members = set(
            await session.scalars(identity_policies.discoverable_members(actor, select(Member.id)))  # type: ignore[arg-type]
        )
        assert found["thread"] == threads, who
        assert found["post"] == posts, who
        assert found["member"] == members, who
        assert len(threads) < 100 and len(posts) < 100  # one page holds them all
