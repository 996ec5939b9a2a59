"""Matching test data: buddy profiles inserted directly (the services are tested apart)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Member
from domain.matching.models import BuddyProfile, BuddyRole, MaturityLevel
from domain.matching.versions import Change, record_change


async def create_profile(
    session: AsyncSession, member: Member, role: BuddyRole = BuddyRole.MENTOR, **overrides: Any
) -> BuddyProfile:
    values: dict[str, Any] = {
        "member_id": member.id,
        "role": role,
        "products": ["Pipelines"],
        "use_cases": [],
        "maturity": MaturityLevel.EXPERT if role is not BuddyRole.MENTEE else MaturityLevel.NEW,
        "desired_outcomes": [],
        "achieved_outcomes": [],
        "languages": ["English"],
        "capacity": 2 if role is not BuddyRole.MENTEE else 0,
        "opted_in": True,
        "paused": False,
        "meetups_opt_in": False,
        "events": [],
    }
    values.update(overrides)
    profile = BuddyProfile(**values)
    session.add(profile)
    record_change(session, Change.PROFILES)  # as the profile service does
    await session.flush()
    return profile
