"""Buddy profiles: what a member offers or looks for, opt-in and pause."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import repository as identity_repository
from domain.identity.policies import Actor
from domain.matching import policies
from domain.matching.errors import MatchingErrorCode as Code
from domain.matching.models import BuddyProfile, BuddyRole, MaturityLevel
from domain.matching.services.common import fail, not_found
from domain.matching.versions import Change, record_change
from domain.shared.errors import Forbidden
from domain.shared.validation import Checker

MAX_ITEMS = 20
MAX_ITEM_LENGTH = 100
MAX_CAPACITY = 10


@dataclass(frozen=True)
class ProfileInput:
    role: BuddyRole
    products: list[str] | None = None  # None: the products on the member's profile
    use_cases: list[str] | None = None
    maturity: MaturityLevel | None = None  # None: from how long they have used the product
    desired_outcomes: list[str] | None = None
    achieved_outcomes: list[str] | None = None
    languages: list[str] | None = None
    availability: str | None = None
    capacity: int = 1
    opted_in: bool = True
    meetups_opt_in: bool = False
    events: list[str] | None = None


def maturity_from_tenure(since: date | None, today: date) -> MaturityLevel:
    """Tenure as a first guess at maturity: under 6 months new, 18 developing, 36 proficient."""
    if since is None:
        return MaturityLevel.NEW
    months = (today.year - since.year) * 12 + today.month - since.month
    if months < 6:
        return MaturityLevel.NEW
    if months < 18:
        return MaturityLevel.DEVELOPING
    if months < 36:
        return MaturityLevel.PROFICIENT
    return MaturityLevel.EXPERT


async def save_profile(
    session: AsyncSession, actor: Actor, member_id: int, data: ProfileInput, now: datetime
) -> BuddyProfile:
    """Creates or replaces a member's buddy profile (their own; admins may edit anyone's)."""
    member = await identity_repository.member_by_id(session, member_id)
    if member is None or not (member.id == actor.member_id or policies.can_manage_matching(actor)):
        raise not_found("member", "memberId")
    if not policies.can_edit_profile(actor, member_id):
        raise Forbidden("you may edit only your own buddy profile")
    check = Checker(Code.INVALID_VALUE)
    lists = {
        "products": _items(check, "products", data.products, member.products_used),
        "use_cases": _items(check, "useCases", data.use_cases),
        "desired_outcomes": _items(check, "desiredOutcomes", data.desired_outcomes),
        "achieved_outcomes": _items(check, "achievedOutcomes", data.achieved_outcomes),
        "languages": _items(check, "languages", data.languages),
        "events": _items(check, "events", data.events),
    }
    availability = check.text("availability", data.availability, max_length=500)
    if not 0 <= data.capacity <= MAX_CAPACITY:
        check.fail("capacity", f"between 0 and {MAX_CAPACITY} mentees at once")
    check.raise_if_any()
    maturity = data.maturity or maturity_from_tenure(member.using_product_since, now.date())
    profile = await session.get(BuddyProfile, member_id)
    if profile is None:
        profile = BuddyProfile(member_id=member_id, paused=False)
        session.add(profile)
    profile.role = data.role
    profile.maturity = maturity
    profile.availability = availability
    profile.capacity = data.capacity if data.role is not BuddyRole.MENTEE else 0
    profile.opted_in = data.opted_in
    profile.meetups_opt_in = data.meetups_opt_in
    for name, values in lists.items():
        setattr(profile, name, values)
    profile.updated_at = now
    record_change(session, Change.PROFILES)
    await session.flush()
    return profile


async def set_paused(
    session: AsyncSession, actor: Actor, member_id: int, paused: bool, now: datetime
) -> BuddyProfile:
    """A paused member gets no new requests, suggestions or round proposals; their running
    pairs go on."""
    if not policies.can_edit_profile(actor, member_id):
        raise not_found("buddy profile", "memberId")
    profile = await session.get(BuddyProfile, member_id)
    if profile is None:
        raise fail("create a buddy profile first", Code.NO_PROFILE, "memberId")
    profile.paused = paused
    profile.updated_at = now
    record_change(session, Change.PROFILES)
    return profile


def _items(
    check: Checker, field: str, values: list[str] | None, default: list[str] | None = None
) -> list[str]:
    if values is None:
        values = list(default or [])
    if len(values) > MAX_ITEMS:
        check.fail(field, f"at most {MAX_ITEMS} items", Code.TOO_MANY_ITEMS)
        return []
    cleaned: dict[str, str] = {}
    for value in values:
        value = " ".join(value.split())
        if not value:
            continue
        if len(value) > MAX_ITEM_LENGTH:
            check.fail(field, f"each item at most {MAX_ITEM_LENGTH} characters")
            continue
        cleaned.setdefault(value.casefold(), value)
    return list(cleaned.values())
