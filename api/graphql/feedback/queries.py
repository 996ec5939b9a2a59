from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.feedback.surveys import SurveyQueries
from api.graphql.feedback.types import (
    ChangelogEntryConnection,
    ChangelogEntryNode,
    IdeaConnection,
    IdeaNode,
    IdeaOrder,
    IdeaStatus,
    IdeaStatusTransition,
    IdeaVoteType,
    ImpactWeightsType,
    money_of_cents,
)
from api.graphql.identity.types import AccountNode
from api.graphql.money import Money
from api.graphql.relay import is_row_id, page_request, to_connection
from domain.community import policies as community_policies
from domain.community.models import Thread
from domain.feedback import policies, reports, repository
from domain.feedback.models import ChangelogEntry, Idea, IdeaVote
from domain.shared.errors import BadRequest, Forbidden
from domain.shared.pagination import paginate

MAX_REPORT_ROWS = 100


async def idea_page(
    info: Info,
    statuses: list[IdeaStatus] | None,
    product_area: str | None,
    voted_by_me: bool,
    order: IdeaOrder,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> IdeaConnection:
    actor = info.context.require_actor()
    statement, keys = repository.idea_list(
        actor,
        statuses=statuses,
        product_area=product_area,
        voted_by=actor.member_id if voted_by_me else None,
        order=order,
    )
    page = await paginate(
        info.context.session,
        statement,
        keys,
        lambda idea: [getattr(idea, k.key) for k in keys],
        page_request(first, after, last, before),
        descending=True,
    )
    return to_connection(IdeaConnection, page, IdeaNode.from_model)


async def idea_votes(info: Info, idea: Idea, first: int) -> list[IdeaVoteType] | None:
    if not policies.can_see_voters(info.context.require_actor()):
        return None
    if not 0 <= first <= 100:
        raise BadRequest("first must be between 0 and 100")
    rows = await info.context.session.scalars(
        repository.group_votes(idea.id).order_by(IdeaVote.id.desc()).limit(first)
    )
    return [IdeaVoteType.from_model(vote) for vote in rows]


@strawberry.type(description="Planned, in progress and shipped ideas you may see.")
class Roadmap:
    product_area: strawberry.Private[str | None]

    async def _column(
        self, info: Info, status: IdeaStatus, first: int | None, after: str | None
    ) -> IdeaConnection:
        return await idea_page(
            info, [status], self.product_area, False, IdeaOrder.IMPACT, first, after
        )

    @strawberry.field(description="PLANNED, highest impact first.")
    async def planned(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> IdeaConnection:
        return await self._column(info, IdeaStatus.PLANNED, first, after)

    @strawberry.field(description="IN_PROGRESS, highest impact first.")
    async def in_progress(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> IdeaConnection:
        return await self._column(info, IdeaStatus.IN_PROGRESS, first, after)

    @strawberry.field(description="SHIPPED, highest impact first.")
    async def shipped(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> IdeaConnection:
        return await self._column(info, IdeaStatus.SHIPPED, first, after)


@strawberry.type(description="An account whose highest-importance ask was declined.")
class DeclinedExposureAccount:
    account: AccountNode | None
    arr: Money
    declined_ideas: list[IdeaNode]


@strawberry.type(description="ARR exposed to declined ideas.")
class DeclinedExposure:
    total_arr: Money = strawberry.field(description="Each exposed account's ARR once.")
    account_count: int
    accounts: list[DeclinedExposureAccount] = strawberry.field(description="Top 100 by ARR.")


@strawberry.type(description="Durations in hours over ideas that got there.")
class DurationStats:
    count: int
    mean_hours: float | None
    median_hours: float | None


@strawberry.type(description="Feedback reports for product staff.")
class FeedbackReports:
    @strawberry.field(description="Open ideas by impact score.")
    async def top_ideas(self, info: Info, first: int = 20) -> list[IdeaNode]:
        if not 0 <= first <= MAX_REPORT_ROWS:
            raise BadRequest("first must be between 0 and 100")
        rows = await info.context.session.scalars(
            select(Idea)
            .where(Idea.status.in_(repository.OPEN_STATUSES))
            .order_by(Idea.impact_score.desc(), Idea.id.desc())
            .limit(first)
        )
        return [IdeaNode.from_model(idea) for idea in rows]

    @strawberry.field(description="Accounts whose highest-importance ask was declined.")
    async def declined_arr_exposure(self, info: Info) -> DeclinedExposure:
        exposure = await reports.declined_arr_exposure(info.context.session)
        shown = exposure.accounts[:MAX_REPORT_ROWS]
        accounts = await info.context.identity.account_by_id.load_many(
            [a.account_id for a in shown]
        )
        ideas = {
            idea.id: idea
            for idea in await info.context.session.scalars(
                select(Idea).where(Idea.id.in_([i for a in shown for i in a.declined_idea_ids]))
            )
        }
        return DeclinedExposure(
            total_arr=money_of_cents(exposure.total_arr_cents),
            account_count=len(exposure.accounts),
            accounts=[
                DeclinedExposureAccount(
                    account=AccountNode.from_model(account) if account else None,
                    arr=money_of_cents(entry.arr_cents),
                    declined_ideas=[IdeaNode.from_model(ideas[i]) for i in entry.declined_idea_ids],
                )
                for entry, account in zip(shown, accounts, strict=True)
            ],
        )

    @strawberry.field(description="Hours from NEW to the first status change.")
    async def time_to_first_response(self, info: Info) -> DurationStats:
        first, _ = await reports.status_timing(info.context.session)
        return DurationStats(
            count=first.count, mean_hours=first.mean_hours, median_hours=first.median_hours
        )

    @strawberry.field(description="Hours from NEW to SHIPPED.")
    async def time_to_ship(self, info: Info) -> DurationStats:
        _, shipped = await reports.status_timing(info.context.session)
        return DurationStats(
            count=shipped.count, mean_hours=shipped.mean_hours, median_hours=shipped.median_hours
        )


@strawberry.type
class FeedbackQueries(SurveyQueries):
    @strawberry.field(
        description="Ideas you may see; merged duplicates are left out unless "
        "you ask for status DUPLICATE. At most 100 per page."
    )
    async def ideas(
        self,
        info: Info,
        statuses: list[IdeaStatus] | None = None,
        product_area: str | None = None,
        voted_by_me: Annotated[
            bool, strawberry.argument(description="Only ideas you voted on.")
        ] = False,
        order: IdeaOrder = IdeaOrder.IMPACT,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> IdeaConnection:
        return await idea_page(
            info, statuses, product_area, voted_by_me, order, first, after, last, before
        )

    @strawberry.field(description="Product staff's queue: NEW ideas by impact score.")
    async def idea_triage_queue(
        self,
        info: Info,
        product_area: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> IdeaConnection:
        if not policies.can_triage(info.context.require_actor()):
            raise Forbidden("only product staff triage ideas")
        return await idea_page(
            info, [IdeaStatus.NEW], product_area, False, IdeaOrder.IMPACT, first, after
        )

    @strawberry.field(description="The roadmap, optionally for one product area.")
    def roadmap(self, info: Info, product_area: str | None = None) -> Roadmap:
        info.context.require_actor()
        return Roadmap(product_area=product_area)

    @strawberry.field(description="The idea a discussion thread (IDEA_LINK) is about.")
    async def idea_for_thread(self, info: Info, thread_id: relay.GlobalID) -> IdeaNode | None:
        actor = info.context.require_actor()
        if thread_id.type_name != "Thread" or not is_row_id(thread_id.node_id):
            return None
        statement = select(Thread.idea_id).where(Thread.id == int(thread_id.node_id))
        idea_id = await info.context.session.scalar(
            community_policies.readable_threads(actor, statement)  # type: ignore[arg-type]
        )
        if idea_id is None:
            return None
        idea = await info.context.feedback.readable_idea_by_id.load(idea_id)
        return IdeaNode.from_model(idea) if idea else None

    @strawberry.field(
        description="Published changelog entries, newest first (drafts too for "
        "product staff with includeDrafts)."
    )
    async def changelog(
        self,
        info: Info,
        product_area: str | None = None,
        include_drafts: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> ChangelogEntryConnection:
        actor = info.context.require_actor()
        statement = select(ChangelogEntry)
        if not (include_drafts and policies.can_manage_changelog(actor)):
            statement = statement.where(ChangelogEntry.published_at.is_not(None))
        if product_area is not None:
            statement = statement.where(ChangelogEntry.product_area == product_area)
        page = await paginate(
            info.context.session,
            statement,
            [ChangelogEntry.id],
            lambda entry: [entry.id],
            page_request(first, after, None, None),
            descending=True,
        )
        return to_connection(ChangelogEntryConnection, page, ChangelogEntryNode.from_model)

    @strawberry.field(description="Impact weights in force. Staff only.")
    async def impact_weights(self, info: Info) -> ImpactWeightsType:
        if not policies.can_see_impact_weights(info.context.require_actor()):
            raise Forbidden("staff only")
        return ImpactWeightsType.of(await info.context.feedback.weights())

    @strawberry.field(description="The allowed status transitions.")
    async def idea_workflow(self, info: Info) -> list[IdeaStatusTransition]:
        info.context.require_actor()
        allowed = await repository.allowed_transitions(info.context.session)
        order = list(IdeaStatus)
        return [
            IdeaStatusTransition(from_status=a, to_status=b)
            for a, b in sorted(allowed, key=lambda p: (order.index(p[0]), order.index(p[1])))
        ]

    @strawberry.field(description="Reports for product staff.")
    def feedback_reports(self, info: Info) -> FeedbackReports:
        if not policies.can_triage(info.context.require_actor()):
            raise Forbidden("only product staff see feedback reports")
        return FeedbackReports()
