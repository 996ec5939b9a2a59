"""`auditLog`: the record of privileged actions, for admins."""

import strawberry
from strawberry import relay

from api.graphql.audit.types import AuditLogConnection, AuditLogEdge, AuditLogEntry, AuditLogFilters
from api.graphql.context import Info
from api.graphql.relay import is_row_id, page_request
from domain.shared.audit_reads import AuditFilters, audit_log
from domain.shared.errors import BadRequest


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="Privileged actions across the portal (moderation, roles, accounts, "
        "programmes, consent, ...), newest first. Staff admins only."
    )
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filters: AuditLogFilters | None = None,
    ) -> AuditLogConnection:
        context = info.context
        page = await audit_log(
            context.session,
            context.require_actor(),
            page_request(first, after, None, None),
            _filters(filters),
        )
        edges = [
            AuditLogEdge(cursor=cursor, node=AuditLogEntry.from_model(entry))
            for entry, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return AuditLogConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )


def _filters(given: AuditLogFilters | None) -> AuditFilters:
    if given is None:
        return AuditFilters()
    actor_member_id = None
    if given.actor_id is not None:
        if given.actor_id.type_name != "Member" or not is_row_id(given.actor_id.node_id):
            raise BadRequest("filters.actorId is not a member's id")
        actor_member_id = int(given.actor_id.node_id)
    return AuditFilters(
        action=given.action,
        actor_member_id=actor_member_id,
        target_type=given.target_type,
        since=given.since,
    )
