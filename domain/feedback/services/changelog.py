"""The public changelog: entries announcing what shipped, linked to the ideas they close."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.markdown import render
from domain.feedback import events, policies
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import not_found
from domain.feedback.models import ChangelogEntry, Idea
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden
from domain.shared.validation import Checker

MAX_IDEAS = 100


@dataclass(frozen=True)
class NewChangelogEntry:
    title: str
    body: str
    product_area: str | None = None
    idea_ids: Sequence[int] = field(default_factory=list)
    publish: bool = True


async def create_entry(
    session: AsyncSession, actor: Actor, new: NewChangelogEntry, now: datetime
) -> ChangelogEntry:
    """An entry (published now, or a draft) closing the given ideas: each links to it."""
    if not policies.can_manage_changelog(actor):
        raise Forbidden("only product staff write the changelog")
    check = Checker(Code.INVALID_VALUE)
    title = check.text("title", new.title, max_length=200, required=True)
    body = check.text("body", new.body, max_length=20_000, required=True)
    area = check.text("productArea", new.product_area, max_length=80)
    ids = sorted(set(new.idea_ids))
    check.list_size("ideaIds", list(ids), MAX_IDEAS, Code.TOO_MANY_ITEMS)
    check.raise_if_any()
    found = set(await session.scalars(select(Idea.id).where(Idea.id.in_(ids))))
    if missing := [i for i in ids if i not in found]:
        raise not_found(f"idea {missing[0]}", "ideaIds")
    entry = ChangelogEntry(
        title=title,
        body_markdown=body,
        body_html=render(body or "").html,
        product_area=area,
        author_id=actor.member_id,
        published_at=now if new.publish else None,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    if ids:
        await session.execute(
            update(Idea)
            .where(Idea.id.in_(ids))
            .values(changelog_entry_id=entry.id)
            .execution_options(synchronize_session="fetch")
        )
    for idea_id in ids:
        events.emit(session, events.IDEA_UPDATED, idea_id=idea_id)
    return entry


async def publish_entry(
    session: AsyncSession, actor: Actor, entry_id: int, now: datetime
) -> ChangelogEntry:
    if not policies.can_manage_changelog(actor):
        raise Forbidden("only product staff write the changelog")
    entry = await session.get(ChangelogEntry, entry_id)
    if entry is None:
        raise not_found("changelog entry", "entryId")
    entry.published_at = entry.published_at or now
    await session.flush()
    return entry
