"""Flagging posts, and moderators acting on posts, threads and members."""

from datetime import datetime

import strawberry
from strawberry import relay

from api.graphql.community.moderation.types import FlagDecision, MemberStandingType
from api.graphql.community.mutations import PostPayload, ThreadPayload
from api.graphql.community.types import CommunityUserError, PostNode, ThreadNode
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.community.services import flags, post_actions, suspensions, thread_actions
from domain.community.services.post_actions import PostAction
from domain.community.services.thread_actions import ThreadAction
from domain.shared.errors import Problem


@strawberry.input
class FlagPostInput:
    post_id: relay.GlobalID
    reason: str = strawberry.field(description="Why it needs a moderator (1-1000 characters).")


@strawberry.input
class ResolveFlagsInput:
    post_id: relay.GlobalID
    decision: FlagDecision
    reason: str | None = None


@strawberry.input
class ApprovePostInput:
    post_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class RejectPostInput:
    post_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class ModeratePostInput:
    post_id: relay.GlobalID
    action: PostAction
    reason: str | None = strawberry.field(default=None, description="Told to the author.")


@strawberry.input
class ModerateThreadInput:
    thread_id: relay.GlobalID
    action: ThreadAction
    reason: str | None = strawberry.field(default=None, description="Told to the author.")


@strawberry.input
class MoveThreadInput:
    thread_id: relay.GlobalID
    space_id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class MergeThreadsInput:
    source_thread_id: relay.GlobalID = strawberry.field(description="Merged away (and hidden).")
    target_thread_id: relay.GlobalID = strawberry.field(description="Receives the posts.")
    reason: str | None = None


@strawberry.input
class SuspendMemberInput:
    member_id: relay.GlobalID
    until: datetime = strawberry.field(description="In the future, at most a year ahead.")
    reason: str


@strawberry.input
class UnsuspendMemberInput:
    member_id: relay.GlobalID
    reason: str | None = None


@strawberry.type
class MergeThreadsPayload:
    source: ThreadNode | None = strawberry.field(description="Now hidden and locked.")
    target: ThreadNode | None
    user_errors: list[CommunityUserError]


@strawberry.type
class MemberStandingPayload:
    standing: MemberStandingType | None
    user_errors: list[CommunityUserError]


def _post_id(value: relay.GlobalID) -> int:
    return decode_id(value, "Post", ["input", "postId"])


def _thread_id(value: relay.GlobalID, field: str = "threadId") -> int:
    return decode_id(value, "Thread", ["input", field])


def _post_payload(post: PostNode | None, problems: list[Problem]) -> PostPayload:
    return PostPayload(post=post, user_errors=CommunityUserError.from_problems(problems))


@strawberry.type
class ModerationMutations:
    @strawberry.mutation(description="Flag a post you can read for moderators (once per post).")
    async def flag_post(self, info: Info, input: FlagPostInput) -> PostPayload:
        async def run() -> PostNode:
            c = info.context
            post = await flags.flag_post(
                c.session, c.require_actor(), c.now, _post_id(input.post_id), input.reason
            )
            return PostNode.from_model(post)

        return _post_payload(*await mutate(info, run))

    @strawberry.mutation(description="Uphold or dismiss a post's open flags. Moderators only.")
    async def resolve_flags(self, info: Info, input: ResolveFlagsInput) -> PostPayload:
        async def run() -> PostNode:
            c = info.context
            post = await flags.resolve_flags(
                c.session,
                c.require_actor(),
                c.now,
                _post_id(input.post_id),
                uphold=input.decision is FlagDecision.UPHOLD,
                reason=input.reason,
            )
            return PostNode.from_model(post)

        return _post_payload(*await mutate(info, run))

    @strawberry.mutation(description="Publish a held post. Moderators only.")
    async def approve_post(self, info: Info, input: ApprovePostInput) -> PostPayload:
        async def run() -> PostNode:
            c = info.context
            post = await post_actions.approve_post(
                c.session, c.require_actor(), c.now, _post_id(input.post_id), input.reason
            )
            return PostNode.from_model(post)

        return _post_payload(*await mutate(info, run))

    @strawberry.mutation(description="Refuse a held post (it is hidden). Moderators only.")
    async def reject_post(self, info: Info, input: RejectPostInput) -> PostPayload:
        async def run() -> PostNode:
            c = info.context
            post = await post_actions.reject_post(
                c.session, c.require_actor(), c.now, _post_id(input.post_id), input.reason
            )
            return PostNode.from_model(post)

        return _post_payload(*await mutate(info, run))

    @strawberry.mutation(description="Hide or restore a post. Moderators only.")
    async def moderate_post(self, info: Info, input: ModeratePostInput) -> PostPayload:
        async def run() -> PostNode:
            c = info.context
            post = await post_actions.moderate_post(
                c.session,
                c.require_actor(),
                c.now,
                _post_id(input.post_id),
                input.action,
                input.reason,
            )
            return PostNode.from_model(post)

        return _post_payload(*await mutate(info, run))

    @strawberry.mutation(
        description="Lock, close, pin or hide a thread (or undo). Moderators only."
    )
    async def moderate_thread(self, info: Info, input: ModerateThreadInput) -> ThreadPayload:
        async def run() -> ThreadNode:
            c = info.context
            thread = await thread_actions.moderate_thread(
                c.session,
                c.require_actor(),
                c.now,
                _thread_id(input.thread_id),
                input.action,
                input.reason,
            )
            return ThreadNode.from_model(thread)

        thread, problems = await mutate(info, run)
        return ThreadPayload(thread=thread, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(description="Move a thread to another space. Moderators only.")
    async def move_thread(self, info: Info, input: MoveThreadInput) -> ThreadPayload:
        async def run() -> ThreadNode:
            c = info.context
            thread = await thread_actions.move_thread(
                c.session,
                c.require_actor(),
                c.now,
                _thread_id(input.thread_id),
                decode_id(input.space_id, "Space", ["input", "spaceId"]),
                input.reason,
            )
            return ThreadNode.from_model(thread)

        thread, problems = await mutate(info, run)
        return ThreadPayload(thread=thread, user_errors=CommunityUserError.from_problems(problems))

    @strawberry.mutation(
        description="Move every post of one thread to the end of another. Moderators only."
    )
    async def merge_threads(self, info: Info, input: MergeThreadsInput) -> MergeThreadsPayload:
        async def run() -> tuple[ThreadNode, ThreadNode]:
            c = info.context
            source, target = await thread_actions.merge_thread(
                c.session,
                c.require_actor(),
                c.now,
                _thread_id(input.source_thread_id, "sourceThreadId"),
                _thread_id(input.target_thread_id, "targetThreadId"),
                input.reason,
            )
            return ThreadNode.from_model(source), ThreadNode.from_model(target)

        merged, problems = await mutate(info, run)
        source, target = merged if merged else (None, None)
        return MergeThreadsPayload(
            source=source, target=target, user_errors=CommunityUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Suspend a member from posting until a time. Moderators only; customer "
        "moderators cannot suspend staff."
    )
    async def suspend_member(self, info: Info, input: SuspendMemberInput) -> MemberStandingPayload:
        async def run() -> MemberStandingType:
            c = info.context
            standing = await suspensions.suspend_member(
                c.session,
                c.require_actor(),
                c.now,
                decode_id(input.member_id, "Member", ["input", "memberId"]),
                input.until,
                input.reason,
            )
            return MemberStandingType.build(info, standing)

        standing, problems = await mutate(info, run)
        return MemberStandingPayload(
            standing=standing, user_errors=CommunityUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Lift a suspension early. Moderators only.")
    async def unsuspend_member(
        self, info: Info, input: UnsuspendMemberInput
    ) -> MemberStandingPayload:
        async def run() -> MemberStandingType:
            c = info.context
            standing = await suspensions.unsuspend_member(
                c.session,
                c.require_actor(),
                c.now,
                decode_id(input.member_id, "Member", ["input", "memberId"]),
                input.reason,
            )
            return MemberStandingType.build(info, standing)

        standing, problems = await mutate(info, run)
        return MemberStandingPayload(
            standing=standing, user_errors=CommunityUserError.from_problems(problems)
        )
