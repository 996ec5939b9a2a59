"""Feedback: ideas, votes and the demand they add up to, merges, changelog, surveys."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column, utcnow

Cents = BigInteger().with_variant(Integer(), "sqlite")


class IdeaStatus(StrEnum):
    NEW = "NEW"
    UNDER_REVIEW = "UNDER_REVIEW"
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    SHIPPED = "SHIPPED"
    DECLINED = "DECLINED"
    DUPLICATE = "DUPLICATE"  # merged into another idea (set by merges only)


class IdeaVisibility(StrEnum):
    PUBLIC = "PUBLIC"  # every signed-in member
    ACCOUNT = "ACCOUNT"  # the author's account and staff
    STAFF = "STAFF"  # staff only


class Importance(StrEnum):
    NICE_TO_HAVE = "NICE_TO_HAVE"
    IMPORTANT = "IMPORTANT"
    MUST_HAVE = "MUST_HAVE"


# Importance as a rank (for "highest ask") and as points (for the impact score).
IMPORTANCE_RANK = {Importance.NICE_TO_HAVE: 1, Importance.IMPORTANT: 2, Importance.MUST_HAVE: 3}


class ProxySource(StrEnum):
    CALL = "CALL"
    TICKET = "TICKET"
    MEETING = "MEETING"
    EMAIL = "EMAIL"
    SURVEY = "SURVEY"
    OTHER = "OTHER"


class SurveyKind(StrEnum):
    NPS = "NPS"  # one 0-10 question: how likely to recommend
    CSAT = "CSAT"  # one 1-5 question: how satisfied
    FEEL_VALUED = "FEEL_VALUED"  # several 1-5 questions: does the vendor appreciate my business?


class Idea(TimestampMixin, Base):
    __tablename__ = "ideas"
    __table_args__ = (
        # Triage and lists by impact (keyset: impact, id), with and without a status filter.
        Index("ix_ideas_impact", "impact_score", "id"),
        Index("ix_ideas_status_impact", "status", "impact_score", "id"),
        Index("ix_ideas_area_status_impact", "product_area", "status", "impact_score", "id"),
        Index("ix_ideas_status_id", "status", "id"),
        CheckConstraint(
            "(visibility = 'ACCOUNT') = (account_id IS NOT NULL)", name="account_iff_account_rule"
        ),
        CheckConstraint("(status = 'DUPLICATE') = (merged_into_id IS NOT NULL)", name="merged"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description_markdown: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    product_area: Mapped[str] = mapped_column(String(80))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)  # http(s) URLs
    author_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    visibility: Mapped[IdeaVisibility] = mapped_column(
        enum_column(IdeaVisibility, "idea_visibility")
    )
    # ACCOUNT visibility: the account that may see it (the author's).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[IdeaStatus] = mapped_column(
        enum_column(IdeaStatus, "idea_status"), default=IdeaStatus.NEW
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # left NEW
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_reason: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    beta_program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True
    )
    changelog_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("changelog_entries.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    # The open idea this one's votes count for while it is merged (the end of the merge chain);
    # NULL for an open idea. Votes never move in a merge: an open idea's demand is that of the
    # votes on it and on every idea whose merge_root_id is it (each member once, see
    # services/demand.py).
    # No foreign key: merged_into_id's guards the same ideas (see migration 0014).
    merge_root_id: Mapped[int | None] = mapped_column(Id, index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    # Demand, kept in the vote's transaction under the idea's row lock (see services/voting.py).
    voter_count: Mapped[int] = mapped_column(Integer, default=0)
    account_count: Mapped[int] = mapped_column(Integer, default=0)
    arr_cents: Mapped[int] = mapped_column(Cents, default=0)  # each account once
    # Votes per importance level: the weighted importance is derived with the configured points.
    nice_to_have_count: Mapped[int] = mapped_column(Integer, default=0)
    important_count: Mapped[int] = mapped_column(Integer, default=0)
    must_have_count: Mapped[int] = mapped_column(Integer, default=0)
    # Hundredths of the impact score (an integer, so keyset cursors compare exactly).
    impact_score: Mapped[int] = mapped_column(Cents, default=0)


class IdeaVote(Base):
    __tablename__ = "idea_votes"
    __table_args__ = (
        UniqueConstraint("idea_id", "member_id"),
        Index("ix_idea_votes_member", "member_id", "idea_id"),
        Index("ix_idea_votes_account", "account_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    importance: Mapped[Importance] = mapped_column(enum_column(Importance, "importance"))
    # A proxy vote: recorded by staff for a customer contact (from a call, a ticket, ...).
    proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    proxy_source: Mapped[ProxySource | None] = mapped_column(
        enum_column(ProxySource, "proxy_source")
    )
    proxy_note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaAccountDemand(Base):
    """One row per (idea, requesting account): the account's ARR counts once, however many of
    its people vote."""

    __tablename__ = "idea_account_demand"
    __table_args__ = (Index("ix_idea_account_demand_account", "account_id"),)

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    voter_count: Mapped[int] = mapped_column(Integer, default=0)
    max_importance_rank: Mapped[int] = mapped_column(Integer, default=0)
    arr_cents: Mapped[int] = mapped_column(Cents, default=0)  # the account's ARR when last summed


class IdeaSubscription(Base):
    """Members following an idea. `subscribed=False` mutes an idea one votes on."""

    __tablename__ = "idea_subscriptions"

    idea_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)


class IdeaStatusChange(Base):
    __tablename__ = "idea_status_changes"
    __table_args__ = (Index("ix_idea_status_changes_idea", "idea_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    old_status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus, "idea_old_status"))
    new_status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus, "idea_new_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaStatusTransition(Base):
    """The configured workflow. While the table is empty the built-in defaults apply."""

    __tablename__ = "idea_status_transitions"

    from_status: Mapped[IdeaStatus] = mapped_column(
        enum_column(IdeaStatus, "idea_from_status"), primary_key=True
    )
    to_status: Mapped[IdeaStatus] = mapped_column(
        enum_column(IdeaStatus, "idea_to_status"), primary_key=True
    )


class FeedbackSettings(Base):
    """Impact weights set by product staff; one row (id 1), defaults while absent."""

    __tablename__ = "feedback_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arr_weight: Mapped[float] = mapped_column(Float)  # points per 10,000 of ARR
    importance_weight: Mapped[float] = mapped_column(Float)  # per importance point
    voter_weight: Mapped[float] = mapped_column(Float)  # per voter
    account_weight: Mapped[float] = mapped_column(Float)  # per requesting account
    points: Mapped[dict[str, Any]] = mapped_column(JSON)  # importance -> points
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaMerge(Base):
    """A merge of `source` into `target` (the open idea at the end of its chain then). No vote
    moves, so undoing it only restores the source's status and pointers and recounts."""

    __tablename__ = "idea_merges"
    __table_args__ = (Index("ix_idea_merges_source", "source_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    source_status: Mapped[IdeaStatus] = mapped_column(enum_column(IdeaStatus, "idea_status"))
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class ChangelogEntry(TimestampMixin, Base):
    __tablename__ = "changelog_entries"
    __table_args__ = (Index("ix_changelog_entries_published", "published_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    product_area: Mapped[str | None] = mapped_column(String(80))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # null: a draft


class FeedbackDigestSubscription(Base):
    """A member who asked for idea updates as a periodic digest instead of one by one."""

    __tablename__ = "feedback_digest_subscriptions"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedbackDigestItem(Base):
    """An idea update waiting for the member's next digest."""

    __tablename__ = "feedback_digest_items"
    __table_args__ = (
        UniqueConstraint("member_id", "status_change_id"),
        Index("ix_feedback_digest_items_pending", "sent_at", "member_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status_change_id: Mapped[int] = mapped_column(
        ForeignKey("idea_status_changes.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Survey(TimestampMixin, Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind, "survey_kind"))
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyRecipient(Base):
    __tablename__ = "survey_recipients"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "member_id"),
        Index("ix_survey_responses_time", "survey_id", "responded_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # The response's headline score: the NPS or CSAT answer, the mean for FEEL_VALUED (x100).
    score: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # question key -> score
    comment: Mapped[str | None] = mapped_column(Text)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
