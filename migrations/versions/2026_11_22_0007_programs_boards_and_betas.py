"""programs: eligibility, applications, agreements, advisory boards and betas

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "beta_builds",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("release_notes", sa.Text(), nullable=False),
        sa.Column("released_by_id", Id, nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_beta_builds_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["members.id"],
            name=op.f("fk_beta_builds_released_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_builds")),
        sa.UniqueConstraint(
            "program_id", "version", name=op.f("uq_beta_builds_program_id_version")
        ),
    )
    op.create_table(
        "board_meetings",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("minutes_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["members.id"],
            name=op.f("fk_board_meetings_created_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_board_meetings_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_meetings")),
    )
    with op.batch_alter_table("board_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_board_meetings_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "board_seats",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("term_number", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "ENDED",
                name="seat_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_board_seats_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_board_seats_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_board_seats_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_seats")),
        sa.UniqueConstraint(
            "program_id",
            "member_id",
            "term_number",
            name=op.f("uq_board_seats_program_id_member_id_term_number"),
        ),
    )
    with op.batch_alter_table("board_seats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_seats_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            "ix_board_seats_program_status", ["program_id", "status"], unique=False
        )

    op.create_table(
        "program_agreements",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_by_id", Id, nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_agreements_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["members.id"],
            name=op.f("fk_program_agreements_published_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_agreements")),
        sa.UniqueConstraint(
            "program_id", "version", name=op.f("uq_program_agreements_program_id_version")
        ),
    )
    op.create_table(
        "program_applications",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "APPLIED",
                "NOMINATED",
                "INVITED",
                name="application_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "INVITED",
                "WAITLISTED",
                "APPROVED",
                "DECLINED",
                "INVITATION_DECLINED",
                "WITHDRAWN",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("nominated_by_id", Id, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", Id, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("waitlist_position", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_program_applications_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_program_applications_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_program_applications_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"],
            ["members.id"],
            name=op.f("fk_program_applications_nominated_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_applications_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_applications")),
        sa.UniqueConstraint(
            "program_id", "member_id", name=op.f("uq_program_applications_program_id_member_id")
        ),
    )
    with op.batch_alter_table("program_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_applications_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            "ix_program_applications_program_status", ["program_id", "status"], unique=False
        )

    op.create_table(
        "agreement_acceptances",
        sa.Column("id", Id, nullable=False),
        sa.Column("agreement_id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["program_agreements.id"],
            name=op.f("fk_agreement_acceptances_agreement_id_program_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_agreement_acceptances_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_agreement_acceptances_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_acceptances")),
        sa.UniqueConstraint(
            "agreement_id",
            "member_id",
            name=op.f("uq_agreement_acceptances_agreement_id_member_id"),
        ),
    )
    with op.batch_alter_table("agreement_acceptances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_acceptances_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "beta_feedback",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("build_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ISSUE",
                "IDEA",
                "PRAISE",
                name="beta_feedback_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("routed_idea_id", Id, nullable=True),
        sa.Column("routed_to", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"],
            ["beta_builds.id"],
            name=op.f("fk_beta_feedback_build_id_beta_builds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_beta_feedback_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_beta_feedback_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_feedback")),
    )
    with op.batch_alter_table("beta_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beta_feedback_build_id"), ["build_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_beta_feedback_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "meeting_attendances",
        sa.Column("meeting_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PRESENT",
                "ABSENT",
                "EXCUSED",
                name="attendance_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["board_meetings.id"],
            name=op.f("fk_meeting_attendances_meeting_id_board_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_meeting_attendances_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_meeting_attendances")),
    )
    with op.batch_alter_table("program_enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.Text(), nullable=True))

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", Id, nullable=True))
        batch_op.add_column(
            sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("eligibility", sa.JSON(), server_default="{}", nullable=False)
        )
        batch_op.add_column(sa.Column("questions", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("term_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_terms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("graduated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ga_version", sa.String(length=50), nullable=True))
        batch_op.create_index(batch_op.f("ix_programs_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_programs_owner_id_members"),
            "members",
            ["owner_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_programs_capacity_not_negative"), "capacity IS NULL OR capacity >= 0"
        )
    # PAUSED: an enrolment waiting for the current agreement version to be accepted.
    with op.batch_alter_table("program_enrolments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_program_enrolments_enrolment_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_program_enrolments_enrolment_status"),
            "status IN ('ACTIVE', 'PAUSED', 'ENDED')",
        )


def downgrade() -> None:
    op.execute("UPDATE program_enrolments SET status = 'ENDED' WHERE status = 'PAUSED'")
    with op.batch_alter_table("program_enrolments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_program_enrolments_enrolment_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_program_enrolments_enrolment_status"), "status IN ('ACTIVE', 'ENDED')"
        )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_programs_capacity_not_negative"), type_="check")

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_programs_owner_id_members"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_programs_owner_id"))
        batch_op.drop_column("ga_version")
        batch_op.drop_column("graduated_at")
        batch_op.drop_column("max_terms")
        batch_op.drop_column("term_months")
        batch_op.drop_column("questions")
        batch_op.drop_column("eligibility")
        batch_op.drop_column("capacity")
        batch_op.drop_column("ends_on")
        batch_op.drop_column("starts_on")
        batch_op.drop_column("confidential")
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("program_enrolments", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("started_at")

    op.drop_table("meeting_attendances")
    with op.batch_alter_table("beta_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_feedback_program_id"))
        batch_op.drop_index(batch_op.f("ix_beta_feedback_build_id"))

    op.drop_table("beta_feedback")
    with op.batch_alter_table("agreement_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_acceptances_member_id"))

    op.drop_table("agreement_acceptances")
    with op.batch_alter_table("program_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_program_applications_program_status")
        batch_op.drop_index(batch_op.f("ix_program_applications_member_id"))

    op.drop_table("program_applications")
    op.drop_table("program_agreements")
    with op.batch_alter_table("board_seats", schema=None) as batch_op:
        batch_op.drop_index("ix_board_seats_program_status")
        batch_op.drop_index(batch_op.f("ix_board_seats_member_id"))

    op.drop_table("board_seats")
    with op.batch_alter_table("board_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_meetings_program_id"))

    op.drop_table("board_meetings")
    op.drop_table("beta_builds")
