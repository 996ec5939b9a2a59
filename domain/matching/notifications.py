"""Buddy notices in the community inbox, made by outbox consumers after commit.

They point at no thread or post: the message says what happened. The outbox event's id is the
de-duplication key, so a redelivered event notifies nobody twice.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.models import NotificationKind as Kind
from domain.community.notification_delivery import Subject, notify
from domain.identity.models import Member
from domain.matching import events
from domain.matching.models import BuddyPair, PairOrigin, PairStatus
from domain.shared.outbox import Delivery, Handler


async def on_pair_event(delivery: Delivery) -> None:
    event = delivery.event
    payload = event.payload
    pair = await delivery.session.get(BuddyPair, int(payload["pair_id"]))
    if pair is None:
        return
    mentor, mentee = pair.mentor_id, pair.mentee_id
    names = await _names(delivery.session, [mentor, mentee])
    actor = payload.get("actor_id")
    wanted: dict[int, str] = {}
    kind = Kind.BUDDY_UPDATE
    if event.topic == events.PAIR_PROPOSED:
        kind = Kind.BUDDY_PROPOSAL
        if pair.origin is PairOrigin.REQUEST:
            wanted[mentor] = f"{names[mentee]} asks you to be their buddy mentor."
        else:
            wanted[mentor] = f"You are proposed as buddy mentor of {names[mentee]}."
            wanted[mentee] = f"We propose {names[mentor]} as your buddy mentor."
    elif event.topic == events.PAIR_ACCEPTED:
        wanted = {m: f"Your buddy pairing with {names[o]} is on." for m, o in _sides(pair)}
    elif event.topic == events.PAIR_DECLINED:
        reason = f" Reason: {pair.decline_reason}" if pair.decline_reason else ""
        wanted = {m: f"{names[o]} declined the buddy pairing.{reason}" for m, o in _sides(pair)}
    elif event.topic == events.PAIR_STARTED:
        wanted = {m: f"Your buddy pairing with {names[o]} has started." for m, o in _sides(pair)}
    elif event.topic in (events.PAIR_COMPLETED, events.PAIR_ENDED_EARLY):
        how = "is complete" if pair.status is PairStatus.COMPLETED else "ended early"
        wanted = {
            m: f"Your buddy pairing with {names[o]} {how}. Tell us how it went."
            for m, o in _sides(pair)
        }
    elif event.topic == events.CHECK_IN_DUE:
        if pair.status is not PairStatus.ACTIVE:
            return
        kind = Kind.BUDDY_CHECK_IN
        wanted = {m: f"Time to check in with your buddy {names[o]}." for m, o in _sides(pair)}
    await _send(delivery, wanted, kind, actor)


async def on_meetup_proposed(delivery: Delivery) -> None:
    member_ids = [int(m) for m in delivery.event.payload["member_ids"]]
    message = f"You are invited to a small meet-up with {len(member_ids) - 1} other members."
    await _send(delivery, dict.fromkeys(member_ids, message), Kind.BUDDY_MEETUP, None)


MATCHING_CONSUMERS: list[tuple[str, Handler]] = [
    *(
        (topic, on_pair_event)
        for topic in (
            events.PAIR_PROPOSED,
            events.PAIR_ACCEPTED,
            events.PAIR_DECLINED,
            events.PAIR_STARTED,
            events.PAIR_COMPLETED,
            events.PAIR_ENDED_EARLY,
            events.CHECK_IN_DUE,
        )
    ),
    (events.MEETUP_PROPOSED, on_meetup_proposed),
]


def _sides(pair: BuddyPair) -> list[tuple[int, int]]:
    return [(pair.mentor_id, pair.mentee_id), (pair.mentee_id, pair.mentor_id)]


async def _names(session: AsyncSession, member_ids: list[int]) -> dict[int, str]:
    names = {}
    for member_id in member_ids:
        member = await session.get(Member, member_id)
        names[member_id] = member.name if member else "a member"
    return names


async def _send(
    delivery: Delivery, wanted: dict[int, str], kind: Kind, actor_id: int | None
) -> None:
    # One message per recipient: notify() writes one text for all, so call it per member.
    for member_id, message in wanted.items():
        if member_id == actor_id:
            continue
        await notify(
            delivery,
            {member_id: [kind]},
            Subject(),
            actor_id=actor_id,
            message=message[:500],
            key=delivery.event.id,
        )
