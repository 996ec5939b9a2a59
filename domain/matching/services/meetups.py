"""Group meet-ups: small groups of members who opted in, by region or by an event they attend.
Competitor-safe like every pairing: no group holds two companies that compete."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, Member, MemberStatus, account_competitors
from domain.identity.policies import Actor
from domain.matching import events, policies
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import BuddyProfile, Meetup, MeetupGrouping, MeetupMember
from domain.matching.services.common import fail
from domain.shared.errors import Forbidden
from domain.shared.outbox import record_event

MIN_GROUP = 2
MAX_GROUP = 12


async def propose_meetups(
    session: AsyncSession,
    actor: Actor,
    grouping: MeetupGrouping,
    now: datetime,
    *,
    event: str | None = None,
    group_size: int = 6,
) -> list[Meetup]:
    """Groups of at most `group_size` per region (the member's company's) or per event; a
    lone member in a region or event gets no group. Members join the first group with room
    and no competitor of theirs."""
    if not policies.can_manage_matching(actor):
        raise Forbidden("only community managers propose meet-ups")
    if not MIN_GROUP <= group_size <= MAX_GROUP:
        raise fail(f"groups of {MIN_GROUP} to {MAX_GROUP}", Code.INVALID_VALUE, "groupSize")
    rows = await session.execute(
        select(BuddyProfile.member_id, Member.account_id, Account.region, BuddyProfile.events)
        .join(Member, Member.id == BuddyProfile.member_id)
        .join(Account, Account.id == Member.account_id)
        .where(BuddyProfile.meetups_opt_in.is_(True), Member.status == MemberStatus.ACTIVE)
        .order_by(BuddyProfile.member_id)
    )
    by_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
    wanted_event = event.strip().casefold() if event else None
    for member_id, account_id, region, attending in rows:
        if grouping is MeetupGrouping.REGION:
            if region:
                by_key[region].append((member_id, account_id))
            continue
        for name in attending or []:
            if wanted_event is None or name.casefold() == wanted_event:
                by_key[name].append((member_id, account_id))
    competitors = {
        pair
        for a, b in await session.execute(select(account_competitors))
        for pair in ((a, b), (b, a))
    }
    meetups: list[Meetup] = []
    for key in sorted(by_key):
        for number, group in enumerate(_groups(by_key[key], group_size, competitors), 1):
            if len(group) < MIN_GROUP:
                continue
            meetup = Meetup(
                grouping=grouping,
                key=key[:200],
                title=f"{key} meet-up {number}"[:200],
                created_by_id=actor.member_id,
                created_at=now,
            )
            session.add(meetup)
            await session.flush()
            session.add_all(MeetupMember(meetup_id=meetup.id, member_id=m) for m, _ in group)
            record_event(
                session,
                events.MEETUP_PROPOSED,
                {"meetup_id": meetup.id, "member_ids": [m for m, _ in group]},
            )
            meetups.append(meetup)
    await session.flush()
    return meetups


def _groups(
    people: list[tuple[int, int]], size: int, competitors: set[tuple[int, int]]
) -> list[list[tuple[int, int]]]:
    groups: list[list[tuple[int, int]]] = []
    for person in people:
        for group in groups:
            if len(group) < size and all((person[1], a) not in competitors for _, a in group):
                group.append(person)
                break
        else:
            groups.append([person])
    return groups
