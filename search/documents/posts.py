"""Replies: found by their text; filtered like threads, and by thread. Opening posts are found
through their thread (indexing them twice would show every thread twice)."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import events
from domain.community.models import Post, Space, Thread
from domain.identity.events import MEMBER_ERASED
from domain.identity.models import Member
from search.documents.base import (
    Attribute,
    Document,
    DocumentType,
    TextField,
    epoch,
    payload_ids,
)
from search.documents.threads import (
    AUTHOR_ACCOUNT,
    DISCUSSION_FACETS,
    SPACE_ATTRIBUTES,
    space_attributes,
    with_merge_targets,
)
from search.filters import Filter, all_of
from search.permissions import Viewer, post_state, space_rule, thread_state
from search.text import plain_text

# Events that change the thread as a whole, so every post's copy of its state.
_THREAD_WIDE = frozenset(
    {
        events.THREAD_MODERATED,
        events.ANSWER_ACCEPTED,
        events.ANSWER_UNACCEPTED,
    }
)


class Posts(DocumentType):
    name = "post"
    text_fields = (TextField("body", weight=1.0, snippet=True),)
    attributes = (
        *SPACE_ATTRIBUTES,
        Attribute("thread_id", "int"),
        Attribute("thread_hidden", "bool"),
        Attribute("thread_deleted", "bool"),
        Attribute("thread_author_id", "int"),
        Attribute("author_id", "int"),
        Attribute("account_id", "int"),
        Attribute("kind", "str"),
        Attribute("tags", "strs"),
        Attribute("answered", "bool"),
        Attribute("accepted", "bool"),
        Attribute("status", "str"),
        Attribute("deleted", "bool"),
    )
    filters = {
        "space": "space_id",
        "thread": "thread_id",
        "tag": "tags",
        "kind": "kind",
        "answered": "answered",
        "author": "author_id",
        "account": "account_id",
    }
    facets = DISCUSSION_FACETS
    suggest_fields = ("body",)
    id_column = Post.id
    topics = frozenset(
        {
            events.POST_CREATED,
            events.POST_EDITED,
            events.POST_DELETED,
            events.POST_MODERATED,
            events.SPACE_CHANGED,
            MEMBER_ERASED,
            *_THREAD_WIDE,
        }
    )

    def visibility(self, viewer: Viewer) -> Filter:
        return all_of(space_rule(viewer), thread_state(viewer, "thread_"), post_state(viewer))

    def indexed_rows(self) -> ColumnElement[bool]:
        return Post.number > 1

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        rows = await session.execute(
            select(Post, Thread, Space, AUTHOR_ACCOUNT)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Space, Space.id == Thread.space_id)
            .join(Member, Member.id == Post.author_id)
            .where(Post.id.in_(ids), Post.number > 1)
        )
        return [
            {
                "id": post.id,
                "created_at": epoch(post.created_at),
                "body": plain_text(post.body_html),
                **space_attributes(space),
                "thread_id": thread.id,
                "thread_hidden": thread.hidden,
                "thread_deleted": thread.deleted_at is not None,
                "thread_author_id": thread.author_id,
                "author_id": post.author_id,
                "account_id": account_id,
                "kind": thread.kind.value,
                "tags": list(thread.tags),
                "answered": thread.accepted_post_id is not None,
                "accepted": thread.accepted_post_id == post.id,
                "status": post.status.value,
                "deleted": post.deleted_at is not None,
            }
            for post, thread, space, account_id in rows.all()
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        if topic == MEMBER_ERASED:
            return await _post_ids(session, Post.author_id.in_(payload_ids(payload, "member_id")))
        if topic == events.SPACE_CHANGED:
            in_spaces = select(Thread.id).where(
                Thread.space_id.in_(payload_ids(payload, "space_id"))
            )
            return await _post_ids(session, Post.thread_id.in_(in_spaces))
        ids = payload_ids(payload, "post_id")
        thread_ids = payload_ids(payload, "thread_id")
        if topic not in _THREAD_WIDE:
            # A post event about an opening post (deleted, approved, hidden) changes the thread's
            # state, which every reply carries.
            thread_ids = set(
                await session.scalars(
                    select(Post.thread_id).where(Post.id.in_(ids), Post.number == 1)
                )
            )
        thread_ids = await with_merge_targets(session, thread_ids)
        if thread_ids:
            ids |= await _post_ids(session, Post.thread_id.in_(thread_ids))
        return ids


async def _post_ids(session: AsyncSession, condition: ColumnElement[bool]) -> set[int]:
    return set(await session.scalars(select(Post.id).where(condition, Post.number > 1)))
