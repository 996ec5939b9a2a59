"""The version tokens behind the per-process suggestion cache (domain/matching/pool.py).

A service that changes buddy profiles or pairs calls `record_change`; the tokens in the one
`matching_state` row are then replaced when its session commits, in that same transaction. The
row is written just before the commit, so it is locked only while committing and can take part
in no deadlock (written at the change, a second mutation in the same request could wait on a
profile another transaction holds while that one waits for this row). Every process reads the
tokens per request, so a change made by any process is seen by all of them after its commit.
"""

import uuid
from enum import StrEnum

from sqlalchemy import Insert, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.matching.models import MatchingState

CHANGED = "bondfire.matching.changed"


class Change(StrEnum):
    PROFILES = "profiles_version"  # buddy profiles (what is scored, availability, capacity)
    PAIRS = "pairs_version"  # pairs (the seats they take)


def record_change(session: AsyncSession | Session, *changes: Change) -> None:
    """Marks the unit of work as changing what suggestions cache: the tokens change on commit."""
    session.info.setdefault(CHANGED, set()).update(changes)


def bump_statement(dialect: str, *changes: Change) -> Insert:
    """New tokens for the changes: an upsert, so a wiped row (a TRUNCATE) comes back."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(MatchingState).values(
        id=1, profiles_version=uuid.uuid4().hex, pairs_version=uuid.uuid4().hex
    )
    changed = {str(change): getattr(statement.excluded, str(change)) for change in changes}
    return statement.on_conflict_do_update(index_elements=[MatchingState.id], set_=changed)


async def current(session: AsyncSession) -> tuple[str, str]:
    """(profiles_version, pairs_version) as committed (or as this transaction changed them).
    Without the row (a wiped table), tokens nobody has: nothing cached is used."""
    row = (
        await session.execute(
            select(MatchingState.profiles_version, MatchingState.pairs_version).where(
                MatchingState.id == 1
            )
        )
    ).one_or_none()
    if row is None:
        return uuid.uuid4().hex, uuid.uuid4().hex
    return row[0], row[1]


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    # A mark left by a rolled-back savepoint costs one needless reload, nothing more.
    changes = session.info.pop(CHANGED, None)
    if changes:
        dialect = session.get_bind().dialect.name
        session.execute(bump_statement(dialect, *sorted(changes)))
