from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column, utcnow

EXCERPT_COLUMN_CHARS = 300  # room for markdown.EXCERPT_CHARS and the ellipsis


class SpaceVisibility(StrEnum):
    PUBLIC = "PUBLIC"  # every signed-in member
    STAFF = "STAFF"  # the vendor's staff only
    PROGRAM = "PROGRAM"  # members enrolled in one program (advisory board, beta under NDA)
    ACCOUNT = "ACCOUNT"  # members of one customer account


class ThreadKind(StrEnum):
    DISCUSSION = "DISCUSSION"
    QUESTION = "QUESTION"
    ANNOUNCEMENT = "ANNOUNCEMENT"
    IDEA_LINK = "IDEA_LINK"


class PostStatus(StrEnum):
    VISIBLE = "VISIBLE"
    HELD = "HELD"  # a new member's post awaiting review: seen by its author and moderators
    HIDDEN = "HIDDEN"  # hidden by a moderator


class ReactionKind(StrEnum):
    LIKE = "LIKE"
    HEART = "HEART"
    CELEBRATE = "CELEBRATE"
    INSIGHTFUL = "INSIGHTFUL"
    LAUGH = "LAUGH"
    EYES = "EYES"


class NotificationKind(StrEnum):
    REPLY = "REPLY"  # new post in a watched thread
    NEW_THREAD = "NEW_THREAD"  # new thread in a watched space
    MENTION = "MENTION"
    ANSWER_ACCEPTED = "ANSWER_ACCEPTED"
    MODERATION = "MODERATION"
    IDEA_STATUS = "IDEA_STATUS"  # an idea you voted on or follow changed status
    IDEA_DIGEST = "IDEA_DIGEST"  # your periodic digest of idea updates (opt-in)
    BUDDY_PROPOSAL = "BUDDY_PROPOSAL"  # a buddy request or a round's proposal to answer
    BUDDY_UPDATE = "BUDDY_UPDATE"  # your buddy pair was accepted, declined, started or ended
    BUDDY_CHECK_IN = "BUDDY_CHECK_IN"  # time to check in with your buddy
    BUDDY_MEETUP = "BUDDY_MEETUP"  # you were grouped for a meet-up


class FlagStatus(StrEnum):
    OPEN = "OPEN"
    UPHELD = "UPHELD"
    DISMISSED = "DISMISSED"


class Space(TimestampMixin, Base):
    __tablename__ = "spaces"
    __table_args__ = (
        CheckConstraint(
            "(visibility = 'PROGRAM') = (program_id IS NOT NULL)", name="program_iff_program_rule"
        ),
        CheckConstraint(
            "(visibility = 'ACCOUNT') = (account_id IS NOT NULL)", name="account_iff_account_rule"
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[SpaceVisibility] = mapped_column(
        enum_column(SpaceVisibility, "space_visibility")
    )
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Thread(TimestampMixin, Base):
    __tablename__ = "threads"
    __table_args__ = (
        # The space feed: pinned first, then latest activity; id breaks ties (keyset pagination).
        Index("ix_threads_space_feed", "space_id", "pinned", "last_activity_at", "id"),
        Index("ix_threads_space_newest", "space_id", "id"),
        Index("ix_threads_activity", "last_activity_at", "id"),
        Index("ix_threads_author", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    kind: Mapped[ThreadKind] = mapped_column(enum_column(ThreadKind, "thread_kind"))
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    idea_id: Mapped[int | None] = mapped_column(Id)  # IDEA_LINK: the idea it discusses
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"))
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, ondelete="SET NULL")
    )
    # Denormalised so feeds read one row per thread; kept by the services in the same transaction.
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # The newest post every reader of the thread sees (highest number, VISIBLE, not deleted):
    # the feed's teaser. Kept by every write that changes which posts count (services).
    last_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, ondelete="SET NULL")
    )
    # Added to in batches off the read path (domain/community/views.py), never by a GET itself.
    view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Post(TimestampMixin, Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        Index("ix_posts_author", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1 is the opening post
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))  # a reply to a reply
    quoted_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Plain text for teasers, cut from the rendered HTML when written (markdown.excerpt).
    excerpt: Mapped[str] = mapped_column(
        String(EXCERPT_COLUMN_CHARS), default="", server_default=""
    )
    status: Mapped[PostStatus] = mapped_column(
        enum_column(PostStatus, "post_status"), default=PostStatus.VISIBLE
    )
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class PostRevision(Base):
    """The text a post had before each edit."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    body_markdown: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reaction(Base):
    __tablename__ = "reactions"
    __table_args__ = (Index("ix_reactions_member_post", "member_id", "post_id"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ReactionKind] = mapped_column(
        enum_column(ReactionKind, "reaction_kind"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Mention(Base):
    __tablename__ = "mentions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ThreadRead(Base):
    """How far a member has read a thread: the highest post number seen."""

    __tablename__ = "thread_reads"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_number: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SpaceWatch(Base):
    __tablename__ = "space_watches"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ThreadWatch(Base):
    __tablename__ = "thread_watches"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Notification(TimestampMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_inbox", "recipient_id", "id"),
        # At-least-once outbox delivery must not notify twice about the same thing.
        UniqueConstraint("recipient_id", "dedupe_key", "kind"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    message: Mapped[str | None] = mapped_column(String(500))
    # What the notice is about: the post's id, or the outbox event's for moderation notices.
    dedupe_key: Mapped[int | None] = mapped_column(Id)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(Base):
    """A row exists only where a member turned a kind off (everything is on by default)."""

    __tablename__ = "notification_preferences"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Flag(TimestampMixin, Base):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("post_id", "member_id"),
        Index("ix_flags_queue", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(1000))
    weight: Mapped[int] = mapped_column(Integer, default=1)  # higher trust, heavier flag
    status: Mapped[FlagStatus] = mapped_column(
        enum_column(FlagStatus, "flag_status"), default=FlagStatus.OPEN
    )
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MemberStanding(Base):
    """Forum activity counters and the trust level they earn; one row per member."""

    __tablename__ = "member_standings"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    trust_level: Mapped[int] = mapped_column(Integer, default=0)
    posts_read: Mapped[int] = mapped_column(Integer, default=0)
    threads_created: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    accepted_answers: Mapped[int] = mapped_column(Integer, default=0)
    flags_upheld: Mapped[int] = mapped_column(Integer, default=0)
    approved_posts: Mapped[int] = mapped_column(Integer, default=0)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
