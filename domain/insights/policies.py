"""Who may see and do what with insights. Revenue, CLV and attribution are the vendor's own
numbers: staff only. Customers see their own account's success plans and outcomes."""

from sqlalchemy import Select

from domain.identity.models import Role
from domain.identity.policies import Actor
from domain.insights.models import SuccessPlan


def can_view_revenue(actor: Actor) -> bool:
    """ARR, CLV, opportunities, attribution, uplift and their exports."""
    return actor.is_staff


def can_import_revenue(actor: Actor) -> bool:
    return actor.is_staff and (
        actor.has_role(Role.ADMIN) or actor.has_role(Role.CSM) or actor.has_role(Role.MARKETING)
    )


def can_record_touch(actor: Actor) -> bool:
    return actor.is_staff and (actor.has_role(Role.MARKETING) or actor.has_role(Role.CSM))


def can_change_settings(actor: Actor) -> bool:
    return actor.has_role(Role.ADMIN) and actor.is_staff


def can_recompute(actor: Actor) -> bool:
    return actor.has_role(Role.ADMIN) and actor.is_staff


def readable_success_plans(actor: Actor, statement: Select[SuccessPlan]) -> Select[SuccessPlan]:
    if actor.is_staff:
        return statement
    return statement.where(SuccessPlan.account_id == actor.account_id)


def can_view_success_plan(actor: Actor, account_id: int) -> bool:
    return actor.is_staff or actor.account_id == account_id


def can_manage_success_plans(actor: Actor) -> bool:
    return actor.is_staff and actor.has_role(Role.CSM)


def can_record_measurement(actor: Actor, account_id: int) -> bool:
    """Customers track their own outcomes; CSMs record for any account."""
    return can_manage_success_plans(actor) or actor.account_id == account_id
