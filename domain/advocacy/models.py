"""Advocacy: advocate profiles, consent, fatigue budget, reference requests, case studies,
testimonials, speakers and press, referrals, the activity ledger, points and rewards."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column, utcnow


class AdvocacyActivity(StrEnum):
    """What an advocate may be willing to do, and what a consent covers."""

    REFERENCE_CALL = "REFERENCE_CALL"
    SITE_VISIT = "SITE_VISIT"
    CASE_STUDY = "CASE_STUDY"
    TESTIMONIAL = "TESTIMONIAL"
    PRESS = "PRESS"
    ANALYST = "ANALYST"
    SPEAKING = "SPEAKING"
    REVIEW = "REVIEW"
    LOGO_USE = "LOGO_USE"


class ConsentChannel(StrEnum):
    WEB = "WEB"
    SALES_DECK = "SALES_DECK"
    PRESS = "PRESS"
    SOCIAL = "SOCIAL"


class ConsentScope(StrEnum):
    MEMBER = "MEMBER"
    ACCOUNT = "ACCOUNT"


class ProfileStatus(StrEnum):
    NOMINATED = "NOMINATED"  # a CSM nominated; the account owner has not approved yet
    ACTIVE = "ACTIVE"
    DECLINED = "DECLINED"
    PAUSED = "PAUSED"


class ReferenceStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OpportunityOutcome(StrEnum):
    WON = "WON"
    LOST = "LOST"


class CaseStudyStage(StrEnum):
    NOMINATED = "NOMINATED"
    INTERVIEWING = "INTERVIEWING"
    DRAFTING = "DRAFTING"
    CUSTOMER_REVIEW = "CUSTOMER_REVIEW"
    LEGAL_APPROVAL = "LEGAL_APPROVAL"
    PUBLISHED = "PUBLISHED"
    RETIRED = "RETIRED"


class TestimonialSource(StrEnum):
    INTERVIEW = "INTERVIEW"
    FORUM_POST = "FORUM_POST"
    BETA_PRAISE = "BETA_PRAISE"
    SURVEY_ANSWER = "SURVEY_ANSWER"


class Attribution(StrEnum):
    FULL_NAME_AND_TITLE = "FULL_NAME_AND_TITLE"
    ROLE_AND_COMPANY = "ROLE_AND_COMPANY"
    ANONYMOUS = "ANONYMOUS"


class TestimonialState(StrEnum):
    CANDIDATE = "CANDIDATE"  # proposed; the author has not been asked yet
    AWAITING_APPROVAL = "AWAITING_APPROVAL"  # the author is asked to approve the exact text
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    PUBLISHED = "PUBLISHED"
    RETIRED = "RETIRED"


class EngagementKind(StrEnum):
    SPEAKING = "SPEAKING"
    PRESS = "PRESS"
    ANALYST = "ANALYST"


class EngagementStatus(StrEnum):
    PLANNED = "PLANNED"
    CONFIRMED = "CONFIRMED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ReferralStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    OPPORTUNITY = "OPPORTUNITY"
    WON = "WON"
    LOST = "LOST"


class LedgerActivity(StrEnum):
    """Completed acts of advocacy and community contribution, as written to the ledger."""

    REFERENCE_CALL = "REFERENCE_CALL"
    SITE_VISIT = "SITE_VISIT"
    CASE_STUDY = "CASE_STUDY"
    TESTIMONIAL = "TESTIMONIAL"
    SPEAKING = "SPEAKING"
    PRESS = "PRESS"
    ANALYST = "ANALYST"
    REVIEW = "REVIEW"
    REFERRAL_SUBMITTED = "REFERRAL_SUBMITTED"
    REFERRAL_WON = "REFERRAL_WON"
    FORUM_POST = "FORUM_POST"
    ACCEPTED_ANSWER = "ACCEPTED_ANSWER"
    IDEA_SUBMITTED = "IDEA_SUBMITTED"
    IDEA_VOTE = "IDEA_VOTE"
    IDEA_SHIPPED = "IDEA_SHIPPED"
    SURVEY_ANSWER = "SURVEY_ANSWER"
    PROGRAM_ENROLLED = "PROGRAM_ENROLLED"
    PROGRAM_ATTENDED = "PROGRAM_ATTENDED"
    PROGRAM_FEEDBACK = "PROGRAM_FEEDBACK"
    BUDDY_SESSION = "BUDDY_SESSION"  # a mentor's completed buddy pairing


class RedemptionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    FULFILLED = "FULFILLED"
    REJECTED = "REJECTED"  # points given back


class FatigueTarget(StrEnum):
    """Whose asks a fatigue rule counts: one member's, or all of an account's members'."""

    MEMBER = "MEMBER"
    ACCOUNT = "ACCOUNT"


# --- profiles -------------------------------------------------------------------------------


class AdvocateProfile(TimestampMixin, Base):
    """What a member is willing to do as an advocate. Lists are kept as JSON for display and
    mirrored into advocate_profile_terms, which reference ranking filters and scores on."""

    __tablename__ = "advocate_profiles"
    __table_args__ = (Index("ix_advocate_profiles_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ProfileStatus] = mapped_column(enum_column(ProfileStatus, "profile_status"))
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_asks_per_quarter: Mapped[int | None] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    use_cases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"metric": str, "before": str | None, "after": str, "note": str | None}]
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"starts_on": "YYYY-MM-DD", "ends_on": "YYYY-MM-DD"}]; empty means any time
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    nominated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdvocateProfileTerm(Base):
    """One normalised (lower-case) activity, product, use-case word or language of a profile."""

    __tablename__ = "advocate_profile_terms"
    __table_args__ = (Index("ix_advocate_profile_terms_kind_value", "kind", "value", "profile_id"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("advocate_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


class AdvocateEvidence(Base):
    """Evidence per member and product area (lower-case tag), kept by the ledger consumers:
    accepted forum answers and shipped ideas. Reference ranking reads it."""

    __tablename__ = "advocate_evidence"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    product: Mapped[str] = mapped_column(String(100), primary_key=True)
    accepted_answers: Mapped[int] = mapped_column(Integer, default=0)
    shipped_ideas: Mapped[int] = mapped_column(Integer, default=0)


# --- consent --------------------------------------------------------------------------------


class ConsentRecord(TimestampMixin, Base):
    """Permission to use a member's words or name (or an account's logo) for one activity in
    some channels, under one version of the consent text, until expiry or withdrawal."""

    __tablename__ = "consent_records"
    __table_args__ = (
        Index("ix_consent_records_member_activity", "member_id", "activity"),
        Index("ix_consent_records_account_activity", "account_id", "activity"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[ConsentScope] = mapped_column(enum_column(ConsentScope, "consent_scope"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    activity: Mapped[AdvocacyActivity] = mapped_column(
        enum_column(AdvocacyActivity, "advocacy_activity")
    )
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    text_version: Mapped[str] = mapped_column(String(50))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )


# --- fatigue --------------------------------------------------------------------------------


class FatigueRule(TimestampMixin, Base):
    """A limit on asks: at most `max_asks` in `period_days`, and `cooldown_days` between two
    asks of the kind. For a member the most specific row wins: the member's own, then their
    account's default for its members, then the global default (account and member null), then
    the built-in one (fatigue.py). `kind` null covers every kind of ask together."""

    __tablename__ = "fatigue_rules"
    __table_args__ = (
        Index("ix_fatigue_rules_lookup", "target", "account_id", "member_id"),
        CheckConstraint("period_days > 0", name="period_positive"),
        CheckConstraint("max_asks >= 0", name="max_not_negative"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    target: Mapped[FatigueTarget] = mapped_column(enum_column(FatigueTarget, "fatigue_target"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str | None] = mapped_column(String(32))
    period_days: Mapped[int] = mapped_column(Integer)
    max_asks: Mapped[int] = mapped_column(Integer)
    cooldown_days: Mapped[int] = mapped_column(Integer, default=0)


class AdvocacyAsk(Base):
    """One ask of a member by any workflow (reference call, case study, beta invite, ...)."""

    __tablename__ = "advocacy_asks"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "source_type", "source_id"),
        Index("ix_advocacy_asks_member_at", "member_id", "asked_at"),
        Index("ix_advocacy_asks_account_at", "account_id", "asked_at"),
        Index("ix_advocacy_asks_at", "asked_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    source_type: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[int] = mapped_column(Id)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- references -----------------------------------------------------------------------------


class ReferenceRequest(TimestampMixin, Base):
    __tablename__ = "reference_requests"
    __table_args__ = (Index("ix_reference_requests_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    activity: Mapped[AdvocacyActivity] = mapped_column(
        enum_column(AdvocacyActivity, "advocacy_activity")
    )
    prospect_company: Mapped[str] = mapped_column(String(200))
    prospect_domain: Mapped[str | None] = mapped_column(String(253))
    prospect_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    industry: Mapped[str | None] = mapped_column(String(100))
    employee_band: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(50))
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    use_case: Mapped[str | None] = mapped_column(String(500))
    needed_by: Mapped[date | None] = mapped_column(Date)
    opportunity_ref: Mapped[str | None] = mapped_column(String(100))
    opportunity_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    opportunity_stage: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[ReferenceStatus] = mapped_column(
        enum_column(ReferenceStatus, "reference_status"), default=ReferenceStatus.REQUESTED
    )
    advocate_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    advocate_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    requester_rating: Mapped[int | None] = mapped_column(Integer)
    requester_feedback: Mapped[str | None] = mapped_column(Text)
    advocate_rating: Mapped[int | None] = mapped_column(Integer)
    advocate_feedback: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[OpportunityOutcome | None] = mapped_column(
        enum_column(OpportunityOutcome, "opportunity_outcome")
    )
    outcome_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- assets ---------------------------------------------------------------------------------


class CaseStudy(TimestampMixin, Base):
    __tablename__ = "case_studies"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    stage: Mapped[CaseStudyStage] = mapped_column(enum_column(CaseStudyStage, "case_study_stage"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    industry_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    asset_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"name": str, "before": str | None, "after": str, "unit": str | None}]
    metrics: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    shows_logo: Mapped[bool] = mapped_column(Boolean, default=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Testimonial(TimestampMixin, Base):
    __tablename__ = "testimonials"
    __table_args__ = (Index("ix_testimonials_source", "source_type", "source_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    source: Mapped[TestimonialSource] = mapped_column(
        enum_column(TestimonialSource, "testimonial_source")
    )
    source_type: Mapped[str | None] = mapped_column(String(50))
    source_id: Mapped[int | None] = mapped_column(Id)
    text: Mapped[str] = mapped_column(Text)
    attribution: Mapped[Attribution] = mapped_column(enum_column(Attribution, "attribution"))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[TestimonialState] = mapped_column(
        enum_column(TestimonialState, "testimonial_state")
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdvocacyEngagement(TimestampMixin, Base):
    """A speaking slot, a press mention or an analyst briefing with one advocate."""

    __tablename__ = "advocacy_engagements"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[EngagementKind] = mapped_column(enum_column(EngagementKind, "engagement_kind"))
    title: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str | None] = mapped_column(String(200))  # event, publication or analyst firm
    occurs_on: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(2048))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    status: Mapped[EngagementStatus] = mapped_column(
        enum_column(EngagementStatus, "engagement_status")
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


# --- referrals ------------------------------------------------------------------------------


class Referral(TimestampMixin, Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    referrer_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    referrer_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    prospect_company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus, "referral_status"))
    opportunity_ref: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- recognition ----------------------------------------------------------------------------


class PointRule(Base):
    """Points (and a value weight) per ledger activity; rows override the built-in defaults."""

    __tablename__ = "advocacy_point_rules"

    activity: Mapped[LedgerActivity] = mapped_column(
        enum_column(LedgerActivity, "ledger_activity"), primary_key=True
    )
    points: Mapped[int] = mapped_column(Integer)
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2))


class LedgerEntry(Base):
    """One completed act of advocacy. `dedupe_key` makes every writer idempotent: an outbox
    event replayed, or a workflow step repeated, adds nothing."""

    __tablename__ = "advocacy_ledger"
    __table_args__ = (
        Index("ix_advocacy_ledger_member_at", "member_id", "occurred_at"),
        Index("ix_advocacy_ledger_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(100), unique=True)
    activity: Mapped[LedgerActivity] = mapped_column(enum_column(LedgerActivity, "ledger_activity"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    points: Mapped[int] = mapped_column(Integer)
    points_withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    source_type: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[int] = mapped_column(Id)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)


class PointBalance(Base):
    """Lifetime points only grow; spendable ones are spent by redemptions. Changed only by
    conditional UPDATEs, so parallel redemptions can never take it below zero."""

    __tablename__ = "advocacy_point_balances"
    __table_args__ = (CheckConstraint("spendable >= 0", name="spendable_not_negative"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    lifetime: Mapped[int] = mapped_column(Integer, default=0)
    spendable: Mapped[int] = mapped_column(Integer, default=0)


class MemberBadge(Base):
    __tablename__ = "advocacy_member_badges"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    badge: Mapped[str] = mapped_column(String(50), primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reward(TimestampMixin, Base):
    __tablename__ = "advocacy_rewards"
    __table_args__ = (CheckConstraint("cost_points > 0", name="cost_positive"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    cost_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)  # null: unlimited
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RewardRedemption(TimestampMixin, Base):
    __tablename__ = "advocacy_redemptions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("advocacy_rewards.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[RedemptionStatus] = mapped_column(
        enum_column(RedemptionStatus, "redemption_status")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(1000))
