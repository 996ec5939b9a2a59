from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.shared.models import Base, Id, TimestampMixin, UTCDateTime, enum_column


class AccountKind(StrEnum):
    CUSTOMER = "CUSTOMER"
    VENDOR = "VENDOR"  # the vendor's own organisation: home of staff members


class EmployeeBand(StrEnum):
    B1_50 = "B1_50"
    B51_200 = "B51_200"
    B201_1000 = "B201_1000"
    B1001_5000 = "B1001_5000"
    B5001_PLUS = "B5001_PLUS"


class LifecycleStage(StrEnum):
    ONBOARDING = "ONBOARDING"
    ADOPTION = "ADOPTION"
    RENEWAL = "RENEWAL"
    EXPANSION = "EXPANSION"
    AT_RISK = "AT_RISK"
    CHURNED = "CHURNED"


class TouchTier(StrEnum):
    HIGH_TOUCH = "HIGH_TOUCH"
    LOW_TOUCH = "LOW_TOUCH"
    TECH_TOUCH = "TECH_TOUCH"


class AccountSegment(StrEnum):
    """The go-to-market segment: how sales and success serve the account."""

    SMB = "SMB"
    MID_MARKET = "MID_MARKET"
    ENTERPRISE = "ENTERPRISE"
    STRATEGIC = "STRATEGIC"


class Role(StrEnum):
    MEMBER = "MEMBER"
    MODERATOR = "MODERATOR"
    CSM = "CSM"
    MARKETING = "MARKETING"
    PRODUCT = "PRODUCT"
    ADMIN = "ADMIN"


# Roles only the vendor's own people may hold. A customer can moderate the forum, nothing more.
STAFF_ROLES = frozenset({Role.CSM, Role.MARKETING, Role.PRODUCT, Role.ADMIN})


class MemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DEACTIVATED = "DEACTIVATED"


class ProfileVisibility(StrEnum):
    """Who finds a member (search, member directory) and sees their profile details. Staff and
    the member always do; the name beside their posts shows to whoever may read the posts."""

    COMMUNITY = "COMMUNITY"  # every signed-in member
    ACCOUNT = "ACCOUNT"  # colleagues at the member's own account, and staff
    STAFF = "STAFF"  # the vendor's staff only


account_competitors = Table(
    "account_competitors",
    Base.metadata,
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("competitor_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("account_id <> competitor_id", name="not_self"),
)


class Account(TimestampMixin, Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, "account_kind"))
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    employee_band: Mapped[EmployeeBand | None] = mapped_column(
        enum_column(EmployeeBand, "employee_band")
    )
    region: Mapped[str | None] = mapped_column(String(50))
    lifecycle_stage: Mapped[LifecycleStage | None] = mapped_column(
        enum_column(LifecycleStage, "lifecycle_stage")
    )
    tier: Mapped[TouchTier | None] = mapped_column(enum_column(TouchTier, "touch_tier"))
    segment: Mapped[AccountSegment | None] = mapped_column(
        enum_column(AccountSegment, "account_segment")
    )
    # Annual recurring revenue in `currency`: what weighs feedback, eligibility and advocacy.
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    owner_csm_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL", use_alter=True), index=True
    )

    competitors: Mapped[list["Account"]] = relationship(
        secondary=account_competitors,
        primaryjoin=lambda: Account.id == account_competitors.c.account_id,
        secondaryjoin=lambda: Account.id == account_competitors.c.competitor_id,
        lazy="raise",
    )


class Member(TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (Index("ix_members_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    products_used: Mapped[list[str]] = mapped_column(JSON, default=list)
    using_product_since: Mapped[date | None] = mapped_column(Date)
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    bio: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MemberStatus] = mapped_column(
        enum_column(MemberStatus, "member_status"), default=MemberStatus.ACTIVE
    )
    profile_visibility: Mapped[ProfileVisibility] = mapped_column(
        enum_column(ProfileVisibility, "profile_visibility"),
        default=ProfileVisibility.COMMUNITY,
        server_default=ProfileVisibility.COMMUNITY.value,
    )
    # Set once the member's personal data was erased (domain/identity/erasure.py): the row
    # stays, anonymised, so what they wrote and the aggregates they count in stay whole.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(foreign_keys=[account_id], lazy="raise")
    role_rows: Mapped[list["MemberRole"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="member"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset({Role.MEMBER, *(row.role for row in self.role_rows)})


class MemberRole(Base):
    """Roles beyond MEMBER, which everyone has."""

    __tablename__ = "member_roles"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)

    member: Mapped[Member] = relationship(back_populates="role_rows", lazy="raise")


class ExternalIdentity(TimestampMixin, Base):
    """A login at an OpenID Connect issuer, bound to one member by (issuer, subject)."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TokenScope(StrEnum):
    READ = "READ"
    WRITE = "WRITE"


class ApiToken(TimestampMixin, Base):
    """A personal API token for integrations. Only a SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(
        String(16)
    )  # shown in lists so people can tell tokens apart
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ErasureStatus(StrEnum):
    PENDING = "PENDING"  # asked for; carried out when due, or earlier by an admin
    CANCELLED = "CANCELLED"  # withdrawn by the member during the grace period
    COMPLETED = "COMPLETED"


class ErasureRequest(Base):
    """A member's request to erase their personal data (GDPR Art. 17). Kept after completion
    as the record that it was carried out; it holds no personal data but the member's id."""

    __tablename__ = "erasure_requests"
    __table_args__ = (Index("ix_erasure_requests_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[ErasureStatus] = mapped_column(enum_column(ErasureStatus, "erasure_status"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
