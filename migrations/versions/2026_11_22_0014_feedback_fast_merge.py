"""feedback: merge without moving votes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22

A merge no longer moves the duplicate's votes to the original (and records each in
idea_merge_votes); the votes stay where they were cast and count for the open idea the
duplicate points at (ideas.merge_root_id, the end of its merge chain). Upgrading puts the votes
of merges still in force back where they were cast (latest merge first, so chains unwind in
order), restores the duplicates' dropped votes of members who still vote on the original, and
sets the pointers; the originals' demand rows and counters stay as they are (they counted the
same members). Downgrading does the reverse: each merge in force moves and records its votes
again, oldest first, as the old merge did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOTE_COLUMNS = (
    "member_id, account_id, importance, proxy, recorded_by_id, proxy_source, proxy_note, created_at"
)


def upgrade() -> None:
    bind = op.get_bind()
    # No foreign key: merged_into_id's guards the same rows (an idea others are merged into
    # cannot go), and a plain ADD COLUMN spares SQLite a rebuild of `ideas` (batch mode drops
    # the old table, which with foreign keys on would cascade into the votes).
    op.add_column("ideas", sa.Column("merge_root_id", Id, nullable=True))
    op.create_index(op.f("ix_ideas_merge_root_id"), "ideas", ["merge_root_id"], unique=False)
    merges = bind.execute(
        sa.text(
            "SELECT id, source_id, target_id FROM idea_merges WHERE undone_at IS NULL "
            "ORDER BY id DESC"
        )
    ).all()
    for merge_id, source_id, target_id in merges:
        params = {"merge": merge_id, "source": source_id, "target": target_id}
        bind.execute(
            sa.text(
                "UPDATE idea_votes SET idea_id = :source WHERE idea_id = :target AND id IN "
                "(SELECT vote_id FROM idea_merge_votes WHERE merge_id = :merge AND NOT dropped)"
            ),
            params,
        )
        bind.execute(
            sa.text(
                f"INSERT INTO idea_votes (id, idea_id, {VOTE_COLUMNS}) "
                f"SELECT m.vote_id, CAST(:source AS BIGINT), {_prefixed('m')} "
                "FROM idea_merge_votes m "
                "WHERE m.merge_id = :merge AND m.dropped AND EXISTS (SELECT 1 FROM idea_votes v "
                "WHERE v.idea_id = :target AND v.member_id = m.member_id) AND NOT EXISTS "
                "(SELECT 1 FROM idea_votes v WHERE v.id = m.vote_id OR "
                "(v.idea_id = :source AND v.member_id = m.member_id))"
            ),
            params,
        )
    # every merged idea points at the end of its chain
    op.execute("UPDATE ideas SET merge_root_id = merged_into_id WHERE merged_into_id IS NOT NULL")
    while True:
        followed = bind.execute(
            sa.text(
                "UPDATE ideas SET merge_root_id = (SELECT p.merged_into_id FROM ideas p "
                "WHERE p.id = ideas.merge_root_id) WHERE merge_root_id IN "
                "(SELECT id FROM ideas WHERE merged_into_id IS NOT NULL)"
            )
        )
        if not followed.rowcount:
            break
    op.drop_table("idea_merge_votes")


def downgrade() -> None:
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("ideas")}
    if "merge_root_id" not in columns:  # migrated while this revision was an empty slot
        return
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
    merges = bind.execute(
        sa.text(
            "SELECT id, source_id, target_id FROM idea_merges WHERE undone_at IS NULL ORDER BY id"
        )
    ).all()
    for merge_id, source_id, target_id in merges:
        params = {"merge": merge_id, "source": source_id, "target": target_id}
        bind.execute(
            sa.text(
                f"INSERT INTO idea_merge_votes (merge_id, vote_id, dropped, {VOTE_COLUMNS}) "
                "SELECT CAST(:merge AS BIGINT), v.id, EXISTS (SELECT 1 FROM idea_votes t "
                "WHERE t.idea_id = :target AND t.member_id = v.member_id), "
                f"{_prefixed('v')} FROM idea_votes v "
                "WHERE v.idea_id = :source"
            ),
            params,
        )
        bind.execute(
            sa.text(
                "DELETE FROM idea_votes WHERE id IN (SELECT vote_id FROM idea_merge_votes "
                "WHERE merge_id = :merge AND dropped)"
            ),
            params,
        )
        bind.execute(
            sa.text("UPDATE idea_votes SET idea_id = :target WHERE idea_id = :source"), params
        )
    op.drop_index(op.f("ix_ideas_merge_root_id"), table_name="ideas")
    op.execute("ALTER TABLE ideas DROP COLUMN merge_root_id")  # SQLite 3.35+ and PostgreSQL


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in VOTE_COLUMNS.split(","))
