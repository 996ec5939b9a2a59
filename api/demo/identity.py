"""Demo identity: the vendor's staff and a handful of customer companies."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity import credentials, events, service
from domain.identity.models import (
    Account,
    AccountKind,
    AccountSegment,
    EmployeeBand,
    LifecycleStage,
    Member,
    Role,
    TokenScope,
    TouchTier,
)
from domain.identity.policies import Actor, actor_for
from domain.identity.service import AccountFields, ProfileChanges

ADMIN_EMAIL = "admin@bondfire.example"
MODERATOR_EMAIL = "casey@acme.example"


@dataclass(frozen=True)
class _Person:
    name: str
    email: str
    title: str
    timezone: str
    products: tuple[str, ...] = ()
    since: date | None = None
    bio: str | None = None
    roles: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class _Company:
    name: str
    domain: str
    industry: str
    region: str
    band: EmployeeBand
    tier: TouchTier
    stage: LifecycleStage
    csm_owned: bool
    people: tuple[_Person, ...] = field(default_factory=tuple)


@dataclass
class DemoIdentity:
    """What the identity section made, for the sections of later contexts to build on."""

    vendor: Account
    admin: Member
    admin_actor: Actor
    staff: dict[str, Member]  # by e-mail
    accounts: dict[str, Account]  # by domain
    members: dict[str, Member]  # customer members by e-mail


# --- identity -------------------------------------------------------------------------------

# The vendor's products: Pipelines, Dashboards, Alerts, Data Catalog, Public API, Embedded
# Analytics.
P = _Person

STAFF = (
    P(
        "Alex Rivera",
        ADMIN_EMAIL,
        "Community Operations Lead",
        "America/New_York",
        bio="Runs the community platform and keeps the lights on.",
        roles=frozenset({Role.ADMIN}),
    ),
    P(
        "Priya Shah",
        "priya@bondfire.example",
        "Senior Customer Success Manager",
        "Europe/London",
        bio="Looks after our strategic accounts from onboarding to renewal.",
        roles=frozenset({Role.CSM}),
    ),
    P(
        "Noor Haddad",
        "noor@bondfire.example",
        "Customer Marketing Manager",
        "Europe/Berlin",
        bio="Case studies, webinars and the advocacy programme.",
        roles=frozenset({Role.MARKETING}),
    ),
    P(
        "Tomás Ortega",
        "tomas@bondfire.example",
        "Principal Product Manager",
        "America/Los_Angeles",
        bio="Owns the roadmap for Pipelines and Alerts. Send me your ideas.",
        roles=frozenset({Role.PRODUCT}),
    ),
)

# Segment and annual recurring revenue (USD) per company: what weighs their feedback and advocacy.
REVENUE: dict[str, tuple[AccountSegment, Decimal]] = {
    "acme.example": (AccountSegment.ENTERPRISE, Decimal("480000")),
    "northwind.example": (AccountSegment.MID_MARKET, Decimal("96000")),
    "bluefin.example": (AccountSegment.SMB, Decimal("18000")),
    "helixhealth.example": (AccountSegment.STRATEGIC, Decimal("1250000")),
    "lumenretail.example": (AccountSegment.MID_MARKET, Decimal("132000")),
    "quarrybank.example": (AccountSegment.ENTERPRISE, Decimal("610000")),
    "tidewater.example": (AccountSegment.SMB, Decimal("24000")),
    "pocketful.example": (AccountSegment.SMB, Decimal("9600")),
}

COMPANIES = (
    _Company(
        "Acme Analytics",
        "acme.example",
        "Software",
        "North America",
        EmployeeBand.B201_1000,
        TouchTier.HIGH_TOUCH,
        LifecycleStage.EXPANSION,
        True,
        (
            P(
                "Casey Morgan",
                MODERATOR_EMAIL,
                "Head of Data Platform",
                "America/Chicago",
                ("Pipelines", "Dashboards", "Public API"),
                date(2021, 4, 12),
                "Building a self-serve data platform for 40 analysts. "
                "Happy to talk dbt and lineage.",
                frozenset({Role.MODERATOR}),
            ),
            P(
                "Devon Price",
                "devon@acme.example",
                "Analytics Engineer",
                "America/Chicago",
                ("Pipelines", "Data Catalog"),
                date(2022, 1, 10),
                "SQL, tests and too much coffee.",
            ),
            P(
                "Mei Tanaka",
                "mei@acme.example",
                "BI Lead",
                "America/Denver",
                ("Dashboards", "Embedded Analytics"),
                date(2021, 9, 1),
                "Embedding dashboards in our customer portal.",
            ),
            P(
                "Sam Okafor",
                "sam@acme.example",
                "VP Engineering",
                "America/New_York",
                ("Pipelines",),
                date(2021, 4, 12),
            ),
        ),
    ),
    _Company(
        "Northwind Logistics",
        "northwind.example",
        "Logistics",
        "EMEA",
        EmployeeBand.B1001_5000,
        TouchTier.HIGH_TOUCH,
        LifecycleStage.RENEWAL,
        True,
        (
            P(
                "Ingrid Svensson",
                "ingrid@northwind.example",
                "Director of Data",
                "Europe/Stockholm",
                ("Pipelines", "Alerts", "Dashboards"),
                date(2020, 6, 15),
                "Real-time fleet tracking across 14 countries.",
            ),
            P(
                "Lars Becker",
                "lars@northwind.example",
                "Data Engineer",
                "Europe/Berlin",
                ("Pipelines", "Public API"),
                date(2022, 3, 7),
            ),
            P(
                "Fatima Zahra",
                "fatima@northwind.example",
                "Operations Analyst",
                "Europe/Paris",
                ("Dashboards", "Alerts"),
                date(2023, 2, 20),
                "Alerts on late shipments saved our Q4.",
            ),
        ),
    ),
    _Company(
        "Bluefin Freight",
        "bluefin.example",
        "Logistics",
        "EMEA",
        EmployeeBand.B201_1000,
        TouchTier.LOW_TOUCH,
        LifecycleStage.ADOPTION,
        False,
        (
            P(
                "Owen Hughes",
                "owen@bluefin.example",
                "Head of IT",
                "Europe/London",
                ("Pipelines", "Dashboards"),
                date(2023, 8, 1),
            ),
            P(
                "Chiara Romano",
                "chiara@bluefin.example",
                "Data Analyst",
                "Europe/Rome",
                ("Dashboards",),
                date(2024, 1, 15),
                "New to the product: learning fast.",
            ),
        ),
    ),
    _Company(
        "Helix Health",
        "helixhealth.example",
        "Healthcare",
        "North America",
        EmployeeBand.B5001_PLUS,
        TouchTier.HIGH_TOUCH,
        LifecycleStage.ONBOARDING,
        True,
        (
            P(
                "Dr. Renee Walker",
                "renee@helixhealth.example",
                "Chief Data Officer",
                "America/New_York",
                ("Data Catalog",),
                date(2025, 2, 3),
                "HIPAA-first analytics for 30 clinics.",
            ),
            P(
                "Marcus Bell",
                "marcus@helixhealth.example",
                "Platform Architect",
                "America/New_York",
                ("Pipelines", "Data Catalog", "Public API"),
                date(2025, 2, 3),
            ),
            P(
                "Aisha Khan",
                "aisha@helixhealth.example",
                "Clinical BI Analyst",
                "America/Toronto",
                ("Dashboards",),
                date(2025, 3, 1),
            ),
            P(
                "Ben Carter",
                "ben@helixhealth.example",
                "Security Engineer",
                "America/Chicago",
                ("Public API",),
                date(2025, 3, 1),
                "Ask me about SSO and audit logs.",
            ),
            P(
                "Lucía Fernández",
                "lucia@helixhealth.example",
                "Project Manager",
                "America/Mexico_City",
                (),
                None,
            ),
        ),
    ),
    _Company(
        "Lumen Retail Group",
        "lumenretail.example",
        "Retail",
        "APAC",
        EmployeeBand.B1001_5000,
        TouchTier.LOW_TOUCH,
        LifecycleStage.AT_RISK,
        True,
        (
            P(
                "Hiroshi Sato",
                "hiroshi@lumenretail.example",
                "Merchandising Analytics Manager",
                "Asia/Tokyo",
                ("Dashboards", "Alerts"),
                date(2022, 5, 9),
            ),
            P(
                "Grace Lim",
                "grace@lumenretail.example",
                "Data Engineer",
                "Asia/Singapore",
                ("Pipelines",),
                date(2022, 5, 9),
                "Migrating 200 pipelines off cron.",
            ),
        ),
    ),
    _Company(
        "Quarry Bank",
        "quarrybank.example",
        "Financial services",
        "EMEA",
        EmployeeBand.B5001_PLUS,
        TouchTier.HIGH_TOUCH,
        LifecycleStage.ADOPTION,
        True,
        (
            P(
                "Eleanor Shaw",
                "eleanor@quarrybank.example",
                "Head of Analytics",
                "Europe/London",
                ("Pipelines", "Dashboards", "Alerts", "Data Catalog"),
                date(2021, 11, 22),
                "Regulatory reporting, done right and on time.",
            ),
            P(
                "Pieter de Vries",
                "pieter@quarrybank.example",
                "Risk Data Lead",
                "Europe/Amsterdam",
                ("Pipelines", "Data Catalog"),
                date(2022, 2, 14),
            ),
            P(
                "Nadia Popescu",
                "nadia@quarrybank.example",
                "Senior BI Developer",
                "Europe/Bucharest",
                ("Dashboards", "Embedded Analytics"),
                date(2023, 6, 5),
            ),
        ),
    ),
    _Company(
        "Tidewater Energy",
        "tidewater.example",
        "Energy",
        "LATAM",
        EmployeeBand.B201_1000,
        TouchTier.LOW_TOUCH,
        LifecycleStage.RENEWAL,
        False,
        (
            P(
                "Camila Souza",
                "camila@tidewater.example",
                "Data Platform Manager",
                "America/Sao_Paulo",
                ("Pipelines", "Alerts"),
                date(2022, 8, 30),
                "Sensor data from 60 offshore sites.",
            ),
            P(
                "Diego Morales",
                "diego@tidewater.example",
                "Analyst",
                "America/Bogota",
                ("Dashboards",),
                date(2023, 4, 11),
            ),
        ),
    ),
    _Company(
        "Pocketful Games",
        "pocketful.example",
        "Gaming",
        "APAC",
        EmployeeBand.B51_200,
        TouchTier.TECH_TOUCH,
        LifecycleStage.ADOPTION,
        False,
        (
            P(
                "Kai Nguyen",
                "kai@pocketful.example",
                "Founder & CTO",
                "Australia/Sydney",
                ("Public API", "Embedded Analytics"),
                date(2024, 7, 1),
                "Player analytics on a budget.",
            ),
            P(
                "Zoe Park",
                "zoe@pocketful.example",
                "Growth Analyst",
                "Asia/Seoul",
                ("Dashboards",),
                date(2024, 9, 16),
            ),
        ),
    ),
)

# Pairs of domains that compete: members of one must never be matched as buddies of the other.
COMPETITORS = (("northwind.example", "bluefin.example"),)


async def load_identity(session: AsyncSession) -> DemoIdentity:
    vendor = Account(
        kind=AccountKind.VENDOR,
        name="Bondfire",
        domain="bondfire.example",
        industry="Software",
        region="North America",
        employee_band=EmployeeBand.B201_1000,
    )
    session.add(vendor)
    await session.flush()
    events.account_changed(session, events.ACCOUNT_CREATED, vendor)

    staff: dict[str, Member] = {}
    for person in STAFF:
        staff[person.email] = await service.create_member(
            session,
            None,
            account=vendor,
            email=person.email,
            name=person.name,
            roles=set(person.roles),
            title=person.title,
        )
    admin = staff[ADMIN_EMAIL]
    admin_actor = actor_for(admin, AccountKind.VENDOR)
    for person in STAFF:
        await _fill_profile(session, admin_actor, staff[person.email], person)
    csm = next(m for m in staff.values() if Role.CSM in m.roles)

    accounts: dict[str, Account] = {}
    members: dict[str, Member] = {}
    for company in COMPANIES:
        account = await service.create_account(
            session,
            admin_actor,
            AccountFields(
                name=company.name,
                domain=company.domain,
                industry=company.industry,
                region=company.region,
                employee_band=company.band,
                tier=company.tier,
                lifecycle_stage=company.stage,
                owner_csm_id=csm.id if company.csm_owned else None,
                segment=REVENUE[company.domain][0],
                arr=REVENUE[company.domain][1],
            ),
        )
        accounts[company.domain] = account
        for person in company.people:
            member = await service.create_member(
                session,
                None,
                account=account,
                email=person.email,
                name=person.name,
                roles=set(person.roles),
                title=person.title,
            )
            members[person.email] = await _fill_profile(session, admin_actor, member, person)

    for one, other in COMPETITORS:
        await service.set_competitors(session, admin_actor, accounts[one].id, [accounts[other].id])
    # Listed tokens so the token screens show something (their secrets are never printed).
    casey = members[MODERATOR_EMAIL]
    for actor, name in (
        (admin_actor, "CRM sync"),
        (actor_for(casey, AccountKind.CUSTOMER), "Data warehouse export"),
    ):
        await credentials.create_api_token(
            session, actor, name=name, scopes={TokenScope.READ}, expires_in_days=90
        )
    return DemoIdentity(vendor, admin, admin_actor, staff, accounts, members)


async def _fill_profile(
    session: AsyncSession, actor: Actor, member: Member, person: _Person
) -> Member:
    return await service.update_profile(
        session,
        actor,
        member.id,
        ProfileChanges(
            timezone=person.timezone,
            products_used=list(person.products),
            using_product_since=person.since,
            bio=person.bio,
        ),
    )
