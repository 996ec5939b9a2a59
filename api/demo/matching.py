"""Demo buddy matching: a programme, profiles, live pairs (active, accepted, requested and one
completed with feedback) and a meet-up. Northwind and Bluefin compete: never paired."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.identity import MODERATOR_EMAIL, DemoIdentity
from domain.identity.models import AccountKind
from domain.identity.policies import Actor, actor_for
from domain.matching.models import BuddyRole, MaturityLevel, MeetupGrouping
from domain.matching.services import lifecycle, meetups, profiles, programs, requests
from domain.matching.services.profiles import ProfileInput
from domain.shared.models import utcnow

M, E, B = BuddyRole.MENTOR, BuddyRole.MENTEE, BuddyRole.BOTH


@dataclass(frozen=True)
class _Profile:
    email: str
    role: BuddyRole
    use_cases: tuple[str, ...] = ()
    desired: tuple[str, ...] = ()
    achieved: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("English",)
    capacity: int = 1
    availability: str | None = None
    meetups: bool = False


PROFILES = (
    _Profile(
        MODERATOR_EMAIL,
        B,
        ("self-serve analytics", "data lineage"),
        ("embed dashboards in our portal",),
        ("self-serve reporting for 40 analysts", "faster month-end reporting"),
        capacity=2,
        availability="Tue and Thu afternoons (US Central)",
        meetups=True,
    ),
    _Profile(
        "ingrid@northwind.example",
        M,
        ("real-time tracking", "alerting"),
        achieved=("fewer late shipments", "real-time alerts"),
        languages=("English", "Swedish", "German"),
        capacity=2,
        meetups=True,
    ),
    _Profile(
        "eleanor@quarrybank.example",
        M,
        ("regulatory reporting",),
        achieved=("faster month-end reporting", "audit-ready pipelines"),
        capacity=2,
        meetups=True,
    ),
    _Profile(
        "kai@pocketful.example",
        M,
        ("embedded analytics",),
        achieved=("embed dashboards in our portal",),
        availability="Mornings AEST",
    ),
    _Profile("camila@tidewater.example", M, ("sensor data",), achieved=("real-time alerts",)),
    _Profile(
        "aisha@helixhealth.example",
        E,
        ("clinical dashboards",),
        ("self-serve reporting for 40 analysts",),
        meetups=True,
    ),
    _Profile(
        "chiara@bluefin.example",
        E,
        ("shipment dashboards",),
        ("faster month-end reporting",),
        ("English", "Italian"),
        meetups=True,
    ),
    _Profile(
        "zoe@pocketful.example", E, ("player analytics",), ("embed dashboards in our portal",)
    ),
    _Profile("diego@tidewater.example", E, ("operations dashboards",), ("real-time alerts",)),
    _Profile("renee@helixhealth.example", E, ("data governance",), meetups=True),
    _Profile("owen@bluefin.example", E, ("pipelines",), ("fewer late shipments",)),
)


@dataclass(frozen=True)
class DemoMatching:
    profiles: int
    pairs: int


async def load_matching(session: AsyncSession, identity: DemoIdentity) -> DemoMatching:
    now = utcnow()
    admin = identity.admin_actor
    await programs.save_program(
        session,
        admin,
        None,
        programs.ProgramInput(
            slug="new-customer-buddies",
            name="New customer buddies",
            description="Pairs customers in their first year with experienced peers.",
        ),
    )

    def actor(email: str) -> Actor:
        return actor_for(identity.members[email], AccountKind.CUSTOMER)

    for p in PROFILES:
        member = identity.members[p.email]
        await profiles.save_profile(
            session,
            actor(p.email),
            member.id,
            ProfileInput(
                role=p.role,
                use_cases=list(p.use_cases),
                desired_outcomes=list(p.desired),
                achieved_outcomes=list(p.achieved),
                languages=list(p.languages),
                capacity=p.capacity,
                availability=p.availability,
                meetups_opt_in=p.meetups,
                maturity=MaturityLevel.NEW if p.role is E else None,
            ),
            now,
        )

    async def pair(mentee: str, mentor: str, message: str) -> int:
        request = requests.BuddyRequest(identity.members[mentor].id, message=message)
        created = await requests.request_buddy(session, actor(mentee), request, now)
        return created.id

    # Casey mentors Aisha (active), Eleanor mentors Chiara (accepted), Zoe waits for Casey's
    # answer, Ingrid's pairing with Diego is complete and both gave feedback.
    active = await pair("aisha@helixhealth.example", MODERATOR_EMAIL, "Could you show me lineage?")
    await requests.accept_pair(session, actor(MODERATOR_EMAIL), active, now)
    await lifecycle.start_pair(session, actor(MODERATOR_EMAIL), active, None, now)
    accepted = await pair("chiara@bluefin.example", "eleanor@quarrybank.example", "Hi Eleanor!")
    await requests.accept_pair(session, actor("eleanor@quarrybank.example"), accepted, now)
    await pair("zoe@pocketful.example", MODERATOR_EMAIL, "Embedding tips, please?")
    done = await pair("diego@tidewater.example", "ingrid@northwind.example", "Alerts help")
    await requests.accept_pair(session, actor("ingrid@northwind.example"), done, now)
    await lifecycle.start_pair(session, actor("ingrid@northwind.example"), done, None, now)
    await lifecycle.complete_pair(session, actor("ingrid@northwind.example"), done, now)
    for email, rating in (("diego@tidewater.example", 5), ("ingrid@northwind.example", 4)):
        form = lifecycle.FeedbackInput(rating, goals_met=True, would_recommend=True)
        await lifecycle.give_feedback(session, actor(email), done, form, now)
    await meetups.propose_meetups(session, admin, MeetupGrouping.REGION, now, group_size=4)
    return DemoMatching(profiles=len(PROFILES), pairs=4)
