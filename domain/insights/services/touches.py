"""Advocacy touches on opportunities recorded through the API (imports go through imports.py)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.insights import events, policies
from domain.insights.errors import InsightsErrorCode as Code
from domain.insights.models import AdvocacyTouch, Opportunity, TouchSource, TouchType
from domain.programs.models import Program
from domain.shared.errors import DomainError, Forbidden
from domain.shared.validation import Checker


@dataclass(frozen=True)
class NewTouch:
    opportunity_id: int
    member_id: int
    touch_type: TouchType
    occurred_at: datetime
    program_id: int | None = None


async def record_touch(session: AsyncSession, actor: Actor, new: NewTouch) -> AdvocacyTouch:
    """A reference call, a case study shared, a talk the prospect attended: one touch."""
    if not policies.can_record_touch(actor):
        raise Forbidden("only marketing and CSMs record advocacy touches")
    opportunity = await session.get(Opportunity, new.opportunity_id)
    if opportunity is None:
        raise DomainError(
            "opportunity not found", code=Code.NOT_FOUND, field=["input", "opportunityId"]
        )
    check = Checker(Code.INVALID_VALUE)
    member = await session.get(Member, new.member_id)
    if member is None:
        check.fail("memberId", "member not found", Code.NOT_FOUND)
    if new.program_id is not None and await session.get(Program, new.program_id) is None:
        check.fail("programId", "programme not found", Code.NOT_FOUND)
    if new.occurred_at.tzinfo is None:
        check.fail("occurredAt", "a time with its offset")
    check.raise_if_any()
    assert member is not None
    touch = AdvocacyTouch(
        source_key=f"manual:{uuid.uuid4().hex}",
        opportunity_id=opportunity.id,
        member_id=member.id,
        account_id=member.account_id,
        program_id=new.program_id,
        touch_type=new.touch_type,
        source=TouchSource.MANUAL,
        occurred_at=new.occurred_at,
    )
    session.add(touch)
    await session.flush()
    events.emit_changed(
        session,
        events.TOUCH_RECORDED,
        opportunity_ids=[opportunity.id],
        account_ids=[member.account_id],
    )
    return touch
