"""Members: found by name, handle, title, products and bio, by whoever the member's privacy
setting (profile_visibility) lets find them. E-mail and the account's name are not indexed: a
customer's name is for its own people and staff, and tenant tokens would hand stored attributes
to the browser."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import events
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
from search.filters import Filter
from search.permissions import Viewer, member_rule


class Members(DocumentType):
    name = "member"
    text_fields = (
        TextField("name", weight=4.0),
        TextField("handle", weight=4.0),
        TextField("title", weight=2.0),
        TextField("products", weight=1.0),
        TextField("bio", weight=1.0, snippet=True),
    )
    attributes = (
        Attribute("account_id", "int"),
        Attribute("status", "str"),
        Attribute("member_id", "int"),  # the id again, so "yourself" is a filter
        Attribute("visibility", "str"),
    )
    filters = {"account": "account_id"}
    facets = (Facet("account", "account_id", staff_only=True),)
    suggest_fields = ("name", "handle")
    id_column = Member.id
    topics = frozenset({events.MEMBER_CREATED, events.MEMBER_UPDATED, events.MEMBER_ERASED})

    def visibility(self, viewer: Viewer) -> Filter:
        return member_rule(viewer)

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        # An erased member has no document: the indexer removes theirs.
        members = await session.scalars(
            select(Member).where(Member.id.in_(ids), Member.erased_at.is_(None))
        )
        return [
            {
                "id": member.id,
                "created_at": epoch(member.created_at),
                "name": member.name,
                "handle": member.handle,
                "title": member.title or "",
                "products": " ".join(member.products_used),
                "bio": member.bio or "",
                "account_id": member.account_id,
                "status": member.status.value,
                "member_id": member.id,
                "visibility": member.profile_visibility.value,
            }
            for member in members
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        return payload_ids(payload, "member_id")
