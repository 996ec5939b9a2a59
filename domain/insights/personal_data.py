"""Insights' personal data: the advocacy touches credited to the member on opportunities,
and the opportunities they referred.

On erasure both stay, attributed to the anonymised member: they are the inputs of sourced
and influenced attribution, whose totals must not move. Success plans the member owned as a
CSM lose their owner (an assignment, not history)."""

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.insights.models import SuccessPlan
from domain.shared.personal_data import ErasureContext, PersonalData, Section, export_sections

CONTEXT = "insights"

SECTIONS = (
    Section("advocacyTouches", "advocacy_touches", ("member_id",)),
    Section(
        "referredOpportunities",
        "revenue_opportunities",
        ("referrer_member_id",),
        # That they referred it, and how it went; the deal's figures and the CRM's contacts on
        # it are the vendor's and other people's business (GDPR Art. 15(4)).
        only=frozenset({"id", "name", "status", "created_on", "referral_code"}),
    ),
)
ACTOR_COLUMNS = {
    "success_plans": ("owner_id",),
    "outcome_measurements": ("recorded_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    return await export_sections(session, member_id, SECTIONS)


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    unowned = await session.execute(
        update(SuccessPlan).where(SuccessPlan.owner_id == erasure.member_id).values(owner_id=None)
    )
    erasure.count(CONTEXT, "successPlansUnassigned", unowned.rowcount)  # type: ignore[attr-defined]


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
