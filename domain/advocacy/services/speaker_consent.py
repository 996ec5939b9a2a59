"""Consent for speaking: every speaker of a session needs an active SPEAKING consent covering
all of its event's channels. Computed at read time from the consents, like other assets, so
a withdrawal or an expiry makes the speaker's sessions unusable at once."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.event_models import AdvocacyEvent, EventSession, SessionSpeaker, SessionStatus
from domain.advocacy.models import AdvocacyActivity, ConsentRecord, ConsentScope
from domain.advocacy.services.consent import AssetUse, consents_for, uncovered_channels

SOURCE = "EventSession"
IN_USE = (SessionStatus.CONFIRMED, SessionStatus.PUBLISHED, SessionStatus.COMPLETED)


def missing_speaking(
    channels: Sequence[str],
    speakers: Sequence[SessionSpeaker],
    consents: Sequence[ConsentRecord],
    at: datetime,
) -> dict[int, list[str]]:
    """Per speaker (member id), the 'SPEAKING:CHANNEL' no active consent of theirs covers."""
    by_member: dict[int, list[ConsentRecord]] = defaultdict(list)
    for consent in consents:
        if consent.scope is ConsentScope.MEMBER and consent.member_id is not None:
            by_member[consent.member_id].append(consent)
    speaking = AdvocacyActivity.SPEAKING
    return {
        s.member_id: [
            f"{speaking}:{c}"
            for c in uncovered_channels(by_member[s.member_id], speaking, channels, at)
        ]
        for s in speakers
    }


async def missing_for_speakers(
    session: AsyncSession,
    channels: Sequence[str],
    speakers: Sequence[SessionSpeaker],
    at: datetime,
) -> dict[int, list[str]]:
    member_ids = sorted({s.member_id for s in speakers})
    consents = await consents_for(session, member_ids, [])
    return missing_speaking(channels, speakers, consents, at)


async def sessions_in_use(
    session: AsyncSession, consent: ConsentRecord, at: datetime, only_usable: bool
) -> list[AssetUse]:
    """The confirmed, published or completed sessions the consent's member speaks in, on a
    channel the consent covers; with `only_usable`, those whose speakers all have consent."""
    if consent.activity is not AdvocacyActivity.SPEAKING or consent.member_id is None:
        return []
    rows = await session.execute(
        select(EventSession, AdvocacyEvent)
        .join(AdvocacyEvent, AdvocacyEvent.id == EventSession.event_id)
        .join(SessionSpeaker, SessionSpeaker.session_id == EventSession.id)
        .where(
            SessionSpeaker.member_id == consent.member_id,
            EventSession.status.in_(IN_USE),
        )
        .order_by(EventSession.id)
    )
    found = [(s, e) for s, e in rows if not set(e.channels).isdisjoint(consent.channels)]
    if not found:
        return []
    speakers: dict[int, list[SessionSpeaker]] = defaultdict(list)
    if only_usable:
        for speaker in await session.scalars(
            select(SessionSpeaker).where(SessionSpeaker.session_id.in_([s.id for s, _ in found]))
        ):
            speakers[speaker.session_id].append(speaker)
        everyone = sorted({sp.member_id for group in speakers.values() for sp in group})
        consents = await consents_for(session, everyone, [])
    uses = []
    for slot, event in found:
        if only_usable and any(
            missing_speaking(event.channels, speakers[slot.id], consents, at).values()
        ):
            continue
        uses.append(
            AssetUse(
                SOURCE,
                slot.id,
                f"{event.name}: {slot.title}",
                list(event.channels),
                [event.url] if event.url else [],
            )
        )
    return uses
