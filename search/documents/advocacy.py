"""What the advocacy document types (case studies, testimonials, advocate profiles) share: the
customer's industry and region from their account, the approval state, and the filters and
facets marketing looks for references by."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import events as identity_events
from domain.identity.models import Account
from search.documents.base import Attribute, Facet, payload_ids

ADVOCACY_ATTRIBUTES = (
    Attribute("member_id", "int"),  # the customer it is by or about
    Attribute("account_id", "int"),
    Attribute("approval_state", "str"),  # stage, state or status, as the type names it
    Attribute("industries", "strs"),
    Attribute("products", "strs"),
    Attribute("region", "str"),
)

ADVOCACY_FILTERS = {
    "industry": "industries",
    "product": "products",
    "region": "region",
    "approval_state": "approval_state",
    "author": "member_id",
    "account": "account_id",
}

ADVOCACY_FACETS = (
    Facet("industry", "industries"),
    Facet("product", "products"),
    Facet("region", "region"),
    Facet("approval_state", "approval_state"),
    Facet("account", "account_id", staff_only=True),
)


async def accounts_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Account]:
    if not ids:
        return {}
    rows = await session.scalars(select(Account).where(Account.id.in_(sorted(set(ids)))))
    return {account.id: account for account in rows}


def account_attributes(account: Account | None, industries: Sequence[str] = ()) -> dict[str, Any]:
    """The account's industry joins the asset's own industry tags: marketing looks for
    references by either."""
    found = [*industries, *([account.industry] if account and account.industry else [])]
    return {
        "industries": list(dict.fromkeys(found)),
        "region": account.region if account else None,
    }


def account_ids(topic: str, payload: Mapping[str, Any]) -> set[int]:
    """Accounts whose industry or region an identity event may have changed."""
    if topic != identity_events.ACCOUNT_UPDATED:
        return set()
    return payload_ids(payload, "account_id")
