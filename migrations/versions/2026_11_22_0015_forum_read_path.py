"""community: forum read path (last-post pointer, post excerpts, view counts)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22
"""

import html
from collections.abc import Sequence

import nh3
import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
EXCERPT_CHARS = 240  # domain.community.markdown.EXCERPT_CHARS when this was written


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("excerpt", sa.String(300), server_default="", nullable=False))
    with op.batch_alter_table("threads") as batch_op:
        batch_op.add_column(sa.Column("last_post_id", Id, nullable=True))
        batch_op.add_column(
            sa.Column("view_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_foreign_key(
            op.f("fk_threads_last_post_id_posts"),
            "posts",
            ["last_post_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _backfill_excerpts()
    # The newest visible, undeleted post of each thread (the unique (thread_id, number) index).
    op.execute(
        """
        UPDATE threads SET last_post_id = (
            SELECT p.id FROM posts p
            WHERE p.thread_id = threads.id AND p.status = 'VISIBLE' AND p.deleted_at IS NULL
            ORDER BY p.number DESC LIMIT 1
        )
        """
    )


def downgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("threads")}
    if "last_post_id" not in columns:  # migrated while this revision was an empty slot
        return
    with op.batch_alter_table("threads") as batch_op:
        batch_op.drop_constraint(op.f("fk_threads_last_post_id_posts"), type_="foreignkey")
        batch_op.drop_column("view_count")
        batch_op.drop_column("last_post_id")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("excerpt")


def _backfill_excerpts() -> None:
    """Existing posts get their teaser text, computed as the services now do on write."""
    bind = op.get_bind()
    posts = sa.table(
        "posts", sa.column("id", Id), sa.column("body_html", sa.Text), sa.column("excerpt")
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(posts.c.id, posts.c.body_html)
            .where(posts.c.id > last)
            .order_by(posts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            sa.update(posts).where(posts.c.id == sa.bindparam("b_id")),
            [{"b_id": i, "excerpt": _excerpt(body)} for i, body in rows],
        )
        last = rows[-1][0]


def _excerpt(rendered_html: str) -> str:
    text = nh3.clean(rendered_html, tags=set(), attributes={}, clean_content_tags={"blockquote"})
    text = " ".join(html.unescape(text).split())
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS]
    if " " in cut[EXCERPT_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .,;:") + "…"
