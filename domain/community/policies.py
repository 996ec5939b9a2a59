"""Who may see and do what in the forums. Lists, node, search, notifications and subscriptions
all filter through the readable_* statements here, so a rule changes in one place."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    or_,
    select,
    true,
)

from domain.community.models import (
    Post,
    PostStatus,
    Space,
    SpaceVisibility,
    Thread,
    ThreadKind,
)
from domain.identity.models import Role
from domain.identity.policies import Actor
from domain.programs.models import EnrolmentStatus, ProgramEnrolment


@dataclass(frozen=True)
class CommunityRules:
    """Operator-tunable forum rules (from settings)."""

    hold_posts_below_trust_level: int | None = None  # e.g. 1: TL0 members' posts await review
    links_min_trust_level: int = 1
    max_body_chars: int = 20_000
    max_title_chars: int = 200
    max_tags: int = 5


def is_moderator(actor: Actor) -> bool:
    return actor.has_role(Role.MODERATOR)


# --- what may be seen -----------------------------------------------------------------------
#
# Every filter takes the actor, or an Audience for a statement built once and reused: then the
# actor's ids are the bind parameters viewer_parameters(actor) fills at execution (required ones,
# so a statement run without them fails rather than matching someone else's rows).


@dataclass(frozen=True)
class Audience:
    """What the filters ask of an actor besides their ids: one prepared statement per audience."""

    staff: bool
    moderator: bool


def audience_of(actor: Actor) -> Audience:
    return Audience(staff=actor.is_staff, moderator=is_moderator(actor))


_VIEWER_MEMBER_ID = bindparam("viewer_member_id", type_=Integer, required=True)
_VIEWER_ACCOUNT_ID = bindparam("viewer_account_id", type_=Integer, required=True)


def viewer_parameters(actor: Actor) -> dict[str, int]:
    """The bind parameters of the filters built for an Audience."""
    return {"viewer_member_id": actor.member_id, "viewer_account_id": actor.account_id}


@dataclass(frozen=True)
class _Viewer:
    audience: Audience
    member_id: int | BindParameter[int]
    account_id: int | BindParameter[int]


def _viewer(who: Actor | Audience) -> _Viewer:
    if isinstance(who, Audience):
        return _Viewer(who, _VIEWER_MEMBER_ID, _VIEWER_ACCOUNT_ID)
    return _Viewer(audience_of(who), who.member_id, who.account_id)


def space_visibility_filter(who: Actor | Audience) -> ColumnElement[bool]:
    viewer = _viewer(who)
    if viewer.audience.staff:
        return true()
    enrolled = select(ProgramEnrolment.program_id).where(
        ProgramEnrolment.member_id == viewer.member_id,
        ProgramEnrolment.status == EnrolmentStatus.ACTIVE,
    )
    return or_(
        Space.visibility == SpaceVisibility.PUBLIC,
        and_(Space.visibility == SpaceVisibility.ACCOUNT, Space.account_id == viewer.account_id),
        and_(Space.visibility == SpaceVisibility.PROGRAM, Space.program_id.in_(enrolled)),
    )


def readable_spaces(who: Actor | Audience, statement: Select[Space]) -> Select[Space]:
    return statement.where(space_visibility_filter(who))


def readable_space_ids(who: Actor | Audience) -> Select[int]:
    return select(Space.id).where(space_visibility_filter(who))


def thread_state_filter(who: Actor | Audience) -> ColumnElement[bool]:
    """Deleted threads are for moderators only; hidden ones (moderated, or held for review) for
    moderators and their author."""
    viewer = _viewer(who)
    if viewer.audience.moderator:
        return true()
    return and_(
        Thread.deleted_at.is_(None),
        or_(Thread.hidden.is_(False), Thread.author_id == viewer.member_id),
    )


def readable_threads(who: Actor | Audience, statement: Select[Thread]) -> Select[Thread]:
    statement = statement.where(thread_state_filter(who))
    if _viewer(who).audience.staff:
        return statement
    return statement.where(Thread.space_id.in_(readable_space_ids(who)))


def post_state_filter(who: Actor | Audience) -> ColumnElement[bool]:
    """Visible posts for all; held ones for their author; hidden and deleted for moderators."""
    viewer = _viewer(who)
    if viewer.audience.moderator:
        return true()
    return and_(
        Post.deleted_at.is_(None),
        or_(
            Post.status == PostStatus.VISIBLE,
            and_(Post.status == PostStatus.HELD, Post.author_id == viewer.member_id),
        ),
    )


def readable_posts(who: Actor | Audience, statement: Select[Post]) -> Select[Post]:
    # A correlated EXISTS rather than `thread_id IN (readable threads)`: given the IN list,
    # SQLite first lists every readable thread of the forum, even to check twenty posts by id
    # (0.8 s on a million posts); EXISTS looks up each post's thread by its key.
    its_thread = select(Thread.id).where(Thread.id == Post.thread_id)
    readable_thread = readable_threads(who, its_thread)  # type: ignore[arg-type]
    return statement.where(post_state_filter(who), readable_thread.exists())


def can_see_post(actor: Actor, post: Post) -> bool:
    """Post state only; callers reach posts through a thread they may read."""
    if is_moderator(actor):
        return True
    if post.deleted_at is not None:
        return False
    return post.status is PostStatus.VISIBLE or (
        post.status is PostStatus.HELD and post.author_id == actor.member_id
    )


def can_see_revisions(actor: Actor, post: Post) -> bool:
    """Earlier wording is the author's business and the moderators'."""
    return post.author_id == actor.member_id or is_moderator(actor)


# --- what may be done -----------------------------------------------------------------------


def can_manage_spaces(actor: Actor) -> bool:
    return actor.has_role(Role.ADMIN)


def posting_blocked_reason(
    actor: Actor, suspended_until: datetime | None, now: datetime
) -> str | None:
    if not actor.can_write:
        return "this token is read-only"
    if suspended_until is not None and suspended_until > now:
        return f"you are suspended from posting until {suspended_until.isoformat()}"
    return None


def can_start_thread(actor: Actor, kind: ThreadKind) -> bool:
    if kind is ThreadKind.ANNOUNCEMENT:
        return actor.is_staff or is_moderator(actor)
    return True


def can_reply(actor: Actor, thread: Thread) -> bool:
    return not (thread.locked or thread.closed) or is_moderator(actor)


def can_edit_post(actor: Actor, post: Post, thread: Thread) -> bool:
    if is_moderator(actor):
        return True
    return post.author_id == actor.member_id and post.deleted_at is None and not thread.locked


def can_delete_post(actor: Actor, post: Post) -> bool:
    return post.author_id == actor.member_id or is_moderator(actor)


def can_accept_answer(actor: Actor, thread: Thread) -> bool:
    return thread.author_id == actor.member_id or is_moderator(actor)


def can_moderate(actor: Actor) -> bool:
    return is_moderator(actor)


def can_suspend(actor: Actor, target_is_staff: bool) -> bool:
    """Customer moderators cannot suspend staff."""
    return is_moderator(actor) and (actor.is_staff or not target_is_staff)
