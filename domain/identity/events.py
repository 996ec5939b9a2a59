"""Identity's domain events (outbox topics and their payloads)."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, Member
from domain.shared.outbox import record_event

MEMBER_CREATED = "identity.member.created"
MEMBER_UPDATED = "identity.member.updated"
# The member's personal data was erased: search drops their document and re-indexes what they
# wrote (payload: member_id, account_id).
MEMBER_ERASED = "identity.member.erased"
ACCOUNT_CREATED = "identity.account.created"
ACCOUNT_UPDATED = "identity.account.updated"


def member_changed(session: AsyncSession, topic: str, member: Member) -> None:
    record_event(session, topic, {"member_id": member.id, "account_id": member.account_id})


def account_changed(session: AsyncSession, topic: str, account: Account) -> None:
    record_event(session, topic, {"account_id": account.id})
