"""Who may see and do what in advocacy. Lists and node lookups go through the readable_*
statements; customers see their own advocacy records, staff who run advocacy see everything."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from domain.advocacy.event_models import AdvocacyEvent, EventSession, SessionSpeaker
from domain.advocacy.models import (
    AdvocacyActivity,
    CaseStudy,
    CaseStudyStage,
    ConsentRecord,
    ConsentScope,
)
from domain.identity.models import Account, Role
from domain.identity.policies import Actor


def runs_advocacy(actor: Actor) -> bool:
    """Marketing and customer success run references, assets and rewards (admins too)."""
    return actor.is_staff and (actor.has_role(Role.MARKETING) or actor.has_role(Role.CSM))


def can_decide_for_account(actor: Actor, account: Account) -> bool:
    """The account owner (its CSM) approves nominations and references; admins may too."""
    return actor.has_role(Role.ADMIN) or (
        actor.is_staff
        and account.owner_csm_id is not None
        and account.owner_csm_id == actor.member_id
    )


def can_edit_profile(actor: Actor, member_id: int) -> bool:
    return actor.member_id == member_id or runs_advocacy(actor)


def can_record_consent(actor: Actor, scope: ConsentScope, member_id: int | None) -> bool:
    """A member grants their own consent; staff record consent given on paper or by e-mail."""
    if runs_advocacy(actor):
        return True
    return scope is ConsentScope.MEMBER and member_id == actor.member_id


def can_withdraw_consent(actor: Actor, consent: ConsentRecord) -> bool:
    """Withdrawing is made easy: the member, anyone in the account for its logo, or staff."""
    if runs_advocacy(actor):
        return True
    if consent.scope is ConsentScope.MEMBER:
        return consent.member_id == actor.member_id
    return consent.account_id == actor.account_id


def own_or_staff(actor: Actor, column: Any) -> ColumnElement[bool] | None:
    """None when staff (no filter); otherwise rows whose member column is the viewer."""
    if runs_advocacy(actor):
        return None
    condition: ColumnElement[bool] = column == actor.member_id
    return condition


def readable_own(actor: Actor, statement: Select, column: object) -> Select:  # type: ignore[type-arg]
    condition = own_or_staff(actor, column)
    return statement if condition is None else statement.where(condition)


def readable_consents(actor: Actor, statement: Select) -> Select:  # type: ignore[type-arg]
    if runs_advocacy(actor):
        return statement
    return statement.where(
        or_(
            ConsentRecord.member_id == actor.member_id,
            and_(
                ConsentRecord.scope == ConsentScope.ACCOUNT,
                ConsentRecord.account_id == actor.account_id,
            ),
        )
    )


def active_consent_exists(
    member_column: object, activity: AdvocacyActivity, now: datetime
) -> ColumnElement[bool]:
    return exists(
        select(ConsentRecord.id).where(
            ConsentRecord.member_id == member_column,
            ConsentRecord.activity == activity,
            ConsentRecord.withdrawn_at.is_(None),
            or_(ConsentRecord.expires_at.is_(None), ConsentRecord.expires_at > now),
        )
    )


def active_logo_consent_exists(now: datetime) -> ColumnElement[bool]:
    """The case study's account lets its logo be used (an account-level consent)."""
    return exists(
        select(ConsentRecord.id).where(
            ConsentRecord.scope == ConsentScope.ACCOUNT,
            ConsentRecord.account_id == CaseStudy.account_id,
            ConsentRecord.activity == AdvocacyActivity.LOGO_USE,
            ConsentRecord.withdrawn_at.is_(None),
            or_(ConsentRecord.expires_at.is_(None), ConsentRecord.expires_at > now),
        )
    )


def readable_case_studies(actor: Actor, statement: Select, now: datetime) -> Select:  # type: ignore[type-arg]
    """Customers see their own case studies, and published ones that are usable now (within
    their term, under an active consent and, when the logo shows, the account's logo
    consent): a withdrawal hides them at once."""
    if runs_advocacy(actor):
        return statement
    return statement.where(
        or_(
            CaseStudy.member_id == actor.member_id,
            and_(
                CaseStudy.stage == CaseStudyStage.PUBLISHED,
                or_(CaseStudy.expires_at.is_(None), CaseStudy.expires_at > now),
                active_consent_exists(CaseStudy.member_id, AdvocacyActivity.CASE_STUDY, now),
                or_(CaseStudy.shows_logo.is_(False), active_logo_consent_exists(now)),
            ),
        )
    )


def readable_events(actor: Actor, model: Any, statement: Select) -> Select:  # type: ignore[type-arg]
    """Staff see every event and session; customers the sessions they speak in, and the
    events of those sessions."""
    if runs_advocacy(actor):
        return statement
    mine = select(SessionSpeaker.session_id).where(SessionSpeaker.member_id == actor.member_id)
    if model is EventSession:
        return statement.where(EventSession.id.in_(mine))
    return statement.where(
        AdvocacyEvent.id.in_(select(EventSession.event_id).where(EventSession.id.in_(mine)))
    )


def readable(actor: Actor, model: Any, now: datetime) -> Select:  # type: ignore[type-arg]
    """The rows of `model` the actor may see: staff who run advocacy see all; customers their
    own records (what they are the advocate, author, referrer or redeemer of)."""
    from domain.advocacy import models as m

    statement: Select = select(model)  # type: ignore[type-arg]
    if model is m.ConsentRecord:
        return readable_consents(actor, statement)
    if model is m.CaseStudy:
        return readable_case_studies(actor, statement, now)
    if model is m.Reward:
        return statement if runs_advocacy(actor) else statement.where(m.Reward.active.is_(True))
    if model in (AdvocacyEvent, EventSession):
        return readable_events(actor, model, statement)
    owners: dict[Any, Any] = {
        m.AdvocateProfile: m.AdvocateProfile.member_id,
        m.ReferenceRequest: m.ReferenceRequest.advocate_id,
        m.Testimonial: m.Testimonial.member_id,
        m.AdvocacyEngagement: m.AdvocacyEngagement.member_id,
        m.Referral: m.Referral.referrer_id,
        m.RewardRedemption: m.RewardRedemption.member_id,
        m.LedgerEntry: m.LedgerEntry.member_id,
    }
    return readable_own(actor, statement, owners[model])
