"""The fatigue budget: limits per period, cooldowns, rules per member and account over the
defaults, the advocate's own preference; the most-asked dashboard and nominations."""

from datetime import timedelta

from sqlalchemy import select

from domain.advocacy.fatigue import AskKind, check_budget, record_ask
from domain.advocacy.models import (
    AdvocacyAsk,
    AdvocateProfile,
    FatigueRule,
    FatigueTarget,
    ProfileStatus,
)
from domain.shared.models import utcnow
from tests.support.ids import global_id


async def _ask(session, member, account, kind, n, at):
    return await record_ask(
        session,
        member_id=member.id,
        account_id=account.id,
        kind=kind,
        source_type="Test",
        source_id=n,
        at=at,
    )


async def test_limits_cooldowns_and_next_allowed_time(session, people):
    now = utcnow()
    casey, acme = people.casey, people.acme
    # a reference call 10 days ago: the 14-day cooldown says no until day 14
    assert await _ask(session, casey, acme, AskKind.REFERENCE_CALL, 1, now - timedelta(days=10))
    # recording the same ask again counts nothing
    assert not await _ask(session, casey, acme, AskKind.REFERENCE_CALL, 1, now - timedelta(days=10))
    verdict = await check_budget(session, member_id=casey.id, kind=AskKind.REFERENCE_CALL, at=now)
    assert not verdict.allowed
    assert verdict.next_allowed_at == now - timedelta(days=10) + timedelta(days=14)
    assert verdict.asks_in_period == 1
    # other kinds are still fine
    survey = await check_budget(session, member_id=casey.id, kind=AskKind.SURVEY, at=now)
    assert survey.allowed and survey.reasons == []
    # six asks of any kind in 90 days use up the member's all-kinds default (6 per 90 days)
    for n, days in enumerate((80, 60, 50, 40, 30), start=2):
        await _ask(session, casey, acme, AskKind.BETA_INVITE, n, now - timedelta(days=days))
    verdict = await check_budget(session, member_id=casey.id, kind=AskKind.SURVEY, at=now)
    assert not verdict.allowed
    assert verdict.reasons == ["member: asks of any kind: 6 in 90 days (limit 6)"]
    # the oldest (80 days ago) leaves the window 10 days from now
    assert verdict.next_allowed_at == now - timedelta(days=80) + timedelta(days=90)
    # a member rule raises the limit for Casey only; Devon keeps the account's asks limit
    session.add(
        FatigueRule(
            target=FatigueTarget.MEMBER,
            member_id=casey.id,
            account_id=acme.id,
            kind=None,
            period_days=90,
            max_asks=10,
            cooldown_days=0,
        )
    )
    await session.flush()
    assert (await check_budget(session, member_id=casey.id, kind=AskKind.SURVEY, at=now)).allowed
    # an account rule of at most 6 asks across Acme stops Devon too
    session.add(
        FatigueRule(
            target=FatigueTarget.ACCOUNT,
            account_id=acme.id,
            kind=None,
            period_days=90,
            max_asks=6,
            cooldown_days=0,
        )
    )
    await session.flush()
    devon = await check_budget(session, member_id=people.devon.id, kind=AskKind.SURVEY, at=now)
    assert devon.reasons == ["account: asks of any kind: 6 in 90 days (limit 6)"]
    # Hana's own preference (1 a quarter) is a limit on top
    session.add(
        AdvocateProfile(
            member_id=people.hana.id,
            account_id=people.hooli.id,
            status=ProfileStatus.ACTIVE,
            max_asks_per_quarter=1,
        )
    )
    await session.flush()
    await _ask(session, people.hana, people.hooli, AskKind.SURVEY, 9, now - timedelta(days=40))
    hana = await check_budget(
        session, member_id=people.hana.id, kind=AskKind.REFERENCE_CALL, at=now
    )
    assert hana.reasons == ["member's own preference: asks a quarter: 1 in 91 days (limit 1)"]
    profile = await session.scalar(
        select(AdvocateProfile).where(AdvocateProfile.member_id == people.hana.id)
    )
    assert profile.last_asked_at == now - timedelta(days=40)


MOST_ASKED = """
{ mostAsked(periodDays: 30, first: 2) { members { asks member { name } } accounts { asks account { name } } } }"""


async def test_most_asked_dashboard(call, session, people):
    now = utcnow()
    for n in range(3):
        await _ask(session, people.casey, people.acme, AskKind.SURVEY, n, now - timedelta(days=n))
    await _ask(session, people.devon, people.acme, AskKind.SURVEY, 10, now)
    await _ask(session, people.hana, people.hooli, AskKind.SURVEY, 11, now)
    await _ask(session, people.hana, people.hooli, AskKind.SURVEY, 12, now - timedelta(days=40))
    await session.commit()
    data = await call(people.marketer, MOST_ASKED)
    assert data["mostAsked"]["members"][0] == {"asks": 3, "member": {"name": "Casey"}}
    assert data["mostAsked"]["accounts"] == [
        {"asks": 4, "account": {"name": "Acme"}},
        {"asks": 1, "account": {"name": "Hooli"}},
    ]
    assert await session.scalar(select(AdvocacyAsk.id).limit(1)) is not None


NOMINATE = """
mutation($i: AdvocateProfileInput!) { nominateAdvocate(input: $i) { profile { id status } userErrors { code } } }"""
DECIDE = """
mutation($i: DecideNominationInput!) {
  decideAdvocateNomination(input: $i) { profile { status } userErrors { code } }
}"""


async def test_nominations_are_approved_by_the_account_owner_never_the_nominator(
    call, session, people
):
    casey = global_id("Member", people.casey.id)
    data = await call(
        people.owner, NOMINATE, {"i": {"memberId": casey, "activities": ["REFERENCE_CALL"]}}
    )
    profile = data["nominateAdvocate"]["profile"]
    assert profile["status"] == "NOMINATED"
    again = await call(people.marketer, NOMINATE, {"i": {"memberId": casey}})
    assert again["nominateAdvocate"]["userErrors"] == [{"code": "ALREADY_EXISTS"}]
    # the owner nominated, so the owner may not approve; another CSM is not the owner
    for who, code in ((people.owner, "SELF_APPROVAL"), (people.csm, "NOT_ACCOUNT_OWNER")):
        data = await call(who, DECIDE, {"i": {"profileId": profile["id"], "approve": True}})
        assert data["decideAdvocateNomination"]["userErrors"] == [{"code": code}]
    stored = await session.scalar(select(AdvocateProfile).execution_options(populate_existing=True))
    assert stored.status is ProfileStatus.NOMINATED
    data = await call(people.admin, DECIDE, {"i": {"profileId": profile["id"], "approve": True}})
    assert data["decideAdvocateNomination"]["profile"]["status"] == "ACTIVE"
    # a marketer's nomination of Hana is approved by Hooli's owner
    data = await call(
        people.marketer, NOMINATE, {"i": {"memberId": global_id("Member", people.hana.id)}}
    )
    hana = data["nominateAdvocate"]["profile"]["id"]
    data = await call(
        people.owner, DECIDE, {"i": {"profileId": hana, "approve": False, "reason": "renewal"}}
    )
    assert data["decideAdvocateNomination"]["profile"]["status"] == "DECLINED"
