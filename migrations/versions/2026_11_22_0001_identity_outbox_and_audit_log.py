"""identity, outbox and audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", Id, primary_key=True),
        sa.Column("kind", _enum("account_kind", "CUSTOMER", "VENDOR"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(253), nullable=True),
        sa.Column("industry", sa.String(100), nullable=True),
        sa.Column(
            "employee_band",
            _enum("employee_band", "B1_50", "B51_200", "B201_1000", "B1001_5000", "B5001_PLUS"),
            nullable=True,
        ),
        sa.Column("region", sa.String(50), nullable=True),
        sa.Column(
            "lifecycle_stage",
            _enum(
                "lifecycle_stage",
                "ONBOARDING",
                "ADOPTION",
                "RENEWAL",
                "EXPANSION",
                "AT_RISK",
                "CHURNED",
            ),
            nullable=True,
        ),
        sa.Column(
            "tier", _enum("touch_tier", "HIGH_TOUCH", "LOW_TOUCH", "TECH_TOUCH"), nullable=True
        ),
        sa.Column("owner_csm_id", Id, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("domain", name=op.f("uq_accounts_domain")),
    )
    op.create_index(op.f("ix_accounts_owner_csm_id"), "accounts", ["owner_csm_id"])

    op.create_table(
        "account_competitors",
        sa.Column("account_id", Id, nullable=False),
        sa.Column("competitor_id", Id, nullable=False),
        sa.CheckConstraint(
            "account_id <> competitor_id", name=op.f("ck_account_competitors_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_competitors_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["accounts.id"],
            name=op.f("fk_account_competitors_competitor_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "competitor_id", name=op.f("pk_account_competitors")),
    )

    op.create_table(
        "members",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("handle", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("products_used", sa.JSON(), nullable=False),
        sa.Column("using_product_since", sa.Date(), nullable=True),
        sa.Column("avatar_url", sa.String(2048), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column(
            "status", _enum("member_status", "ACTIVE", "SUSPENDED", "DEACTIVATED"), nullable=False
        ),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_members_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("email", name=op.f("uq_members_email")),
        sa.UniqueConstraint("handle", name=op.f("uq_members_handle")),
    )
    op.create_index(op.f("ix_members_account_id"), "members", ["account_id"])
    op.create_index("ix_members_name_id", "members", ["name", "id"])

    # accounts <-> members is a cycle; the owner FK is added once both tables exist.
    with op.batch_alter_table("accounts") as batch:
        batch.create_foreign_key(
            op.f("fk_accounts_owner_csm_id_members"),
            "members",
            ["owner_csm_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "member_roles",
        sa.Column("member_id", Id, nullable=False),
        sa.Column(
            "role",
            _enum("role", "MEMBER", "MODERATOR", "CSM", "MARKETING", "PRODUCT", "ADMIN"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_roles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "role", name=op.f("pk_member_roles")),
    )

    op.create_table(
        "external_identities",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("last_login_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_external_identities_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint(
            "issuer", "subject", name=op.f("uq_external_identities_issuer_subject")
        ),
    )
    op.create_index(op.f("ix_external_identities_member_id"), "external_identities", ["member_id"])

    op.create_table(
        "api_tokens",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("expires_at", Timestamp, nullable=True),
        sa.Column("last_used_at", Timestamp, nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_api_tokens_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_index(op.f("ix_api_tokens_member_id"), "api_tokens", ["member_id"])

    op.create_table(
        "audit_entries",
        sa.Column("id", Id, nullable=False),
        sa.Column("actor_member_id", Id, nullable=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target_type", sa.String(50), nullable=False),
        sa.Column("target_id", Id, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_member_id"],
            ["members.id"],
            name=op.f("fk_audit_entries_actor_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_type", "target_id"])

    op.create_table(
        "outbox_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("processed_at", Timestamp, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    op.create_index("ix_outbox_events_pending", "outbox_events", ["processed_at", "id"])


def downgrade() -> None:
    op.drop_table("outbox_events")
    op.drop_table("audit_entries")
    op.drop_table("api_tokens")
    op.drop_table("external_identities")
    op.drop_table("member_roles")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("fk_accounts_owner_csm_id_members"), type_="foreignkey")
    op.drop_table("members")
    op.drop_table("account_competitors")
    op.drop_table("accounts")
