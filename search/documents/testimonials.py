"""Testimonials and quotes: found by their text; filtered by the author's account's industry
and region, the products the author uses, and approval state. domain/advocacy/policies.py lets
staff who run advocacy read them all and a customer only their own (own_advocacy_rule); a
retired quote stays findable for them, under its state."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events
from domain.advocacy.models import Testimonial
from domain.identity import events as identity_events
from domain.identity.models import Member
from search.documents.advocacy import (
    ADVOCACY_ATTRIBUTES,
    ADVOCACY_FACETS,
    ADVOCACY_FILTERS,
    account_attributes,
    account_ids,
    accounts_by_id,
)
from search.documents.base import Document, DocumentType, TextField, epoch, payload_ids
from search.filters import Filter
from search.permissions import Viewer, own_advocacy_rule


class Testimonials(DocumentType):
    name = "testimonial"
    text_fields = (
        TextField("text", weight=2.0, snippet=True),
        TextField("products", weight=1.0),  # also a filterable attribute
    )
    attributes = ADVOCACY_ATTRIBUTES
    filters = ADVOCACY_FILTERS
    facets = ADVOCACY_FACETS
    suggest_fields = ("text",)
    id_column = Testimonial.id
    topics = frozenset(
        {
            events.TESTIMONIAL_CHANGED,
            events.TESTIMONIAL_APPROVAL_REQUESTED,
            events.TESTIMONIAL_PUBLISHED,
            identity_events.MEMBER_UPDATED,
            identity_events.ACCOUNT_UPDATED,
        }
    )

    def visibility(self, viewer: Viewer) -> Filter:
        return own_advocacy_rule(viewer)

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        rows = (
            await session.execute(
                select(Testimonial, Member.products_used)
                .join(Member, Member.id == Testimonial.member_id)
                .where(Testimonial.id.in_(ids))
            )
        ).all()
        accounts = await accounts_by_id(session, [t.account_id for t, _ in rows])
        return [
            {
                "id": testimonial.id,
                "created_at": epoch(testimonial.created_at),
                "text": testimonial.text,
                **account_attributes(accounts.get(testimonial.account_id)),
                "products": list(dict.fromkeys(products or ())),
                "member_id": testimonial.member_id,
                "account_id": testimonial.account_id,
                "approval_state": testimonial.state.value,
            }
            for testimonial, products in rows
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        owners = None
        if topic == identity_events.MEMBER_UPDATED:  # the products the author uses
            owners = Testimonial.member_id.in_(payload_ids(payload, "member_id"))
        elif accounts := account_ids(topic, payload):
            owners = Testimonial.account_id.in_(accounts)
        if owners is not None:
            return set(await session.scalars(select(Testimonial.id).where(owners)))
        return payload_ids(payload, "testimonial_id")
