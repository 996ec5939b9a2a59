"""Insights: revenue data from the CRM, advocacy touches on opportunities, computed attribution
credits and per-account insights (CLV, bonding), model fits, retention uplift, success plans."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.insights.attribution import AttributionModel
from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column, utcnow


class ContractChange(StrEnum):
    NEW = "NEW"
    RENEWAL = "RENEWAL"
    EXPANSION = "EXPANSION"
    CONTRACTION = "CONTRACTION"


class TransactionKind(StrEnum):
    PURCHASE = "PURCHASE"
    SERVICES = "SERVICES"
    OTHER = "OTHER"


class OpportunityKind(StrEnum):
    NEW_BUSINESS = "NEW_BUSINESS"
    EXPANSION = "EXPANSION"


class OpportunityStatus(StrEnum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"


class TouchType(StrEnum):
    """Acts of advocacy that can influence a deal."""

    REFERENCE_CALL = "REFERENCE_CALL"
    SITE_VISIT = "SITE_VISIT"
    CASE_STUDY = "CASE_STUDY"  # a case study shared with the prospect
    TESTIMONIAL = "TESTIMONIAL"  # a testimonial shared with the prospect
    SPEAKING = "SPEAKING"  # the advocate spoke at an event the prospect attended
    REVIEW = "REVIEW"
    OTHER = "OTHER"


class TouchSource(StrEnum):
    IMPORT = "IMPORT"  # CSV / CRM import
    MANUAL = "MANUAL"  # recorded through the API
    REFERENCE_REQUEST = "REFERENCE_REQUEST"  # a completed reference request (advocacy)


class FitModel(StrEnum):
    SBG = "SBG"
    BGNBD = "BGNBD"
    GAMMA_GAMMA = "GAMMA_GAMMA"


class UpliftScope(StrEnum):
    OVERALL = "OVERALL"
    ACTIVITY_TYPE = "ACTIVITY_TYPE"
    PROGRAM = "PROGRAM"


class PlanStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ACHIEVED = "ACHIEVED"
    ARCHIVED = "ARCHIVED"


class InsightsSettings(Base):
    """One row (id 1): the analyst's assumptions."""

    __tablename__ = "insights_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gross_margin: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    discount_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))  # per year
    half_life_days: Mapped[Decimal] = mapped_column(Numeric(7, 2))  # TIME_DECAY
    # Bondfire converts no currencies: imports take amounts in this currency only.
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CrmAccount(Base):
    """The CRM's id for a Bondfire account (accounts are identity's; the link is ours)."""

    __tablename__ = "crm_accounts"

    external_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )


class Contract(TimestampMixin, Base):
    """A subscription contract (or one of its amendments) from the CRM. An account's ARR on a
    day is the sum of the ARR of its contracts running that day."""

    __tablename__ = "revenue_contracts"
    __table_args__ = (
        CheckConstraint("arr >= 0", name="arr_not_negative"),
        Index("ix_revenue_contracts_account_start", "account_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    product: Mapped[str | None] = mapped_column(String(200))
    change: Mapped[ContractChange] = mapped_column(enum_column(ContractChange, "contract_change"))
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    churned_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Transaction(TimestampMixin, Base):
    """A one-off purchase or services invoice."""

    __tablename__ = "revenue_transactions"
    __table_args__ = (Index("ix_revenue_transactions_account_on", "account_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[TransactionKind] = mapped_column(enum_column(TransactionKind, "transaction_kind"))
    occurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Opportunity(TimestampMixin, Base):
    """A deal from the CRM. `referral_code` / `source_referral_id` link it to the referral that
    sourced it; the referrer is resolved into `referrer_*` on every recompute."""

    __tablename__ = "revenue_opportunities"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_revenue_opportunities_referrer_account", "referrer_account_id", "status"),
        Index("ix_revenue_opportunities_referrer_member", "referrer_member_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OpportunityKind] = mapped_column(enum_column(OpportunityKind, "opportunity_kind"))
    stage: Mapped[str] = mapped_column(String(50))
    status: Mapped[OpportunityStatus] = mapped_column(
        enum_column(OpportunityStatus, "opportunity_status")
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    lead_created_on: Mapped[date | None] = mapped_column(Date)
    created_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(50))
    referral_code: Mapped[str | None] = mapped_column(String(16), index=True)
    source_referral_id: Mapped[int | None] = mapped_column(Id, index=True)
    # [{"email": str, "role": str}]: the CRM's contact roles on the deal
    contact_roles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    referrer_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    referrer_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdvocacyTouch(TimestampMixin, Base):
    """One act of advocacy on one opportunity: the input of influenced attribution."""

    __tablename__ = "advocacy_touches"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(150), unique=True)  # idempotent writers
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("revenue_opportunities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True
    )
    touch_type: Mapped[TouchType] = mapped_column(enum_column(TouchType, "touch_type"))
    source: Mapped[TouchSource] = mapped_column(enum_column(TouchSource, "touch_source"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


CREDIT_COLUMNS: dict[AttributionModel, str] = {
    m: f"credit_{m.value.lower()}" for m in AttributionModel
}


class AttributionCredit(Base):
    """A touch's credit under every model at once (one row per touch keeps a full recompute of
    a large ledger to one insert per touch). Written only by the recompute."""

    __tablename__ = "attribution_credits"
    # Only what reads need one account at a time; the per-type and per-programme reports scan
    # (every index costs the full recompute a few seconds per 100,000 rows).
    __table_args__ = (Index("ix_attribution_credits_account", "account_id", "status"),)

    touch_id: Mapped[int] = mapped_column(
        ForeignKey("advocacy_touches.id", ondelete="CASCADE"), primary_key=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("revenue_opportunities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(Id)
    account_id: Mapped[int | None] = mapped_column(Id)
    program_id: Mapped[int | None] = mapped_column(Id)
    touch_type: Mapped[TouchType] = mapped_column(enum_column(TouchType, "touch_type"))
    status: Mapped[OpportunityStatus] = mapped_column(
        enum_column(OpportunityStatus, "opportunity_status")
    )
    currency: Mapped[str] = mapped_column(String(3))
    credit_first_touch: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credit_last_touch: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credit_linear: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credit_u_shaped: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credit_w_shaped: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credit_full_path: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    credit_time_decay: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class AccountInsight(Base):
    """Per-account results of the last recompute."""

    __tablename__ = "account_insights"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(String(3))
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    renewals: Mapped[int | None] = mapped_column(Integer)
    churned: Mapped[bool] = mapped_column(Boolean, default=False)
    contractual_clv: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    derl: Mapped[float | None] = mapped_column(Float)
    expected_remaining_years: Mapped[float | None] = mapped_column(Float)
    median_remaining_years: Mapped[int | None] = mapped_column(Integer)
    probability_alive: Mapped[float | None] = mapped_column(Float)
    expected_purchases: Mapped[float | None] = mapped_column(Float)
    transactional_clv: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    bonding_score: Mapped[float | None] = mapped_column(Float)
    # [{"name", "kind": LEADING|LAGGING, "score" 0-100 or null, "weight", "raw"}]
    bonding_components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # activity type -> count, all time: the account's acts of advocacy and community
    activity_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class BondingSnapshot(Base):
    """The bonding score on one day (the trend)."""

    __tablename__ = "bonding_snapshots"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    on_date: Mapped[date] = mapped_column(Date, primary_key=True)
    score: Mapped[float] = mapped_column(Float)


class ModelFit(Base):
    __tablename__ = "clv_model_fits"
    __table_args__ = (UniqueConstraint("model", "scope"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    model: Mapped[FitModel] = mapped_column(enum_column(FitModel, "clv_fit_model"))
    scope: Mapped[str] = mapped_column(String(100))  # "ALL" or "SEGMENT:<segment>"
    params: Mapped[dict[str, float]] = mapped_column(JSON)
    customers: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UpliftResult(Base):
    __tablename__ = "retention_uplift_results"
    __table_args__ = (UniqueConstraint("scope", "scope_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[UpliftScope] = mapped_column(enum_column(UpliftScope, "uplift_scope"))
    scope_key: Mapped[str] = mapped_column(String(100))  # "" | activity type | program id
    engaged_accounts: Mapped[int] = mapped_column(Integer)
    control_accounts: Mapped[int] = mapped_column(Integer)
    engaged_retention: Mapped[float | None] = mapped_column(Float)
    control_retention: Mapped[float | None] = mapped_column(Float)
    clv_difference: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    ci_low: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    ci_high: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    sufficient: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuccessPlan(TimestampMixin, Base):
    __tablename__ = "success_plans"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "success_plan_status"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    recommendations: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SuccessOutcome(TimestampMixin, Base):
    """A desired measurable outcome: a KPI moving from `baseline` to `target` by `due_on`."""

    __tablename__ = "success_outcomes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("success_plans.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    kpi: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(30))
    baseline: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    target: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    due_on: Mapped[date | None] = mapped_column(Date)


class OutcomeMeasurement(TimestampMixin, Base):
    __tablename__ = "outcome_measurements"
    __table_args__ = (Index("ix_outcome_measurements_outcome_on", "outcome_id", "measured_on"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("success_outcomes.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    note: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )


class ProcessedEvent(Base):
    """Outbox events the insights consumers have handled (at-least-once delivery: skip repeats)."""

    __tablename__ = "insights_processed_events"

    event_id: Mapped[int] = mapped_column(Id, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
