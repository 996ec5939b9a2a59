"""Submitting and editing ideas; following them. Each idea gets a discussion thread (an
IDEA_LINK thread in the ideas space matching its visibility), made by the community services."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.markdown import render
from domain.community.models import Space, SpaceVisibility, ThreadKind
from domain.community.policies import CommunityRules
from domain.community.services.posting import NewThread, start_thread
from domain.feedback import events, policies
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.models import Idea, IdeaStatus, IdeaSubscription, IdeaVisibility
from domain.feedback.services.common import readable_idea
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import KEEP, Checker, Keep

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
_AREA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 &/_-]{0,79}$")
MAX_TAGS = 10
MAX_ATTACHMENTS = 10
MAX_DESCRIPTION = 20_000

_SPACE_OF = {
    IdeaVisibility.PUBLIC: SpaceVisibility.PUBLIC,
    IdeaVisibility.ACCOUNT: SpaceVisibility.ACCOUNT,
    IdeaVisibility.STAFF: SpaceVisibility.STAFF,
}


@dataclass(frozen=True)
class NewIdea:
    title: str
    product_area: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    visibility: IdeaVisibility = IdeaVisibility.PUBLIC
    attachments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IdeaChanges:
    idea_id: int
    title: str | Keep = KEEP
    description: str | Keep = KEEP
    product_area: str | Keep = KEEP
    tags: list[str] | Keep = KEEP
    attachments: list[str] | Keep = KEEP


async def submit_idea(
    session: AsyncSession,
    actor: Actor,
    input: NewIdea,
    *,
    rules: CommunityRules | None = None,
    now: datetime | None = None,
) -> Idea:
    """A new idea (status NEW) with its discussion thread; the author follows it. ACCOUNT ideas
    are seen by the author's company and staff; STAFF ideas (staff only) need a staff author."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    now = now or utcnow()
    check = Checker(Code.INVALID_VALUE)
    title = check.text("title", input.title, max_length=200, required=True)
    description = check.text("description", input.description, max_length=MAX_DESCRIPTION) or ""
    area = _checked_area(check, input.product_area)
    tags = _checked_tags(check, input.tags)
    attachments = _checked_attachments(check, input.attachments)
    if input.visibility is IdeaVisibility.STAFF and not actor.is_staff:
        check.fail("visibility", "only staff file staff-only ideas")
    check.raise_if_any()
    account_id = actor.account_id if input.visibility is IdeaVisibility.ACCOUNT else None
    idea = Idea(
        title=title,
        description_markdown=description,
        description_html=render(description).html if description else "",
        product_area=area,
        tags=tags,
        attachments=attachments,
        author_id=actor.member_id,
        visibility=input.visibility,
        account_id=account_id,
        status=IdeaStatus.NEW,
        voter_count=0,
        account_count=0,
        arr_cents=0,
        nice_to_have_count=0,
        important_count=0,
        must_have_count=0,
        impact_score=0,
        created_at=now,
    )
    session.add(idea)
    await session.flush()
    space_id = await ideas_space(session, input.visibility, account_id)
    thread, _ = await start_thread(
        session,
        actor,
        rules or CommunityRules(),
        now,
        NewThread(
            space_id=space_id,
            kind=ThreadKind.IDEA_LINK,
            title=title or "",
            body=f"Discussion of the idea “{title}”.",
            idea_id=idea.id,
        ),
    )
    idea.thread_id = thread.id
    session.add(IdeaSubscription(idea_id=idea.id, member_id=actor.member_id, subscribed=True))
    await session.flush()
    events.emit(session, events.IDEA_CREATED, idea_id=idea.id, author_id=actor.member_id)
    return idea


async def update_idea(session: AsyncSession, actor: Actor, changes: IdeaChanges) -> Idea:
    idea = await readable_idea(session, actor, changes.idea_id)
    if not policies.can_edit_idea(actor, idea):
        raise Forbidden("only the author and product staff edit an idea")
    check = Checker(Code.INVALID_VALUE)
    if not isinstance(changes.title, Keep):
        idea.title = check.text("title", changes.title, max_length=200, required=True) or ""
    if not isinstance(changes.description, Keep):
        text = check.text("description", changes.description, max_length=MAX_DESCRIPTION) or ""
        idea.description_markdown = text
        idea.description_html = render(text).html if text else ""
    if not isinstance(changes.product_area, Keep):
        idea.product_area = _checked_area(check, changes.product_area)
    if not isinstance(changes.tags, Keep):
        idea.tags = _checked_tags(check, changes.tags)
    if not isinstance(changes.attachments, Keep):
        idea.attachments = _checked_attachments(check, changes.attachments)
    check.raise_if_any()
    await session.flush()
    events.emit(session, events.IDEA_UPDATED, idea_id=idea.id)
    return idea


async def set_subscription(
    session: AsyncSession, actor: Actor, idea_id: int, subscribed: bool
) -> bool:
    """Follow an idea, or mute one (a voter who mutes hears nothing more of it)."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    idea = await readable_idea(session, actor, idea_id)
    row = await session.get(IdeaSubscription, (idea.id, actor.member_id))
    if row is None:
        await insert_ignoring_duplicates(
            session,
            IdeaSubscription,
            [{"idea_id": idea.id, "member_id": actor.member_id, "subscribed": subscribed}],
        )
    else:
        row.subscribed = subscribed
    await session.flush()
    return subscribed


async def ideas_space(
    session: AsyncSession, visibility: IdeaVisibility, account_id: int | None
) -> int:
    """The space holding discussion threads of ideas with this visibility (made on first use)."""
    slug = {
        IdeaVisibility.PUBLIC: "ideas",
        IdeaVisibility.STAFF: "ideas-staff",
        IdeaVisibility.ACCOUNT: f"ideas-account-{account_id}",
    }[visibility]
    name = {
        IdeaVisibility.PUBLIC: "Ideas",
        IdeaVisibility.STAFF: "Ideas (staff)",
        IdeaVisibility.ACCOUNT: "Ideas (your company)",
    }[visibility]
    await insert_ignoring_duplicates(
        session,
        Space,
        [
            {
                "slug": slug,
                "name": name,
                "description": "Discussion threads of ideas.",
                "visibility": _SPACE_OF[visibility],
                "account_id": account_id,
                "position": 0,
                "thread_count": 0,
                "created_at": utcnow(),
            }
        ],
    )
    space_id = await session.scalar(select(Space.id).where(Space.slug == slug))
    assert space_id is not None
    return space_id


def _checked_area(check: Checker, area: str) -> str:
    value = area.strip()
    if not _AREA.match(value):
        check.fail("productArea", "1-80 letters, digits, spaces and & / _ -")
    return value


def _checked_tags(check: Checker, tags: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS:
        check.fail("tags", f"at most {MAX_TAGS} tags", Code.TOO_MANY_ITEMS)
    if any(not _TAG.match(t) for t in cleaned):
        check.fail("tags", "tags are lower-case letters, digits and dashes, up to 30 long")
    return cleaned


def _checked_attachments(check: Checker, urls: list[str]) -> list[str]:
    if len(urls) > MAX_ATTACHMENTS:
        check.fail("attachments", f"at most {MAX_ATTACHMENTS} attachments", Code.TOO_MANY_ITEMS)
    return [url for url in (check.url("attachments", u) for u in urls) if url]
