"""Helpers the advocacy use cases share: loading rows or failing with NOT_FOUND, gates."""

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import policies
from domain.advocacy.errors import Code, invalid, not_found
from domain.identity.models import Account, AccountKind, Member, MemberStatus
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden

T = TypeVar("T")
MAX_LIST_ITEMS = 50
MAX_TERM_CHARS = 100


def require_advocacy_staff(actor: Actor) -> None:
    if not policies.runs_advocacy(actor):
        raise Forbidden("only marketing and customer success staff may do this")


def require_writer(actor: Actor) -> None:
    if not actor.can_write:
        raise Forbidden("this token is read-only")


async def get_or_404(session: AsyncSession, model: type[T], id: int, field: str) -> T:
    row = await session.get(model, id)
    if row is None:
        raise not_found(model.__name__, field)
    return row


async def get_for_update(session: AsyncSession, model: type[T], id: int, field: str) -> T:
    """The row, locked on PostgreSQL so two workflow steps on it run one after the other."""
    statement = select(model).where(model.id == id)  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = (await session.scalars(statement.execution_options(populate_existing=True))).first()
    if row is None:
        raise not_found(model.__name__, field)
    return row


async def customer_member(session: AsyncSession, member_id: int, field: str) -> Member:
    """An active member of a customer account (advocates are customers)."""
    member = await session.get(Member, member_id)
    if member is None:
        raise not_found("Member", field)
    account = await session.get(Account, member.account_id)
    if account is None or account.kind is not AccountKind.CUSTOMER:
        raise invalid("advocates are members of customer accounts", field)
    if member.status is not MemberStatus.ACTIVE:
        raise invalid("the member is not active", field)
    return member


def clean_terms(values: Iterable[str], field: str, *, lower: bool = False) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively), order kept; too many or too long fails."""
    result: list[str] = []
    seen: set[str] = set()
    for raw in values:
        value = " ".join(raw.split())
        if not value:
            continue
        if len(value) > MAX_TERM_CHARS:
            raise invalid(f"{field}: at most {MAX_TERM_CHARS} characters each", field)
        key = value.lower()
        if key not in seen:
            seen.add(key)
            result.append(key if lower else value)
    if len(result) > MAX_LIST_ITEMS:
        raise invalid(f"{field}: at most {MAX_LIST_ITEMS} items", field, Code.TOO_MANY_ITEMS)
    return result


def text_or_none(value: str | None, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > max_length:
        raise invalid(f"{field} must be at most {max_length} characters", field)
    return value or None


def required_text(value: str, field: str, max_length: int) -> str:
    cleaned = text_or_none(value, field, max_length)
    if cleaned is None:
        raise invalid(f"{field} must not be blank", field)
    return cleaned
