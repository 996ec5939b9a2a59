"""advocacy: profiles, consent, fatigue budget, references, assets, referrals, ledger, rewards

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "advocacy_point_rules",
        sa.Column(
            "activity",
            sa.Enum(
                "REFERENCE_CALL",
                "SITE_VISIT",
                "CASE_STUDY",
                "TESTIMONIAL",
                "SPEAKING",
                "PRESS",
                "ANALYST",
                "REVIEW",
                "REFERRAL_SUBMITTED",
                "REFERRAL_WON",
                "FORUM_POST",
                "ACCEPTED_ANSWER",
                "IDEA_SUBMITTED",
                "IDEA_VOTE",
                "IDEA_SHIPPED",
                "SURVEY_ANSWER",
                "PROGRAM_ENROLLED",
                "PROGRAM_ATTENDED",
                "PROGRAM_FEEDBACK",
                "BUDDY_SESSION",
                name="ledger_activity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("activity", name=op.f("pk_advocacy_point_rules")),
    )
    op.create_table(
        "advocacy_rewards",
        sa.Column("id", Id, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("cost_points", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cost_points > 0", name=op.f("ck_advocacy_rewards_cost_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_rewards")),
    )
    op.create_table(
        "advocacy_asks",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source_type", sa.String(length=50), nullable=False),
        sa.Column("source_id", Id, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_advocacy_asks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_asks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_asks")),
        sa.UniqueConstraint(
            "member_id",
            "kind",
            "source_type",
            "source_id",
            name=op.f("uq_advocacy_asks_member_id_kind_source_type_source_id"),
        ),
    )
    op.create_index(
        "ix_advocacy_asks_account_at", "advocacy_asks", ["account_id", "asked_at"], unique=False
    )
    op.create_index("ix_advocacy_asks_at", "advocacy_asks", ["asked_at"], unique=False)
    op.create_index(
        "ix_advocacy_asks_member_at", "advocacy_asks", ["member_id", "asked_at"], unique=False
    )
    op.create_table(
        "advocacy_engagements",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "SPEAKING",
                "PRESS",
                "ANALYST",
                name="engagement_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("occurs_on", sa.Date(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PLANNED",
                "CONFIRMED",
                "DONE",
                "CANCELLED",
                name="engagement_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_advocacy_engagements_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_engagements_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_advocacy_engagements_owner_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_engagements")),
    )
    op.create_index(
        op.f("ix_advocacy_engagements_member_id"),
        "advocacy_engagements",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "advocacy_ledger",
        sa.Column("id", Id, nullable=False),
        sa.Column("dedupe_key", sa.String(length=100), nullable=False),
        sa.Column(
            "activity",
            sa.Enum(
                "REFERENCE_CALL",
                "SITE_VISIT",
                "CASE_STUDY",
                "TESTIMONIAL",
                "SPEAKING",
                "PRESS",
                "ANALYST",
                "REVIEW",
                "REFERRAL_SUBMITTED",
                "REFERRAL_WON",
                "FORUM_POST",
                "ACCEPTED_ANSWER",
                "IDEA_SUBMITTED",
                "IDEA_VOTE",
                "IDEA_SHIPPED",
                "SURVEY_ANSWER",
                "PROGRAM_ENROLLED",
                "PROGRAM_ATTENDED",
                "PROGRAM_FEEDBACK",
                "BUDDY_SESSION",
                name="ledger_activity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weight", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("points_withheld", sa.Boolean(), nullable=False),
        sa.Column("source_type", sa.String(length=50), nullable=False),
        sa.Column("source_id", Id, nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_advocacy_ledger_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_ledger_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_ledger")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_advocacy_ledger_dedupe_key")),
    )
    op.create_index("ix_advocacy_ledger_at", "advocacy_ledger", ["occurred_at"], unique=False)
    op.create_index(
        "ix_advocacy_ledger_member_at",
        "advocacy_ledger",
        ["member_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "advocacy_member_badges",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("badge", sa.String(length=50), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_member_badges_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "badge", name=op.f("pk_advocacy_member_badges")),
    )
    op.create_table(
        "advocacy_point_balances",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("lifetime", sa.Integer(), nullable=False),
        sa.Column("spendable", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "spendable >= 0", name=op.f("ck_advocacy_point_balances_spendable_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_point_balances_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_advocacy_point_balances")),
    )
    op.create_table(
        "advocacy_redemptions",
        sa.Column("id", Id, nullable=False),
        sa.Column("reward_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "REQUESTED",
                "FULFILLED",
                "REJECTED",
                name="redemption_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", Id, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_advocacy_redemptions_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_redemptions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["advocacy_rewards.id"],
            name=op.f("fk_advocacy_redemptions_reward_id_advocacy_rewards"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_redemptions")),
    )
    op.create_index(
        op.f("ix_advocacy_redemptions_member_id"),
        "advocacy_redemptions",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "advocate_evidence",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("product", sa.String(length=100), nullable=False),
        sa.Column("accepted_answers", sa.Integer(), nullable=False),
        sa.Column("shipped_ideas", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocate_evidence_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "product", name=op.f("pk_advocate_evidence")),
    )
    op.create_table(
        "advocate_profiles",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "NOMINATED",
                "ACTIVE",
                "DECLINED",
                "PAUSED",
                name="profile_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.Column("max_asks_per_quarter", sa.Integer(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("use_cases", sa.JSON(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("nominated_by_id", Id, nullable=True),
        sa.Column("decided_by_id", Id, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_advocate_profiles_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_advocate_profiles_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocate_profiles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"],
            ["members.id"],
            name=op.f("fk_advocate_profiles_nominated_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocate_profiles")),
        sa.UniqueConstraint("member_id", name=op.f("uq_advocate_profiles_member_id")),
    )
    op.create_index(
        op.f("ix_advocate_profiles_account_id"), "advocate_profiles", ["account_id"], unique=False
    )
    op.create_index(
        "ix_advocate_profiles_status_id", "advocate_profiles", ["status", "id"], unique=False
    )
    op.create_table(
        "case_studies",
        sa.Column("id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "NOMINATED",
                "INTERVIEWING",
                "DRAFTING",
                "CUSTOMER_REVIEW",
                "LEGAL_APPROVAL",
                "PUBLISHED",
                "RETIRED",
                name="case_study_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", Id, nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("industry_tags", sa.JSON(), nullable=False),
        sa.Column("product_tags", sa.JSON(), nullable=False),
        sa.Column("asset_urls", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("shows_logo", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_case_studies_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_case_studies_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_case_studies_owner_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_studies")),
    )
    op.create_index(op.f("ix_case_studies_member_id"), "case_studies", ["member_id"], unique=False)
    op.create_table(
        "consent_records",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "MEMBER",
                "ACCOUNT",
                name="consent_scope",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("member_id", Id, nullable=True),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "activity",
            sa.Enum(
                "REFERENCE_CALL",
                "SITE_VISIT",
                "CASE_STUDY",
                "TESTIMONIAL",
                "PRESS",
                "ANALYST",
                "SPEAKING",
                "REVIEW",
                "LOGO_USE",
                name="advocacy_activity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("text_version", sa.String(length=50), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_consent_records_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_consent_records_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members.id"],
            name=op.f("fk_consent_records_recorded_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(
        "ix_consent_records_account_activity",
        "consent_records",
        ["account_id", "activity"],
        unique=False,
    )
    op.create_index(
        "ix_consent_records_member_activity",
        "consent_records",
        ["member_id", "activity"],
        unique=False,
    )
    op.create_table(
        "fatigue_rules",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "target",
            sa.Enum(
                "MEMBER",
                "ACCOUNT",
                name="fatigue_target",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("member_id", Id, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("max_asks", sa.Integer(), nullable=False),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("max_asks >= 0", name=op.f("ck_fatigue_rules_max_not_negative")),
        sa.CheckConstraint("period_days > 0", name=op.f("ck_fatigue_rules_period_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_fatigue_rules_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_fatigue_rules_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fatigue_rules")),
    )
    op.create_index(
        "ix_fatigue_rules_lookup",
        "fatigue_rules",
        ["target", "account_id", "member_id"],
        unique=False,
    )
    op.create_table(
        "reference_requests",
        sa.Column("id", Id, nullable=False),
        sa.Column("requested_by_id", Id, nullable=False),
        sa.Column(
            "activity",
            sa.Enum(
                "REFERENCE_CALL",
                "SITE_VISIT",
                "CASE_STUDY",
                "TESTIMONIAL",
                "PRESS",
                "ANALYST",
                "SPEAKING",
                "REVIEW",
                "LOGO_USE",
                name="advocacy_activity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("prospect_company", sa.String(length=200), nullable=False),
        sa.Column("prospect_domain", sa.String(length=253), nullable=True),
        sa.Column("prospect_account_id", Id, nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("employee_band", sa.String(length=32), nullable=True),
        sa.Column("region", sa.String(length=50), nullable=True),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("use_case", sa.String(length=500), nullable=True),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("opportunity_ref", sa.String(length=100), nullable=True),
        sa.Column("opportunity_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opportunity_stage", sa.String(length=50), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "REQUESTED",
                "APPROVED",
                "DECLINED",
                "SCHEDULED",
                "COMPLETED",
                "CANCELLED",
                name="reference_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("advocate_id", Id, nullable=True),
        sa.Column("advocate_account_id", Id, nullable=True),
        sa.Column("decided_by_id", Id, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=1000), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=1000), nullable=True),
        sa.Column("requester_rating", sa.Integer(), nullable=True),
        sa.Column("requester_feedback", sa.Text(), nullable=True),
        sa.Column("advocate_rating", sa.Integer(), nullable=True),
        sa.Column("advocate_feedback", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "WON",
                "LOST",
                name="opportunity_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("outcome_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("outcome_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_account_id"],
            ["accounts.id"],
            name=op.f("fk_reference_requests_advocate_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["members.id"],
            name=op.f("fk_reference_requests_advocate_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_reference_requests_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_account_id"],
            ["accounts.id"],
            name=op.f("fk_reference_requests_prospect_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["members.id"],
            name=op.f("fk_reference_requests_requested_by_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_requests")),
    )
    op.create_index(
        op.f("ix_reference_requests_advocate_id"),
        "reference_requests",
        ["advocate_id"],
        unique=False,
    )
    op.create_index(
        "ix_reference_requests_status_id", "reference_requests", ["status", "id"], unique=False
    )
    op.create_table(
        "referrals",
        sa.Column("id", Id, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("referrer_id", Id, nullable=False),
        sa.Column("referrer_account_id", Id, nullable=False),
        sa.Column("prospect_company", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "SUBMITTED",
                "ACCEPTED",
                "OPPORTUNITY",
                "WON",
                "LOST",
                name="referral_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("opportunity_ref", sa.String(length=100), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referrer_account_id"],
            ["accounts.id"],
            name=op.f("fk_referrals_referrer_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["members.id"],
            name=op.f("fk_referrals_referrer_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("code", name=op.f("uq_referrals_code")),
    )
    op.create_index(op.f("ix_referrals_referrer_id"), "referrals", ["referrer_id"], unique=False)
    op.create_table(
        "testimonials",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "INTERVIEW",
                "FORUM_POST",
                "BETA_PRAISE",
                "SURVEY_ANSWER",
                name="testimonial_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_type", sa.String(length=50), nullable=True),
        sa.Column("source_id", Id, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "attribution",
            sa.Enum(
                "FULL_NAME_AND_TITLE",
                "ROLE_AND_COMPANY",
                "ANONYMOUS",
                name="attribution",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "CANDIDATE",
                "AWAITING_APPROVAL",
                "APPROVED",
                "DECLINED",
                "PUBLISHED",
                "RETIRED",
                name="testimonial_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by_id", Id, nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_testimonials_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_testimonials_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["members.id"],
            name=op.f("fk_testimonials_proposed_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimonials")),
    )
    op.create_index(op.f("ix_testimonials_member_id"), "testimonials", ["member_id"], unique=False)
    op.create_index(
        "ix_testimonials_source", "testimonials", ["source_type", "source_id"], unique=False
    )
    op.create_table(
        "advocate_profile_terms",
        sa.Column("profile_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["advocate_profiles.id"],
            name=op.f("fk_advocate_profile_terms_profile_id_advocate_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "profile_id", "kind", "value", name=op.f("pk_advocate_profile_terms")
        ),
    )
    op.create_index(
        "ix_advocate_profile_terms_kind_value",
        "advocate_profile_terms",
        ["kind", "value", "profile_id"],
        unique=False,
    )


def downgrade() -> None:

    op.drop_index("ix_advocate_profile_terms_kind_value", table_name="advocate_profile_terms")
    op.drop_table("advocate_profile_terms")
    op.drop_index("ix_testimonials_source", table_name="testimonials")
    op.drop_index(op.f("ix_testimonials_member_id"), table_name="testimonials")
    op.drop_table("testimonials")
    op.drop_index(op.f("ix_referrals_referrer_id"), table_name="referrals")
    op.drop_table("referrals")
    op.drop_index("ix_reference_requests_status_id", table_name="reference_requests")
    op.drop_index(op.f("ix_reference_requests_advocate_id"), table_name="reference_requests")
    op.drop_table("reference_requests")
    op.drop_index("ix_fatigue_rules_lookup", table_name="fatigue_rules")
    op.drop_table("fatigue_rules")
    op.drop_index("ix_consent_records_member_activity", table_name="consent_records")
    op.drop_index("ix_consent_records_account_activity", table_name="consent_records")
    op.drop_table("consent_records")
    op.drop_index(op.f("ix_case_studies_member_id"), table_name="case_studies")
    op.drop_table("case_studies")
    op.drop_index("ix_advocate_profiles_status_id", table_name="advocate_profiles")
    op.drop_index(op.f("ix_advocate_profiles_account_id"), table_name="advocate_profiles")
    op.drop_table("advocate_profiles")
    op.drop_table("advocate_evidence")
    op.drop_index(op.f("ix_advocacy_redemptions_member_id"), table_name="advocacy_redemptions")
    op.drop_table("advocacy_redemptions")
    op.drop_table("advocacy_point_balances")
    op.drop_table("advocacy_member_badges")
    op.drop_index("ix_advocacy_ledger_member_at", table_name="advocacy_ledger")
    op.drop_index("ix_advocacy_ledger_at", table_name="advocacy_ledger")
    op.drop_table("advocacy_ledger")
    op.drop_index(op.f("ix_advocacy_engagements_member_id"), table_name="advocacy_engagements")
    op.drop_table("advocacy_engagements")
    op.drop_index("ix_advocacy_asks_member_at", table_name="advocacy_asks")
    op.drop_index("ix_advocacy_asks_at", table_name="advocacy_asks")
    op.drop_index("ix_advocacy_asks_account_at", table_name="advocacy_asks")
    op.drop_table("advocacy_asks")
    op.drop_table("advocacy_rewards")
    op.drop_table("advocacy_point_rules")
