"""Personal data export (GDPR Art. 15 and 20) and erasure (Art. 17). Services never commit.

Export gathers every context's part (domain/personal_data.py) into one JSON document: the
member's own, or anyone's for an admin (audited).

Erasure: a member asks (`request_erasure`, confirming with their e-mail address); it is carried
out when due, after a grace period of `GRACE_PERIOD`, by `erase_due` (`bondfire privacy
erase-due`, run daily by cron), or at once by an admin (`erase_member`, GraphQL or CLI). The
grace period lets a member take back a request made in haste or by someone with their session,
and lets staff see it before it is done; with a daily run it stays well inside the one month
Art. 12(3) allows. Erasure keeps the member row, anonymised ("Former member"), so votes, ARR
demand, survey scores, ledger sums and attribution stay exact; each context's eraser says what
it deletes, clears or keeps, and why. Idempotent: erasing an erased member changes nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.identity import events, repository
from domain.identity.errors import IdentityErrorCode as Code
from domain.identity.models import ErasureRequest, ErasureStatus, Member, MemberRole, Role
from domain.identity.policies import Actor
from domain.personal_data import CONTEXTS
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden
from domain.shared.personal_data import ErasureContext
from domain.shared.upsert import dialect_name

EXPORT_FORMAT = "bondfire.personal-data/1"
GRACE_PERIOD = timedelta(days=7)


def can_manage_personal_data(actor: Actor) -> bool:
    """Exporting or erasing someone else's data: staff admins only."""
    return actor.is_staff and actor.has_role(Role.ADMIN)


def _not_found() -> DomainError:
    return DomainError("member not found", code=Code.NOT_FOUND, field=["input", "memberId"])


async def export_personal_data(
    session: AsyncSession, actor: Actor | None, member_id: int, now: datetime
) -> dict[str, Any]:
    """The member's data from every context. `actor` None: the operator's CLI."""
    if actor is not None and member_id != actor.member_id and not can_manage_personal_data(actor):
        raise Forbidden("only admins export another member's personal data")
    member = await repository.member_by_id(session, member_id)
    if member is None:
        raise _not_found()
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "generatedAt": now.isoformat(),
        "memberId": member.id,
        "erasedAt": member.erased_at.isoformat() if member.erased_at else None,
        "contexts": {},
    }
    for context in CONTEXTS:
        document["contexts"][context.context] = await context.export(session, member.id)
    if actor is None or actor.member_id != member.id:
        record_audit(
            session,
            actor_member_id=actor.member_id if actor else None,
            action="member.export_personal_data",
            target_type="Member",
            target_id=member.id,
        )
    return document


# --- requests -------------------------------------------------------------------------------


async def pending_request(session: AsyncSession, member_id: int) -> ErasureRequest | None:
    return await session.scalar(
        select(ErasureRequest).where(
            ErasureRequest.member_id == member_id, ErasureRequest.status == ErasureStatus.PENDING
        )
    )


async def _refuse_last_admin(
    session: AsyncSession, member: Member, field: list[str] | None
) -> None:
    """On PostgreSQL the admins' role rows are locked (in one order) before counting, so two
    admins erasing each other at once cannot both pass: the second counts after the first."""
    admins = (
        select(MemberRole.member_id)
        .where(MemberRole.role == Role.ADMIN)
        .order_by(MemberRole.member_id)
    )
    if dialect_name(session) == "postgresql":
        admins = admins.with_for_update()
    admin_ids = set(await session.scalars(admins))
    if member.id in admin_ids and len(admin_ids) <= 1:
        raise DomainError(
            "the last admin cannot be erased; make someone else an admin first",
            code=Code.LAST_ADMIN,
            field=field,
        )


async def request_erasure(
    session: AsyncSession, actor: Actor, confirm_email: str, now: datetime
) -> ErasureRequest:
    """The signed-in member asks for their own erasure. Asking again returns the pending one."""
    member = await repository.member_by_id(session, actor.member_id)
    assert member is not None  # authenticated
    if confirm_email.strip().lower() != member.email:
        raise DomainError(
            "type your e-mail address to confirm",
            code=Code.CONFIRMATION_MISMATCH,
            field=["input", "confirmEmail"],
        )
    await _refuse_last_admin(session, member, None)
    if existing := await pending_request(session, member.id):
        return existing
    request = ErasureRequest(
        member_id=member.id,
        status=ErasureStatus.PENDING,
        requested_at=now,
        due_at=now + GRACE_PERIOD,
    )
    session.add(request)
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="member.request_erasure",
        target_type="Member",
        target_id=member.id,
        details={"due_at": request.due_at.isoformat()},
    )
    return request


async def cancel_erasure_request(
    session: AsyncSession, actor: Actor, now: datetime
) -> ErasureRequest:
    request = await pending_request(session, actor.member_id)
    if request is None:
        raise DomainError("you have no pending erasure request", code=Code.NO_ERASURE_REQUEST)
    request.status, request.closed_at, request.closed_by_id = (
        ErasureStatus.CANCELLED,
        now,
        actor.member_id,
    )
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="member.cancel_erasure",
        target_type="Member",
        target_id=actor.member_id,
    )
    return request


async def erasure_requests(
    session: AsyncSession, actor: Actor, status: ErasureStatus, limit: int
) -> list[ErasureRequest]:
    if not can_manage_personal_data(actor):
        raise Forbidden("only admins list erasure requests")
    rows = await session.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.status == status)
        .order_by(ErasureRequest.due_at, ErasureRequest.id)
        .limit(limit)
    )
    return list(rows)


# --- erasure --------------------------------------------------------------------------------


@dataclass
class Erasure:
    member: Member
    already_erased: bool
    report: dict[str, dict[str, int]] = field(default_factory=dict)


async def erase_member(
    session: AsyncSession,
    actor: Actor | None,
    member_id: int,
    now: datetime,
    reason: str | None = None,
) -> Erasure:
    """Erases the member's personal data in every context, in this transaction. `actor` None:
    the operator's CLI or the scheduled run of due requests."""
    if actor is not None and not can_manage_personal_data(actor):
        raise Forbidden("only admins erase a member's personal data")
    member = await _member_for_update(session, member_id)
    if member is None:
        raise _not_found()
    if member.erased_at is not None:
        return Erasure(member, already_erased=True)
    await _refuse_last_admin(session, member, ["input", "memberId"])
    erasure = ErasureContext(
        member_id=member.id,
        account_id=member.account_id,
        actor_member_id=actor.member_id if actor else None,
        now=now,
    )
    for context in CONTEXTS:
        await context.erase(session, erasure)
    # MEMBER_UPDATED too: whoever copies member fields (search documents) re-reads them.
    erased = await _member_for_update(session, member.id)
    assert erased is not None
    events.member_changed(session, events.MEMBER_UPDATED, erased)
    events.member_changed(session, events.MEMBER_ERASED, erased)
    record_audit(
        session,
        actor_member_id=erasure.actor_member_id,
        action="member.erase",
        target_type="Member",
        target_id=member.id,
        reason=(reason or "").strip()[:1000] or None,
        details={"removed_or_anonymised": erasure.report},
    )
    return Erasure(erased, already_erased=False, report=erasure.report)


async def erase_due(session: AsyncSession, now: datetime) -> list[int]:
    """Carries out every pending request past its grace period; returns the members erased."""
    due = list(
        await session.scalars(
            select(ErasureRequest.member_id)
            .where(ErasureRequest.status == ErasureStatus.PENDING, ErasureRequest.due_at <= now)
            .order_by(ErasureRequest.due_at, ErasureRequest.id)
        )
    )
    for member_id in due:
        await erase_member(session, None, member_id, now, "requested by the member")
    return due


async def _member_for_update(session: AsyncSession, member_id: int) -> Member | None:
    """The member row, locked on PostgreSQL so two erasures of one member take turns (the
    second sees `erased_at` and changes nothing); SQLite writers are serialised already.
    FOR NO KEY UPDATE: rows that merely reference the member (an audit entry naming them as
    the actor) may still be written meanwhile, so two admins erasing each other cannot
    deadlock on those references."""
    statement = (
        select(Member)
        .options(selectinload(Member.role_rows))
        .where(Member.id == member_id)
        .execution_options(populate_existing=True)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(of=Member, key_share=True)
    return await session.scalar(statement)
