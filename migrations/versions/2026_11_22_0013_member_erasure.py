"""identity: personal data erasure (members.erased_at, erasure requests)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("PENDING", "CANCELLED", "COMPLETED")


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "erasure_requests",
        sa.Column("id", Id, nullable=False),
        sa.Column("member_id", Id, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="erasure_status",
                native_enum=False,
                length=32,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_erasure_requests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["members.id"],
            name=op.f("fk_erasure_requests_closed_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(
        op.f("ix_erasure_requests_member_id"), "erasure_requests", ["member_id"], unique=False
    )
    op.create_index(
        "ix_erasure_requests_status_due", "erasure_requests", ["status", "due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_erasure_requests_status_due", table_name="erasure_requests")
    op.drop_index(op.f("ix_erasure_requests_member_id"), table_name="erasure_requests")
    op.drop_table("erasure_requests")
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("erased_at")
