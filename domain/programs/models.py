from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
    ENDED = "ENDED"


class Program(TimestampMixin, Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[ProgramKind] = mapped_column(enum_column(ProgramKind, "program_kind"))
    name: Mapped[str] = mapped_column(String(200))
    codename: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ProgramState] = mapped_column(
        enum_column(ProgramState, "program_state"), default=ProgramState.DRAFT
    )


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
