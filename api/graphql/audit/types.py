"""The audit log on the wire: entries, their connection, and the filters an admin can use."""

from datetime import datetime
from typing import cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.graphql.identity.types import MemberNode
from domain.shared.audit import AuditEntry


@strawberry.type(description="One privileged action: who did what to which object, and why.")
class AuditLogEntry:
    action: str = strawberry.field(
        description='What was done, e.g. "account.create" or "post.hide" (context.verb).'
    )
    target_type: str = strawberry.field(description='The kind of object acted on, e.g. "Post".')
    target_id: relay.GlobalID = strawberry.field(description="The object acted on.")
    reason: str | None = strawberry.field(description="The reason given, if any.")
    details: JSON = strawberry.field(description="What changed, as recorded by the action.")
    created_at: datetime
    actor_member_id: strawberry.Private[int | None]

    @strawberry.field(description="Who did it; null for automatic actions or erased members.")
    async def actor(self, info: Info) -> MemberNode | None:
        if self.actor_member_id is None:
            return None
        member = await info.context.identity.member_by_id.load(self.actor_member_id)
        return MemberNode.from_model(member) if member else None

    @classmethod
    def from_model(cls, entry: AuditEntry) -> "AuditLogEntry":
        return cls(
            action=entry.action,
            target_type=entry.target_type,
            target_id=relay.GlobalID(entry.target_type, str(entry.target_id)),
            reason=entry.reason,
            details=cast(JSON, entry.details or {}),
            created_at=entry.created_at,
            actor_member_id=entry.actor_member_id,
        )


@strawberry.type
class AuditLogEdge:
    cursor: str
    node: AuditLogEntry


@strawberry.type
class AuditLogConnection:
    edges: list[AuditLogEdge]
    page_info: relay.PageInfo


@strawberry.input(description="Narrows the audit log; every given filter must match.")
class AuditLogFilters:
    action: str | None = strawberry.field(
        default=None,
        description='An exact action ("account.create"), or a prefix ending in "." ("account.").',
    )
    actor_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only actions by this member."
    )
    target_type: str | None = strawberry.field(
        default=None, description='Only actions on this kind of object, e.g. "Member".'
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only actions at or after this time."
    )
