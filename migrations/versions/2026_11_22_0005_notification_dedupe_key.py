"""notifications: source_event_id becomes dedupe_key (it holds a post id for post notices)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename(old: str, new: str) -> None:
    # Two batches: on SQLite a constraint created in the batch that renames its column is lost.
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_constraint(op.f(f"uq_notifications_recipient_id_{old}_kind"), type_="unique")
        batch_op.alter_column(old, new_column_name=new)
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.create_unique_constraint(
            op.f(f"uq_notifications_recipient_id_{new}_kind"), ["recipient_id", new, "kind"]
        )


def upgrade() -> None:
    _rename("source_event_id", "dedupe_key")


def downgrade() -> None:
    _rename("dedupe_key", "source_event_id")
