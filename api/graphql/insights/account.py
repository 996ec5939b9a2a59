"""One account's insights: CLV, lifetime, bonding, advocacy and the revenue it is credited."""

from datetime import date, datetime, timedelta
from typing import Any, Self

import strawberry

from api.graphql.context import Info
from api.graphql.identity.types import AccountNode
from api.graphql.insights.types import (
    ActivityCount,
    AdvocacyTouchType,
    BondingComponent,
    BondingPoint,
    ModelCredit,
    model_credits,
)
from api.graphql.money import Money
from domain.identity.models import Account
from domain.insights import repository
from domain.insights.models import AccountInsight, AttributionCredit

MAX_TOUCHES = 100


@strawberry.type(description="An account's ARR from a day on.")
class ArrPoint:
    on_date: date
    arr: Money


@strawberry.type(
    description="What an account is worth, how bonded it is and what its advocacy "
    "brought in. Figures come from the last recompute (`computedAt`)."
)
class AccountInsights:
    account: AccountNode
    computed_at: datetime | None = strawberry.field(description="Null until first computed.")
    arr: Money | None = strawberry.field(description="Running ARR from its contracts.")
    churned: bool
    renewals: int | None = strawberry.field(description="Yearly renewals made so far.")
    contractual_clv: Money | None = strawberry.field(
        description="Residual CLV from the sBG model: ARR x gross margin x DERL."
    )
    discounted_expected_residual_lifetime: float | None = strawberry.field(
        description="DERL in years (Fader & Hardie 2010), at the configured discount rate."
    )
    expected_remaining_years: float | None = strawberry.field(
        description="Expected further years as a customer within a 10-year horizon."
    )
    median_remaining_years: int | None = strawberry.field(
        description="Renewals after which it is more likely gone than not."
    )
    probability_alive: float | None = strawberry.field(
        description="BG/NBD probability that it still buys (transactions only)."
    )
    expected_purchases: float | None = strawberry.field(
        description="BG/NBD expected purchase days in the next 52 weeks."
    )
    transactional_clv: Money | None = strawberry.field(
        description="BG/NBD x Gamma-Gamma margin over the next 12 months, discounted."
    )
    bonding_score: float | None = strawberry.field(description="0-100.")
    bonding_components: list[BondingComponent]
    model: strawberry.Private[AccountInsight | None]
    account_model: strawberry.Private[Account]
    cache: strawberry.Private[dict[str, Any]]

    @classmethod
    def of(cls, account: Account, row: AccountInsight | None) -> Self:
        currency = row.currency if row else account.currency
        return cls(
            account=AccountNode.from_model(account),
            computed_at=row.computed_at if row else None,
            arr=Money.of(row.arr, currency) if row else None,
            churned=bool(row and row.churned),
            renewals=row.renewals if row else None,
            contractual_clv=Money.of(row.contractual_clv, currency) if row else None,
            discounted_expected_residual_lifetime=row.derl if row else None,
            expected_remaining_years=row.expected_remaining_years if row else None,
            median_remaining_years=row.median_remaining_years if row else None,
            probability_alive=row.probability_alive if row else None,
            expected_purchases=row.expected_purchases if row else None,
            transactional_clv=Money.of(row.transactional_clv, currency) if row else None,
            bonding_score=row.bonding_score if row else None,
            bonding_components=[
                BondingComponent(**c) for c in (row.bonding_components if row else [])
            ],
            model=row,
            account_model=account,
            cache={},
        )

    @property
    def _currency(self) -> str:
        return self.model.currency if self.model else self.account_model.currency

    @strawberry.field(
        description="ARR after each contract change (new, expansion, "
        "contraction, end, churn), oldest first."
    )
    async def arr_history(self, info: Info) -> list[ArrPoint]:
        points = await repository.arr_history(info.context.session, self.account_model.id)
        return [
            ArrPoint(on_date=d, arr=Money(amount=a, currency=self._currency)) for d, a in points
        ]

    @strawberry.field(description="Bonding score per day over the last `days` days.")
    async def bonding_trend(self, info: Info, days: int = 180) -> list[BondingPoint]:
        since = info.context.now.date() - timedelta(days=max(1, min(days, 3650)))
        rows = await repository.bonding_trend(info.context.session, self.account_model.id, since)
        return [BondingPoint(on_date=r.on_date, score=r.score) for r in rows]

    @strawberry.field(
        description="Acts of advocacy and community by its members, per type (all time)."
    )
    def advocacy_activities(self) -> list[ActivityCount]:
        counts = self.model.activity_counts if self.model else {}
        return [ActivityCount(activity_type=k, count=v) for k, v in sorted(counts.items())]

    @strawberry.field(description="Its members' latest touches on deals, newest first (max 100).")
    async def touches(self, info: Info, first: int = 20) -> list[AdvocacyTouchType]:
        rows = await repository.recent_touches(
            info.context.session, self.account_model.id, max(1, min(first, MAX_TOUCHES))
        )
        return [AdvocacyTouchType.from_model(t) for t in rows]

    async def _sourced(self, info: Info) -> repository.Sourced:
        if "sourced" not in self.cache:
            self.cache["sourced"] = await repository.sourced_for_account(
                info.context.session, self.account_model.id
            )
        found: repository.Sourced = self.cache["sourced"]
        return found

    async def _influence(self, info: Info) -> repository.Influence:
        if "influence" not in self.cache:
            self.cache["influence"] = await repository.influence(
                info.context.session, AttributionCredit.account_id == self.account_model.id
            )
        found: repository.Influence = self.cache["influence"]
        return found

    @strawberry.field(description="Won deals its members referred (sourced revenue).")
    async def sourced_revenue(self, info: Info) -> Money:
        found = await self._sourced(info)
        return Money(amount=found.revenue, currency=self._currency)

    @strawberry.field(description="CLV of the new customers its referrals brought.")
    async def sourced_clv(self, info: Info) -> Money:
        found = await self._sourced(info)
        return Money(amount=found.clv, currency=self._currency)

    @strawberry.field(description="Won revenue credited to its members' touches, per model.")
    async def influenced_revenue(self, info: Info) -> list[ModelCredit]:
        found = await self._influence(info)
        return model_credits(found.revenue, self._currency)

    @strawberry.field(description="Open pipeline credited to its members' touches, per model.")
    async def influenced_pipeline(self, info: Info) -> list[ModelCredit]:
        found = await self._influence(info)
        return model_credits(found.pipeline, self._currency)
