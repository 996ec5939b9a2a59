"""Identity's personal data: the profile, roles, logins, API tokens (never their secrets),
erasure requests and the audit entries about the member.

Erasure keeps the member row, anonymised, so everything that points at it (posts, votes,
ledger entries) stays whole and shows "Former member"."""

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import (
    Account,
    ApiToken,
    ErasureRequest,
    ErasureStatus,
    ExternalIdentity,
    Member,
    MemberRole,
    MemberStatus,
    ProfileVisibility,
)
from domain.shared.audit import AuditEntry
from domain.shared.personal_data import (
    ErasureContext,
    PersonalData,
    Section,
    export_sections,
    json_value,
)

CONTEXT = "identity"
FORMER_MEMBER_NAME = "Former member"
ERASED_EMAIL_DOMAIN = "erased.invalid"  # .invalid never resolves (RFC 2606): nothing is sent

SECTIONS = (
    Section("profile", "members", ("id",)),
    Section("roles", "member_roles", ("member_id",)),
    Section("externalIdentities", "external_identities", ("member_id",)),
    Section("apiTokens", "api_tokens", ("member_id",), omit=frozenset({"secret_hash"})),
    Section("erasureRequests", "erasure_requests", ("member_id",)),
)
ACTOR_COLUMNS = {
    "accounts": ("owner_csm_id",),
    "audit_entries": ("actor_member_id",),
    "erasure_requests": ("closed_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    exported: dict[str, Any] = await export_sections(session, member_id, SECTIONS)
    about = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "Member", AuditEntry.target_id == member_id)
        .order_by(AuditEntry.id)
    )
    # Actions taken about the member; the actor's identity is the vendor's, so only its id.
    exported["auditEntriesAboutMember"] = [
        {
            "id": entry.id,
            "action": entry.action,
            "reason": entry.reason,
            "details": json_value(entry.details),
            "created_at": json_value(entry.created_at),
        }
        for entry in about
    ]
    return exported


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    member_id = erasure.member_id
    for what, model in (
        ("roles", MemberRole),
        ("externalIdentities", ExternalIdentity),
        ("apiTokens", ApiToken),
    ):
        result = await session.execute(delete(model).where(model.member_id == member_id))
        erasure.count(CONTEXT, what, result.rowcount)  # type: ignore[attr-defined]
    owned = await session.execute(
        update(Account).where(Account.owner_csm_id == member_id).values(owner_csm_id=None)
    )
    erasure.count(CONTEXT, "accountsUnassigned", owned.rowcount)  # type: ignore[attr-defined]
    closed = await session.execute(
        update(ErasureRequest)
        .where(
            ErasureRequest.member_id == member_id,
            ErasureRequest.status == ErasureStatus.PENDING,
        )
        .values(
            status=ErasureStatus.COMPLETED,
            closed_at=erasure.now,
            closed_by_id=erasure.actor_member_id,
        )
    )
    erasure.count(CONTEXT, "erasureRequestsCompleted", closed.rowcount)  # type: ignore[attr-defined]
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(
            name=FORMER_MEMBER_NAME,
            email=f"erased-{member_id}@{ERASED_EMAIL_DOMAIN}",
            handle=f"former-member-{member_id}",  # no signup makes a hyphen (unique_handle)
            title=None,
            timezone=None,
            products_used=[],
            using_product_since=None,
            avatar_url=None,
            bio=None,
            status=MemberStatus.DEACTIVATED,  # every token and session stops working at once
            profile_visibility=ProfileVisibility.STAFF,
            erased_at=erasure.now,
        )
        .execution_options(synchronize_session="fetch")
    )
    erasure.count(CONTEXT, "profile", 1)


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
