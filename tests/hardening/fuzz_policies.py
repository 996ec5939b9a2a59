"""What each Node type's policy says a caller may read: the oracle of the `node` sweep.

One entry per Node type of the schema, built from the readable_* statements and policy
functions of `domain/` (not from the API's resolvers, which are what is under test). A Node
type without an entry fails the sweep, so a new type cannot go unchecked.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import event_models as advocacy_events
from domain.advocacy import models as advocacy
from domain.advocacy import policies as advocacy_policies
from domain.community import models as community
from domain.community import policies as community_policies
from domain.feedback import models as feedback
from domain.feedback import policies as feedback_policies
from domain.identity import models as identity
from domain.identity import policies as identity_policies
from domain.identity.policies import Actor
from domain.insights import models as insights
from domain.insights import policies as insights_policies
from domain.matching import models as matching
from domain.matching import policies as matching_policies
from domain.programs import models as programs
from domain.programs import policies as programs_policies

Oracle = Callable[[AsyncSession, Actor, datetime], Awaitable[set[int]]]


async def _ids(session: AsyncSession, statement: Select[Any]) -> set[int]:
    return set(await session.scalars(statement))


def _statement(build: Callable[[Actor, datetime], Select[Any]]) -> Oracle:
    async def oracle(session: AsyncSession, actor: Actor, now: datetime) -> set[int]:
        return await _ids(session, build(actor, now))

    return oracle


def _advocacy(model: Any) -> Oracle:
    return _statement(
        lambda actor, now: advocacy_policies.readable(actor, model, now).with_only_columns(model.id)
    )


def _all_if(allowed: Callable[[Actor], bool], model: Any) -> Oracle:
    return _statement(
        lambda actor, _now: (
            select(model.id).where(model.id.is_(None)) if not allowed(actor) else select(model.id)
        )
    )


async def _readable_programs(session: AsyncSession, actor: Actor) -> dict[int, programs.Program]:
    statement = programs_policies.readable_programs(actor, select(programs.Program))
    return {p.id: p for p in await session.scalars(statement)}


async def _roster_programs(session: AsyncSession, actor: Actor) -> set[int]:
    """Programs whose inside (builds, meetings) the caller may see: can_see_roster."""
    readable = await _readable_programs(session, actor)
    enrolments = {
        e.program_id: e
        for e in await session.scalars(
            select(programs.ProgramEnrolment).where(
                programs.ProgramEnrolment.member_id == actor.member_id
            )
        )
    }
    return {
        pid
        for pid, program in readable.items()
        if programs_policies.can_see_roster(actor, program, enrolments.get(pid))
    }


async def _applications(session: AsyncSession, actor: Actor, _now: datetime) -> set[int]:
    readable = await _readable_programs(session, actor)
    rows = await session.scalars(select(programs.ProgramApplication))
    return {
        row.id
        for row in rows
        if row.program_id in readable
        and (
            actor.member_id in (row.member_id, row.nominated_by_id)
            or programs_policies.can_manage(actor, readable[row.program_id])
        )
    }


def _inside_programs(model: Any) -> Oracle:
    async def oracle(session: AsyncSession, actor: Actor, _now: datetime) -> set[int]:
        allowed = await _roster_programs(session, actor)
        return await _ids(session, select(model.id).where(model.program_id.in_(allowed or {0})))

    return oracle


async def _survey_responses(session: AsyncSession, actor: Actor, _now: datetime) -> set[int]:
    surveys = feedback_policies.readable_surveys(actor, select(feedback.Survey.id))  # type: ignore[arg-type]
    statement = feedback_policies.readable_responses(actor, select(feedback.SurveyResponse)).where(
        feedback.SurveyResponse.survey_id.in_(surveys)
    )
    return {r.id for r in await session.scalars(statement)}


async def _outcomes(session: AsyncSession, actor: Actor, _now: datetime) -> set[int]:
    plans = insights_policies.readable_success_plans(actor, select(insights.SuccessPlan.id))  # type: ignore[arg-type]
    return await _ids(
        session,
        select(insights.SuccessOutcome.id).where(insights.SuccessOutcome.plan_id.in_(plans)),
    )


NODE_ORACLES: dict[str, Oracle] = {
    "Account": _statement(
        lambda a, _: identity_policies.readable_accounts(a, select(identity.Account.id))  # type: ignore[arg-type]
    ),
    "Member": _statement(
        lambda a, _: identity_policies.readable_members(a, select(identity.Member.id))  # type: ignore[arg-type]
    ),
    "Space": _statement(
        lambda a, _: community_policies.readable_spaces(a, select(community.Space.id))  # type: ignore[arg-type]
    ),
    "Thread": _statement(
        lambda a, _: community_policies.readable_threads(a, select(community.Thread.id))  # type: ignore[arg-type]
    ),
    "Post": _statement(
        lambda a, _: community_policies.readable_posts(a, select(community.Post.id))  # type: ignore[arg-type]
    ),
    "Notification": _statement(
        lambda a, _: select(community.Notification.id).where(
            community.Notification.recipient_id == a.member_id
        )
    ),
    "Idea": _statement(
        lambda a, _: feedback_policies.readable_ideas(a, select(feedback.Idea.id))  # type: ignore[arg-type]
    ),
    "ChangelogEntry": _statement(
        lambda a, _: (
            select(feedback.ChangelogEntry.id)
            if feedback_policies.can_triage(a)
            else select(feedback.ChangelogEntry.id).where(
                feedback.ChangelogEntry.published_at.is_not(None)
            )
        )
    ),
    "Survey": _statement(
        lambda a, _: feedback_policies.readable_surveys(a, select(feedback.Survey.id))  # type: ignore[arg-type]
    ),
    "SurveyResponse": _survey_responses,
    "Program": _statement(
        lambda a, _: programs_policies.readable_programs(a, select(programs.Program.id))  # type: ignore[arg-type]
    ),
    "ProgramApplication": _applications,
    "BetaBuild": _inside_programs(programs.BetaBuild),
    "BoardMeeting": _inside_programs(programs.BoardMeeting),
    "MatchingProgram": _all_if(lambda a: True, matching.MatchingProgram),
    "MatchingRound": _all_if(matching_policies.can_manage_matching, matching.MatchingRound),
    "RoundProposal": _all_if(matching_policies.can_manage_matching, matching.RoundProposal),
    # A buddy profile's global id is its member's id.
    "BuddyProfile": _statement(
        lambda a, _: matching_policies.readable_profiles(
            a,
            select(matching.BuddyProfile.member_id),  # type: ignore[arg-type]
        )
    ),
    "BuddyPair": _statement(
        lambda a, _: matching_policies.readable_pairs(a, select(matching.BuddyPair.id))  # type: ignore[arg-type]
    ),
    "Meetup": _statement(
        lambda a, _: matching_policies.readable_meetups(a, select(matching.Meetup.id))  # type: ignore[arg-type]
    ),
    "AdvocateProfile": _advocacy(advocacy.AdvocateProfile),
    "ConsentRecord": _advocacy(advocacy.ConsentRecord),
    "ReferenceRequest": _advocacy(advocacy.ReferenceRequest),
    "CaseStudy": _advocacy(advocacy.CaseStudy),
    "Testimonial": _advocacy(advocacy.Testimonial),
    "AdvocacyEngagement": _advocacy(advocacy.AdvocacyEngagement),
    "Referral": _advocacy(advocacy.Referral),
    "Reward": _advocacy(advocacy.Reward),
    "RewardRedemption": _advocacy(advocacy.RewardRedemption),
    "AdvocacyLedgerEntry": _advocacy(advocacy.LedgerEntry),
    "AdvocacyEvent": _advocacy(advocacy_events.AdvocacyEvent),
    "EventSession": _advocacy(advocacy_events.EventSession),
    "RevenueOpportunity": _all_if(insights_policies.can_view_revenue, insights.Opportunity),
    "SuccessPlan": _statement(
        lambda a, _: insights_policies.readable_success_plans(a, select(insights.SuccessPlan.id))  # type: ignore[arg-type]
    ),
    "SuccessOutcome": _outcomes,
}

# Every row of each Node type, whoever asks (the ids the sweep tries).
NODE_MODELS: dict[str, Any] = {
    "Account": identity.Account,
    "Member": identity.Member,
    "Space": community.Space,
    "Thread": community.Thread,
    "Post": community.Post,
    "Notification": community.Notification,
    "Idea": feedback.Idea,
    "ChangelogEntry": feedback.ChangelogEntry,
    "Survey": feedback.Survey,
    "SurveyResponse": feedback.SurveyResponse,
    "Program": programs.Program,
    "ProgramApplication": programs.ProgramApplication,
    "BetaBuild": programs.BetaBuild,
    "BoardMeeting": programs.BoardMeeting,
    "MatchingProgram": matching.MatchingProgram,
    "MatchingRound": matching.MatchingRound,
    "RoundProposal": matching.RoundProposal,
    "BuddyProfile": matching.BuddyProfile,
    "BuddyPair": matching.BuddyPair,
    "Meetup": matching.Meetup,
    "AdvocateProfile": advocacy.AdvocateProfile,
    "ConsentRecord": advocacy.ConsentRecord,
    "ReferenceRequest": advocacy.ReferenceRequest,
    "CaseStudy": advocacy.CaseStudy,
    "Testimonial": advocacy.Testimonial,
    "AdvocacyEngagement": advocacy.AdvocacyEngagement,
    "Referral": advocacy.Referral,
    "Reward": advocacy.Reward,
    "RewardRedemption": advocacy.RewardRedemption,
    "AdvocacyLedgerEntry": advocacy.LedgerEntry,
    "AdvocacyEvent": advocacy_events.AdvocacyEvent,
    "EventSession": advocacy_events.EventSession,
    "RevenueOpportunity": insights.Opportunity,
    "SuccessPlan": insights.SuccessPlan,
    "SuccessOutcome": insights.SuccessOutcome,
}


async def all_ids(session: AsyncSession, type_name: str) -> set[int]:
    model = NODE_MODELS[type_name]
    column = model.member_id if model is matching.BuddyProfile else model.id
    return await _ids(session, select(column))
