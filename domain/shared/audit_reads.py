"""Reading the audit log: every privileged action, for admins only, newest first."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Role
from domain.identity.policies import Actor
from domain.shared.audit import AuditEntry
from domain.shared.errors import Forbidden
from domain.shared.pagination import Page, PageRequest, paginate


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None  # exact, e.g. "account.create"; a trailing "." matches a prefix
    actor_member_id: int | None = None
    target_type: str | None = None
    since: datetime | None = None


def can_read_audit_log(actor: Actor) -> bool:
    return actor.is_staff and actor.has_role(Role.ADMIN)


async def audit_log(
    session: AsyncSession, actor: Actor, request: PageRequest, filters: AuditFilters
) -> Page[AuditEntry]:
    """The audit log is the vendor's record of who did what: staff admins read all of it."""
    if not can_read_audit_log(actor):
        raise Forbidden("only admins read the audit log")
    statement: Select[AuditEntry] = select(AuditEntry)
    if filters.action:
        if filters.action.endswith("."):
            statement = statement.where(
                AuditEntry.action.startswith(filters.action, autoescape=True)
            )
        else:
            statement = statement.where(AuditEntry.action == filters.action)
    if filters.actor_member_id is not None:
        statement = statement.where(AuditEntry.actor_member_id == filters.actor_member_id)
    if filters.target_type:
        statement = statement.where(AuditEntry.target_type == filters.target_type)
    if filters.since is not None:
        statement = statement.where(AuditEntry.created_at >= filters.since)
    return await paginate(
        session, statement, [AuditEntry.id], lambda e: [e.id], request, descending=True
    )
