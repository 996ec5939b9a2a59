"""accounts get segment, ARR and currency; feedback: ideas, votes, surveys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEGMENTS = ("SMB", "MID_MARKET", "ENTERPRISE", "STRATEGIC")


def _add_account_revenue() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(
            sa.Column(
                "segment",
                sa.Enum(
                    *SEGMENTS,
                    name="account_segment",
                    native_enum=False,
                    length=32,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("arr", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(
            sa.Column("currency", sa.String(3), server_default="USD", nullable=False)
        )


def _drop_account_revenue() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        # SQLite keeps a CHECK naming a dropped column (and then fails): drop it first.
        batch_op.drop_constraint(op.f("ck_accounts_account_segment"), type_="check")
        batch_op.drop_column("currency")
        batch_op.drop_column("arr")
        batch_op.drop_column("segment")


OLD_KINDS = ("REPLY", "NEW_THREAD", "MENTION", "ANSWER_ACCEPTED", "MODERATION")
NEW_KINDS = (*OLD_KINDS, "IDEA_STATUS", "IDEA_DIGEST")


def _notification_kinds(kinds: tuple[str, ...]) -> None:
    """Notification kinds are strings with a CHECK; feedback adds two kinds."""
    allowed = ", ".join(f"'{kind}'" for kind in kinds)
    for table in ("notifications", "notification_preferences"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_notification_kind"), type_="check")
            batch_op.create_check_constraint("notification_kind", sa.text(f"kind IN ({allowed})"))


def _create_feedback_tables() -> None:
    op.create_table(
        "idea_status_transitions",
        sa.Column(
            "from_status",
            sa.Enum(
                "NEW",
                "UNDER_REVIEW",
                "PLANNED",
                "IN_PROGRESS",
                "SHIPPED",
                "DECLINED",
                "DUPLICATE",
                name="idea_from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "NEW",
                "UNDER_REVIEW",
                "PLANNED",
                "IN_PROGRESS",
                "SHIPPED",
                "DECLINED",
                "DUPLICATE",
                name="idea_to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "from_status", "to_status", name=op.f("pk_idea_status_transitions")
        ),
    )
    op.create_table(
        "changelog_entries",
        sa.Column("id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("product_area", sa.String(length=80), nullable=True),
        sa.Column("author_id", Id, nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_changelog_entries_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changelog_entries")),
    )
    with op.batch_alter_table("changelog_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_changelog_entries_published", ["published_at", "id"], unique=False
        )

    op.create_table(
        "feedback_digest_subscriptions",
        sa.Column("member_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_feedback_digest_subscriptions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_feedback_digest_subscriptions")),
    )
    op.create_table(
        "feedback_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arr_weight", sa.Float(), nullable=False),
        sa.Column("importance_weight", sa.Float(), nullable=False),
        sa.Column("voter_weight", sa.Float(), nullable=False),
        sa.Column("account_weight", sa.Float(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", Id, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["members.id"],
            name=op.f("fk_feedback_settings_updated_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_settings")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "NPS",
                "CSAT",
                "FEEL_VALUED",
                name="survey_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", Id, nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_surveys_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_table(
        "survey_recipients",
        sa.Column("survey_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_survey_recipients_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_recipients_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "member_id", name=op.f("pk_survey_recipients")),
    )
    with op.batch_alter_table("survey_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_recipients_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "ideas",
        sa.Column("id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_markdown", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("product_area", sa.String(length=80), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("author_id", Id, nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "PUBLIC",
                "ACCOUNT",
                "STAFF",
                name="idea_visibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("account_id", Id, nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "NEW",
                "UNDER_REVIEW",
                "PLANNED",
                "IN_PROGRESS",
                "SHIPPED",
                "DECLINED",
                "DUPLICATE",
                name="idea_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_reason", sa.Text(), nullable=True),
        sa.Column("owner_id", Id, nullable=True),
        sa.Column("beta_program_id", Id, nullable=True),
        sa.Column("changelog_entry_id", Id, nullable=True),
        sa.Column("merged_into_id", Id, nullable=True),
        sa.Column("thread_id", Id, nullable=True),
        sa.Column("voter_count", sa.Integer(), nullable=False),
        sa.Column("account_count", sa.Integer(), nullable=False),
        sa.Column("arr_cents", Id, nullable=False),
        sa.Column("nice_to_have_count", sa.Integer(), nullable=False),
        sa.Column("important_count", sa.Integer(), nullable=False),
        sa.Column("must_have_count", sa.Integer(), nullable=False),
        sa.Column("impact_score", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'DUPLICATE') = (merged_into_id IS NOT NULL)", name=op.f("ck_ideas_merged")
        ),
        sa.CheckConstraint(
            "(visibility = 'ACCOUNT') = (account_id IS NOT NULL)",
            name=op.f("ck_ideas_account_iff_account_rule"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ideas_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_ideas_author_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["beta_program_id"],
            ["programs.id"],
            name=op.f("fk_ideas_beta_program_id_programs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["changelog_entry_id"],
            ["changelog_entries.id"],
            name=op.f("fk_ideas_changelog_entry_id_changelog_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["ideas.id"], name=op.f("fk_ideas_merged_into_id_ideas")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_ideas_owner_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_ideas_thread_id_threads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
    )
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "ix_ideas_area_status_impact",
            ["product_area", "status", "impact_score", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_ideas_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ideas_beta_program_id"), ["beta_program_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ideas_changelog_entry_id"), ["changelog_entry_id"], unique=False
        )
        batch_op.create_index("ix_ideas_impact", ["impact_score", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ideas_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_index("ix_ideas_status_id", ["status", "id"], unique=False)
        batch_op.create_index(
            "ix_ideas_status_impact", ["status", "impact_score", "id"], unique=False
        )

    op.create_table(
        "idea_account_demand",
        sa.Column("idea_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("voter_count", sa.Integer(), nullable=False),
        sa.Column("max_importance_rank", sa.Integer(), nullable=False),
        sa.Column("arr_cents", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_idea_account_demand_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_account_demand_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "account_id", name=op.f("pk_idea_account_demand")),
    )
    with op.batch_alter_table("idea_account_demand", schema=None) as batch_op:
        batch_op.create_index("ix_idea_account_demand_account", ["account_id"], unique=False)

    op.create_table(
        "idea_merges",
        sa.Column("id", Id, nullable=False),
        sa.Column("source_id", Id, nullable=False),
        sa.Column("target_id", Id, nullable=False),
        sa.Column(
            "source_status",
            sa.Enum(
                "NEW",
                "UNDER_REVIEW",
                "PLANNED",
                "IN_PROGRESS",
                "SHIPPED",
                "DECLINED",
                "DUPLICATE",
                name="idea_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("merged_by_id", Id, nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_by_id"],
            ["members.id"],
            name=op.f("fk_idea_merges_merged_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["ideas.id"],
            name=op.f("fk_idea_merges_source_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["ideas.id"],
            name=op.f("fk_idea_merges_target_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["members.id"],
            name=op.f("fk_idea_merges_undone_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_merges")),
    )
    with op.batch_alter_table("idea_merges", schema=None) as batch_op:
        batch_op.create_index("ix_idea_merges_source", ["source_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_merges_target_id"), ["target_id"], unique=False)

    op.create_table(
        "idea_status_changes",
        sa.Column("id", Id, nullable=False),
        sa.Column("idea_id", Id, nullable=False),
        sa.Column(
            "old_status",
            sa.Enum(
                "NEW",
                "UNDER_REVIEW",
                "PLANNED",
                "IN_PROGRESS",
                "SHIPPED",
                "DECLINED",
                "DUPLICATE",
                name="idea_old_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "new_status",
            sa.Enum(
                "NEW",
                "UNDER_REVIEW",
                "PLANNED",
                "IN_PROGRESS",
                "SHIPPED",
                "DECLINED",
                "DUPLICATE",
                name="idea_new_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["members.id"],
            name=op.f("fk_idea_status_changes_actor_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_status_changes_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_status_changes")),
    )
    with op.batch_alter_table("idea_status_changes", schema=None) as batch_op:
        batch_op.create_index("ix_idea_status_changes_idea", ["idea_id", "id"], unique=False)

    op.create_table(
        "idea_subscriptions",
        sa.Column("idea_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_subscriptions_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_idea_subscriptions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "member_id", name=op.f("pk_idea_subscriptions")),
    )
    with op.batch_alter_table("idea_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idea_subscriptions_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "idea_votes",
        sa.Column("id", Id, nullable=False),
        sa.Column("idea_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "importance",
            sa.Enum(
                "NICE_TO_HAVE",
                "IMPORTANT",
                "MUST_HAVE",
                name="importance",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proxy", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", Id, nullable=True),
        sa.Column(
            "proxy_source",
            sa.Enum(
                "CALL",
                "TICKET",
                "MEETING",
                "EMAIL",
                "SURVEY",
                "OTHER",
                name="proxy_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("proxy_note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_idea_votes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_idea_votes_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_idea_votes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members.id"],
            name=op.f("fk_idea_votes_recorded_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_votes")),
        sa.UniqueConstraint("idea_id", "member_id", name=op.f("uq_idea_votes_idea_id_member_id")),
    )
    with op.batch_alter_table("idea_votes", schema=None) as batch_op:
        batch_op.create_index("ix_idea_votes_account", ["account_id", "idea_id"], unique=False)
        batch_op.create_index("ix_idea_votes_member", ["member_id", "idea_id"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", Id, nullable=False),
        sa.Column("survey_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("idea_id", Id, nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_survey_responses_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_survey_responses_idea_id_ideas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_survey_responses_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "survey_id", "member_id", name=op.f("uq_survey_responses_survey_id_member_id")
        ),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_time", ["survey_id", "responded_at"], unique=False
        )

    op.create_table(
        "feedback_digest_items",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("status_change_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_feedback_digest_items_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["idea_status_changes.id"],
            name=op.f("fk_feedback_digest_items_status_change_id_idea_status_changes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_digest_items")),
        sa.UniqueConstraint(
            "member_id",
            "status_change_id",
            name=op.f("uq_feedback_digest_items_member_id_status_change_id"),
        ),
    )
    with op.batch_alter_table("feedback_digest_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_digest_items_pending", ["sent_at", "member_id"], unique=False
        )

    op.create_table(
        "idea_merge_votes",
        sa.Column("merge_id", Id, nullable=False),
        sa.Column("vote_id", Id, nullable=False),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "importance",
            sa.Enum(
                "NICE_TO_HAVE",
                "IMPORTANT",
                "MUST_HAVE",
                name="importance",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proxy", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", Id, nullable=True),
        sa.Column(
            "proxy_source",
            sa.Enum(
                "CALL",
                "TICKET",
                "MEETING",
                "EMAIL",
                "SURVEY",
                "OTHER",
                name="proxy_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("proxy_note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merge_id"],
            ["idea_merges.id"],
            name=op.f("fk_idea_merge_votes_merge_id_idea_merges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merge_id", "vote_id", name=op.f("pk_idea_merge_votes")),
    )


def _drop_feedback_tables() -> None:
    op.drop_table("idea_merge_votes")
    with op.batch_alter_table("feedback_digest_items", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_digest_items_pending")

    op.drop_table("feedback_digest_items")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_time")

    op.drop_table("survey_responses")
    with op.batch_alter_table("idea_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_votes_member")
        batch_op.drop_index("ix_idea_votes_account")

    op.drop_table("idea_votes")
    with op.batch_alter_table("idea_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_subscriptions_member_id"))

    op.drop_table("idea_subscriptions")
    with op.batch_alter_table("idea_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_status_changes_idea")

    op.drop_table("idea_status_changes")
    with op.batch_alter_table("idea_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_merges_target_id"))
        batch_op.drop_index("ix_idea_merges_source")

    op.drop_table("idea_merges")
    with op.batch_alter_table("idea_account_demand", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_account_demand_account")

    op.drop_table("idea_account_demand")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_status_impact")
        batch_op.drop_index("ix_ideas_status_id")
        batch_op.drop_index(batch_op.f("ix_ideas_merged_into_id"))
        batch_op.drop_index("ix_ideas_impact")
        batch_op.drop_index(batch_op.f("ix_ideas_changelog_entry_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_beta_program_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_author_id"))
        batch_op.drop_index("ix_ideas_area_status_impact")
        batch_op.drop_index(batch_op.f("ix_ideas_account_id"))

    op.drop_table("ideas")
    with op.batch_alter_table("survey_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_recipients_member_id"))

    op.drop_table("survey_recipients")
    op.drop_table("surveys")
    op.drop_table("feedback_settings")
    op.drop_table("feedback_digest_subscriptions")
    with op.batch_alter_table("changelog_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_changelog_entries_published")

    op.drop_table("changelog_entries")
    op.drop_table("idea_status_transitions")


def upgrade() -> None:
    _add_account_revenue()
    _create_feedback_tables()
    _notification_kinds(NEW_KINDS)


def downgrade() -> None:
    _notification_kinds(OLD_KINDS)
    _drop_feedback_tables()
    _drop_account_revenue()
