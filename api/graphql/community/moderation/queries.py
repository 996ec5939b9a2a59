"""The moderation queue, the moderation log and members' standing."""

from typing import Any

import strawberry
from strawberry import relay

from api.graphql.community.moderation.types import (
    MemberStandingType,
    ModerationLogConnection,
    ModerationLogEdge,
    ModerationLogEntry,
    ModerationQueueConnection,
    ModerationQueueEdge,
    ModerationQueueItem,
)
from api.graphql.context import Info
from api.graphql.relay import is_row_id, page_request
from domain.community.services import moderation_reads
from domain.shared.errors import BadRequest
from domain.shared.pagination import Page


def _page_info(page: Page[Any]) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )


_LOG_TARGETS = ("Post", "Thread", "Member")


@strawberry.type
class ModerationQueries:
    @strawberry.field(
        description="Held and flagged posts in spaces you can read, oldest first. Moderators only."
    )
    async def moderation_queue(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ModerationQueueConnection:
        context = info.context
        page = await moderation_reads.moderation_queue(
            context.session, context.require_actor(), first, after
        )
        for entry in page.items:
            context.community.post_by_id.prime(entry.post.id, entry.post)
        edges = [
            ModerationQueueEdge(cursor=cursor, node=ModerationQueueItem.from_entry(entry))
            for entry, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return ModerationQueueConnection(edges=edges, page_info=_page_info(page))

    @strawberry.field(
        description="Moderation actions, newest first, optionally about one post, thread or "
        "member. Moderators only."
    )
    async def moderation_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        target_id: relay.GlobalID | None = None,
    ) -> ModerationLogConnection:
        target = None
        if target_id is not None:
            if target_id.type_name not in _LOG_TARGETS or not is_row_id(target_id.node_id):
                raise BadRequest("targetId is not a post, thread or member id")
            target = (target_id.type_name, int(target_id.node_id))
        context = info.context
        page = await moderation_reads.moderation_log(
            context.session,
            context.require_actor(),
            page_request(first, after, None, None),
            target,
        )
        edges = [
            ModerationLogEdge(cursor=cursor, node=ModerationLogEntry.from_model(entry))
            for entry, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return ModerationLogConnection(edges=edges, page_info=_page_info(page))

    @strawberry.field(description="A member's forum standing; null if you cannot see them.")
    async def member_standing(
        self, info: Info, member_id: relay.GlobalID
    ) -> MemberStandingType | None:
        if member_id.type_name != "Member" or not is_row_id(member_id.node_id):
            raise BadRequest("memberId is not a member's id")
        found = await moderation_reads.member_standing(
            info.context.session, info.context.require_actor(), int(member_id.node_id)
        )
        return MemberStandingType.build(info, found[1]) if found else None
