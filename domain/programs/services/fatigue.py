"""Advocacy's one fatigue budget, as programs use it: an invitation into a board or a beta is an
ask (checked, then recorded), and the seat proposal weighs each candidate's recent asks."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import fatigue as advocacy
from domain.identity.models import Member
from domain.programs.errors import ProgramsErrorCode as Code
from domain.programs.models import Program, ProgramKind
from domain.shared.errors import DomainError


def ask_kind(program: Program) -> advocacy.AskKind:
    if program.kind is ProgramKind.ADVISORY_BOARD:
        return advocacy.AskKind.ADVISORY_BOARD_INVITE
    return advocacy.AskKind.BETA_INVITE


async def check_and_record_invite(
    session: AsyncSession, program: Program, member: Member, now: datetime
) -> None:
    """Refuses an invitation the member's budget does not allow; counts it otherwise (once per
    program, so a repeated invitation is not a second ask)."""
    kind = ask_kind(program)
    source = ("Program", program.id)
    verdict = await advocacy.check_budget(
        session, member_id=member.id, kind=kind, at=now, exclude_source=source
    )
    if not verdict.allowed:
        raise DomainError(
            "asked too often lately: " + "; ".join(verdict.reasons),
            code=Code.FATIGUE_LIMIT,
            field=["input", "memberId"],
        )
    await advocacy.record_ask(
        session,
        member_id=member.id,
        account_id=member.account_id,
        kind=kind,
        source_type=source[0],
        source_id=source[1],
        at=now,
    )


async def board_budgets(
    session: AsyncSession, people: Sequence[tuple[int, int]], now: datetime
) -> dict[int, tuple[int, str | None]]:
    """Per member: (asks of any kind in the last quarter, why a board invitation is not
    allowed now or None)."""
    verdicts = await advocacy.check_budgets(
        session,
        [advocacy.Asked(member_id, account_id) for member_id, account_id in people],
        kind=advocacy.AskKind.ADVISORY_BOARD_INVITE,
        at=now,
    )
    return {
        member_id: (
            verdicts[member_id].asks_in_period,
            None if verdicts[member_id].allowed else "; ".join(verdicts[member_id].reasons),
        )
        for member_id, _ in people
    }
