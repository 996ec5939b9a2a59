"""Ideas: found by title, tags and description; filtered by tag and author; each one visible to
whom domain/feedback/policies.py lets read it (see search.permissions.idea_rule). Merged
duplicates leave the index (they redirect to the idea they were merged into)."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback import events
from domain.feedback.models import Idea, IdeaStatus
from search.documents.base import (
    Attribute,
    Document,
    DocumentType,
    Facet,
    TextField,
    epoch,
    payload_ids,
)
from search.filters import Filter
from search.permissions import Viewer, idea_rule
from search.text import plain_text


class Ideas(DocumentType):
    name = "idea"
    text_fields = (
        TextField("title", weight=4.0),
        TextField("tags", weight=2.0),  # also a filterable attribute
        TextField("description", weight=1.0, snippet=True),
    )
    attributes = (
        Attribute("idea_visibility", "str"),
        Attribute("idea_account_id", "int"),  # ACCOUNT ideas: the account that may see it
        Attribute("status", "str"),
        Attribute("product_area", "str"),
        Attribute("tags", "strs"),
        Attribute("author_id", "int"),
        Attribute("voter_count", "int"),
        Attribute("account_count", "int"),
    )
    filters = {"tag": "tags", "author": "author_id", "status": "status"}
    facets = (Facet("tag", "tags"),)
    suggest_fields = ("title",)
    id_column = Idea.id
    topics = frozenset(
        {
            events.IDEA_CREATED,
            events.IDEA_UPDATED,
            events.IDEA_VOTED,
            events.IDEA_UNVOTED,
            events.IDEA_STATUS_CHANGED,
            events.IDEA_MERGED,
            events.IDEA_UNMERGED,
        }
    )

    def visibility(self, viewer: Viewer) -> Filter:
        return idea_rule(viewer)

    def indexed_rows(self) -> ColumnElement[bool]:
        return Idea.status != IdeaStatus.DUPLICATE

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        rows = await session.scalars(
            select(Idea).where(Idea.id.in_(ids), Idea.status != IdeaStatus.DUPLICATE)
        )
        return [
            {
                "id": idea.id,
                "created_at": epoch(idea.created_at),
                "title": idea.title,
                "description": plain_text(idea.description_html),
                "idea_visibility": idea.visibility.value,
                "idea_account_id": idea.account_id,
                "status": idea.status.value,
                "product_area": idea.product_area,
                "tags": list(idea.tags),
                "author_id": idea.author_id,
                "voter_count": idea.voter_count,
                "account_count": idea.account_count,
            }
            for idea in rows
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        # A merge names the duplicate (idea_id) and the idea that took its votes (target_id).
        return payload_ids(payload, "idea_id") | payload_ids(payload, "target_id")
