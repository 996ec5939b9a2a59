"""Insights DataLoaders, fresh per request."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.insights.models import Opportunity


class OpportunityByIdLoader(DataLoader[int, Opportunity | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Opportunity | None]:
            rows = await session.scalars(select(Opportunity).where(Opportunity.id.in_(ids)))
            found = {row.id: row for row in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class InsightsLoaders:
    def __init__(self, session: AsyncSession) -> None:
        self.opportunity_by_id = OpportunityByIdLoader(session)
