"""matching: buddy profiles, programmes, pairs, rounds, meet-ups; buddy notification kinds

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Notification kinds before this revision (community's and feedback's, see 0006) and after.
KINDS_BEFORE = (
    "REPLY",
    "NEW_THREAD",
    "MENTION",
    "ANSWER_ACCEPTED",
    "MODERATION",
    "IDEA_STATUS",
    "IDEA_DIGEST",
)
KINDS_AFTER = (*KINDS_BEFORE, "BUDDY_PROPOSAL", "BUDDY_UPDATE", "BUDDY_CHECK_IN", "BUDDY_MEETUP")


def _notification_kinds(kinds: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{kind}'" for kind in kinds)
    for table in ("notifications", "notification_preferences"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_notification_kind"), type_="check")
            batch_op.create_check_constraint("notification_kind", sa.text(f"kind IN ({allowed})"))


def upgrade() -> None:
    op.create_table(
        "matching_programs",
        sa.Column("id", Id, nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("same_industry_region_competes", sa.Boolean(), nullable=False),
        sa.Column("check_in_every_days", sa.Integer(), nullable=False),
        sa.Column("default_length_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_programs")),
        sa.UniqueConstraint("slug", name=op.f("uq_matching_programs_slug")),
    )
    op.create_table(
        "buddy_meetups",
        sa.Column("id", Id, nullable=False),
        sa.Column(
            "grouping",
            sa.Enum(
                "REGION",
                "EVENT",
                name="meetup_grouping",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_buddy_meetups_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_meetups")),
    )
    op.create_table(
        "buddy_profiles",
        sa.Column("member_id", Id, nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "MENTOR",
                "MENTEE",
                "BOTH",
                name="buddy_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("use_cases", sa.JSON(), nullable=False),
        sa.Column(
            "maturity",
            sa.Enum(
                "NEW",
                "DEVELOPING",
                "PROFICIENT",
                "EXPERT",
                name="maturity_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("desired_outcomes", sa.JSON(), nullable=False),
        sa.Column("achieved_outcomes", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("availability", sa.String(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("meetups_opt_in", sa.Boolean(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity >= 0 AND capacity <= 10", name=op.f("ck_buddy_profiles_capacity_range")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_profiles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_buddy_profiles")),
    )
    op.create_index(
        "ix_buddy_profiles_pool", "buddy_profiles", ["opted_in", "paused", "role"], unique=False
    )
    op.create_table(
        "matching_rounds",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "PUBLISHED",
                "DISCARDED",
                name="round_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", Id, nullable=True),
        sa.Column("mentee_count", sa.Integer(), nullable=False),
        sa.Column("mentor_count", sa.Integer(), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.Column("greedy_score", sa.Float(), nullable=False),
        sa.Column("solve_seconds", sa.Float(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_matching_rounds_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["matching_programs.id"],
            name=op.f("fk_matching_rounds_program_id_matching_programs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["members.id"],
            name=op.f("fk_matching_rounds_published_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_rounds")),
    )
    op.create_table(
        "buddy_meetup_members",
        sa.Column("meetup_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["meetup_id"],
            ["buddy_meetups.id"],
            name=op.f("fk_buddy_meetup_members_meetup_id_buddy_meetups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_meetup_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meetup_id", "member_id", name=op.f("pk_buddy_meetup_members")),
    )
    op.create_index(
        op.f("ix_buddy_meetup_members_member_id"),
        "buddy_meetup_members",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "buddy_pairs",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=True),
        sa.Column("round_id", Id, nullable=True),
        sa.Column("mentor_id", Id, nullable=False),
        sa.Column("mentee_id", Id, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PROPOSED",
                "ACCEPTED",
                "ACTIVE",
                "COMPLETED",
                "ENDED_EARLY",
                "DECLINED",
                name="pair_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "origin",
            sa.Enum(
                "REQUEST",
                "ROUND",
                name="pair_origin",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("mentor_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentee_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("ended_badly", sa.Boolean(), nullable=False),
        sa.Column("declined_by_id", Id, nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("check_in_every_days", sa.Integer(), nullable=False),
        sa.Column("next_check_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mentor_id <> mentee_id", name=op.f("ck_buddy_pairs_not_self")),
        sa.ForeignKeyConstraint(
            ["declined_by_id"],
            ["members.id"],
            name=op.f("fk_buddy_pairs_declined_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["members.id"],
            name=op.f("fk_buddy_pairs_mentee_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["members.id"],
            name=op.f("fk_buddy_pairs_mentor_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["matching_programs.id"],
            name=op.f("fk_buddy_pairs_program_id_matching_programs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["matching_rounds.id"],
            name=op.f("fk_buddy_pairs_round_id_matching_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_pairs")),
    )
    op.create_index(
        "ix_buddy_pairs_check_in", "buddy_pairs", ["status", "next_check_in_at"], unique=False
    )
    op.create_index("ix_buddy_pairs_mentee", "buddy_pairs", ["mentee_id", "status"], unique=False)
    op.create_index("ix_buddy_pairs_mentor", "buddy_pairs", ["mentor_id", "status"], unique=False)
    op.create_table(
        "buddy_pair_feedback",
        sa.Column("pair_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("goals_met", sa.Boolean(), nullable=False),
        sa.Column("would_recommend", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating >= 1 AND rating <= 5", name=op.f("ck_buddy_pair_feedback_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_pair_feedback_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["buddy_pairs.id"],
            name=op.f("fk_buddy_pair_feedback_pair_id_buddy_pairs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pair_id", "member_id", name=op.f("pk_buddy_pair_feedback")),
    )
    op.create_table(
        "matching_round_proposals",
        sa.Column("id", Id, nullable=False),
        sa.Column("round_id", Id, nullable=False),
        sa.Column("mentor_id", Id, nullable=False),
        sa.Column("mentee_id", Id, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("pair_id", Id, nullable=True),
        sa.Column("skipped_reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["members.id"],
            name=op.f("fk_matching_round_proposals_mentee_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["members.id"],
            name=op.f("fk_matching_round_proposals_mentor_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["buddy_pairs.id"],
            name=op.f("fk_matching_round_proposals_pair_id_buddy_pairs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["matching_rounds.id"],
            name=op.f("fk_matching_round_proposals_round_id_matching_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_round_proposals")),
    )
    op.create_index(
        "ix_matching_round_proposals_round",
        "matching_round_proposals",
        ["round_id", "id"],
        unique=False,
    )
    op.create_table(
        "matching_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profiles_version", sa.String(length=32), nullable=False),
        sa.Column("pairs_version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_state")),
    )
    # Random tokens of this database (two databases never share one; see MatchingState).
    op.get_bind().execute(
        sa.text(
            "INSERT INTO matching_state (id, profiles_version, pairs_version) VALUES (1, :a, :b)"
        ),
        {"a": uuid.uuid4().hex, "b": uuid.uuid4().hex},
    )
    _notification_kinds(KINDS_AFTER)


def downgrade() -> None:
    _notification_kinds(KINDS_BEFORE)
    # IF EXISTS: databases migrated before the table joined this revision have none.
    op.execute("DROP TABLE IF EXISTS matching_state")
    op.drop_index("ix_matching_round_proposals_round", table_name="matching_round_proposals")
    op.drop_table("matching_round_proposals")
    op.drop_table("buddy_pair_feedback")
    op.drop_index("ix_buddy_pairs_mentor", table_name="buddy_pairs")
    op.drop_index("ix_buddy_pairs_mentee", table_name="buddy_pairs")
    op.drop_index("ix_buddy_pairs_check_in", table_name="buddy_pairs")
    op.drop_table("buddy_pairs")
    op.drop_index(op.f("ix_buddy_meetup_members_member_id"), table_name="buddy_meetup_members")
    op.drop_table("buddy_meetup_members")
    op.drop_table("matching_rounds")
    op.drop_index("ix_buddy_profiles_pool", table_name="buddy_profiles")
    op.drop_table("buddy_profiles")
    op.drop_table("buddy_meetups")
    op.drop_table("matching_programs")
