from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.feedback.surveys import SurveyMutations
from api.graphql.feedback.types import (
    ChangelogEntryNode,
    FeedbackUserError,
    IdeaNode,
    IdeaStatus,
    IdeaStatusTransition,
    IdeaVisibility,
    IdeaVoteType,
    ImpactWeightsType,
    Importance,
    ProxySource,
)
from api.graphql.relay import decode_id
from domain.feedback import events, policies
from domain.feedback.impact import ImpactWeights
from domain.feedback.models import FeedbackDigestSubscription, Idea, IdeaVote
from domain.feedback.services import changelog, ideas, merging, triage, voting
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import KEEP

MAX_LIST_INPUT = 100


# voting.vote and voting.change_importance
CastVote = Callable[[AsyncSession, Actor, int, Importance], Awaitable[tuple[Idea, IdeaVote]]]


@strawberry.input
class SubmitIdeaInput:
    title: str
    product_area: str
    description: str = strawberry.field(default="", description="Markdown.")
    tags: list[str] = strawberry.field(default_factory=list)
    visibility: IdeaVisibility = IdeaVisibility.PUBLIC
    attachments: list[str] = strawberry.field(default_factory=list, description="http(s) URLs.")


@strawberry.input
class UpdateIdeaInput:
    idea_id: relay.GlobalID
    title: str | None = None
    description: str | None = None
    product_area: str | None = None
    tags: list[str] | None = None
    attachments: list[str] | None = None


@strawberry.type
class IdeaPayload:
    idea: IdeaNode | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class VoteIdeaInput:
    idea_id: relay.GlobalID
    importance: Importance = Importance.IMPORTANT


@strawberry.type
class VotePayload:
    idea: IdeaNode | None
    vote: IdeaVoteType | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class IdeaRefInput:
    idea_id: relay.GlobalID


@strawberry.input
class RecordProxyVoteInput:
    idea_id: relay.GlobalID
    member_id: relay.GlobalID = strawberry.field(description="The customer contact it counts for.")
    importance: Importance
    source: ProxySource
    note: str | None = None


@strawberry.input
class SetIdeaSubscriptionInput:
    idea_id: relay.GlobalID
    subscribed: bool = strawberry.field(description="False mutes the idea even if you voted.")


@strawberry.type
class SubscriptionPayload:
    subscribed: bool | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class ChangeIdeaStatusInput:
    idea_id: relay.GlobalID
    status: IdeaStatus
    reason: str | None = strawberry.field(default=None, description="Required for DECLINED.")


@strawberry.input
class AssignIdeaOwnerInput:
    idea_id: relay.GlobalID
    owner_id: relay.GlobalID | None = strawberry.field(description="A staff member; null clears.")


@strawberry.input
class LinkIdeaBetaProgramInput:
    idea_id: relay.GlobalID
    program_id: relay.GlobalID | None = strawberry.field(description="A BETA program; null clears.")


@strawberry.input
class MergeIdeasInput:
    source_id: relay.GlobalID = strawberry.field(description="The duplicate.")
    target_id: relay.GlobalID = strawberry.field(description="The original it merges into.")


@strawberry.type
class MergePayload:
    source: IdeaNode | None
    target: IdeaNode | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class IdeaStatusTransitionInput:
    from_status: IdeaStatus
    to_status: IdeaStatus


@strawberry.input
class SetIdeaWorkflowInput:
    transitions: list[IdeaStatusTransitionInput] = strawberry.field(
        description="The complete set of allowed moves; empty restores the defaults."
    )


@strawberry.type
class WorkflowPayload:
    transitions: list[IdeaStatusTransition] | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class SetImpactWeightsInput:
    arr_weight: float = strawberry.field(description="Points per 10,000 of ARR.")
    importance_weight: float
    voter_weight: float
    account_weight: float
    nice_to_have_points: float = 1.0
    important_points: float = 2.0
    must_have_points: float = 4.0


@strawberry.type
class ImpactWeightsPayload:
    weights: ImpactWeightsType | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class CreateChangelogEntryInput:
    title: str
    body: str = strawberry.field(description="Markdown.")
    product_area: str | None = None
    idea_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Ideas it closes (at most 100)."
    )
    publish: bool = strawberry.field(default=True, description="False keeps it a draft.")


@strawberry.type
class ChangelogEntryPayload:
    entry: ChangelogEntryNode | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class SetFeedbackDigestInput:
    enabled: bool = strawberry.field(description="Idea updates as a periodic digest instead.")


@strawberry.type
class FeedbackDigestPayload:
    enabled: bool | None
    user_errors: list[FeedbackUserError]


async def _cast_vote(info: Info, input: VoteIdeaInput, cast: CastVote) -> VotePayload:
    """Voting and changing a vote's importance share input and payload."""
    context = info.context

    async def action() -> tuple[Idea, IdeaVote]:
        idea_id = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
        return await cast(context.session, context.require_writer(), idea_id, input.importance)

    return await _vote_payload(info, action)


async def _vote_payload(
    info: Info, action: Callable[[], Awaitable[tuple[Idea, IdeaVote]]]
) -> VotePayload:
    """Runs a vote action as a mutation and reports the idea and the vote it left."""

    async def reported() -> tuple[IdeaNode, IdeaVoteType]:
        idea, vote = await action()
        return _idea(idea), IdeaVoteType.from_model(vote)

    result, problems = await mutate(info, reported)
    return VotePayload(
        idea=result[0] if result else None,
        vote=result[1] if result else None,
        user_errors=FeedbackUserError.from_problems(problems),
    )


def _idea(idea: object) -> IdeaNode:
    return IdeaNode.from_model(idea)  # type: ignore[arg-type]


@strawberry.type
class FeedbackMutations(SurveyMutations):
    @strawberry.mutation(description="Submit an idea; it gets a discussion thread.")
    async def submit_idea(self, info: Info, input: SubmitIdeaInput) -> IdeaPayload:
        context = info.context

        async def action() -> IdeaNode:
            new = ideas.NewIdea(
                title=input.title,
                product_area=input.product_area,
                description=input.description,
                tags=input.tags[:MAX_LIST_INPUT],
                visibility=input.visibility,
                attachments=input.attachments[:MAX_LIST_INPUT],
            )
            idea = await ideas.submit_idea(
                context.session,
                context.require_writer(),
                new,
                rules=context.community_rules,
                now=context.now,
            )
            return _idea(idea)

        idea, problems = await mutate(info, action)
        return IdeaPayload(idea=idea, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(description="Edit an idea (its author or product staff).")
    async def update_idea(self, info: Info, input: UpdateIdeaInput) -> IdeaPayload:
        context = info.context

        async def action() -> IdeaNode:
            changes = ideas.IdeaChanges(
                idea_id=decode_id(input.idea_id, "Idea", ["input", "ideaId"]),
                title=KEEP if input.title is None else input.title,
                description=KEEP if input.description is None else input.description,
                product_area=KEEP if input.product_area is None else input.product_area,
                tags=KEEP if input.tags is None else input.tags[:MAX_LIST_INPUT],
                attachments=KEEP
                if input.attachments is None
                else input.attachments[:MAX_LIST_INPUT],
            )
            return _idea(
                await ideas.update_idea(context.session, context.require_writer(), changes)
            )

        idea, problems = await mutate(info, action)
        return IdeaPayload(idea=idea, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(description="Vote once on an idea, with an importance.")
    async def vote_idea(self, info: Info, input: VoteIdeaInput) -> VotePayload:
        return await _cast_vote(info, input, voting.vote)

    @strawberry.mutation(
        description="Change the importance of your vote (the vote and its date stay)."
    )
    async def change_vote_importance(self, info: Info, input: VoteIdeaInput) -> VotePayload:
        return await _cast_vote(info, input, voting.change_importance)

    @strawberry.mutation(description="Take your vote back.")
    async def unvote_idea(self, info: Info, input: IdeaRefInput) -> IdeaPayload:
        context = info.context

        async def action() -> IdeaNode:
            idea_id = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
            return _idea(await voting.unvote(context.session, context.require_writer(), idea_id))

        idea, problems = await mutate(info, action)
        return IdeaPayload(idea=idea, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(description="Staff: record a customer contact's vote heard elsewhere.")
    async def record_proxy_vote(self, info: Info, input: RecordProxyVoteInput) -> VotePayload:
        context = info.context

        async def action() -> tuple[Idea, IdeaVote]:
            proxy = voting.ProxyVote(
                idea_id=decode_id(input.idea_id, "Idea", ["input", "ideaId"]),
                member_id=decode_id(input.member_id, "Member", ["input", "memberId"]),
                importance=input.importance,
                source=input.source,
                note=input.note,
            )
            return await voting.record_proxy_vote(context.session, context.require_writer(), proxy)

        return await _vote_payload(info, action)

    @strawberry.mutation(description="Follow an idea, or mute it.")
    async def set_idea_subscription(
        self, info: Info, input: SetIdeaSubscriptionInput
    ) -> SubscriptionPayload:
        context = info.context

        async def action() -> bool:
            idea_id = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
            return await ideas.set_subscription(
                context.session, context.require_writer(), idea_id, input.subscribed
            )

        subscribed, problems = await mutate(info, action)
        return SubscriptionPayload(
            subscribed=subscribed, user_errors=FeedbackUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Product staff: move an idea along the workflow.")
    async def change_idea_status(self, info: Info, input: ChangeIdeaStatusInput) -> IdeaPayload:
        context = info.context

        async def action() -> IdeaNode:
            idea_id = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
            idea = await triage.change_status(
                context.session,
                context.require_writer(),
                idea_id,
                input.status,
                input.reason,
                context.now,
            )
            return _idea(idea)

        idea, problems = await mutate(info, action)
        return IdeaPayload(idea=idea, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(description="Product staff: assign an owner.")
    async def assign_idea_owner(self, info: Info, input: AssignIdeaOwnerInput) -> IdeaPayload:
        context = info.context

        async def action() -> IdeaNode:
            idea_id = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
            owner = (
                decode_id(input.owner_id, "Member", ["input", "ownerId"])
                if input.owner_id
                else None
            )
            return _idea(
                await triage.assign_owner(context.session, context.require_writer(), idea_id, owner)
            )

        idea, problems = await mutate(info, action)
        return IdeaPayload(idea=idea, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(description="Product staff: link the beta program delivering an idea.")
    async def link_idea_beta_program(
        self, info: Info, input: LinkIdeaBetaProgramInput
    ) -> IdeaPayload:
        context = info.context

        async def action() -> IdeaNode:
            idea_id = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
            program = (
                decode_id(input.program_id, "Program", ["input", "programId"])
                if input.program_id
                else None
            )
            idea = await triage.link_beta_program(
                context.session, context.require_writer(), idea_id, program
            )
            return _idea(idea)

        idea, problems = await mutate(info, action)
        return IdeaPayload(idea=idea, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(description="Product staff: merge a duplicate into an original.")
    async def merge_ideas(self, info: Info, input: MergeIdeasInput) -> MergePayload:
        context = info.context

        async def action() -> tuple[IdeaNode, IdeaNode]:
            source = decode_id(input.source_id, "Idea", ["input", "sourceId"])
            target = decode_id(input.target_id, "Idea", ["input", "targetId"])
            a, b = await merging.merge(
                context.session, context.require_writer(), source, target, context.now
            )
            return _idea(a), _idea(b)

        result, problems = await mutate(info, action)
        return MergePayload(
            source=result[0] if result else None,
            target=result[1] if result else None,
            user_errors=FeedbackUserError.from_problems(problems),
        )

    @strawberry.mutation(description="Product staff: undo an idea's merge exactly.")
    async def unmerge_idea(self, info: Info, input: IdeaRefInput) -> MergePayload:
        context = info.context

        async def action() -> tuple[IdeaNode, IdeaNode]:
            source = decode_id(input.idea_id, "Idea", ["input", "ideaId"])
            a, b = await merging.unmerge(
                context.session, context.require_writer(), source, context.now
            )
            return _idea(a), _idea(b)

        result, problems = await mutate(info, action)
        return MergePayload(
            source=result[0] if result else None,
            target=result[1] if result else None,
            user_errors=FeedbackUserError.from_problems(problems),
        )

    @strawberry.mutation(description="Product staff: replace the allowed status transitions.")
    async def set_idea_workflow(self, info: Info, input: SetIdeaWorkflowInput) -> WorkflowPayload:
        context = info.context

        async def action() -> list[IdeaStatusTransition]:
            pairs = [(t.from_status, t.to_status) for t in input.transitions[:MAX_LIST_INPUT]]
            allowed = await triage.set_workflow(context.session, context.require_writer(), pairs)
            order = list(IdeaStatus)
            return [
                IdeaStatusTransition(from_status=a, to_status=b)
                for a, b in sorted(allowed, key=lambda p: (order.index(p[0]), order.index(p[1])))
            ]

        transitions, problems = await mutate(info, action)
        return WorkflowPayload(
            transitions=transitions, user_errors=FeedbackUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Product staff: set the impact weights (rescores all).")
    async def set_impact_weights(
        self, info: Info, input: SetImpactWeightsInput
    ) -> ImpactWeightsPayload:
        context = info.context

        async def action() -> ImpactWeightsType:
            weights = ImpactWeights(
                arr_weight=input.arr_weight,
                importance_weight=input.importance_weight,
                voter_weight=input.voter_weight,
                account_weight=input.account_weight,
                points={
                    Importance.NICE_TO_HAVE: input.nice_to_have_points,
                    Importance.IMPORTANT: input.important_points,
                    Importance.MUST_HAVE: input.must_have_points,
                },
            )
            await triage.set_weights(
                context.session, context.require_writer(), weights, context.now
            )
            return ImpactWeightsType.of(weights)

        weights, problems = await mutate(info, action)
        return ImpactWeightsPayload(
            weights=weights, user_errors=FeedbackUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Product staff: a changelog entry closing ideas.")
    async def create_changelog_entry(
        self, info: Info, input: CreateChangelogEntryInput
    ) -> ChangelogEntryPayload:
        context = info.context

        async def action() -> ChangelogEntryNode:
            new = changelog.NewChangelogEntry(
                title=input.title,
                body=input.body,
                product_area=input.product_area,
                idea_ids=[
                    decode_id(i, "Idea", ["input", "ideaIds"])
                    for i in input.idea_ids[: MAX_LIST_INPUT + 1]
                ],
                publish=input.publish,
            )
            entry = await changelog.create_entry(
                context.session, context.require_writer(), new, context.now
            )
            return ChangelogEntryNode.from_model(entry)

        entry, problems = await mutate(info, action)
        return ChangelogEntryPayload(
            entry=entry, user_errors=FeedbackUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Get idea updates as a digest (opt-in) or one by one.")
    async def set_feedback_digest(
        self, info: Info, input: SetFeedbackDigestInput
    ) -> FeedbackDigestPayload:
        context = info.context

        async def action() -> bool:
            actor = context.require_writer()
            row = await context.session.get(FeedbackDigestSubscription, actor.member_id)
            if input.enabled and row is None:
                await insert_ignoring_duplicates(
                    context.session,
                    FeedbackDigestSubscription,
                    [{"member_id": actor.member_id, "created_at": context.now}],
                )
            elif not input.enabled and row is not None:
                await context.session.delete(row)
            return input.enabled

        enabled, problems = await mutate(info, action)
        return FeedbackDigestPayload(
            enabled=enabled, user_errors=FeedbackUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Product staff (or a scheduler's token): send the pending idea digests. "
        "Each member with updates gets one IDEA_DIGEST notification, after commit."
    )
    async def send_feedback_digests(self, info: Info) -> FeedbackDigestPayload:
        context = info.context

        async def action() -> bool:
            actor = context.require_writer()
            if not policies.can_send_digests(actor):
                raise Forbidden("staff only")
            events.emit(context.session, events.DIGEST_REQUESTED, actor_id=actor.member_id)
            return True

        sent, problems = await mutate(info, action)
        return FeedbackDigestPayload(
            enabled=sent, user_errors=FeedbackUserError.from_problems(problems)
        )
