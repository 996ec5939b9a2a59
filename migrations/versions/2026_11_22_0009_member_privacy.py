"""members get a profile visibility setting (who finds them in search and the directory)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIBILITIES = ("COMMUNITY", "ACCOUNT", "STAFF")


def upgrade() -> None:
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(
            sa.Column(
                "profile_visibility",
                sa.Enum(
                    *VISIBILITIES,
                    name="profile_visibility",
                    native_enum=False,
                    length=32,
                    create_constraint=True,
                ),
                server_default="COMMUNITY",
                nullable=False,
            )
        )


def downgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("members")}
    if "profile_visibility" not in columns:  # migrated while this revision was an empty slot
        return
    with op.batch_alter_table("members") as batch_op:
        # SQLite keeps a CHECK naming a dropped column (and then fails): drop it first.
        batch_op.drop_constraint(op.f("ck_members_profile_visibility"), type_="check")
        batch_op.drop_column("profile_visibility")
