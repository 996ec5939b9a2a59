"""insights: revenue data, advocacy touches, attribution credits, CLV fits, uplift, success plans

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clv_model_fits",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "model",
            sa.Enum(
                "SBG",
                "BGNBD",
                "GAMMA_GAMMA",
                name="clv_fit_model",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clv_model_fits")),
        sa.UniqueConstraint("model", "scope", name=op.f("uq_clv_model_fits_model_scope")),
    )
    op.create_table(
        "insights_processed_events",
        sa.Column("event_id", Id, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_insights_processed_events")),
    )
    op.create_table(
        "insights_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gross_margin", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("discount_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("half_life_days", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_settings")),
    )
    op.create_table(
        "retention_uplift_results",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "OVERALL",
                "ACTIVITY_TYPE",
                "PROGRAM",
                name="uplift_scope",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("scope_key", sa.String(length=100), nullable=False),
        sa.Column("engaged_accounts", sa.Integer(), nullable=False),
        sa.Column("control_accounts", sa.Integer(), nullable=False),
        sa.Column("engaged_retention", sa.Float(), nullable=True),
        sa.Column("control_retention", sa.Float(), nullable=True),
        sa.Column("clv_difference", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("ci_low", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("ci_high", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sufficient", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_uplift_results")),
        sa.UniqueConstraint(
            "scope", "scope_key", name=op.f("uq_retention_uplift_results_scope_scope_key")
        ),
    )
    op.create_table(
        "account_insights",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("arr", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("renewals", sa.Integer(), nullable=True),
        sa.Column("churned", sa.Boolean(), nullable=False),
        sa.Column("contractual_clv", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("derl", sa.Float(), nullable=True),
        sa.Column("expected_remaining_years", sa.Float(), nullable=True),
        sa.Column("median_remaining_years", sa.Integer(), nullable=True),
        sa.Column("probability_alive", sa.Float(), nullable=True),
        sa.Column("expected_purchases", sa.Float(), nullable=True),
        sa.Column("transactional_clv", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("bonding_score", sa.Float(), nullable=True),
        sa.Column("bonding_components", sa.JSON(), nullable=False),
        sa.Column("activity_counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_insights_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_insights")),
    )
    op.create_table(
        "bonding_snapshots",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_bonding_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "on_date", name=op.f("pk_bonding_snapshots")),
    )
    op.create_table(
        "crm_accounts",
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_crm_accounts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("external_id", name=op.f("pk_crm_accounts")),
        sa.UniqueConstraint("account_id", name=op.f("uq_crm_accounts_account_id")),
    )
    op.create_table(
        "revenue_contracts",
        sa.Column("id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column(
            "change",
            sa.Enum(
                "NEW",
                "RENEWAL",
                "EXPANSION",
                "CONTRACTION",
                name="contract_change",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("arr", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("churned_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("arr >= 0", name=op.f("ck_revenue_contracts_arr_not_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_revenue_contracts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_contracts")),
        sa.UniqueConstraint("external_id", name=op.f("uq_revenue_contracts_external_id")),
    )
    op.create_index(
        "ix_revenue_contracts_account_start",
        "revenue_contracts",
        ["account_id", "start_date"],
        unique=False,
    )
    op.create_table(
        "revenue_transactions",
        sa.Column("id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "PURCHASE",
                "SERVICES",
                "OTHER",
                name="transaction_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_revenue_transactions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_transactions")),
        sa.UniqueConstraint("external_id", name=op.f("uq_revenue_transactions_external_id")),
    )
    op.create_index(
        "ix_revenue_transactions_account_on",
        "revenue_transactions",
        ["account_id", "occurred_on"],
        unique=False,
    )
    op.create_table(
        "revenue_opportunities",
        sa.Column("id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "NEW_BUSINESS",
                "EXPANSION",
                name="opportunity_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("stage", sa.String(length=50), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "WON",
                "LOST",
                name="opportunity_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lead_created_on", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=50), nullable=True),
        sa.Column("referral_code", sa.String(length=16), nullable=True),
        sa.Column("source_referral_id", Id, nullable=True),
        sa.Column("contact_roles", sa.JSON(), nullable=False),
        sa.Column("referrer_member_id", Id, nullable=True),
        sa.Column("referrer_account_id", Id, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount >= 0", name=op.f("ck_revenue_opportunities_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_revenue_opportunities_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_account_id"],
            ["accounts.id"],
            name=op.f("fk_revenue_opportunities_referrer_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_member_id"],
            ["members.id"],
            name=op.f("fk_revenue_opportunities_referrer_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_opportunities")),
        sa.UniqueConstraint("external_id", name=op.f("uq_revenue_opportunities_external_id")),
    )
    op.create_index(
        op.f("ix_revenue_opportunities_account_id"),
        "revenue_opportunities",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_revenue_opportunities_referral_code"),
        "revenue_opportunities",
        ["referral_code"],
        unique=False,
    )
    op.create_index(
        "ix_revenue_opportunities_referrer_account",
        "revenue_opportunities",
        ["referrer_account_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_revenue_opportunities_referrer_member",
        "revenue_opportunities",
        ["referrer_member_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_revenue_opportunities_source_referral_id"),
        "revenue_opportunities",
        ["source_referral_id"],
        unique=False,
    )
    op.create_table(
        "success_plans",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "ACHIEVED",
                "ARCHIVED",
                name="success_plan_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", Id, nullable=True),
        sa.Column("recommendations", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_success_plans_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_success_plans_owner_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_plans")),
    )
    op.create_index(
        op.f("ix_success_plans_account_id"), "success_plans", ["account_id"], unique=False
    )
    op.create_table(
        "advocacy_touches",
        sa.Column("id", Id, nullable=False),
        sa.Column("source_key", sa.String(length=150), nullable=False),
        sa.Column("opportunity_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=True),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("program_id", Id, nullable=True),
        sa.Column(
            "touch_type",
            sa.Enum(
                "REFERENCE_CALL",
                "SITE_VISIT",
                "CASE_STUDY",
                "TESTIMONIAL",
                "SPEAKING",
                "REVIEW",
                "OTHER",
                name="touch_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "IMPORT",
                "MANUAL",
                "REFERENCE_REQUEST",
                name="touch_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_advocacy_touches_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_touches_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["revenue_opportunities.id"],
            name=op.f("fk_advocacy_touches_opportunity_id_revenue_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_advocacy_touches_program_id_programs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_touches")),
        sa.UniqueConstraint("source_key", name=op.f("uq_advocacy_touches_source_key")),
    )
    op.create_index(
        op.f("ix_advocacy_touches_account_id"), "advocacy_touches", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_advocacy_touches_member_id"), "advocacy_touches", ["member_id"], unique=False
    )
    op.create_index(
        op.f("ix_advocacy_touches_opportunity_id"),
        "advocacy_touches",
        ["opportunity_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_advocacy_touches_program_id"), "advocacy_touches", ["program_id"], unique=False
    )
    op.create_table(
        "success_outcomes",
        sa.Column("id", Id, nullable=False),
        sa.Column("plan_id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kpi", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=True),
        sa.Column("baseline", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("target", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["success_plans.id"],
            name=op.f("fk_success_outcomes_plan_id_success_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_outcomes")),
    )
    op.create_index(
        op.f("ix_success_outcomes_plan_id"), "success_outcomes", ["plan_id"], unique=False
    )
    op.create_table(
        "attribution_credits",
        sa.Column("touch_id", Id, nullable=False),
        sa.Column("opportunity_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=True),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("program_id", Id, nullable=True),
        sa.Column(
            "touch_type",
            sa.Enum(
                "REFERENCE_CALL",
                "SITE_VISIT",
                "CASE_STUDY",
                "TESTIMONIAL",
                "SPEAKING",
                "REVIEW",
                "OTHER",
                name="touch_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "WON",
                "LOST",
                name="opportunity_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_first_touch", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_last_touch", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_linear", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_u_shaped", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_w_shaped", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_full_path", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit_time_decay", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["revenue_opportunities.id"],
            name=op.f("fk_attribution_credits_opportunity_id_revenue_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touch_id"],
            ["advocacy_touches.id"],
            name=op.f("fk_attribution_credits_touch_id_advocacy_touches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("touch_id", name=op.f("pk_attribution_credits")),
    )
    op.create_index(
        "ix_attribution_credits_account",
        "attribution_credits",
        ["account_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_attribution_credits_opportunity_id"),
        "attribution_credits",
        ["opportunity_id"],
        unique=False,
    )
    op.create_table(
        "outcome_measurements",
        sa.Column("id", Id, nullable=False),
        sa.Column("outcome_id", Id, nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["success_outcomes.id"],
            name=op.f("fk_outcome_measurements_outcome_id_success_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members.id"],
            name=op.f("fk_outcome_measurements_recorded_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_measurements")),
    )
    op.create_index(
        "ix_outcome_measurements_outcome_on",
        "outcome_measurements",
        ["outcome_id", "measured_on"],
        unique=False,
    )


def downgrade() -> None:

    op.drop_index("ix_outcome_measurements_outcome_on", table_name="outcome_measurements")
    op.drop_table("outcome_measurements")
    op.drop_index(op.f("ix_attribution_credits_opportunity_id"), table_name="attribution_credits")
    op.drop_index("ix_attribution_credits_account", table_name="attribution_credits")
    op.drop_table("attribution_credits")
    op.drop_index(op.f("ix_success_outcomes_plan_id"), table_name="success_outcomes")
    op.drop_table("success_outcomes")
    op.drop_index(op.f("ix_advocacy_touches_program_id"), table_name="advocacy_touches")
    op.drop_index(op.f("ix_advocacy_touches_opportunity_id"), table_name="advocacy_touches")
    op.drop_index(op.f("ix_advocacy_touches_member_id"), table_name="advocacy_touches")
    op.drop_index(op.f("ix_advocacy_touches_account_id"), table_name="advocacy_touches")
    op.drop_table("advocacy_touches")
    op.drop_index(op.f("ix_success_plans_account_id"), table_name="success_plans")
    op.drop_table("success_plans")
    op.drop_index(
        op.f("ix_revenue_opportunities_source_referral_id"), table_name="revenue_opportunities"
    )
    op.drop_index("ix_revenue_opportunities_referrer_member", table_name="revenue_opportunities")
    op.drop_index("ix_revenue_opportunities_referrer_account", table_name="revenue_opportunities")
    op.drop_index(
        op.f("ix_revenue_opportunities_referral_code"), table_name="revenue_opportunities"
    )
    op.drop_index(op.f("ix_revenue_opportunities_account_id"), table_name="revenue_opportunities")
    op.drop_table("revenue_opportunities")
    op.drop_index("ix_revenue_transactions_account_on", table_name="revenue_transactions")
    op.drop_table("revenue_transactions")
    op.drop_index("ix_revenue_contracts_account_start", table_name="revenue_contracts")
    op.drop_table("revenue_contracts")
    op.drop_table("crm_accounts")
    op.drop_table("bonding_snapshots")
    op.drop_table("account_insights")
    op.drop_table("retention_uplift_results")
    op.drop_table("insights_settings")
    op.drop_table("insights_processed_events")
    op.drop_table("clv_model_fits")
