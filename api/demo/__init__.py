"""A realistic demo community, one module per context, each building on the ones before.

Built through the domain services, so the demo data passes the same validation as real input
and leaves the same outbox events and audit entries. `load_demo` never commits.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.advocacy import load_advocacy
from api.demo.community import load_community
from api.demo.feedback import load_feedback
from api.demo.identity import ADMIN_EMAIL, COMPANIES, MODERATOR_EMAIL, STAFF, load_identity
from api.demo.insights import load_insights
from api.demo.matching import load_matching
from api.demo.programs import load_programs
from domain.identity import repository

__all__ = ["ADMIN_EMAIL", "COMPANIES", "MODERATOR_EMAIL", "STAFF", "DemoSummary", "load_demo"]


@dataclass(frozen=True)
class DemoSummary:
    created: bool  # False when the demo community was already there (nothing was changed)
    accounts: int = 0
    members: int = 0
    spaces: int = 0
    threads: int = 0


async def load_demo(session: AsyncSession) -> DemoSummary:
    """Load the demo community once: if its admin exists, leave everything as it is."""
    if await repository.member_by_email(session, ADMIN_EMAIL) is not None:
        return DemoSummary(created=False)
    identity = await load_identity(session)
    community = await load_community(session, identity)
    await load_feedback(session, identity)
    await load_matching(session, identity)
    await load_programs(session, identity)
    await load_advocacy(session, identity)
    await load_insights(session, identity)  # last: it values what the others recorded
    # Later contexts (ideas, programs, references) add a section here, building on these.
    return DemoSummary(
        created=True,
        accounts=1 + len(identity.accounts),
        members=len(identity.staff) + len(identity.members),
        spaces=community.spaces,
        threads=community.threads,
    )
