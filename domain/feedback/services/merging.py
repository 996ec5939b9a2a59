"""Merging a duplicate idea into an original, and undoing it exactly.

No vote moves. The duplicate (and whatever was merged into it) gets a pointer to the open idea
its votes now count for (`merge_root_id`, see services/demand.py), its demand is emptied and
the open idea's is recomputed from its vote group in a few set-based statements, each member
once (a member who voted on both keeps the original's vote) and each account's ARR once. So a
merge writes a handful of rows whatever the number of votes, and undoing it only restores the
duplicate's status and pointers and recomputes both ideas from the votes, which are exactly
where they were. Merges are undone in reverse order: an idea merged further must be un-merged
first.
"""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback import events
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure
from domain.feedback.models import Idea, IdeaMerge, IdeaStatus
from domain.feedback.services.common import readable_idea, require_triager
from domain.feedback.services.demand import recompute
from domain.identity.policies import Actor
from domain.shared.audit import record_audit

_MAX_CHAIN = 1000


async def merge(
    session: AsyncSession, actor: Actor, source_id: int, target_id: int, now: datetime
) -> tuple[Idea, Idea]:
    """Merges `source` into `target` (or into what `target` was itself merged into)."""
    require_triager(actor)
    if source_id == target_id:
        raise failure(Code.CANNOT_MERGE_INTO_ITSELF, "an idea cannot merge into itself", "targetId")
    # Lock both rows in id order, so two merges of the same pair cannot deadlock.
    locked: dict[int, Idea] = {}
    for idea_id in sorted((source_id, target_id)):
        field = "sourceId" if idea_id == source_id else "targetId"
        locked[idea_id] = await readable_idea(session, actor, idea_id, field, lock=True)
    source, target = locked[source_id], locked[target_id]
    if source.status is IdeaStatus.DUPLICATE:
        raise failure(Code.IDEA_MERGED, "this idea is already merged", "sourceId")
    if target.merge_root_id is not None:
        # merged itself: the votes count for the open idea at the end of its chain, which is
        # locked too, so its counters cannot move under a concurrent vote
        if target.merge_root_id == source.id:
            raise failure(Code.MERGE_CYCLE, "the target is merged into this idea", "targetId")
        root = await session.get(
            Idea, target.merge_root_id, populate_existing=True, with_for_update=True
        )
        assert root is not None
        target = root
    record = IdeaMerge(
        source_id=source.id,
        target_id=target.id,
        source_status=source.status,
        merged_by_id=actor.member_id,
        merged_at=now,
    )
    session.add(record)
    source_voters, target_voters = source.voter_count, target.voter_count
    source.status = IdeaStatus.DUPLICATE
    source.merged_into_id = target.id
    source.merge_root_id = target.id
    source.status_changed_at = now
    await session.flush()
    # what was merged into the duplicate now counts for the target too
    await session.execute(
        update(Idea)
        .where(Idea.merge_root_id == source.id)
        .values(merge_root_id=target.id)
        .execution_options(synchronize_session=False)
    )
    await recompute(session, [source.id, target.id])
    # members who voted on both count once: the union is smaller than the sum by them
    dropped = source_voters + target_voters - target.voter_count
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="idea.merged",
        target_type="idea",
        target_id=source.id,
        details={"into": target.id, "merge_id": record.id},
    )
    events.emit(
        session,
        events.IDEA_MERGED,
        idea_id=source.id,
        target_id=target.id,
        merge_id=record.id,
        moved_votes=source_voters - dropped,
        dropped_votes=dropped,
    )
    return source, target


async def unmerge(
    session: AsyncSession, actor: Actor, source_id: int, now: datetime
) -> tuple[Idea, Idea]:
    """Undoes the idea's merge: moved votes go back, dropped ones are restored as they were."""
    require_triager(actor)
    source = await readable_idea(session, actor, source_id, "ideaId", lock=True)
    record = await session.scalar(
        select(IdeaMerge)
        .where(IdeaMerge.source_id == source.id, IdeaMerge.undone_at.is_(None))
        .order_by(IdeaMerge.id.desc())
        .limit(1)
    )
    if source.status is not IdeaStatus.DUPLICATE or record is None:
        raise failure(Code.MERGE_NOT_UNDOABLE, "this idea is not merged", "ideaId")
    target = await readable_idea(session, actor, record.target_id, "ideaId", lock=True)
    if target.status is IdeaStatus.DUPLICATE:
        raise failure(
            Code.MERGE_NOT_UNDOABLE,
            "the idea it was merged into has been merged since: undo that merge first",
            "ideaId",
        )
    source.status = record.source_status
    source.merged_into_id = None
    source.merge_root_id = None
    source.status_changed_at = now
    record.undone_at = now
    record.undone_by_id = actor.member_id
    await session.flush()
    subtree = await _merged_under(session, source.id)
    if subtree:
        await session.execute(
            update(Idea)
            .where(Idea.id.in_(subtree))
            .values(merge_root_id=source.id)
            .execution_options(synchronize_session=False)
        )
    await recompute(session, [source.id, target.id])
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="idea.unmerged",
        target_type="idea",
        target_id=source.id,
        details={"from": target.id, "merge_id": record.id},
    )
    events.emit(
        session,
        events.IDEA_UNMERGED,
        idea_id=source.id,
        target_id=target.id,
        merge_id=record.id,
        source_voters=source.voter_count,
        target_voters=target.voter_count,
    )
    return source, target


async def _merged_under(session: AsyncSession, idea_id: int) -> list[int]:
    """The ideas merged into `idea_id` directly or through a chain (one query per level)."""
    found: list[int] = []
    level = [idea_id]
    while level and len(found) <= _MAX_CHAIN:
        level = list(await session.scalars(select(Idea.id).where(Idea.merged_into_id.in_(level))))
        found += level
    return found
