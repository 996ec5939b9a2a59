"""Advocate profiles: what a member is willing to do, and CSM nominations that the account
owner approves (never the nominator)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events, policies
from domain.advocacy.errors import Code, invalid
from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocateProfile,
    AdvocateProfileTerm,
    ProfileStatus,
)
from domain.advocacy.services.common import (
    clean_terms,
    customer_member,
    get_for_update,
    require_advocacy_staff,
    text_or_none,
)
from domain.identity.models import Account
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden

WORD = re.compile(r"[a-z0-9][a-z0-9-]{2,}")
STOP_WORDS = frozenset({"the", "and", "for", "with", "from", "our", "their", "into", "using"})


@dataclass(frozen=True)
class Outcome:
    metric: str
    after: str
    before: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Window:
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ProfileData:
    activities: list[AdvocacyActivity] = field(default_factory=list)
    max_asks_per_quarter: int | None = None
    languages: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    availability: list[Window] = field(default_factory=list)
    notes: str | None = None


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOP_WORDS}


async def profile_for_member(session: AsyncSession, member_id: int) -> AdvocateProfile | None:
    return await session.scalar(
        select(AdvocateProfile).where(AdvocateProfile.member_id == member_id)
    )


async def save_profile(
    session: AsyncSession, actor: Actor, now: datetime, member_id: int, data: ProfileData
) -> AdvocateProfile:
    """A member describes what they are willing to do (active at once: it is their own word);
    staff may edit it. Staff creating a profile for someone else nominate them instead."""
    if not policies.can_edit_profile(actor, member_id):
        raise Forbidden("you may edit only your own advocate profile")
    member = await customer_member(session, member_id, "memberId")
    profile = await profile_for_member(session, member_id)
    if profile is None:
        status = ProfileStatus.ACTIVE if actor.member_id == member_id else ProfileStatus.NOMINATED
        profile = AdvocateProfile(
            member_id=member_id,
            account_id=member.account_id,
            status=status,
            nominated_by_id=None if status is ProfileStatus.ACTIVE else actor.member_id,
        )
        session.add(profile)
    _apply(profile, data, now)
    await session.flush()
    await _sync_terms(session, profile)
    events.emit(session, events.PROFILE_CHANGED, profile_id=profile.id)
    return profile


async def nominate(
    session: AsyncSession, actor: Actor, now: datetime, member_id: int, data: ProfileData
) -> AdvocateProfile:
    """A CSM or marketer proposes a customer as an advocate; the account owner decides."""
    require_advocacy_staff(actor)
    member = await customer_member(session, member_id, "memberId")
    profile = await profile_for_member(session, member_id)
    if profile is not None and profile.status in (ProfileStatus.ACTIVE, ProfileStatus.NOMINATED):
        raise invalid(
            f"this member is already {profile.status.lower()} as an advocate",
            "memberId",
            Code.ALREADY_EXISTS,
        )
    if profile is None:
        profile = AdvocateProfile(member_id=member_id, account_id=member.account_id)
        session.add(profile)
    profile.status = ProfileStatus.NOMINATED
    profile.nominated_by_id = actor.member_id
    profile.decided_by_id = None
    profile.decided_at = None
    _apply(profile, data, now)
    await session.flush()
    await _sync_terms(session, profile)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="advocate.nominate",
        target_type="AdvocateProfile",
        target_id=profile.id,
    )
    events.emit(session, events.PROFILE_CHANGED, profile_id=profile.id)
    return profile


async def decide_nomination(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    profile_id: int,
    approve: bool,
    reason: str | None = None,
) -> AdvocateProfile:
    """Only the account's owner (or an admin) decides, and never on their own nomination."""
    profile = await get_for_update(session, AdvocateProfile, profile_id, "profileId")
    if not actor.is_staff:
        raise Forbidden("staff only")
    if profile.nominated_by_id == actor.member_id:
        raise invalid(
            "you nominated this advocate; another person must approve",
            "profileId",
            Code.SELF_APPROVAL,
        )
    # Who may decide comes before the state: the state is not theirs to learn.
    account = await session.get(Account, profile.account_id)
    if account is None or not policies.can_decide_for_account(actor, account):
        raise DomainError(
            "only the account owner approves nominations for this account",
            code=Code.NOT_ACCOUNT_OWNER,
            field=["input", "profileId"],
        )
    if profile.status is not ProfileStatus.NOMINATED:
        raise invalid("this profile is not awaiting approval", "profileId", Code.INVALID_TRANSITION)
    profile.status = ProfileStatus.ACTIVE if approve else ProfileStatus.DECLINED
    profile.decided_by_id = actor.member_id
    profile.decided_at = now
    profile.updated_at = now
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="advocate.approve" if approve else "advocate.decline",
        target_type="AdvocateProfile",
        target_id=profile.id,
        reason=text_or_none(reason, "reason", 1000),
    )
    if approve:
        events.emit(session, events.PROFILE_APPROVED, profile_id=profile.id)
    events.emit(session, events.PROFILE_CHANGED, profile_id=profile.id)
    return profile


async def set_paused(
    session: AsyncSession, actor: Actor, now: datetime, profile_id: int, paused: bool
) -> AdvocateProfile:
    profile = await get_for_update(session, AdvocateProfile, profile_id, "profileId")
    if not policies.can_edit_profile(actor, profile.member_id):
        raise Forbidden("you may change only your own advocate profile")
    allowed_from = ProfileStatus.ACTIVE if paused else ProfileStatus.PAUSED
    if profile.status is not allowed_from:
        raise invalid(
            f"the profile is {profile.status.lower()}", "profileId", Code.INVALID_TRANSITION
        )
    profile.status = ProfileStatus.PAUSED if paused else ProfileStatus.ACTIVE
    profile.updated_at = now
    events.emit(session, events.PROFILE_CHANGED, profile_id=profile.id)
    return profile


def _apply(profile: AdvocateProfile, data: ProfileData, now: datetime) -> None:
    if data.max_asks_per_quarter is not None and not 0 <= data.max_asks_per_quarter <= 100:
        raise invalid("maxAsksPerQuarter must be between 0 and 100", "maxAsksPerQuarter")
    if len(data.outcomes) > 20:
        raise invalid("at most 20 outcomes", "outcomes", Code.TOO_MANY_ITEMS)
    if len(data.availability) > 20:
        raise invalid("at most 20 availability windows", "availability", Code.TOO_MANY_ITEMS)
    for window in data.availability:
        if window.ends_on < window.starts_on:
            raise invalid("an availability window ends before it starts", "availability")
    outcomes = []
    for outcome in data.outcomes:
        metric = text_or_none(outcome.metric, "outcomes", 200)
        after = text_or_none(outcome.after, "outcomes", 100)
        if metric is None or after is None:
            raise invalid("an outcome needs a metric and the result achieved", "outcomes")
        outcomes.append(
            {
                "metric": metric,
                "before": text_or_none(outcome.before, "outcomes", 100),
                "after": after,
                "note": text_or_none(outcome.note, "outcomes", 500),
            }
        )
    profile.activities = [str(a) for a in dict.fromkeys(data.activities)]
    profile.max_asks_per_quarter = data.max_asks_per_quarter
    profile.languages = clean_terms(data.languages, "languages", lower=True)
    profile.products = clean_terms(data.products, "products")
    profile.use_cases = clean_terms(data.use_cases, "useCases")
    profile.outcomes = outcomes
    profile.availability = [
        {"starts_on": w.starts_on.isoformat(), "ends_on": w.ends_on.isoformat()}
        for w in sorted(data.availability, key=lambda w: w.starts_on)
    ]
    profile.notes = text_or_none(data.notes, "notes", 2000)
    profile.updated_at = now


def profile_terms(profile: AdvocateProfile) -> set[tuple[str, str]]:
    terms = {("ACTIVITY", a) for a in profile.activities}
    terms |= {("PRODUCT", p.lower()) for p in profile.products}
    terms |= {("LANGUAGE", lang.lower()) for lang in profile.languages}
    for use_case in profile.use_cases:
        terms |= {("USE_CASE", w) for w in words(use_case)}
    return {(k, v[:100]) for k, v in terms}


async def _sync_terms(session: AsyncSession, profile: AdvocateProfile) -> None:
    await session.execute(
        delete(AdvocateProfileTerm).where(AdvocateProfileTerm.profile_id == profile.id)
    )
    rows = [
        AdvocateProfileTerm(profile_id=profile.id, kind=kind, value=value)
        for kind, value in sorted(profile_terms(profile))
    ]
    session.add_all(rows)
    await session.flush()
