"""Events customers speak at: an event (conference, webinar, customer event) has sessions, each
with speakers. Asking a customer to speak is one ask per event (a keynote and a panel at the
same conference are one request of their time), checked against the fatigue budget and their
availability. A session is confirmed, published or completed only while every speaker has an
active SPEAKING consent for all of the event's channels; a withdrawal makes it unusable at
once (consent.assets_in_use lists it). Completing a session writes each speaker's talk to the
ledger."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import availability, ledger
from domain.advocacy.errors import Code, invalid
from domain.advocacy.event_models import (
    AdvocacyEvent,
    EventKind,
    EventSession,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
    SpeakerRole,
)
from domain.advocacy.fatigue import AskKind, check_budget, record_ask
from domain.advocacy.models import AdvocateProfile, ConsentChannel, LedgerActivity
from domain.advocacy.services.common import (
    customer_member,
    get_for_update,
    get_or_404,
    require_advocacy_staff,
    required_text,
    text_or_none,
)
from domain.advocacy.services.speaker_consent import missing_for_speakers
from domain.identity.models import Member
from domain.identity.policies import Actor
from domain.shared.errors import DomainError
from domain.shared.validation import Checker

Status = SessionStatus
ASK_SOURCE = "AdvocacyEvent"
LEDGER_SOURCE = "EventSession"
MAX_SESSIONS = 100
MAX_SPEAKERS = 20
NEEDS_CONSENT = {Status.CONFIRMED, Status.PUBLISHED, Status.COMPLETED}
NEXT = {
    Status.PLANNED: {Status.CONFIRMED, Status.CANCELLED},
    Status.CONFIRMED: {Status.PUBLISHED, Status.COMPLETED, Status.CANCELLED},
    Status.PUBLISHED: {Status.COMPLETED, Status.CANCELLED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}


@dataclass(frozen=True)
class NewEvent:
    name: str
    kind: EventKind
    starts_on: date
    ends_on: date
    channels: list[ConsentChannel] = field(default_factory=list)
    location: str | None = None
    is_virtual: bool = False
    url: str | None = None


@dataclass(frozen=True)
class NewSession:
    title: str
    starts_at: datetime
    format: SessionFormat


async def create_event(
    session: AsyncSession, actor: Actor, now: datetime, new: NewEvent
) -> AdvocacyEvent:
    require_advocacy_staff(actor)
    check = Checker(Code.INVALID_VALUE)
    url = check.url("url", new.url)
    check.raise_if_any()
    if new.ends_on < new.starts_on:
        raise invalid("the event ends before it starts", "endsOn")
    if not new.channels:
        raise invalid(
            "choose the channels the sessions are announced on (speakers consent to them)",
            "channels",
        )
    location = text_or_none(new.location, "location", 200)
    if location is None and not new.is_virtual:
        raise invalid("give a location, or mark the event virtual", "location")
    event = AdvocacyEvent(
        name=required_text(new.name, "name", 200),
        kind=new.kind,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        location=location,
        is_virtual=new.is_virtual,
        url=url,
        channels=[str(c) for c in dict.fromkeys(new.channels)],
        owner_id=actor.member_id,
        updated_at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def add_session(
    session: AsyncSession, actor: Actor, now: datetime, event_id: int, new: NewSession
) -> EventSession:
    require_advocacy_staff(actor)
    event = await get_for_update(session, AdvocacyEvent, event_id, "eventId")
    if not event.starts_on <= new.starts_at.date() <= event.ends_on:
        raise invalid(
            f"the session must start during the event ({event.starts_on} to {event.ends_on})",
            "startsAt",
        )
    count = await session.scalar(
        select(func.count()).select_from(EventSession).where(EventSession.event_id == event.id)
    )
    if (count or 0) >= MAX_SESSIONS:
        raise invalid(f"at most {MAX_SESSIONS} sessions", "eventId", Code.TOO_MANY_ITEMS)
    slot = EventSession(
        event_id=event.id,
        title=required_text(new.title, "title", 200),
        starts_at=new.starts_at,
        format=new.format,
        status=Status.PLANNED,
        updated_at=now,
    )
    session.add(slot)
    await session.flush()
    return slot


async def add_speaker(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    session_id: int,
    member_id: int,
    role: SpeakerRole,
) -> EventSession:
    """Refused, changing nothing, when the member is outside their availability on the day,
    over their budget, or (for a confirmed or published session) without consent."""
    require_advocacy_staff(actor)
    slot = await get_for_update(session, EventSession, session_id, "sessionId")
    _expect_open(slot)
    event = await get_or_404(session, AdvocacyEvent, slot.event_id, "sessionId")
    member = await customer_member(session, member_id, "memberId")
    # One member's asks one after another: parallel asks for two events cannot both pass a
    # budget that has room for one (the session lock above covers one session only).
    await get_for_update(session, Member, member.id, "memberId")
    speakers = await speakers_of(session, slot.id)
    if any(s.member_id == member.id for s in speakers):
        raise invalid("the member already speaks in this session", "memberId", Code.ALREADY_EXISTS)
    if len(speakers) >= MAX_SPEAKERS:
        raise invalid(f"at most {MAX_SPEAKERS} speakers", "memberId", Code.TOO_MANY_ITEMS)
    windows = await session.scalar(
        select(AdvocateProfile.availability).where(AdvocateProfile.member_id == member.id)
    )
    free = availability.check_day(windows or [], slot.starts_at.date())
    if not free.available:
        raise invalid(
            f"the member is not available on {slot.starts_at.date()}: {free.reason}",
            "memberId",
            Code.UNAVAILABLE,
        )
    verdict = await check_budget(
        session,
        member_id=member.id,
        kind=AskKind.SPEAKING,
        at=now,
        exclude_source=(ASK_SOURCE, event.id),
    )
    if not verdict.allowed:
        raise invalid(
            "the member's ask budget is used up: " + "; ".join(verdict.reasons),
            "memberId",
            Code.OVER_BUDGET,
        )
    speaker = SessionSpeaker(
        session_id=slot.id, member_id=member.id, account_id=member.account_id, role=role
    )
    if slot.status in NEEDS_CONSENT:
        await _require_consent(session, event, [speaker], now, "memberId")
    session.add(speaker)
    await record_ask(
        session,
        member_id=member.id,
        account_id=member.account_id,
        kind=AskKind.SPEAKING,
        source_type=ASK_SOURCE,
        source_id=event.id,
        at=now,
    )
    slot.updated_at = now
    await session.flush()
    return slot


async def remove_speaker(
    session: AsyncSession, actor: Actor, now: datetime, session_id: int, member_id: int
) -> EventSession:
    """The ask stays counted: the customer was asked."""
    require_advocacy_staff(actor)
    slot = await get_for_update(session, EventSession, session_id, "sessionId")
    _expect_open(slot)
    speaker = await session.scalar(
        select(SessionSpeaker).where(
            SessionSpeaker.session_id == slot.id, SessionSpeaker.member_id == member_id
        )
    )
    if speaker is None:
        raise invalid("the member does not speak in this session", "memberId", Code.NOT_FOUND)
    await session.delete(speaker)
    slot.updated_at = now
    await session.flush()
    return slot


async def set_session_status(
    session: AsyncSession, actor: Actor, now: datetime, session_id: int, status: SessionStatus
) -> EventSession:
    require_advocacy_staff(actor)
    slot = await get_for_update(session, EventSession, session_id, "sessionId")
    if status not in NEXT[slot.status]:
        raise invalid(
            f"cannot go from {slot.status.lower()} to {status.lower()}",
            "status",
            Code.INVALID_TRANSITION,
        )
    event = await get_or_404(session, AdvocacyEvent, slot.event_id, "sessionId")
    speakers = await speakers_of(session, slot.id)
    if status in NEEDS_CONSENT:
        if not speakers:
            raise invalid("add a speaker first", "sessionId", Code.INVALID_TRANSITION)
        await _require_consent(session, event, speakers, now, "sessionId")
    if status is Status.COMPLETED:
        if slot.starts_at > now:
            raise invalid("the session has not started yet", "status", Code.INVALID_TRANSITION)
        for speaker in speakers:
            await ledger.record_activity(
                session,
                member_id=speaker.member_id,
                account_id=speaker.account_id,
                activity=LedgerActivity.SPEAKING,
                source_type=LEDGER_SOURCE,
                source_id=slot.id,
                at=now,
                dedupe_key=f"{LEDGER_SOURCE}:{slot.id}:{speaker.member_id}",
            )
    slot.status = status
    slot.updated_at = now
    return slot


async def speakers_of(session: AsyncSession, session_id: int) -> list[SessionSpeaker]:
    return list(
        await session.scalars(
            select(SessionSpeaker)
            .where(SessionSpeaker.session_id == session_id)
            .order_by(SessionSpeaker.id)
        )
    )


async def _require_consent(
    session: AsyncSession,
    event: AdvocacyEvent,
    speakers: list[SessionSpeaker],
    at: datetime,
    field: str,
) -> None:
    missing = await missing_for_speakers(session, event.channels, speakers, at)
    if not any(missing.values()):
        return
    rows = await session.execute(select(Member.id, Member.name).where(Member.id.in_(list(missing))))
    names = {member_id: name for member_id, name in rows}
    listed = [f"{names.get(m, m)}: {', '.join(gaps)}" for m, gaps in missing.items() if gaps]
    raise DomainError(
        "no active consent covers: " + "; ".join(listed),
        code=Code.CONSENT_REQUIRED,
        field=["input", field],
    )


def _expect_open(slot: EventSession) -> None:
    if slot.status in (Status.COMPLETED, Status.CANCELLED):
        raise invalid(f"the session is {slot.status.lower()}", "sessionId", Code.INVALID_TRANSITION)
