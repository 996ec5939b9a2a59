"""Consent: nothing a customer said or is named in is published or used outside an active
consent for that activity and channel. Usability is computed at read time from the consents,
so an expiry or a withdrawal acts at once, everywhere; withdrawing lists where it bites."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events, policies
from domain.advocacy.errors import Code, invalid, not_found
from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocacyEngagement,
    CaseStudy,
    CaseStudyStage,
    ConsentChannel,
    ConsentRecord,
    ConsentScope,
    EngagementKind,
    EngagementStatus,
    Testimonial,
    TestimonialState,
)
from domain.advocacy.services.common import (
    customer_member,
    get_for_update,
    required_text,
    text_or_none,
)
from domain.identity.models import Account, AccountKind
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import DomainError, Forbidden


@dataclass(frozen=True)
class NewConsent:
    scope: ConsentScope
    activity: AdvocacyActivity
    channels: list[ConsentChannel]
    text_version: str
    member_id: int | None = None
    account_id: int | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class AssetUse:
    """An asset a consent keeps usable, and where it is in use."""

    asset_type: str  # CaseStudy | Testimonial | AdvocacyEngagement | EventSession
    asset_id: int
    title: str
    channels: list[str]
    urls: list[str]


def is_active(consent: ConsentRecord, at: datetime) -> bool:
    return consent.withdrawn_at is None and (consent.expires_at is None or consent.expires_at > at)


def uncovered_channels(
    consents: Sequence[ConsentRecord],
    activity: AdvocacyActivity,
    channels: Sequence[str],
    at: datetime,
) -> list[str]:
    """The channels no active consent for `activity` covers (all of them: nothing to use)."""
    covered: set[str] = set()
    for consent in consents:
        if consent.activity is activity and is_active(consent, at):
            covered |= set(consent.channels)
    return [c for c in channels if c not in covered]


async def consents_for(
    session: AsyncSession, member_ids: Sequence[int], account_ids: Sequence[int]
) -> list[ConsentRecord]:
    return list(
        await session.scalars(
            select(ConsentRecord).where(
                or_(
                    ConsentRecord.member_id.in_(member_ids),
                    (ConsentRecord.scope == ConsentScope.ACCOUNT)
                    & ConsentRecord.account_id.in_(account_ids),
                )
            )
        )
    )


def asset_requirements(
    asset: CaseStudy | Testimonial | AdvocacyEngagement,
) -> list[AdvocacyActivity]:
    if isinstance(asset, CaseStudy):
        needs = [AdvocacyActivity.CASE_STUDY]
        return needs + ([AdvocacyActivity.LOGO_USE] if asset.shows_logo else [])
    if isinstance(asset, Testimonial):
        return [AdvocacyActivity.TESTIMONIAL]
    return [AdvocacyActivity(asset.kind)]


def missing_consent(
    asset: CaseStudy | Testimonial | AdvocacyEngagement,
    consents: Sequence[ConsentRecord],
    at: datetime,
) -> list[str]:
    """What is missing for the asset's channels, as 'ACTIVITY:CHANNEL' strings."""
    missing: list[str] = []
    for activity in asset_requirements(asset):
        if activity is AdvocacyActivity.LOGO_USE:
            scoped = [
                c
                for c in consents
                if c.scope is ConsentScope.ACCOUNT and c.account_id == asset.account_id
            ]
        else:
            scoped = [
                c
                for c in consents
                if c.scope is ConsentScope.MEMBER and c.member_id == asset.member_id
            ]
        missing += [
            f"{activity}:{c}" for c in uncovered_channels(scoped, activity, asset.channels, at)
        ]
    if not asset.channels:
        missing.append("no channel chosen")
    return missing


async def require_consent(
    session: AsyncSession, asset: CaseStudy | Testimonial | AdvocacyEngagement, at: datetime
) -> None:
    consents = await consents_for(session, [asset.member_id], [asset.account_id])
    missing = missing_consent(asset, consents, at)
    if missing:
        raise DomainError(
            "no active consent covers: " + ", ".join(missing), code=Code.CONSENT_REQUIRED
        )


async def grant(
    session: AsyncSession, actor: Actor, now: datetime, new: NewConsent
) -> ConsentRecord:
    if not policies.can_record_consent(actor, new.scope, new.member_id):
        raise Forbidden("you may record only your own consent")
    if not new.channels:
        raise invalid("choose at least one channel", "channels")
    if (new.activity is AdvocacyActivity.LOGO_USE) != (new.scope is ConsentScope.ACCOUNT):
        raise invalid("logo use is consented per account; everything else per member", "scope")
    if new.expires_at is not None and new.expires_at <= now:
        raise invalid("the expiry must be in the future", "expiresAt")
    text_version = required_text(new.text_version, "textVersion", 50)
    if new.scope is ConsentScope.MEMBER:
        if new.member_id is None:
            raise invalid("a member consent names the member", "memberId")
        member = await customer_member(session, new.member_id, "memberId")
        account_id = member.account_id
    else:
        if new.account_id is None:
            raise invalid("an account consent names the account", "accountId")
        account = await session.get(Account, new.account_id)
        if account is None or account.kind is not AccountKind.CUSTOMER:
            raise not_found("Account", "accountId")
        account_id = account.id
    consent = ConsentRecord(
        scope=new.scope,
        member_id=new.member_id if new.scope is ConsentScope.MEMBER else None,
        account_id=account_id,
        activity=new.activity,
        channels=[str(c) for c in dict.fromkeys(new.channels)],
        text_version=text_version,
        granted_at=now,
        expires_at=new.expires_at,
        recorded_by_id=actor.member_id,
    )
    session.add(consent)
    await session.flush()
    if actor.is_staff:
        record_audit(
            session,
            actor_member_id=actor.member_id,
            action="consent.record",
            target_type="ConsentRecord",
            target_id=consent.id,
        )
    events.emit(session, events.CONSENT_GRANTED, consent_id=consent.id)
    return consent


async def withdraw(
    session: AsyncSession, actor: Actor, now: datetime, consent_id: int, reason: str | None
) -> tuple[ConsentRecord, list[AssetUse]]:
    """Withdraws at once; returns the assets that were usable and no longer are."""
    consent = await get_for_update(session, ConsentRecord, consent_id, "consentId")
    if not policies.can_withdraw_consent(actor, consent):
        raise not_found("ConsentRecord", "consentId")
    if consent.withdrawn_at is not None:
        raise invalid("this consent was already withdrawn", "consentId", Code.CONSENT_INACTIVE)
    before = await assets_in_use(session, consent, now)
    consent.withdrawn_at = now
    consent.withdrawal_reason = text_or_none(reason, "reason", 1000)
    await session.flush()
    after = {(u.asset_type, u.asset_id) for u in await assets_in_use(session, consent, now, True)}
    affected = [u for u in before if (u.asset_type, u.asset_id) not in after]
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="consent.withdraw",
        target_type="ConsentRecord",
        target_id=consent.id,
        reason=consent.withdrawal_reason,
        details={"assets": [f"{u.asset_type}:{u.asset_id}" for u in affected]},
    )
    events.emit(
        session,
        events.CONSENT_WITHDRAWN,
        consent_id=consent.id,
        assets=[{"type": u.asset_type, "id": u.asset_id} for u in affected],
    )
    return consent, affected


async def assets_in_use(
    session: AsyncSession, consent: ConsentRecord, at: datetime, only_usable: bool = True
) -> list[AssetUse]:
    """Published (or confirmed) assets of the consent's member or account for its activity,
    that are usable at `at` given all consents; event sessions the member speaks in too."""
    # Imported here: speaker_consent builds on this module's helpers.
    from domain.advocacy.services.speaker_consent import sessions_in_use

    sessions = await sessions_in_use(session, consent, at, only_usable)
    assets: list[CaseStudy | Testimonial | AdvocacyEngagement] = []
    owner = (
        CaseStudy.account_id == consent.account_id
        if consent.scope is ConsentScope.ACCOUNT
        else CaseStudy.member_id == consent.member_id
    )
    if consent.activity in (AdvocacyActivity.CASE_STUDY, AdvocacyActivity.LOGO_USE):
        statement = select(CaseStudy).where(owner, CaseStudy.stage == CaseStudyStage.PUBLISHED)
        if consent.activity is AdvocacyActivity.LOGO_USE:
            statement = statement.where(CaseStudy.shows_logo.is_(True))
        assets += list(await session.scalars(statement))
    if consent.activity is AdvocacyActivity.TESTIMONIAL and consent.member_id is not None:
        assets += list(
            await session.scalars(
                select(Testimonial).where(
                    Testimonial.member_id == consent.member_id,
                    Testimonial.state == TestimonialState.PUBLISHED,
                )
            )
        )
    kinds = {a.value for a in EngagementKind}
    if consent.activity.value in kinds and consent.member_id is not None:
        assets += list(
            await session.scalars(
                select(AdvocacyEngagement).where(
                    AdvocacyEngagement.member_id == consent.member_id,
                    AdvocacyEngagement.kind == EngagementKind(consent.activity.value),
                    AdvocacyEngagement.status.in_(
                        [EngagementStatus.CONFIRMED, EngagementStatus.DONE]
                    ),
                )
            )
        )
    if not assets:
        return sessions
    consents = await consents_for(
        session, sorted({a.member_id for a in assets}), sorted({a.account_id for a in assets})
    )
    uses = []
    for asset in assets:
        if set(asset.channels).isdisjoint(consent.channels):
            continue
        if only_usable and (missing_consent(asset, consents, at) or _expired(asset, at)):
            continue
        uses.append(_use(asset))
    return uses + sessions


def _expired(asset: CaseStudy | Testimonial | AdvocacyEngagement, at: datetime) -> bool:
    return isinstance(asset, CaseStudy) and asset.expires_at is not None and asset.expires_at <= at


def _use(asset: CaseStudy | Testimonial | AdvocacyEngagement) -> AssetUse:
    if isinstance(asset, CaseStudy):
        return AssetUse("CaseStudy", asset.id, asset.title, asset.channels, asset.asset_urls)
    if isinstance(asset, Testimonial):
        return AssetUse("Testimonial", asset.id, asset.text[:80], asset.channels, [])
    return AssetUse(
        "AdvocacyEngagement",
        asset.id,
        asset.title,
        asset.channels,
        [asset.url] if asset.url else [],
    )


def usable(
    asset: CaseStudy | Testimonial | AdvocacyEngagement,
    consents: Sequence[ConsentRecord],
    at: datetime,
) -> bool:
    return not missing_consent(asset, consents, at) and not _expired(asset, at)
