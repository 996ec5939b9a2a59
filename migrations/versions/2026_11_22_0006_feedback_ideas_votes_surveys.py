"""accounts get segment, ARR and currency; feedback: ideas, votes, surveys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

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
        batch_op.drop_column("currency")
        batch_op.drop_column("arr")
        batch_op.drop_column("segment")


def upgrade() -> None:
    _add_account_revenue()


def downgrade() -> None:
    _drop_account_revenue()
