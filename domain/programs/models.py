"""Programs: customer advisory boards and betas, from eligibility to enrolment.

A program's ACTIVE enrolments open its restricted community spaces (domain/community/policies.py
and search/permissions.py read them); PAUSED ones (a new agreement version not yet accepted) and
ENDED ones do not.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column


class ProgramKind(StrEnum):
    ADVISORY_BOARD = "ADVISORY_BOARD"
    BETA = "BETA"


class ProgramState(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    RUNNING = "RUNNING"
    CLOSED = "CLOSED"


class EnrolmentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"  # holds a seat, but no access until the current agreement is accepted
    ENDED = "ENDED"


# Enrolments that take a seat (capacity counts these).
SEATED = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED)


class Program(TimestampMixin, Base):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[ProgramKind] = mapped_column(enum_column(ProgramKind, "program_kind"))
    name: Mapped[str] = mapped_column(String(200))
    codename: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ProgramState] = mapped_column(
        enum_column(ProgramState, "program_state"), default=ProgramState.DRAFT
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    # Confidential programs show only their codename to members who are not part of them.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)  # seats; None: unlimited
    # Eligibility rules (see domain/programs/eligibility.py for the keys).
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    questions: Mapped[list[str]] = mapped_column(  # asked of applicants
        JSON, default=list, server_default="[]"
    )
    # Advisory boards: a seat's term in months and how many consecutive terms a member may serve.
    term_months: Mapped[int | None] = mapped_column(Integer)
    max_terms: Mapped[int | None] = mapped_column(Integer)
    # Betas: general availability.
    graduated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ga_version: Mapped[str | None] = mapped_column(String(50))


class ProgramEnrolment(TimestampMixin, Base):
    """A member's seat in a program. Only ACTIVE enrolments open restricted spaces."""

    __tablename__ = "program_enrolments"
    __table_args__ = (UniqueConstraint("program_id", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ACTIVE
    )
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # latest (re)start
    end_reason: Mapped[str | None] = mapped_column(Text)


class ApplicationSource(StrEnum):
    APPLIED = "APPLIED"  # the member applied
    NOMINATED = "NOMINATED"  # a CSM nominated them
    INVITED = "INVITED"  # the program team invited them


class ApplicationStatus(StrEnum):
    PENDING = "PENDING"  # awaiting a reviewer
    INVITED = "INVITED"  # awaiting the member's answer to an invitation
    WAITLISTED = "WAITLISTED"
    APPROVED = "APPROVED"  # enrolled
    DECLINED = "DECLINED"  # by a reviewer, with a reason
    INVITATION_DECLINED = "INVITATION_DECLINED"  # by the member
    WITHDRAWN = "WITHDRAWN"


# Statuses that still wait for someone's decision: a program cannot close over them.
UNDECIDED = (ApplicationStatus.PENDING, ApplicationStatus.INVITED)
# Statuses after which the member may apply again (the same row is reopened).
REOPENABLE = (ApplicationStatus.WITHDRAWN, ApplicationStatus.INVITATION_DECLINED)


class ProgramApplication(TimestampMixin, Base):
    """One member's way into a program: an application, a nomination or an invitation."""

    __tablename__ = "program_applications"
    __table_args__ = (
        UniqueConstraint("program_id", "member_id"),
        Index("ix_program_applications_program_status", "program_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    source: Mapped[ApplicationSource] = mapped_column(
        enum_column(ApplicationSource, "application_source")
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, "application_status")
    )
    answers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    nominated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)  # why nominated or invited
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Waitlist order: lower goes first; set when waitlisted.
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProgramAgreement(Base):
    """One version of a program's NDA / terms. The highest version is the current one."""

    __tablename__ = "program_agreements"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgreementAcceptance(Base):
    """Member M accepted version V of a program's agreement at time T."""

    __tablename__ = "agreement_acceptances"
    __table_args__ = (UniqueConstraint("agreement_id", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("program_agreements.id", ondelete="CASCADE")
    )
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- advisory boards ------------------------------------------------------------------------


class SeatStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class BoardSeat(TimestampMixin, Base):
    """One term of one member on an advisory board. A renewal is a new row, term_number + 1."""

    __tablename__ = "board_seats"
    __table_args__ = (
        UniqueConstraint("program_id", "member_id", "term_number"),
        Index("ix_board_seats_program_status", "program_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    term_number: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the scheduled roll-off
    status: Mapped[SeatStatus] = mapped_column(enum_column(SeatStatus, "seat_status"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)


class BoardMeeting(TimestampMixin, Base):
    __tablename__ = "board_meetings"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    agenda: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class AttendanceStatus(StrEnum):
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    EXCUSED = "EXCUSED"


class MeetingAttendance(Base):
    __tablename__ = "meeting_attendances"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("board_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- betas ----------------------------------------------------------------------------------


class BetaBuild(Base):
    __tablename__ = "beta_builds"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(50))
    release_notes: Mapped[str] = mapped_column(Text)
    released_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BetaFeedbackKind(StrEnum):
    ISSUE = "ISSUE"
    IDEA = "IDEA"
    PRAISE = "PRAISE"


class BetaFeedback(Base):
    """Feedback on one build. Ideas go into the feedback loop, praise to advocacy."""

    __tablename__ = "beta_feedback"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    build_id: Mapped[int] = mapped_column(
        ForeignKey("beta_builds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[BetaFeedbackKind] = mapped_column(
        enum_column(BetaFeedbackKind, "beta_feedback_kind")
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Where it was routed: an idea of the feedback context (its id), or advocacy.
    routed_idea_id: Mapped[int | None] = mapped_column(Id)
    routed_to: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
