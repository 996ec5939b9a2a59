"""Advocacy queries. Lists read through the readable statements: staff who run advocacy see
everything, customers their own records (and published, usable case studies)."""

from datetime import timedelta
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, select
from strawberry import relay

from api.graphql.advocacy.asset_types import (
    AdvocacyEngagementConnection,
    AdvocacyEngagementNode,
    CaseStudyConnection,
    CaseStudyNode,
    TestimonialConnection,
    TestimonialNode,
)
from api.graphql.advocacy.event_types import AdvocacyEventConnection, AdvocacyEventNode
from api.graphql.advocacy.recognition_types import (
    AdvocacyStanding,
    BadgeType,
    LeaderboardEntry,
    LeaderboardPeriod,
    LedgerEntryConnection,
    LedgerEntryNode,
    PointRuleType,
    ReferralConnection,
    ReferralNode,
    RewardConnection,
    RewardNode,
    RewardRedemptionConnection,
    RewardRedemptionNode,
)
from api.graphql.advocacy.types import (
    AdvocateProfileConnection,
    AdvocateProfileNode,
    BudgetVerdictType,
    ConsentRecordConnection,
    ConsentRecordNode,
    FatigueRuleType,
    MostAsked,
    MostAskedEntry,
    ReferenceRequestConnection,
    ReferenceRequestNode,
)
from api.graphql.context import Info
from api.graphql.relay import decode_id, page_request, to_connection
from domain.advocacy import ledger, policies, repository
from domain.advocacy import models as m
from domain.advocacy.event_models import AdvocacyEvent
from domain.advocacy.fatigue import AskKind, check_budget
from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocateProfileTerm,
    CaseStudyStage,
    EngagementKind,
    ProfileStatus,
    RedemptionStatus,
    ReferenceStatus,
    ReferralStatus,
    TestimonialState,
)
from domain.shared.errors import BadRequest, DomainError, Forbidden
from domain.shared.pagination import paginate

PERIOD_DAYS = {
    LeaderboardPeriod.WEEK: 7,
    LeaderboardPeriod.MONTH: 30,
    LeaderboardPeriod.QUARTER: 91,
    LeaderboardPeriod.YEAR: 365,
}


async def _page(
    info: Info,
    model: Any,
    filters: list[ColumnElement[bool]],
    connection: Any,
    convert: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Any:
    """Newest first, keyset on the id."""
    actor = info.context.require_actor()
    statement = policies.readable(actor, model, info.context.now).where(*filters)
    page = await paginate(
        info.context.session,
        statement,
        [model.id],
        lambda row: [row.id],
        page_request(first, after, last, before),
        descending=True,
    )
    return to_connection(connection, page, convert)


def _member_id(info: Info, member_id: relay.GlobalID | None) -> int:
    """The member asked about: the viewer by default; someone else only for staff."""
    actor = info.context.require_actor()
    if member_id is None:
        return actor.member_id
    try:
        wanted = decode_id(member_id, "Member", ["memberId"])
    except DomainError as error:
        raise BadRequest("memberId is not a Member id") from error
    if wanted != actor.member_id and not policies.runs_advocacy(actor):
        raise Forbidden("staff only")
    return wanted


def _staff(info: Info) -> None:
    if not policies.runs_advocacy(info.context.require_actor()):
        raise Forbidden("only marketing and customer success staff may see this")


@strawberry.type
class AdvocacyQueries:
    @strawberry.field(description="A member's advocate profile (the viewer's by default).")
    async def advocate_profile(
        self, info: Info, member_id: relay.GlobalID | None = None
    ) -> AdvocateProfileNode | None:
        wanted = _member_id(info, member_id)
        actor = info.context.require_actor()
        statement = policies.readable(actor, m.AdvocateProfile, info.context.now).where(
            m.AdvocateProfile.member_id == wanted
        )
        profile = await info.context.session.scalar(statement)
        return AdvocateProfileNode.from_model(profile) if profile else None

    @strawberry.field(description="Advocate profiles, newest first (staff see all).")
    async def advocate_profiles(
        self,
        info: Info,
        status: ProfileStatus | None = None,
        activity: AdvocacyActivity | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AdvocateProfileConnection:
        filters = []
        if status is not None:
            filters.append(m.AdvocateProfile.status == status)
        if activity is not None:
            filters.append(
                m.AdvocateProfile.id.in_(
                    select(AdvocateProfileTerm.profile_id).where(
                        AdvocateProfileTerm.kind == "ACTIVITY",
                        AdvocateProfileTerm.value == activity.value,
                    )
                )
            )
        return await _page(  # type: ignore[no-any-return]
            info,
            m.AdvocateProfile,
            filters,
            AdvocateProfileConnection,
            AdvocateProfileNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Consent records, newest first: your own, or all for staff.")
    async def consents(
        self,
        info: Info,
        member_id: relay.GlobalID | None = None,
        active_only: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ConsentRecordConnection:
        filters = []
        if member_id is not None:
            filters.append(m.ConsentRecord.member_id == _member_id(info, member_id))
        if active_only:
            now = info.context.now
            filters.append(m.ConsentRecord.withdrawn_at.is_(None))
            filters.append(
                (m.ConsentRecord.expires_at.is_(None)) | (m.ConsentRecord.expires_at > now)
            )
        return await _page(  # type: ignore[no-any-return]
            info,
            m.ConsentRecord,
            filters,
            ConsentRecordConnection,
            ConsentRecordNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Reference requests, newest first. Advocates see theirs.")
    async def reference_requests(
        self,
        info: Info,
        status: ReferenceStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ReferenceRequestConnection:
        filters = [] if status is None else [m.ReferenceRequest.status == status]
        return await _page(  # type: ignore[no-any-return]
            info,
            m.ReferenceRequest,
            filters,
            ReferenceRequestConnection,
            ReferenceRequestNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Whether a member (the viewer by default) may be asked now.")
    async def fatigue_budget(
        self, info: Info, kind: AskKind, member_id: relay.GlobalID | None = None
    ) -> BudgetVerdictType:
        wanted = _member_id(info, member_id)
        verdict = await check_budget(
            info.context.session, member_id=wanted, kind=kind, at=info.context.now
        )
        return BudgetVerdictType.of(verdict)

    @strawberry.field(description="The most-asked members and accounts. Staff only.")
    async def most_asked(self, info: Info, period_days: int = 90, first: int = 10) -> MostAsked:
        _staff(info)
        if not 1 <= period_days <= 3650 or not 1 <= first <= 100:
            raise BadRequest("periodDays is 1..3650 and first 1..100")
        since = info.context.now - timedelta(days=period_days)
        session = info.context.session
        members = await repository.most_asked(session, by_account=False, since=since, limit=first)
        accounts = await repository.most_asked(session, by_account=True, since=since, limit=first)
        return MostAsked(
            period_days=period_days,
            members=[
                MostAskedEntry(
                    asks=c.asks,
                    last_asked_at=c.last_asked_at,
                    member_id=c.owner_id,
                    account_id=None,
                )
                for c in members
            ],
            accounts=[
                MostAskedEntry(
                    asks=c.asks,
                    last_asked_at=c.last_asked_at,
                    member_id=None,
                    account_id=c.owner_id,
                )
                for c in accounts
            ],
        )

    @strawberry.field(description="Configured fatigue rules (built-in defaults apply otherwise).")
    async def fatigue_rules(self, info: Info) -> list[FatigueRuleType]:
        _staff(info)
        rows = await info.context.session.scalars(select(m.FatigueRule).order_by(m.FatigueRule.id))
        return [FatigueRuleType.from_model(r) for r in rows]

    @strawberry.field(description="Case studies, newest first; customers see published ones.")
    async def case_studies(
        self,
        info: Info,
        stage: CaseStudyStage | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CaseStudyConnection:
        filters = [] if stage is None else [m.CaseStudy.stage == stage]
        return await _page(  # type: ignore[no-any-return]
            info,
            m.CaseStudy,
            filters,
            CaseStudyConnection,
            CaseStudyNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Testimonials and quotes; customers see their own.")
    async def testimonials(
        self,
        info: Info,
        state: TestimonialState | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TestimonialConnection:
        filters = [] if state is None else [m.Testimonial.state == state]
        return await _page(  # type: ignore[no-any-return]
            info,
            m.Testimonial,
            filters,
            TestimonialConnection,
            TestimonialNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Speaking, press and analyst engagements.")
    async def advocacy_engagements(
        self,
        info: Info,
        kind: EngagementKind | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AdvocacyEngagementConnection:
        filters = [] if kind is None else [m.AdvocacyEngagement.kind == kind]
        return await _page(  # type: ignore[no-any-return]
            info,
            m.AdvocacyEngagement,
            filters,
            AdvocacyEngagementConnection,
            AdvocacyEngagementNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description="Events customers speak at, newest first: staff see all; customers the "
        "events they speak at."
    )
    async def advocacy_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AdvocacyEventConnection:
        return await _page(  # type: ignore[no-any-return]
            info,
            AdvocacyEvent,
            [],
            AdvocacyEventConnection,
            AdvocacyEventNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description="The referral behind a referral code or link (CRM intake): staff find "
        "any, members their own; null when there is none you may see."
    )
    async def referral_by_code(self, info: Info, code: str) -> ReferralNode | None:
        actor = info.context.require_actor()
        wanted = code.strip().rsplit("/", 1)[-1].upper()
        if not wanted or len(wanted) > 16:
            return None
        statement = policies.readable(actor, m.Referral, info.context.now).where(
            m.Referral.code == wanted
        )
        referral = await info.context.session.scalar(statement)
        return ReferralNode.from_model(referral) if referral else None

    @strawberry.field(description="Referrals; members see the ones they made.")
    async def referrals(
        self,
        info: Info,
        status: ReferralStatus | None = None,
        code: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ReferralConnection:
        filters = [] if status is None else [m.Referral.status == status]
        if code is not None:
            filters.append(m.Referral.code == code.strip().upper())
        return await _page(  # type: ignore[no-any-return]
            info,
            m.Referral,
            filters,
            ReferralConnection,
            ReferralNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Points, level and badges (the viewer's by default).")
    async def advocacy_standing(
        self, info: Info, member_id: relay.GlobalID | None = None
    ) -> AdvocacyStanding:
        wanted = _member_id(info, member_id)
        session = info.context.session
        lifetime, spendable = await ledger.balance(session, wanted)
        level, next_at = ledger.level_for(lifetime)
        awarded = await session.execute(
            select(m.MemberBadge.badge, m.MemberBadge.awarded_at)
            .where(m.MemberBadge.member_id == wanted)
            .order_by(m.MemberBadge.awarded_at)
        )
        badges = []
        for code, at in awarded:
            badge = ledger.BADGES_BY_CODE.get(code)
            if badge:
                badges.append(
                    BadgeType(
                        code=code, name=badge.name, description=badge.description, awarded_at=at
                    )
                )
        return AdvocacyStanding(
            lifetime_points=lifetime,
            spendable_points=spendable,
            level=level,
            next_level_at=next_at,
            badges=badges,
            member_id=wanted,
        )

    @strawberry.field(description="Every badge there is to earn.")
    def advocacy_badges(self, info: Info) -> list[BadgeType]:
        info.context.require_actor()
        return [
            BadgeType(code=b.code, name=b.name, description=b.description, awarded_at=None)
            for b in ledger.BADGES
        ]

    @strawberry.field(description="Ledger of advocacy acts (the viewer's; staff: anyone's).")
    async def advocacy_ledger(
        self,
        info: Info,
        member_id: relay.GlobalID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> LedgerEntryConnection:
        actor = info.context.require_actor()
        filters = []
        if member_id is not None or not policies.runs_advocacy(actor):
            filters.append(m.LedgerEntry.member_id == _member_id(info, member_id))
        return await _page(  # type: ignore[no-any-return]
            info,
            m.LedgerEntry,
            filters,
            LedgerEntryConnection,
            LedgerEntryNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Most points earned in the period, at most 100 places.")
    async def advocacy_leaderboard(
        self, info: Info, period: LeaderboardPeriod = LeaderboardPeriod.MONTH, first: int = 10
    ) -> list[LeaderboardEntry]:
        info.context.require_actor()
        if not 1 <= first <= 100:
            raise BadRequest("first is 1..100")
        days = PERIOD_DAYS.get(period)
        since = None if days is None else info.context.now - timedelta(days=days)
        rows = await repository.leaderboard(info.context.session, since=since, limit=first)
        return [
            LeaderboardEntry(
                rank=n, points=r.points, activities=r.activities, member_id=r.member_id
            )
            for n, r in enumerate(rows, start=1)
        ]

    @strawberry.field(description="The rewards catalogue (members see active rewards).")
    async def rewards(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> RewardConnection:
        return await _page(  # type: ignore[no-any-return]
            info, m.Reward, [], RewardConnection, RewardNode.from_model, first, after, last, before
        )

    @strawberry.field(description="Reward redemptions: your own, or all for staff.")
    async def reward_redemptions(
        self,
        info: Info,
        status: RedemptionStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> RewardRedemptionConnection:
        filters = [] if status is None else [m.RewardRedemption.status == status]
        return await _page(  # type: ignore[no-any-return]
            info,
            m.RewardRedemption,
            filters,
            RewardRedemptionConnection,
            RewardRedemptionNode.from_model,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Points and value weight per activity type.")
    async def point_rules(self, info: Info) -> list[PointRuleType]:
        info.context.require_actor()
        rules = await ledger.rules(info.context.session)
        return [PointRuleType(activity=a, points=p, weight=w) for a, (p, w) in rules.items()]
