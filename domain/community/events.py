"""Community's domain events (outbox topics). Payloads carry ids only; consumers re-read rows,
so an event handled late never acts on stale or no-longer-visible content."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import record_event

THREAD_CREATED = "community.thread.created"
POST_CREATED = "community.post.created"
POST_EDITED = "community.post.edited"
POST_DELETED = "community.post.deleted"
REACTION_ADDED = "community.reaction.added"
ANSWER_ACCEPTED = "community.answer.accepted"
ANSWER_UNACCEPTED = "community.answer.unaccepted"
THREAD_MODERATED = "community.thread.moderated"
POST_MODERATED = "community.post.moderated"
MEMBER_SUSPENDED = "community.member.suspended"
SPACE_CHANGED = "community.space.changed"


def emit(session: AsyncSession, topic: str, **ids: int | str | None) -> None:
    record_event(session, topic, dict(ids))
