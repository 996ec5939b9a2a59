"""What moderators read: the queue of held and flagged posts, the moderation log; and a
member's standing, which anyone who can see the member may read (its private parts aside)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import policies, repository
from domain.community.models import Flag, MemberStanding, Post, PostStatus, Thread
from domain.community.services.moderation import ModerationAction, require_moderator
from domain.identity.models import Member
from domain.identity.policies import Actor, readable_members
from domain.shared.audit import AuditEntry
from domain.shared.errors import BadRequest
from domain.shared.pagination import Page, PageRequest, decode_cursor, encode_cursor, paginate


@dataclass(frozen=True)
class QueueEntry:
    post: Post
    held: bool
    queued_at: datetime
    flag_count: int
    flag_weight: int
    flags: list[Flag]


async def moderation_queue(
    session: AsyncSession, actor: Actor, first: int | None, after: str | None
) -> Page[QueueEntry]:
    """Held posts and posts with open flags, in spaces the moderator can read, oldest first."""
    require_moderator(actor)
    size = PageRequest(first=first, after=after).size
    keys = [Post.created_at, Post.id]  # the cursor's shape: (queued at, post id)
    cursor = decode_cursor(after, keys) if after is not None else None
    if cursor is not None and not (isinstance(cursor[0], datetime) and type(cursor[1]) is int):
        raise BadRequest("cursor is not valid for this list")
    thread_ids = policies.readable_threads(actor, select(Thread)).with_only_columns(Thread.id)
    rows = await repository.moderation_queue(
        session,
        thread_ids,
        after=(cursor[0], cursor[1]) if cursor is not None else None,
        limit=size + 1,
    )
    page_rows = rows[:size]
    flags = await repository.open_flags(session, [row.post.id for row in page_rows])
    return Page(
        items=[
            QueueEntry(
                post=row.post,
                held=row.post.status is PostStatus.HELD,
                queued_at=row.queued_at,
                flag_count=row.flag_count,
                flag_weight=row.flag_weight,
                flags=flags[row.post.id],
            )
            for row in page_rows
        ],
        cursors=[encode_cursor([row.queued_at, row.post.id]) for row in page_rows],
        has_next_page=len(rows) > size,
        has_previous_page=after is not None,
    )


async def moderation_log(
    session: AsyncSession,
    actor: Actor,
    request: PageRequest,
    target: tuple[str, int] | None = None,
) -> Page[AuditEntry]:
    """Moderation audit entries, newest first, about posts, threads and members the moderator
    can read (a customer moderator does not learn of actions in spaces closed to them)."""
    require_moderator(actor)
    thread_ids = policies.readable_threads(actor, select(Thread)).with_only_columns(Thread.id)
    post_ids = select(Post.id).where(Post.thread_id.in_(thread_ids))
    member_ids = readable_members(actor, select(Member)).with_only_columns(Member.id)
    statement: Select[AuditEntry] = select(AuditEntry).where(
        AuditEntry.action.in_(list(ModerationAction)),
        or_(
            and_(AuditEntry.target_type == "Thread", AuditEntry.target_id.in_(thread_ids)),
            and_(AuditEntry.target_type == "Post", AuditEntry.target_id.in_(post_ids)),
            and_(AuditEntry.target_type == "Member", AuditEntry.target_id.in_(member_ids)),
        ),
    )
    if target is not None:
        statement = statement.where(
            AuditEntry.target_type == target[0], AuditEntry.target_id == target[1]
        )
    return await paginate(
        session, statement, [AuditEntry.id], lambda e: [e.id], request, descending=True
    )


async def member_standing(
    session: AsyncSession, actor: Actor, member_id: int
) -> tuple[Member, MemberStanding] | None:
    """A member you can see and their standing (all zeros before their first activity)."""
    member = await session.scalar(
        readable_members(actor, select(Member).where(Member.id == member_id))
    )
    if member is None:
        return None
    standings = await repository.standings_by_member_ids(session, [member.id])
    standing = standings.get(member.id) or MemberStanding(
        member_id=member.id,
        trust_level=0,
        posts_read=0,
        threads_created=0,
        replies=0,
        accepted_answers=0,
        flags_upheld=0,
        approved_posts=0,
    )
    return member, standing


def can_see_standing_details(actor: Actor, member_id: int) -> bool:
    """Suspensions and upheld flags: the member and moderators only."""
    return actor.member_id == member_id or policies.is_moderator(actor)
