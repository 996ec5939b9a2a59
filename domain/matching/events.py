"""Matching's domain events (outbox topics). Payloads carry ids; consumers re-read rows.

The advocacy ledger consumes PAIR_COMPLETED: a mentor's completed buddy session is advocacy.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.matching.models import BuddyPair
from domain.matching.versions import Change, record_change
from domain.shared.outbox import record_event

PAIR_PROPOSED = "matching.pair_proposed"
PAIR_ACCEPTED = "matching.pair_accepted"
PAIR_DECLINED = "matching.pair_declined"
PAIR_STARTED = "matching.pair_started"
PAIR_COMPLETED = "matching.pair_completed"
PAIR_ENDED_EARLY = "matching.pair_ended_early"
CHECK_IN_DUE = "matching.check_in_due"
MEETUP_PROPOSED = "matching.meetup_proposed"


def emit_pair(
    session: AsyncSession,
    topic: str,
    pair: BuddyPair,
    *,
    mentor_account_id: int,
    mentee_account_id: int,
    actor_id: int | None = None,
) -> None:
    """Records the pair's event. Every change of a pair's status comes through here, so this
    is also where the seats the suggestion pool caches are marked stale."""
    record_change(session, Change.PAIRS)
    record_event(
        session,
        topic,
        {
            "pair_id": pair.id,
            "mentor_member_id": pair.mentor_id,
            "mentor_account_id": mentor_account_id,
            "mentee_member_id": pair.mentee_id,
            "mentee_account_id": mentee_account_id,
            "actor_id": actor_id,
        },
    )
