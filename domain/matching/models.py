"""Buddy matching: profiles, programmes (settings and weights), pairs, rounds and meet-ups."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column


class BuddyRole(StrEnum):
    MENTOR = "MENTOR"
    MENTEE = "MENTEE"
    BOTH = "BOTH"


class MaturityLevel(StrEnum):
    """How far a member has come with the product (ordered: a mentor should be further)."""

    NEW = "NEW"
    DEVELOPING = "DEVELOPING"
    PROFICIENT = "PROFICIENT"
    EXPERT = "EXPERT"


MATURITY_ORDER = {level: index for index, level in enumerate(MaturityLevel)}


class PairStatus(StrEnum):
    PROPOSED = "PROPOSED"  # requested by a mentee, or proposed by a published round
    ACCEPTED = "ACCEPTED"  # both sides said yes
    ACTIVE = "ACTIVE"  # the buddies have started meeting
    COMPLETED = "COMPLETED"
    ENDED_EARLY = "ENDED_EARLY"
    DECLINED = "DECLINED"


OPEN_PAIR_STATUSES = (PairStatus.PROPOSED, PairStatus.ACCEPTED, PairStatus.ACTIVE)
# What counts against a mentor's capacity: pairs agreed on, and round proposals (a published
# round reserves the seat until someone declines). A mentee's plain request does not.
LOAD_STATUSES = (PairStatus.ACCEPTED, PairStatus.ACTIVE)


class PairOrigin(StrEnum):
    REQUEST = "REQUEST"
    ROUND = "ROUND"


class RoundStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    DISCARDED = "DISCARDED"


class MeetupGrouping(StrEnum):
    REGION = "REGION"
    EVENT = "EVENT"


class MatchingProgram(TimestampMixin, Base):
    """A buddy programme: its score weights and rules. Members without a programme use the
    defaults (see domain/matching/criteria.py)."""

    __tablename__ = "matching_programs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    # criterion name -> weight (0..10); missing criteria take the default weight.
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    # The configurable competition rule: same industry in the same region counts as competing.
    same_industry_region_competes: Mapped[bool] = mapped_column(Boolean, default=True)
    check_in_every_days: Mapped[int] = mapped_column(Integer, default=14)
    default_length_days: Mapped[int | None] = mapped_column(Integer)


class BuddyProfile(TimestampMixin, Base):
    """A member's buddy profile. Industry, company size and region come from their account;
    timezone and tenure from their member profile."""

    __tablename__ = "buddy_profiles"
    __table_args__ = (
        CheckConstraint("capacity >= 0 AND capacity <= 10", name="capacity_range"),
        Index("ix_buddy_profiles_pool", "opted_in", "paused", "role"),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[BuddyRole] = mapped_column(enum_column(BuddyRole, "buddy_role"))
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    use_cases: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[MaturityLevel] = mapped_column(
        enum_column(MaturityLevel, "maturity_level"), default=MaturityLevel.NEW
    )
    desired_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    achieved_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer, default=1)  # mentees at once
    opted_in: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    meetups_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # events they will attend
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BuddyPair(TimestampMixin, Base):
    __tablename__ = "buddy_pairs"
    __table_args__ = (
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        Index("ix_buddy_pairs_mentor", "mentor_id", "status"),
        Index("ix_buddy_pairs_mentee", "mentee_id", "status"),
        Index("ix_buddy_pairs_check_in", "status", "next_check_in_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("matching_programs.id", ondelete="SET NULL")
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("matching_rounds.id", ondelete="SET NULL")
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[PairStatus] = mapped_column(enum_column(PairStatus, "pair_status"))
    origin: Mapped[PairOrigin] = mapped_column(enum_column(PairOrigin, "pair_origin"))
    score: Mapped[float] = mapped_column(Float)
    breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)  # the mentee's note with a request
    mentor_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mentee_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_on: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(Text)
    ended_badly: Mapped[bool] = mapped_column(Boolean, default=False)
    declined_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    decline_reason: Mapped[str | None] = mapped_column(Text)
    check_in_every_days: Mapped[int] = mapped_column(Integer, default=14)
    next_check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PairFeedback(TimestampMixin, Base):
    """The short form each buddy fills in when a pair ends."""

    __tablename__ = "buddy_pair_feedback"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    pair_id: Mapped[int] = mapped_column(
        ForeignKey("buddy_pairs.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    goals_met: Mapped[bool] = mapped_column(Boolean)
    would_recommend: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)


class MatchingRound(TimestampMixin, Base):
    __tablename__ = "matching_rounds"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("matching_programs.id", ondelete="SET NULL")
    )
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus, "round_status"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    mentee_count: Mapped[int] = mapped_column(Integer)  # waiting mentees considered
    mentor_count: Mapped[int] = mapped_column(Integer)  # available mentors considered
    total_score: Mapped[float] = mapped_column(Float)
    greedy_score: Mapped[float] = mapped_column(Float)  # the greedy baseline, for comparison
    solve_seconds: Mapped[float] = mapped_column(Float)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )


class RoundProposal(Base):
    __tablename__ = "matching_round_proposals"
    __table_args__ = (Index("ix_matching_round_proposals_round", "round_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("matching_rounds.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    included: Mapped[bool] = mapped_column(Boolean, default=True)  # the manager may leave it out
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("buddy_pairs.id", ondelete="SET NULL"))
    skipped_reason: Mapped[str | None] = mapped_column(String(64))  # constraint at publish time


class MatchingState(Base):
    """One row of version tokens, changed in the transaction of every change to what live
    suggestions cache per process (domain/matching/pool.py): `profiles_version` for buddy
    profiles, `pairs_version` for pairs (the seats they take). Random tokens rather than
    counters, so a rolled-back change can never hand its number to different data."""

    __tablename__ = "matching_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    profiles_version: Mapped[str] = mapped_column(String(32))
    pairs_version: Mapped[str] = mapped_column(String(32))


class Meetup(TimestampMixin, Base):
    """A proposed small group of opted-in members, by region or by an event they attend."""

    __tablename__ = "buddy_meetups"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    grouping: Mapped[MeetupGrouping] = mapped_column(enum_column(MeetupGrouping, "meetup_grouping"))
    key: Mapped[str] = mapped_column(String(200))  # the region or event
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class MeetupMember(Base):
    __tablename__ = "buddy_meetup_members"

    meetup_id: Mapped[int] = mapped_column(
        ForeignKey("buddy_meetups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
