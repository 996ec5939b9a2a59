"""Community's personal data: threads and posts written, reactions, mentions, reading state,
watches, notifications and their preferences, flags raised, forum standing.

On erasure what the member wrote stays, attributed to the anonymised member ("Former
member"): a thread is a shared conversation, and replies and quotes by others would lose
their sense without it (Discourse's anonymisation does the same). Posts the member had already
deleted lose their text for good. Reactions and flags stay, as the counters and moderation
weights that include them must not move; reading state, watches, inbox and preferences go."""

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.models import (
    MemberStanding,
    Mention,
    Notification,
    NotificationPreference,
    Post,
    PostRevision,
    SpaceWatch,
    ThreadRead,
    ThreadWatch,
)
from domain.shared.personal_data import (
    ErasureContext,
    PersonalData,
    Section,
    export_sections,
    json_value,
)

CONTEXT = "community"

SECTIONS = (
    Section("threads", "threads", ("author_id",)),
    Section("posts", "posts", ("author_id",)),
    Section("reactions", "reactions", ("member_id",)),
    Section("mentionsOfMember", "mentions", ("member_id",)),
    Section("threadReads", "thread_reads", ("member_id",)),
    Section("spaceWatches", "space_watches", ("member_id",)),
    Section("threadWatches", "thread_watches", ("member_id",)),
    Section("notifications", "notifications", ("recipient_id",)),
    Section("notificationPreferences", "notification_preferences", ("member_id",)),
    Section("flagsRaised", "flags", ("member_id",)),
    Section("standing", "member_standings", ("member_id",)),
)
ACTOR_COLUMNS = {
    "threads": ("last_poster_id",),
    "posts": ("deleted_by_id",),
    "post_revisions": ("editor_id",),  # the member's own posts' revisions: exported below
    "notifications": ("actor_id",),
    "flags": ("resolved_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    exported: dict[str, Any] = await export_sections(session, member_id, SECTIONS)
    revisions = await session.scalars(
        select(PostRevision)
        .join(Post, Post.id == PostRevision.post_id)
        .where(Post.author_id == member_id)
        .order_by(PostRevision.id)
    )
    exported["revisionsOfOwnPosts"] = [
        {c.name: json_value(getattr(r, c.key)) for c in PostRevision.__table__.columns}
        for r in revisions
    ]
    return exported


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    member_id = erasure.member_id
    for what, model, column in (
        ("mentionsOfMember", Mention, Mention.member_id),
        ("threadReads", ThreadRead, ThreadRead.member_id),
        ("spaceWatches", SpaceWatch, SpaceWatch.member_id),
        ("threadWatches", ThreadWatch, ThreadWatch.member_id),
        ("notifications", Notification, Notification.recipient_id),
        ("notificationPreferences", NotificationPreference, NotificationPreference.member_id),
        ("standing", MemberStanding, MemberStanding.member_id),
    ):
        result = await session.execute(delete(model).where(column == member_id))
        erasure.count(CONTEXT, what, result.rowcount)  # type: ignore[attr-defined]
    deleted_posts = select(Post.id).where(Post.author_id == member_id, Post.deleted_at.is_not(None))
    await session.execute(delete(PostRevision).where(PostRevision.post_id.in_(deleted_posts)))
    purged = await session.execute(
        update(Post)
        .where(Post.author_id == member_id, Post.deleted_at.is_not(None))
        .values(body_markdown="", body_html="", excerpt="")
        .execution_options(synchronize_session=False)
    )
    erasure.count(CONTEXT, "deletedPostsPurged", purged.rowcount)  # type: ignore[attr-defined]


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
