"""Merging a duplicate idea into an original, and undoing it exactly.

Everything is set-based: a merge or an undo runs the same handful of statements whatever the
number of votes (INSERT ... SELECT, UPDATE ... WHERE, DELETE ... IN (SELECT ...), and the demand
rebuilt with aggregate SQL in `demand.recompute`); no vote becomes a Python object and one
event tells of the whole merge (with its counts; consumers that want the voters read them
after commit). A member who voted on both keeps the original's vote and the duplicate's is
dropped. The merge records each vote it moved and each it dropped (whole) in
`idea_merge_votes`, so undo puts every vote back where it was and recomputes both ideas' demand
from their votes. Merges are undone in reverse order: an idea merged further must be
un-merged first.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Result, and_, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.feedback import events
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure
from domain.feedback.models import Idea, IdeaMerge, IdeaMergeVote, IdeaStatus, IdeaVote
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
    seen = {target.id}
    while target.merged_into_id is not None:
        if target.merged_into_id == source.id or len(seen) > _MAX_CHAIN:
            raise failure(Code.MERGE_CYCLE, "the target is merged into this idea", "targetId")
        # Each idea of the chain is locked too: the last one takes the votes and its counters
        # must not move under a concurrent vote.
        following = await session.get(
            Idea, target.merged_into_id, populate_existing=True, with_for_update=True
        )
        assert following is not None
        target = following
        seen.add(target.id)
    if target.id == source.id:
        raise failure(Code.MERGE_CYCLE, "the target is merged into this idea", "targetId")
    record = IdeaMerge(
        source_id=source.id,
        target_id=target.id,
        source_status=source.status,
        merged_by_id=actor.member_id,
        merged_at=now,
    )
    session.add(record)
    await session.flush()
    moved, dropped = await _move_votes(session, record)
    source.status = IdeaStatus.DUPLICATE
    source.merged_into_id = target.id
    source.status_changed_at = now
    await session.flush()
    await recompute(session, [source.id, target.id])
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
        moved_votes=moved,
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
    moved = select(IdeaMergeVote.vote_id).where(
        IdeaMergeVote.merge_id == record.id, IdeaMergeVote.dropped.is_(False)
    )
    moved_back = await session.execute(
        update(IdeaVote)
        .where(IdeaVote.id.in_(moved), IdeaVote.idea_id == target.id)
        .values(idea_id=source.id)
        .execution_options(synchronize_session=False)
    )
    dropped = select(
        IdeaMergeVote.vote_id,
        literal(source.id),
        IdeaMergeVote.member_id,
        IdeaMergeVote.account_id,
        IdeaMergeVote.importance,
        IdeaMergeVote.proxy,
        IdeaMergeVote.recorded_by_id,
        IdeaMergeVote.proxy_source,
        IdeaMergeVote.proxy_note,
        IdeaMergeVote.created_at,
    ).where(IdeaMergeVote.merge_id == record.id, IdeaMergeVote.dropped.is_(True))
    restored = await session.execute(
        insert(IdeaVote).from_select(
            [
                "id",
                "idea_id",
                "member_id",
                "account_id",
                "importance",
                "proxy",
                "recorded_by_id",
                "proxy_source",
                "proxy_note",
                "created_at",
            ],
            dropped,
        )
    )
    source.status = record.source_status
    source.merged_into_id = None
    source.status_changed_at = now
    record.undone_at = now
    record.undone_by_id = actor.member_id
    await session.flush()
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
        moved_votes=_rowcount(moved_back),
        restored_votes=_rowcount(restored),
    )
    return source, target


async def _move_votes(session: AsyncSession, record: IdeaMerge) -> tuple[int, int]:
    """Records the source's votes (marking those of members who voted on the target as well),
    drops the latter and moves the rest: three statements. Returns (moved, dropped)."""
    on_target = aliased(IdeaVote)
    duplicate = exists().where(
        and_(on_target.idea_id == record.target_id, on_target.member_id == IdeaVote.member_id)
    )
    recorded = await session.execute(
        insert(IdeaMergeVote).from_select(
            [
                "merge_id",
                "vote_id",
                "dropped",
                "member_id",
                "account_id",
                "importance",
                "proxy",
                "recorded_by_id",
                "proxy_source",
                "proxy_note",
                "created_at",
            ],
            select(
                literal(record.id),
                IdeaVote.id,
                duplicate,
                IdeaVote.member_id,
                IdeaVote.account_id,
                IdeaVote.importance,
                IdeaVote.proxy,
                IdeaVote.recorded_by_id,
                IdeaVote.proxy_source,
                IdeaVote.proxy_note,
                IdeaVote.created_at,
            ).where(IdeaVote.idea_id == record.source_id),
        )
    )
    dropped = select(IdeaMergeVote.vote_id).where(
        IdeaMergeVote.merge_id == record.id, IdeaMergeVote.dropped.is_(True)
    )
    removed = await session.execute(
        delete(IdeaVote)
        .where(IdeaVote.id.in_(dropped))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(IdeaVote)
        .where(IdeaVote.idea_id == record.source_id)
        .values(idea_id=record.target_id)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(recorded) - _rowcount(removed), _rowcount(removed)


def _rowcount(result: Result[Any]) -> int:
    """Rows a DML statement touched (both drivers report it for INSERT ... SELECT too)."""
    return int(getattr(result, "rowcount", 0) or 0)
