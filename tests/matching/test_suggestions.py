"""Live suggestions: the fast path (the cached mentor pool, checked again on the rows) agrees
with the plain evaluation on random communities, before and after changes; it reloads only
what changed and costs a constant number of SQL statements per request."""

import random

import pytest
from sqlalchemy import insert, select, update

from domain.identity.models import (
    AccountKind,
    EmployeeBand,
    Member,
    MemberStatus,
    Role,
    account_competitors,
)
from domain.identity.policies import actor_for
from domain.matching.constraints import Rules
from domain.matching.criteria import Criterion, weights_of
from domain.matching.models import BuddyPair, BuddyRole, MaturityLevel, PairOrigin, PairStatus
from domain.matching.pool import POOLS, PoolCache
from domain.matching.services.common import ProgramSettings
from domain.matching.services.profiles import set_paused
from domain.matching.services.suggestions import reference_suggestions, suggestions
from domain.matching.versions import Change, record_change
from domain.shared.models import utcnow
from tests.matching.support import create_profile
from tests.support.factories import create_account, create_member, create_vendor

PRODUCTS = ["Pipelines", "Dashboards", "Alerts", "Catalog", "API"]
USE_CASES = ["fleet", "billing", "churn", "forecasting", "support", "audit"]
OUTCOMES = ["faster reports", "fewer incidents", "self-serve", "lower cost"]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", None]
SETTINGS = {
    "defaults": ProgramSettings(),
    "rule off, industry heavy": ProgramSettings(
        weights=weights_of({Criterion.INDUSTRY: 6.0, Criterion.LANGUAGE: 0.0}),
        rules=Rules(same_industry_region_competes=False),
    ),
}


def _some(rng: random.Random, items: list[str], most: int) -> list[str]:
    return rng.sample(items, rng.randint(0, most))


async def _community(session, rng: random.Random):
    """Random accounts, competitors, members, profiles and pairs of every status."""
    admin = await create_member(session, await create_vendor(session), {Role.ADMIN})
    accounts = [
        await create_account(
            session,
            industry=rng.choice(["Software", "Retail", "Energy", None]),
            region=rng.choice(["EMEA", "APAC"]),
            employee_band=rng.choice([*EmployeeBand, None]),
        )
        for _ in range(10)
    ]
    for a, b in {tuple(rng.sample(range(10), 2)) for _ in range(5)}:
        await session.execute(
            insert(account_competitors).values(
                account_id=accounts[a].id, competitor_id=accounts[b].id
            )
        )
    members: list[Member] = []
    for _ in range(70):
        member = await create_member(
            session,
            rng.choice(accounts),
            timezone=rng.choice(ZONES),
            status=MemberStatus.ACTIVE if rng.random() < 0.9 else MemberStatus.SUSPENDED,
        )
        role = rng.choice(list(BuddyRole))
        await create_profile(
            session,
            member,
            role,
            products=_some(rng, PRODUCTS, 3),
            use_cases=_some(rng, USE_CASES, 3),
            desired_outcomes=_some(rng, OUTCOMES, 2),
            achieved_outcomes=_some(rng, OUTCOMES, 3),
            languages=rng.sample(["English", "German", "Japanese"], rng.randint(0, 2)),
            maturity=rng.choice(list(MaturityLevel)),
            capacity=rng.randint(0, 3) if role is not BuddyRole.MENTEE else 0,
            opted_in=rng.random() < 0.9,
            paused=rng.random() < 0.1,
        )
        members.append(member)
    for _ in range(40):
        mentor, mentee = rng.sample(members, 2)
        await _pair(session, mentor, mentee, rng.choice(list(PairStatus)), rng)
    await session.commit()
    return actor_for(admin, AccountKind.VENDOR), members


async def _pair(session, mentor: Member, mentee: Member, status: PairStatus, rng) -> None:
    session.add(
        BuddyPair(
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            status=status,
            origin=rng.choice(list(PairOrigin)),
            score=1.0,
            breakdown=[],
            ended_badly=status is PairStatus.ENDED_EARLY and rng.random() < 0.5,
            check_in_every_days=14,
        )
    )
    record_change(session, Change.PAIRS)  # as every pair service does
    await session.flush()


async def _assert_agree(session, actor, members, pools: PoolCache) -> int:
    """Fast and reference suggestions are the same mentors, scores and breakdowns, for some
    members (every other one asks for one, the others for five) and each programme; returns
    how many suggestions were compared."""
    now, compared = utcnow(), 0
    for name, settings in SETTINGS.items():
        for n, member in enumerate(members[:16]):
            first = 1 if n % 2 else 5
            fast = await suggestions(session, actor, member.id, settings, now, first, pools=pools)
            slow = await reference_suggestions(session, member.id, settings, now, first)
            as_rows = [
                [(s.mentor.member_id, s.score, s.breakdown) for s in x] for x in (fast, slow)
            ]
            assert as_rows[0] == as_rows[1], (name, member.id, first)
            compared += len(fast)
    return compared


@pytest.mark.parametrize("seed", [11, 12])
async def test_fast_path_agrees_with_the_reference_on_random_communities(session, seed):
    # given a random community
    rng = random.Random(seed)
    actor, members = await _community(session, rng)
    asking = sorted(members, key=lambda m: rng.random())
    pools = PoolCache()
    # then the two paths agree, and the pool was loaded once for all those requests
    assert await _assert_agree(session, actor, asking, pools) > 20
    assert (pools.loads, pools.seat_loads) == (1, 0)

    # when profiles and pairs change through the services' way of recording it
    for member in rng.sample(members, 8):
        await set_paused(session, actor, member.id, rng.random() < 0.5, utcnow())
    for _ in range(10):
        mentor, mentee = rng.sample(members, 2)
        await _pair(session, mentor, mentee, PairStatus.ACCEPTED, rng)
    await session.commit()
    # then the pool is reloaded once and the paths agree again
    await _assert_agree(session, actor, asking, pools)
    assert (pools.loads, pools.seat_loads) == (2, 0)

    # when only pairs change, only the seats are read again
    for _ in range(10):
        mentor, mentee = rng.sample(members, 2)
        await _pair(session, mentor, mentee, rng.choice(list(PairStatus)), rng)
    await session.commit()
    await _assert_agree(session, actor, asking, pools)
    assert (pools.loads, pools.seat_loads) == (2, 1)

    # when members are suspended and competitors declared behind matching's back (identity's
    # changes do not touch the tokens), the live check still excludes exactly the same mentors
    suspended = [m.id for m in rng.sample(members, 25)]
    await session.execute(
        update(Member).where(Member.id.in_(suspended)).values(status=MemberStatus.SUSPENDED)
    )
    accounts = sorted({m.account_id for m in members})
    declared = {(a, b) for a, b in await session.execute(select(account_competitors))}
    for a, b in {tuple(rng.sample(accounts, 2)) for _ in range(6)} - declared:
        await session.execute(insert(account_competitors).values(account_id=a, competitor_id=b))
    await session.commit()
    await _assert_agree(session, actor, asking, pools)
    assert pools.loads == 2  # no reload was needed for that


SUGGESTIONS = """
query($menteeId: ID) {
  buddySuggestions(menteeId: $menteeId, first: 10) {
    score
    mentor { id openSeats member { id name } }
    breakdown { criterion points explanation }
  }
}
"""
PAUSE = """
mutation($input: SetBuddyMatchingPausedInput!) {
  setBuddyMatchingPaused(input: $input) { profile { paused } userErrors { code } }
}
"""
REQUEST = """
mutation($input: RequestBuddyInput!) {
  requestBuddy(input: $input) { pair { id } userErrors { code } }
}
"""
ACCEPT = """
mutation($input: BuddyPairInput!) {
  acceptBuddyPair(input: $input) { pair { status } userErrors { code } }
}
"""


async def _suggested(world, who: str, mentee: str) -> list[tuple[str, int]]:
    data = await world.gql(who, SUGGESTIONS, {"menteeId": world.id(mentee)})
    return [
        (s["mentor"]["member"]["name"], s["mentor"]["openSeats"]) for s in data["buddySuggestions"]
    ]


async def test_over_http_the_pool_is_reused_and_every_change_is_seen(world, statements):
    loads, seat_loads = POOLS.loads, POOLS.seat_loads
    assert await _suggested(world, "casey", "casey") == [("Gil", 1), ("Ivy", 2)]
    assert POOLS.loads == loads + 1
    # then: the same few statements per request, whoever asks for whom, and no reload
    statements.reset()
    await _suggested(world, "casey", "casey")
    per_request = statements.count
    statements.reset()
    for_nia = await _suggested(world, "admin", "nia")
    assert statements.count == per_request <= 8
    reference = await reference_suggestions(
        world.session, world.members["nia"].id, ProgramSettings(), utcnow(), 10
    )
    name_of = {m.id: m.name for m in world.members.values()}
    assert for_nia == [(name_of[s.mentor.member_id], s.mentor.free_capacity) for s in reference]
    assert len(for_nia) >= 2 and "Ivy" not in dict(for_nia)  # Ivy: her colleague
    assert (POOLS.loads, POOLS.seat_loads) == (loads + 1, seat_loads)

    # when a mentor pauses (another request, as another process would): the pool is reloaded
    await world.gql("ivy", PAUSE, {"input": {"paused": True}})
    assert await _suggested(world, "casey", "casey") == [("Gil", 1)]
    assert (POOLS.loads, POOLS.seat_loads) == (loads + 2, seat_loads)

    # when a pair takes Gil's only seat: only the seats are read again
    pair = await world.gql("nia", REQUEST, {"input": {"mentorId": world.id("gil")}})
    pair_id = pair["requestBuddy"]["pair"]["id"]
    accepted = await world.gql("gil", ACCEPT, {"input": {"pairId": pair_id}})
    assert accepted["acceptBuddyPair"]["pair"]["status"] == "ACCEPTED"
    assert await _suggested(world, "casey", "casey") == []
    assert POOLS.loads == loads + 2 and POOLS.seat_loads > seat_loads
