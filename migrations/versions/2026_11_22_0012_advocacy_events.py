"""advocacy: events with sessions and speakers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "advocacy_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind", _enum("event_kind", "CONFERENCE", "WEBINAR", "CUSTOMER_EVENT"), nullable=False
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("is_virtual", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("owner_id", Id, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
            name=op.f("fk_advocacy_events_owner_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_events")),
    )
    op.create_index(
        "ix_advocacy_events_starts_on_id", "advocacy_events", ["starts_on", "id"], unique=False
    )
    op.create_table(
        "advocacy_event_sessions",
        sa.Column("id", Id, nullable=False),
        sa.Column("event_id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "format",
            _enum("session_format", "KEYNOTE", "PANEL", "BREAKOUT", "FIRESIDE", "WEBINAR"),
            nullable=False,
        ),
        sa.Column(
            "status",
            _enum("session_status", "PLANNED", "CONFIRMED", "PUBLISHED", "COMPLETED", "CANCELLED"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["advocacy_events.id"],
            name=op.f("fk_advocacy_event_sessions_event_id_advocacy_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_event_sessions")),
    )
    op.create_index(
        op.f("ix_advocacy_event_sessions_event_id"),
        "advocacy_event_sessions",
        ["event_id"],
        unique=False,
    )
    op.create_table(
        "advocacy_session_speakers",
        sa.Column("id", Id, nullable=False),
        sa.Column("session_id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column(
            "role", _enum("speaker_role", "SPEAKER", "PANELIST", "MODERATOR"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_advocacy_session_speakers_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_advocacy_session_speakers_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["advocacy_event_sessions.id"],
            name=op.f("fk_advocacy_session_speakers_session_id_advocacy_event_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_session_speakers")),
        sa.UniqueConstraint(
            "session_id",
            "member_id",
            name=op.f("uq_advocacy_session_speakers_session_id_member_id"),
        ),
    )
    op.create_index(
        op.f("ix_advocacy_session_speakers_member_id"),
        "advocacy_session_speakers",
        ["member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_advocacy_session_speakers_session_id"),
        "advocacy_session_speakers",
        ["session_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_advocacy_session_speakers_session_id"), table_name="advocacy_session_speakers"
    )
    op.drop_index(
        op.f("ix_advocacy_session_speakers_member_id"), table_name="advocacy_session_speakers"
    )
    op.drop_table("advocacy_session_speakers")
    op.drop_index(op.f("ix_advocacy_event_sessions_event_id"), table_name="advocacy_event_sessions")
    op.drop_table("advocacy_event_sessions")
    op.drop_index("ix_advocacy_events_starts_on_id", table_name="advocacy_events")
    op.drop_table("advocacy_events")
