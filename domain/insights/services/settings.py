"""The analyst's assumptions: gross margin, discount rate, time-decay half-life, currency."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.policies import Actor
from domain.insights import events, policies
from domain.insights.errors import InsightsErrorCode as Code
from domain.insights.models import InsightsSettings
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden
from domain.shared.models import utcnow
from domain.shared.validation import Checker

DEFAULTS = {
    "gross_margin": Decimal("0.7500"),
    "discount_rate": Decimal("0.1000"),
    "half_life_days": Decimal("7.00"),
    "currency": "USD",
}


@dataclass(frozen=True)
class SettingsChange:
    gross_margin: Decimal | None = None
    discount_rate: Decimal | None = None
    half_life_days: Decimal | None = None


async def current_settings(session: AsyncSession) -> InsightsSettings:
    """The settings row (defaults until an admin changes them; not added to the session)."""
    found = await session.get(InsightsSettings, 1)
    return found or InsightsSettings(id=1, **DEFAULTS)


async def update_settings(
    session: AsyncSession, actor: Actor, change: SettingsChange
) -> InsightsSettings:
    if not policies.can_change_settings(actor):
        raise Forbidden("only admins change the insights settings")
    check = Checker(Code.INVALID_VALUE)
    if change.gross_margin is not None and not 0 < change.gross_margin <= 1:
        check.fail("grossMargin", "a fraction between 0 (exclusive) and 1")
    if change.discount_rate is not None and not 0 <= change.discount_rate < 1:
        check.fail("discountRate", "a yearly rate between 0 and 1 (exclusive)")
    if change.half_life_days is not None and not 0 < change.half_life_days <= 3650:
        check.fail("halfLifeDays", "between 0 (exclusive) and 3650 days")
    check.raise_if_any()
    row = await session.get(InsightsSettings, 1)
    if row is None:
        row = InsightsSettings(id=1, **DEFAULTS)
        session.add(row)
    for name in ("gross_margin", "discount_rate", "half_life_days"):
        value = getattr(change, name)
        if value is not None:
            setattr(row, name, value)
    row.updated_at = utcnow()
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="insights.settings.update",
        target_type="InsightsSettings",
        target_id=1,
        details={
            k: str(getattr(row, k)) for k in ("gross_margin", "discount_rate", "half_life_days")
        },
    )
    events.emit_changed(session, events.SETTINGS_CHANGED)
    return row
