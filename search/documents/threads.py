"""Threads: found by title, tags and opening post; filtered by space, tag, kind, answered state,
author and the author's account."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events
from domain.community.models import Post, PostStatus, Space, Thread
from domain.identity.events import MEMBER_ERASED
from domain.identity.models import Member
from search.documents.base import (
    Attribute,
    Document,
    DocumentType,
    Facet,
    TextField,
    epoch,
    payload_ids,
)
from search.filters import Filter, all_of
from search.permissions import Viewer, space_rule, thread_state
from search.text import plain_text

# The author's account, except for an erased author: their employer is personal data, and
# what they wrote stays attributed to an anonymous former member only.
AUTHOR_ACCOUNT = case((Member.erased_at.is_(None), Member.account_id), else_=None)

SPACE_ATTRIBUTES = (
    Attribute("space_id", "int", in_text=True),
    Attribute("space_visibility", "str"),
    Attribute("space_program_id", "int"),
    Attribute("space_account_id", "int"),
)

DISCUSSION_FACETS = (
    Facet("space", "space_id"),
    Facet("tag", "tags"),
    Facet("kind", "kind"),
    Facet("answered", "answered"),
    Facet("account", "account_id", staff_only=True),
)


def space_attributes(space: Space) -> dict[str, Any]:
    return {
        "space_id": space.id,
        "space_visibility": space.visibility.value,
        "space_program_id": space.program_id,
        "space_account_id": space.account_id,
    }


def opening_text(thread: Thread, opening: Post | None) -> str:
    """The opening post's words, only where everyone who may read the thread may read the post
    too: a moderator-hidden opening post must not be findable through its thread."""
    if opening is None or opening.deleted_at is not None:
        return ""
    if opening.status is PostStatus.VISIBLE or (
        opening.status is PostStatus.HELD and thread.hidden
    ):
        return plain_text(opening.body_html)
    return ""


async def with_merge_targets(session: AsyncSession, thread_ids: set[int]) -> set[int]:
    """A merge names only the source thread; its posts (and answer) now live in the target."""
    if not thread_ids:
        return thread_ids
    targets = await session.scalars(
        select(Thread.merged_into_id).where(
            Thread.id.in_(thread_ids), Thread.merged_into_id.is_not(None)
        )
    )
    return thread_ids | {t for t in targets if t is not None}


class Threads(DocumentType):
    name = "thread"
    text_fields = (
        TextField("title", weight=4.0),
        TextField("tags", weight=2.0),  # also a filterable attribute
        TextField("body", weight=1.0, snippet=True),
    )
    attributes = (
        *SPACE_ATTRIBUTES,
        Attribute("author_id", "int"),
        Attribute("account_id", "int"),
        Attribute("kind", "str"),
        Attribute("tags", "strs"),
        Attribute("answered", "bool"),
        Attribute("hidden", "bool"),
        Attribute("deleted", "bool"),
    )
    filters = {
        "space": "space_id",
        "tag": "tags",
        "kind": "kind",
        "answered": "answered",
        "author": "author_id",
        "account": "account_id",
    }
    facets = DISCUSSION_FACETS
    suggest_fields = ("title",)
    id_column = Thread.id
    topics = frozenset(
        {
            events.THREAD_CREATED,
            events.POST_CREATED,
            events.POST_EDITED,
            events.POST_DELETED,
            events.THREAD_MODERATED,
            events.POST_MODERATED,
            events.ANSWER_ACCEPTED,
            events.ANSWER_UNACCEPTED,
            events.SPACE_CHANGED,
            MEMBER_ERASED,
        }
    )

    def visibility(self, viewer: Viewer) -> Filter:
        return all_of(space_rule(viewer), thread_state(viewer))

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        rows = await session.execute(
            select(Thread, Space, AUTHOR_ACCOUNT)
            .join(Space, Space.id == Thread.space_id)
            .join(Member, Member.id == Thread.author_id)
            .where(Thread.id.in_(ids))
        )
        found = rows.all()
        openers = {
            post.thread_id: post
            for post in await session.scalars(
                select(Post).where(
                    Post.thread_id.in_([t.id for t, _, _ in found]), Post.number == 1
                )
            )
        }
        return [
            {
                "id": thread.id,
                "created_at": epoch(thread.created_at),
                "title": thread.title,
                "body": opening_text(thread, openers.get(thread.id)),
                **space_attributes(space),
                "author_id": thread.author_id,
                "account_id": account_id,
                "kind": thread.kind.value,
                "tags": list(thread.tags),
                "answered": thread.accepted_post_id is not None,
                "hidden": thread.hidden,
                "deleted": thread.deleted_at is not None,
            }
            for thread, space, account_id in found
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        if topic == MEMBER_ERASED:
            authors = payload_ids(payload, "member_id")
            return set(
                await session.scalars(select(Thread.id).where(Thread.author_id.in_(authors)))
            )
        if topic == events.SPACE_CHANGED:
            space_ids = payload_ids(payload, "space_id")
            return set(
                await session.scalars(select(Thread.id).where(Thread.space_id.in_(space_ids)))
            )
        ids = payload_ids(payload, "thread_id")
        post_ids = payload_ids(payload, "post_id")
        if post_ids:  # a post's event may leave out its thread
            ids |= set(await session.scalars(select(Post.thread_id).where(Post.id.in_(post_ids))))
        return await with_merge_targets(session, ids)
