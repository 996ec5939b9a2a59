"""Advocacy's personal data: the advocate profile and evidence, consents, fatigue rules and
asks, reference calls, case studies, testimonials, engagements, event talks, referrals, the
activity ledger, points, badges and redemptions.

On erasure every active consent of the member is withdrawn, exactly as a withdrawal by hand
(audited, `advocacy.consent.withdrawn` with the assets it made unusable): case studies,
quotes and talks that named them cannot be used anywhere from then on. The advocate profile,
evidence and personal fatigue rules go, so the member is never ranked or asked again; open
reference calls are cancelled. The ledger, balances, badges, redemptions, asks and referrals
stay, attributed to the anonymised member: they are the sums behind points, account fatigue
budgets and advocacy attribution, which must not move."""

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events
from domain.advocacy.models import (
    AdvocateEvidence,
    AdvocateProfile,
    ConsentRecord,
    FatigueRule,
    ReferenceRequest,
    ReferenceStatus,
)
from domain.advocacy.services.consent import assets_in_use, is_active
from domain.shared.audit import record_audit
from domain.shared.personal_data import (
    ErasureContext,
    PersonalData,
    Section,
    export_sections,
    table,
)

CONTEXT = "advocacy"
WITHDRAWAL_REASON = "the member's personal data was erased"
OPEN_REFERENCES = (ReferenceStatus.REQUESTED, ReferenceStatus.APPROVED, ReferenceStatus.SCHEDULED)

SECTIONS = (
    Section("advocateProfile", "advocate_profiles", ("member_id",)),
    Section("evidence", "advocate_evidence", ("member_id",)),
    Section("consents", "consent_records", ("member_id",)),
    Section("fatigueRules", "fatigue_rules", ("member_id",)),
    Section("asks", "advocacy_asks", ("member_id",)),
    Section("referenceCalls", "reference_requests", ("advocate_id",)),
    Section("caseStudies", "case_studies", ("member_id",)),
    Section("testimonials", "testimonials", ("member_id",)),
    Section("engagements", "advocacy_engagements", ("member_id",)),
    Section("eventTalks", "advocacy_session_speakers", ("member_id",)),
    Section("referrals", "referrals", ("referrer_id",)),
    Section("ledger", "advocacy_ledger", ("member_id",)),
    Section("points", "advocacy_point_balances", ("member_id",)),
    Section("badges", "advocacy_member_badges", ("member_id",)),
    Section("redemptions", "advocacy_redemptions", ("member_id",)),
)
ACTOR_COLUMNS = {
    "advocate_profiles": ("nominated_by_id", "decided_by_id"),
    "consent_records": ("recorded_by_id",),
    "reference_requests": ("requested_by_id", "decided_by_id"),
    "case_studies": ("owner_id",),
    "testimonials": ("proposed_by_id",),
    "advocacy_engagements": ("owner_id",),
    "advocacy_events": ("owner_id",),
    "advocacy_redemptions": ("decided_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    return await export_sections(session, member_id, SECTIONS)


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    await _withdraw_consents(session, erasure)
    member_id = erasure.member_id
    profile_ids = list(
        await session.scalars(
            select(AdvocateProfile.id).where(AdvocateProfile.member_id == member_id)
        )
    )
    for profile_id in profile_ids:  # search drops the profile's document (it names them)
        events.emit(session, events.PROFILE_CHANGED, profile_id=profile_id)
    for what, model in (
        ("advocateProfile", AdvocateProfile),  # its search terms go with it (ON DELETE CASCADE)
        ("evidence", AdvocateEvidence),
        ("fatigueRules", FatigueRule),
    ):
        result = await session.execute(delete(model).where(model.member_id == member_id))
        erasure.count(CONTEXT, what, result.rowcount)  # type: ignore[attr-defined]
    cancelled = await session.execute(
        update(ReferenceRequest)
        .where(
            ReferenceRequest.advocate_id == member_id,
            ReferenceRequest.status.in_(OPEN_REFERENCES),
        )
        .values(status=ReferenceStatus.CANCELLED, cancel_reason=WITHDRAWAL_REASON)
        .execution_options(synchronize_session=False)
    )
    erasure.count(CONTEXT, "referenceCallsCancelled", cancelled.rowcount)  # type: ignore[attr-defined]
    await session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.advocate_id == member_id)
        .values(advocate_feedback=None)
        .execution_options(synchronize_session=False)
    )
    for name in ("case_studies", "advocacy_engagements", "advocacy_events"):
        owned = table(name)  # assignments, not history: a former member cannot carry them
        await session.execute(
            update(owned).where(owned.c.owner_id == member_id).values(owner_id=None)
        )


async def _withdraw_consents(session: AsyncSession, erasure: ErasureContext) -> None:
    consents = list(
        await session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.member_id == erasure.member_id)
            .order_by(ConsentRecord.id)
            .with_for_update()
        )
    )
    withdrawn = 0
    for consent in consents:
        if not is_active(consent, erasure.now):
            continue
        before = await assets_in_use(session, consent, erasure.now)
        consent.withdrawn_at = erasure.now
        consent.withdrawal_reason = WITHDRAWAL_REASON
        await session.flush()
        still = {
            (u.asset_type, u.asset_id) for u in await assets_in_use(session, consent, erasure.now)
        }
        affected = [u for u in before if (u.asset_type, u.asset_id) not in still]
        record_audit(
            session,
            actor_member_id=erasure.actor_member_id,
            action="consent.withdraw",
            target_type="ConsentRecord",
            target_id=consent.id,
            reason=WITHDRAWAL_REASON,
            details={"assets": [f"{u.asset_type}:{u.asset_id}" for u in affected]},
        )
        events.emit(
            session,
            events.CONSENT_WITHDRAWN,
            consent_id=consent.id,
            assets=[{"type": u.asset_type, "id": u.asset_id} for u in affected],
        )
        withdrawn += 1
    erasure.count(CONTEXT, "consentsWithdrawn", withdrawn)


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
