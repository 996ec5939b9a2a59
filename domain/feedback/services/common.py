"""Lookups and checks the feedback use cases share."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback import policies, repository
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure, not_found
from domain.feedback.models import Idea, IdeaStatus
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden


async def readable_idea(
    session: AsyncSession, actor: Actor, idea_id: int, field: str = "ideaId", *, lock: bool = False
) -> Idea:
    idea = await repository.idea_by_id(session, actor, idea_id, for_update=lock)
    if idea is None:
        raise not_found("idea", field)
    return idea


def require_open_idea(idea: Idea, field: str = "ideaId") -> None:
    if idea.status is IdeaStatus.DUPLICATE:
        raise failure(Code.IDEA_MERGED, "this idea was merged into another; act on that one", field)


def require_triager(actor: Actor) -> None:
    if not policies.can_triage(actor):
        raise Forbidden("only product staff triage ideas")
