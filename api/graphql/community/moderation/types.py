"""Moderation's GraphQL types: the queue, the log, a member's standing and the enums they use."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from api.graphql.community.types import PostNode, ThreadNode
from api.graphql.context import Info
from api.graphql.identity.types import MemberNode
from domain.community import models
from domain.community.services.moderation import ModerationAction
from domain.community.services.moderation_reads import QueueEntry, can_see_standing_details
from domain.community.services.post_actions import PostAction
from domain.community.services.thread_actions import ThreadAction
from domain.community.standing import can_post_links, flag_weight
from domain.shared.audit import AuditEntry

strawberry.enum(
    ModerationAction,
    description="What a moderator (or, for POST_AUTO_HIDE, the flag threshold) did.",
)
strawberry.enum(PostAction, name="PostModerationAction")
strawberry.enum(
    ThreadAction,
    name="ThreadModerationAction",
    description="LOCK: no more replies; CLOSE: done or answered; PIN: top of its space; "
    "HIDE: out of sight for everyone but its author and moderators.",
)


@strawberry.enum(description="Upholding hides the post; dismissing brings it back if flags hid it.")
class FlagDecision(Enum):
    UPHOLD = "UPHOLD"
    DISMISS = "DISMISS"


@strawberry.enum(description="Why a post is in the queue.")
class ModerationQueueKind(Enum):
    HELD = "HELD"  # a new member's post awaiting approval
    FLAGGED = "FLAGGED"  # members flagged it


async def _member(info: Info, member_id: int | None) -> MemberNode | None:
    if member_id is None:
        return None
    member = await info.context.identity.member_by_id.load(member_id)
    return MemberNode.from_model(member) if member else None


@strawberry.type(description="An open flag on a post.")
class PostFlag:
    reason: str
    weight: int = strawberry.field(description="The flagger's trust earns their flag's weight.")
    created_at: datetime
    member_id: strawberry.Private[int]

    @strawberry.field(description="Who flagged the post.")
    async def flagged_by(self, info: Info) -> MemberNode | None:
        return await _member(info, self.member_id)


@strawberry.type(description="A post awaiting a moderator: held for review, or flagged.")
class ModerationQueueItem:
    kind: ModerationQueueKind = strawberry.field(description="HELD wins when a post is both.")
    queued_at: datetime = strawberry.field(description="When it entered the queue.")
    flag_count: int = strawberry.field(description="Open flags.")
    flag_weight: int = strawberry.field(description="Their summed weight.")
    flags: list[PostFlag] = strawberry.field(description="The open flags, oldest first.")
    post: PostNode

    @strawberry.field
    async def thread(self, info: Info) -> ThreadNode | None:
        thread = await info.context.community.thread_by_id.load(self.post.model.thread_id)
        return ThreadNode.from_model(thread) if thread else None

    @classmethod
    def from_entry(cls, entry: QueueEntry) -> "ModerationQueueItem":
        return cls(
            kind=ModerationQueueKind.HELD if entry.held else ModerationQueueKind.FLAGGED,
            queued_at=entry.queued_at,
            flag_count=entry.flag_count,
            flag_weight=entry.flag_weight,
            flags=[
                PostFlag(
                    reason=f.reason, weight=f.weight, created_at=f.created_at, member_id=f.member_id
                )
                for f in entry.flags
            ],
            post=PostNode.from_model(entry.post),
        )


@strawberry.type
class ModerationQueueEdge:
    cursor: str
    node: ModerationQueueItem


@strawberry.type
class ModerationQueueConnection:
    edges: list[ModerationQueueEdge]
    page_info: relay.PageInfo


@strawberry.type(description="One moderation action in the audit log.")
class ModerationLogEntry:
    action: ModerationAction
    target_id: relay.GlobalID = strawberry.field(description="The post, thread or member.")
    reason: str | None
    created_at: datetime
    actor_member_id: strawberry.Private[int | None]

    @strawberry.field(description="The moderator; null when the flag threshold hid a post.")
    async def actor(self, info: Info) -> MemberNode | None:
        return await _member(info, self.actor_member_id)

    @classmethod
    def from_model(cls, entry: AuditEntry) -> "ModerationLogEntry":
        return cls(
            action=ModerationAction(entry.action),
            target_id=relay.GlobalID(entry.target_type, str(entry.target_id)),
            reason=entry.reason,
            created_at=entry.created_at,
            actor_member_id=entry.actor_member_id,
        )


@strawberry.type
class ModerationLogEdge:
    cursor: str
    node: ModerationLogEntry


@strawberry.type
class ModerationLogConnection:
    edges: list[ModerationLogEdge]
    page_info: relay.PageInfo


@strawberry.type(name="MemberStanding", description="Forum activity and the trust it earned.")
class MemberStandingType:
    trust_level: int = strawberry.field(description="0 new, 1 basic, 2 member, 3 regular.")
    posts_read: int
    threads_created: int
    replies: int
    accepted_answers: int
    approved_posts: int = strawberry.field(description="Held posts a moderator approved.")
    flags_upheld: int | None = strawberry.field(
        description="Upheld flags against their posts; the member and moderators only."
    )
    suspended_until: datetime | None = strawberry.field(
        description="While suspended from posting; the member and moderators only."
    )
    can_post_links: bool
    flag_weight: int = strawberry.field(description="What a flag of theirs weighs.")
    member_id: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await _member(info, self.member_id)

    @classmethod
    def build(cls, info: Info, standing: models.MemberStanding) -> "MemberStandingType":
        actor = info.context.require_actor()
        private = can_see_standing_details(actor, standing.member_id)
        until = standing.suspended_until
        rules = info.context.community_rules
        return cls(
            trust_level=standing.trust_level,
            posts_read=standing.posts_read,
            threads_created=standing.threads_created,
            replies=standing.replies,
            accepted_answers=standing.accepted_answers,
            approved_posts=standing.approved_posts,
            flags_upheld=standing.flags_upheld if private else None,
            suspended_until=until if private and until and until > info.context.now else None,
            can_post_links=can_post_links(standing.trust_level, rules.links_min_trust_level),
            flag_weight=flag_weight(standing.trust_level),
            member_id=standing.member_id,
        )
