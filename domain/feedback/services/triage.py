"""Product staff's triage: statuses along the configured workflow, owners, links to a beta
program and a changelog entry, the workflow itself and the impact weights."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback import events, repository
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure, not_found
from domain.feedback.impact import SETTINGS_ID, ImpactWeights
from domain.feedback.models import (
    FeedbackSettings,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaStatusTransition,
    Importance,
)
from domain.feedback.services.common import readable_idea, require_open_idea, require_triager
from domain.feedback.services.demand import recompute_all_scores
from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.programs.models import Program, ProgramKind
from domain.shared.audit import record_audit
from domain.shared.validation import Checker


async def change_status(
    session: AsyncSession,
    actor: Actor,
    idea_id: int,
    status: IdeaStatus,
    reason: str | None,
    now: datetime,
) -> Idea:
    """Moves an idea along the workflow. DECLINED needs a reason (voters keep seeing it);
    DUPLICATE comes only from a merge. Voters, proxy contacts and followers are told after
    commit (domain/feedback/notifications.py)."""
    require_triager(actor)
    idea = await readable_idea(session, actor, idea_id, lock=True)
    require_open_idea(idea)
    old = idea.status
    allowed = await repository.allowed_transitions(session)
    if status is IdeaStatus.DUPLICATE or (old, status) not in allowed:
        raise failure(
            Code.TRANSITION_NOT_ALLOWED,
            f"the workflow does not allow {old.value} → {status.value}",
            "status",
        )
    check = Checker(Code.INVALID_VALUE)
    reason = check.text("reason", reason, max_length=2000)
    check.raise_if_any()
    if status is IdeaStatus.DECLINED and not reason:
        raise failure(Code.REASON_REQUIRED, "say why the idea is declined", "reason")
    idea.status = status
    idea.status_changed_at = now
    if idea.first_reviewed_at is None:
        idea.first_reviewed_at = now
    if status is IdeaStatus.SHIPPED:
        idea.shipped_at = now
    idea.declined_reason = reason if status is IdeaStatus.DECLINED else None
    change = IdeaStatusChange(
        idea_id=idea.id,
        old_status=old,
        new_status=status,
        reason=reason,
        actor_id=actor.member_id,
        created_at=now,
    )
    session.add(change)
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="idea.status_changed",
        target_type="idea",
        target_id=idea.id,
        reason=reason,
        details={"from": old.value, "to": status.value},
    )
    payload = {"idea_id": idea.id, "old_status": old.value, "new_status": status.value}
    events.emit(
        session,
        events.IDEA_STATUS_CHANGED,
        **payload,
        status_change_id=change.id,
        actor_id=actor.member_id,
    )
    if status is IdeaStatus.SHIPPED:
        events.emit(session, events.IDEA_SHIPPED, idea_id=idea.id, actor_id=actor.member_id)
    return idea


async def assign_owner(
    session: AsyncSession, actor: Actor, idea_id: int, owner_id: int | None
) -> Idea:
    require_triager(actor)
    idea = await readable_idea(session, actor, idea_id)
    if owner_id is not None:
        owner = await session.get(Member, owner_id)
        if owner is None or not await _is_staff_member(session, owner):
            raise not_found("staff member", "ownerId")
    idea.owner_id = owner_id
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="idea.owner_assigned",
        target_type="idea",
        target_id=idea.id,
        details={"owner_id": owner_id},
    )
    return idea


async def link_beta_program(
    session: AsyncSession, actor: Actor, idea_id: int, program_id: int | None
) -> Idea:
    """The beta that delivers the idea (its voters can be invited into it)."""
    require_triager(actor)
    idea = await readable_idea(session, actor, idea_id)
    if program_id is not None:
        program = await session.get(Program, program_id)
        if program is None or program.kind is not ProgramKind.BETA:
            raise not_found("beta program", "programId")
    idea.beta_program_id = program_id
    await session.flush()
    events.emit(session, events.IDEA_UPDATED, idea_id=idea.id)
    return idea


async def set_workflow(
    session: AsyncSession, actor: Actor, transitions: Sequence[tuple[IdeaStatus, IdeaStatus]]
) -> set[tuple[IdeaStatus, IdeaStatus]]:
    """Replaces the allowed transitions (an empty list restores the defaults)."""
    require_triager(actor)
    check = Checker(Code.INVALID_VALUE)
    pairs = set(transitions)
    if any(IdeaStatus.DUPLICATE in pair or pair[0] is pair[1] for pair in pairs):
        check.fail("transitions", "DUPLICATE is set by merges; a status cannot lead to itself")
    check.raise_if_any()
    await session.execute(delete(IdeaStatusTransition))
    session.add_all(IdeaStatusTransition(from_status=a, to_status=b) for a, b in sorted(pairs))
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="feedback.workflow_changed",
        target_type="feedback_settings",
        target_id=SETTINGS_ID,
        details={"transitions": sorted(f"{a.value}->{b.value}" for a, b in pairs)},
    )
    return await repository.allowed_transitions(session)


async def set_weights(
    session: AsyncSession, actor: Actor, weights: ImpactWeights, now: datetime
) -> ImpactWeights:
    """New impact weights; every idea's score is recomputed in the same transaction."""
    require_triager(actor)
    check = Checker(Code.INVALID_VALUE)
    numbers = [weights.arr_weight, weights.importance_weight, weights.voter_weight]
    numbers += [weights.account_weight, *weights.points.values()]
    if any(not 0 <= n <= 1_000_000 for n in numbers):
        check.fail("weights", "weights and points are between 0 and 1,000,000")
    if set(weights.points) != set(Importance):
        check.fail("points", "give points for every importance level")
    check.raise_if_any()
    row = await session.get(FeedbackSettings, SETTINGS_ID)
    if row is None:
        row = FeedbackSettings(id=SETTINGS_ID)
        session.add(row)
    row.arr_weight = weights.arr_weight
    row.importance_weight = weights.importance_weight
    row.voter_weight = weights.voter_weight
    row.account_weight = weights.account_weight
    row.points = {k.value: v for k, v in weights.points.items()}
    row.updated_by_id = actor.member_id
    row.updated_at = now
    await session.flush()
    await recompute_all_scores(session)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="feedback.weights_changed",
        target_type="feedback_settings",
        target_id=SETTINGS_ID,
        details={"arr": weights.arr_weight, "importance": weights.importance_weight},
    )
    return weights


async def _is_staff_member(session: AsyncSession, member: Member) -> bool:
    from domain.identity.models import Account, AccountKind

    account = await session.get(Account, member.account_id)
    return account is not None and account.kind is AccountKind.VENDOR
