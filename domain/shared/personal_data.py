"""The shape every context's personal-data module (domain/<context>/personal_data.py) has.

Each context declares, table by table, the columns that point at a member (`members.id`):

- `sections`: rows that are the member's own data (their posts, votes, consents, ...). The
  export (GDPR Art. 15 and 20) copies them whole, less the columns listed in `omit` (secrets);
  the context's `erase` decides, row by row, what goes and what stays anonymised.
- `actor_columns`: the member recorded as the one who acted on someone else's row (a reviewer,
  a moderator). Those rows hold other people's data, so they are not exported; they stay on
  erasure, where the member row they point at is anonymised.

Every foreign key to `members.id` must be declared by exactly one context
(tests/identity/test_personal_data.py), so a new table cannot be forgotten.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.models import Base

JsonRow = dict[str, Any]


@dataclass(frozen=True)
class Section:
    """Rows of one table that belong to the member: any of `member_columns` equals their id."""

    name: str  # the key in the export, e.g. "posts"
    table: str
    member_columns: tuple[str, ...]
    omit: frozenset[str] = frozenset()  # never exported (secrets, hashes)
    only: frozenset[str] | None = None  # when set, just these columns (the rest is not theirs)


@dataclass(frozen=True)
class ErasureContext:
    """What an eraser gets: the member, the acting admin (None: the CLI or the scheduler), the
    time, and the report it adds its counts to (`report[context][what] = rows`)."""

    member_id: int
    account_id: int
    actor_member_id: int | None
    now: datetime
    report: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, context: str, what: str, rows: int) -> None:
        if rows:
            self.report.setdefault(context, {})[what] = rows


Exporter = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]
Eraser = Callable[[AsyncSession, ErasureContext], Awaitable[None]]


@dataclass(frozen=True)
class PersonalData:
    """One context's contribution: what it holds about a member, how to export and erase it."""

    context: str
    sections: tuple[Section, ...]
    actor_columns: Mapping[str, tuple[str, ...]]
    export: Exporter
    erase: Eraser

    def covered(self) -> set[tuple[str, str]]:
        """(table, column) pairs this context answers for."""
        pairs = {(s.table, c) for s in self.sections for c in s.member_columns}
        pairs |= {(t, c) for t, columns in self.actor_columns.items() for c in columns}
        return pairs


def table(name: str) -> Table:
    found = Base.metadata.tables.get(name)
    if found is None:
        raise LookupError(f"no table {name!r} in the metadata")
    return found


async def export_sections(
    session: AsyncSession, member_id: int, sections: tuple[Section, ...]
) -> dict[str, list[JsonRow]]:
    """Each section's rows, oldest first (by primary key), as JSON-ready dicts."""
    exported: dict[str, list[JsonRow]] = {}
    for section in sections:
        found = table(section.table)
        columns = [
            c
            for c in found.columns
            if c.name not in section.omit and (section.only is None or c.name in section.only)
        ]
        statement = (
            select(*columns)
            .where(or_(*(found.c[name] == member_id for name in section.member_columns)))
            .order_by(*found.primary_key.columns)
        )
        rows = await session.execute(statement)
        exported[section.name] = [
            {key: json_value(value) for key, value in row._mapping.items()} for row in rows
        ]
    return exported


def json_value(value: object) -> Any:
    """A database value as JSON: ISO-8601 times, decimal strings, enum values."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value
