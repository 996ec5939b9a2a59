"""Advocate (reference) profiles: found by the advocate's name, products, use cases, outcomes
and notes, when marketing looks for a reference. domain/advocacy/policies.py lets staff who run
advocacy read them all and a customer only their own (own_advocacy_rule)."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events
from domain.advocacy.models import AdvocateProfile
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


def outcomes_text(outcomes: Sequence[Mapping[str, Any]]) -> str:
    return " ".join(
        " ".join(str(o.get(key) or "") for key in ("metric", "before", "after", "note"))
        for o in outcomes
    )


class AdvocateProfiles(DocumentType):
    name = "advocate_profile"
    text_fields = (
        TextField("name", weight=4.0),
        TextField("products", weight=2.0),  # also a filterable attribute
        TextField("use_cases", weight=2.0),
        TextField("outcomes", weight=1.0),
        TextField("notes", weight=1.0, snippet=True),
    )
    attributes = ADVOCACY_ATTRIBUTES
    filters = ADVOCACY_FILTERS
    facets = ADVOCACY_FACETS
    suggest_fields = ("name",)
    id_column = AdvocateProfile.id
    topics = frozenset(
        {
            events.PROFILE_CHANGED,
            events.PROFILE_APPROVED,
            identity_events.MEMBER_UPDATED,
            identity_events.ACCOUNT_UPDATED,
        }
    )

    def visibility(self, viewer: Viewer) -> Filter:
        return own_advocacy_rule(viewer)

    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        rows = (
            await session.execute(
                select(AdvocateProfile, Member.name)
                .join(Member, Member.id == AdvocateProfile.member_id)
                .where(AdvocateProfile.id.in_(ids))
            )
        ).all()
        accounts = await accounts_by_id(session, [p.account_id for p, _ in rows])
        return [
            {
                "id": profile.id,
                "created_at": epoch(profile.created_at),
                "name": name,
                "use_cases": " ".join(profile.use_cases),
                "outcomes": outcomes_text(profile.outcomes),
                "notes": profile.notes or "",
                **account_attributes(accounts.get(profile.account_id)),
                "products": list(profile.products),
                "member_id": profile.member_id,
                "account_id": profile.account_id,
                "approval_state": profile.status.value,
            }
            for profile, name in rows
        ]

    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        owners = None
        if topic == identity_events.MEMBER_UPDATED:  # the advocate's name
            owners = AdvocateProfile.member_id.in_(payload_ids(payload, "member_id"))
        elif accounts := account_ids(topic, payload):
            owners = AdvocateProfile.account_id.in_(accounts)
        if owners is not None:
            return set(await session.scalars(select(AdvocateProfile.id).where(owners)))
        return payload_ids(payload, "profile_id")
