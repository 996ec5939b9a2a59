"""Writing notifications: to whom a handler's wanted recipients actually get one, and what of
the subject each may be shown.

A recipient gets a notification only if they are active, have not turned that kind off, and may
read the subject at handling time, checked through the same readable statements every other
surface uses. The work is batched whatever the number of recipients.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community import policies
from domain.community.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    Post,
    Thread,
)
from domain.identity.models import Account, Member, MemberStatus
from domain.identity.policies import Actor, actor_for
from domain.identity.repository import members_statement
from domain.shared.outbox import Delivery, OutboxEvent
from domain.shared.upsert import insert_ignoring_duplicates

Kind = NotificationKind

# Readability is checked for many recipients in one statement (a UNION ALL of each recipient's
# readable statement); SQLite allows at most 500 terms in a compound SELECT.
_READABLE_CHECKS_PER_STATEMENT = 100
_ROWS_PER_INSERT = 500


@dataclass(frozen=True)
class Subject:
    """What a notification points at; the recipient must be able to read it."""

    thread_id: int | None = None
    post_id: int | None = None


async def notify(
    delivery: Delivery,
    wanted: Mapping[int, Sequence[Kind]],
    subject: Subject,
    *,
    actor_id: int | None,
    message: str | None = None,
    key: int | None = None,
    subject_required: bool = True,
) -> int:
    """Writes one notification per recipient, of the first kind in their list they have not
    turned off; never to the actor, the inactive, or whoever may not read the subject.

    Whatever the number of recipients: one query for their roles and accounts, one for their
    preferences, one readability check per hundred, one insert per five hundred.
    """
    session, event = delivery.session, delivery.event
    candidates = sorted(member_id for member_id in wanted if member_id != actor_id)
    if not candidates:
        return 0
    actors = await _active_actors(session, candidates)
    switched_off = await _switched_off(session, list(actors))
    choice: dict[int, Kind] = {}
    for member_id in actors:
        enabled = [kind for kind in wanted[member_id] if (member_id, kind) not in switched_off]
        if enabled:
            choice[member_id] = enabled[0]
    recipients = [actors[member_id] for member_id in choice]
    links = await _links(session, recipients, subject, fall_back_to_thread=not subject_required)
    rows = []
    for member_id, kind in choice.items():
        link = links.get(member_id)
        if link is None and subject_required:
            continue
        rows.append(
            {
                "recipient_id": member_id,
                "kind": kind,
                "actor_id": actor_id,
                "thread_id": link.thread_id if link else None,
                "post_id": link.post_id if link else None,
                "message": message,
                "dedupe_key": key if key is not None else subject.post_id,
                "created_at": _when(event),
            }
        )
    created = 0
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        batch = rows[start : start + _ROWS_PER_INSERT]
        created += await insert_ignoring_duplicates(session, Notification, batch)
    return created


async def _active_actors(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, Actor]:
    rows = await session.execute(
        members_statement()
        .add_columns(Account.kind)
        .join(Account, Account.id == Member.account_id)
        .where(Member.id.in_(member_ids), Member.status == MemberStatus.ACTIVE)
    )
    return {member.id: actor_for(member, account_kind) for member, account_kind in rows}


async def _switched_off(session: AsyncSession, member_ids: Sequence[int]) -> set[tuple[int, Kind]]:
    if not member_ids:
        return set()
    rows = await session.execute(
        select(NotificationPreference.member_id, NotificationPreference.kind).where(
            NotificationPreference.member_id.in_(member_ids),
            NotificationPreference.enabled.is_(False),
        )
    )
    return {(member_id, kind) for member_id, kind in rows}


async def _links(
    session: AsyncSession, actors: Sequence[Actor], subject: Subject, *, fall_back_to_thread: bool
) -> dict[int, Subject]:
    """What each member may be shown of the subject: all of it, or (with the fallback) just the
    thread when the post is out of their sight. Members who may read none of it are left out."""
    if subject.post_id is None and subject.thread_id is None:
        return {actor.member_id: subject for actor in actors}
    readers = await _readers(session, actors, subject)
    links = {member_id: subject for member_id in readers}
    if fall_back_to_thread and subject.post_id is not None and subject.thread_id is not None:
        thread_only = Subject(subject.thread_id)
        others = [actor for actor in actors if actor.member_id not in readers]
        links |= {m: thread_only for m in await _readers(session, others, thread_only)}
    return links


async def _readers(session: AsyncSession, actors: Sequence[Actor], subject: Subject) -> set[int]:
    """The members (of `actors`) who may read the subject now, asked of each member's own
    readable statement, many members to a query."""
    readers: set[int] = set()
    for start in range(0, len(actors), _READABLE_CHECKS_PER_STATEMENT):
        checks = [
            _readable_check(actor, subject)
            for actor in actors[start : start + _READABLE_CHECKS_PER_STATEMENT]
        ]
        statement = checks[0] if len(checks) == 1 else union_all(*checks)
        readers.update(await session.scalars(statement))
    return readers


def _readable_check(actor: Actor, subject: Subject) -> Select[Any]:
    """Selects the actor's member id if the actor may read the subject, nothing otherwise."""
    member_id = literal(actor.member_id, Integer).label("member_id")
    if subject.post_id is not None:
        statement = select(member_id).select_from(Post).where(Post.id == subject.post_id)
        return policies.readable_posts(actor, statement)  # type: ignore[arg-type]
    statement = select(member_id).select_from(Thread).where(Thread.id == subject.thread_id)
    return policies.readable_threads(actor, statement)  # type: ignore[arg-type]


def _when(event: OutboxEvent) -> datetime:
    """A notification is dated when its event happened, not when the worker got to it."""
    return event.created_at
