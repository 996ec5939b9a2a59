"""Programs queries. Callers reach programs through policies.readable_programs first."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, Member, account_competitors
from domain.programs.eligibility import Facts
from domain.programs.models import (
    SEATED,
    AgreementAcceptance,
    ApplicationStatus,
    BoardSeat,
    Program,
    ProgramAgreement,
    ProgramApplication,
    ProgramEnrolment,
    ProgramState,
    SeatStatus,
)
from domain.shared.upsert import dialect_name


async def program_for_update(session: AsyncSession, program_id: int) -> Program:
    """The program re-read under a row lock on PostgreSQL: seat-changing writes of one program
    (approvals, invitations accepted, leaving, capacity changes) take turns here, so capacity
    is never exceeded. SQLite writers are serialised by BEGIN IMMEDIATE already."""
    statement = select(Program).where(Program.id == program_id)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    program = await session.scalar(statement.execution_options(populate_existing=True))
    assert program is not None
    return program


async def seated_count(session: AsyncSession, program_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            ProgramEnrolment.program_id == program_id, ProgramEnrolment.status.in_(SEATED)
        )
    )
    return int(count or 0)


async def seated_counts(session: AsyncSession, program_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(ProgramEnrolment.program_id, func.count())
        .where(ProgramEnrolment.program_id.in_(program_ids), ProgramEnrolment.status.in_(SEATED))
        .group_by(ProgramEnrolment.program_id)
    )
    found = {int(p): int(c) for p, c in rows}
    return {i: int(found.get(i, 0)) for i in program_ids}


async def enrolment(
    session: AsyncSession, program_id: int, member_id: int
) -> ProgramEnrolment | None:
    result: ProgramEnrolment | None = await session.scalar(
        select(ProgramEnrolment).where(
            ProgramEnrolment.program_id == program_id, ProgramEnrolment.member_id == member_id
        )
    )
    return result


async def application(
    session: AsyncSession, program_id: int, member_id: int
) -> ProgramApplication | None:
    result: ProgramApplication | None = await session.scalar(
        select(ProgramApplication).where(
            ProgramApplication.program_id == program_id,
            ProgramApplication.member_id == member_id,
        )
    )
    return result


async def next_in_waitlist(session: AsyncSession, program_id: int) -> ProgramApplication | None:
    result: ProgramApplication | None = await session.scalar(
        select(ProgramApplication)
        .where(
            ProgramApplication.program_id == program_id,
            ProgramApplication.status == ApplicationStatus.WAITLISTED,
        )
        .order_by(ProgramApplication.waitlist_position, ProgramApplication.id)
        .limit(1)
    )
    return result


async def last_waitlist_position(session: AsyncSession, program_id: int) -> int:
    value = await session.scalar(
        select(func.max(ProgramApplication.waitlist_position)).where(
            ProgramApplication.program_id == program_id,
            ProgramApplication.status == ApplicationStatus.WAITLISTED,
        )
    )
    return int(value or 0)


async def count_applications(
    session: AsyncSession, program_id: int, statuses: Sequence[ApplicationStatus]
) -> int:
    value = await session.scalar(
        select(func.count()).where(
            ProgramApplication.program_id == program_id, ProgramApplication.status.in_(statuses)
        )
    )
    return int(value or 0)


async def current_agreement(session: AsyncSession, program_id: int) -> ProgramAgreement | None:
    result: ProgramAgreement | None = await session.scalar(
        select(ProgramAgreement)
        .where(ProgramAgreement.program_id == program_id)
        .order_by(ProgramAgreement.version.desc())
        .limit(1)
    )
    return result


async def has_accepted(session: AsyncSession, agreement_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(AgreementAcceptance.id).where(
            AgreementAcceptance.agreement_id == agreement_id,
            AgreementAcceptance.member_id == member_id,
        )
    )
    return found is not None


async def active_seat(session: AsyncSession, program_id: int, member_id: int) -> BoardSeat | None:
    result: BoardSeat | None = await session.scalar(
        select(BoardSeat).where(
            BoardSeat.program_id == program_id,
            BoardSeat.member_id == member_id,
            BoardSeat.status == SeatStatus.ACTIVE,
        )
    )
    return result


async def terms_served(session: AsyncSession, program_id: int, member_id: int) -> int:
    value = await session.scalar(
        select(func.max(BoardSeat.term_number)).where(
            BoardSeat.program_id == program_id, BoardSeat.member_id == member_id
        )
    )
    return int(value or 0)


async def member_with_account(session: AsyncSession, member_id: int) -> tuple[Member, Account]:
    row = (
        await session.execute(
            select(Member, Account)
            .join(Account, Account.id == Member.account_id)
            .where(Member.id == member_id)
        )
    ).one()
    return row[0], row[1]


async def eligibility_facts(
    session: AsyncSession, program: Program, member: Member, account: Account, today: date
) -> Facts:
    listed = [int(i) for i in program.eligibility.get("excluded_competitors_of", [])]
    competing: dict[int, str] = {}
    if listed:
        pairs = select(account_competitors.c.account_id, account_competitors.c.competitor_id)
        rows = await session.execute(
            pairs.where(
                or_(
                    (account_competitors.c.account_id == account.id)
                    & account_competitors.c.competitor_id.in_(listed),
                    (account_competitors.c.competitor_id == account.id)
                    & account_competitors.c.account_id.in_(listed),
                )
            )
        )
        ids = {b if a == account.id else a for a, b in rows}
        if account.id in listed:
            ids.add(account.id)  # a listed account is excluded itself
        if ids:
            names = await session.execute(
                select(Account.id, Account.name).where(Account.id.in_(ids))
            )
            competing = {int(i): str(n) for i, n in names}
    other = await session.scalar(
        select(func.count())
        .select_from(ProgramEnrolment)
        .join(Program, Program.id == ProgramEnrolment.program_id)
        .where(
            ProgramEnrolment.member_id == member.id,
            ProgramEnrolment.status.in_(SEATED),
            ProgramEnrolment.program_id != program.id,
            Program.state != ProgramState.CLOSED,
        )
    )
    return Facts(
        segment=account.segment,
        tier=account.tier,
        arr=account.arr,
        currency=account.currency,
        region=account.region,
        industry=account.industry,
        products_used=list(member.products_used or []),
        using_product_since=member.using_product_since,
        title=member.title,
        competing_with=competing,
        other_programs=int(other or 0),
        today=today,
    )
