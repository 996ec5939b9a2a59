"""Notification inbox, read state and preferences."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from api.graphql.community.types import CommunityUserError, PostNode, ThreadNode
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.identity.types import MemberNode
from api.graphql.relay import decode_id, node_ints, page_request, to_connection
from domain.community import models
from domain.community.errors import CommunityErrorCode
from domain.community.models import NotificationKind
from domain.community.services import inbox
from domain.identity import policies as identity_policies
from domain.shared.errors import DomainError
from domain.shared.pagination import paginate

strawberry.enum(
    NotificationKind,
    description="REPLY: a new post in a thread you watch; NEW_THREAD: a new thread in a space "
    "you watch; MENTION: someone @mentioned you; ANSWER_ACCEPTED: your reply was accepted as "
    "the answer; MODERATION: a moderator acted on your content or account.",
)


@strawberry.type(name="Notification", description="Something in the community that concerns you.")
class NotificationNode(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKind
    created_at: datetime = strawberry.field(description="When it happened.")
    read_at: datetime | None = strawberry.field(description="Null while unread.")
    message: str | None = strawberry.field(
        description="What happened, in words: set on MODERATION (the action and its reason)."
    )
    model: strawberry.Private[models.Notification]
    thread_model: strawberry.Private[models.Thread | None]
    post_model: strawberry.Private[models.Post | None]

    @strawberry.field(description="Who did it; null for moderation notices.")
    async def actor(self, info: Info) -> MemberNode | None:
        if self.model.actor_id is None:
            return None
        member = await info.context.identity.member_by_id.load(self.model.actor_id)
        viewer = info.context.require_actor()
        if member is None or not identity_policies.can_view_member(viewer, member):
            return None
        return MemberNode.from_model(member)

    @strawberry.field(description="The thread it is about; null once you may no longer read it.")
    def thread(self) -> ThreadNode | None:
        return ThreadNode.from_model(self.thread_model) if self.thread_model else None

    @strawberry.field(description="The post it is about; null once you may no longer read it.")
    def post(self) -> PostNode | None:
        return PostNode.from_model(self.post_model) if self.post_model else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list["NotificationNode | None"]:
        ids = node_ints(node_ids)
        found = await inbox.notifications_by_ids(
            info.context.session, info.context.require_actor(), ids
        )
        nodes = {node.id: node for node in await notification_nodes(info, list(found.values()))}
        return [nodes.get(i) for i in ids]


async def notification_nodes(
    info: Info, notifications: Sequence[models.Notification]
) -> list[NotificationNode]:
    """Nodes with their thread and post re-checked against what the viewer may read now: two
    queries for a whole page. The loaders are primed so nested fields need no more."""
    context = info.context
    threads, posts = await inbox.readable_subjects(
        context.session, context.require_actor(), notifications
    )
    for thread in threads.values():
        context.community.thread_by_id.prime(thread.id, thread)
    for post in posts.values():
        context.community.post_by_id.prime(post.id, post)
    return [
        NotificationNode(
            id=n.id,
            kind=n.kind,
            created_at=n.created_at,
            read_at=n.read_at,
            message=n.message,
            model=n,
            thread_model=threads.get(n.thread_id) if n.thread_id is not None else None,
            post_model=posts.get(n.post_id) if n.post_id is not None else None,
        )
        for n in notifications
    ]


@strawberry.type(name="NotificationConnection")
class NotificationConnection(relay.Connection[NotificationNode]):
    pass


@strawberry.type(description="Whether you receive one kind of notification.")
class NotificationPreference:
    kind: NotificationKind
    enabled: bool


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="Your notifications, newest first. At most 100 per page.")
    async def notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unread_only: Annotated[bool, strawberry.argument(description="Unread ones only.")] = False,
    ) -> NotificationConnection:
        actor = info.context.require_actor()
        page = await paginate(
            info.context.session,
            inbox.inbox_statement(actor, unread_only=unread_only),
            [models.Notification.id],
            lambda n: [n.id],
            page_request(first, after, None, None),
            descending=True,
        )
        nodes = {node.id: node for node in await notification_nodes(info, page.items)}
        return to_connection(NotificationConnection, page, lambda n: nodes[n.id])

    @strawberry.field(description="How many of your notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await inbox.unread_count(info.context.session, info.context.require_actor())

    @strawberry.field(description="Every kind of notification, and whether you receive it.")
    async def notification_preferences(self, info: Info) -> list[NotificationPreference]:
        chosen = await inbox.preferences(info.context.session, info.context.require_actor())
        return [NotificationPreference(kind=k, enabled=e) for k, e in chosen.items()]


@strawberry.input(description="Either `ids` or `all: true`.")
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description=f"Up to {inbox.MAX_IDS} of your notifications."
    )
    all: bool = strawberry.field(default=False, description="Every unread notification.")


@strawberry.type
class MarkNotificationsReadPayload:
    notifications: list[NotificationNode] | None = strawberry.field(
        description="The notifications marked by id (empty when marking all)."
    )
    unread_notification_count: int | None
    user_errors: list[CommunityUserError]


@strawberry.input
class SetNotificationPreferenceInput:
    kind: NotificationKind
    enabled: bool


@strawberry.type
class NotificationPreferencePayload:
    preference: NotificationPreference | None
    user_errors: list[CommunityUserError]


def _invalid(message: str, field: list[str]) -> DomainError:
    return DomainError(message, code=CommunityErrorCode.INVALID_VALUE, field=field)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark notifications read: some by id, or all of them.")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        async def run() -> tuple[list[NotificationNode], int]:
            context, actor = info.context, info.context.require_actor()
            if input.all == (input.ids is not None):
                raise _invalid("pass either `ids` or `all: true`", ["input"])
            marked: list[NotificationNode] = []
            if input.all:
                await inbox.mark_all_read(context.session, actor, context.now)
            else:
                assert input.ids is not None
                if len(input.ids) > inbox.MAX_IDS:
                    raise DomainError(
                        f"at most {inbox.MAX_IDS} ids at once",
                        code=CommunityErrorCode.TOO_MANY_ITEMS,
                        field=["input", "ids"],
                    )
                ids = [decode_id(i, "Notification", ["input", "ids"]) for i in input.ids]
                found = await inbox.mark_read(context.session, actor, context.now, ids)
                marked = await notification_nodes(info, found)
            return marked, await inbox.unread_count(context.session, actor)

        result, problems = await mutate(info, run)
        return MarkNotificationsReadPayload(
            notifications=result[0] if result else None,
            unread_notification_count=result[1] if result else None,
            user_errors=CommunityUserError.from_problems(problems),
        )

    @strawberry.mutation(description="Turn one kind of notification on or off for yourself.")
    async def set_notification_preference(
        self, info: Info, input: SetNotificationPreferenceInput
    ) -> NotificationPreferencePayload:
        async def run() -> NotificationPreference:
            enabled = await inbox.set_preference(
                info.context.session, info.context.require_actor(), input.kind, input.enabled
            )
            return NotificationPreference(kind=input.kind, enabled=enabled)

        preference, problems = await mutate(info, run)
        return NotificationPreferencePayload(
            preference=preference, user_errors=CommunityUserError.from_problems(problems)
        )
