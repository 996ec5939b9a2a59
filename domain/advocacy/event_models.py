"""Advocacy events: conferences, webinars and customer events, their sessions and the
customers who speak in them. Kept apart from models.py, which holds the older aggregates."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column, utcnow


class EventKind(StrEnum):
    CONFERENCE = "CONFERENCE"
    WEBINAR = "WEBINAR"
    CUSTOMER_EVENT = "CUSTOMER_EVENT"


class SessionFormat(StrEnum):
    KEYNOTE = "KEYNOTE"
    PANEL = "PANEL"
    BREAKOUT = "BREAKOUT"
    FIRESIDE = "FIRESIDE"
    WEBINAR = "WEBINAR"


class SessionStatus(StrEnum):
    PLANNED = "PLANNED"  # speakers are being asked; nothing is announced
    CONFIRMED = "CONFIRMED"  # agreed with the speakers (needs their consent)
    PUBLISHED = "PUBLISHED"  # announced on the event's channels (needs their consent)
    COMPLETED = "COMPLETED"  # held: every speaker's talk is on the ledger
    CANCELLED = "CANCELLED"


class SpeakerRole(StrEnum):
    SPEAKER = "SPEAKER"
    PANELIST = "PANELIST"
    MODERATOR = "MODERATOR"


class AdvocacyEvent(TimestampMixin, Base):
    """An event customers speak at. `channels` are where its sessions are announced and
    recorded: each speaker's SPEAKING consent must cover all of them."""

    __tablename__ = "advocacy_events"
    __table_args__ = (Index("ix_advocacy_events_starts_on_id", "starts_on", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(2048))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventSession(TimestampMixin, Base):
    __tablename__ = "advocacy_event_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("advocacy_events.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    format: Mapped[SessionFormat] = mapped_column(enum_column(SessionFormat, "session_format"))
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus, "session_status"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SessionSpeaker(TimestampMixin, Base):
    """A customer speaking in a session (account kept for logo and account-level budgets)."""

    __tablename__ = "advocacy_session_speakers"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("advocacy_event_sessions.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    role: Mapped[SpeakerRole] = mapped_column(enum_column(SpeakerRole, "speaker_role"))
