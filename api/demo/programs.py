"""Demo programs: the Nightjar beta (made by the community section) in flight with an NDA,
builds and feedback; and a customer advisory board with seats, meetings and an applicant."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.identity import DemoIdentity
from domain.identity.models import AccountKind, Member
from domain.identity.policies import Actor, actor_for
from domain.programs.eligibility import Rules
from domain.programs.models import AttendanceStatus, BetaFeedbackKind, Program, ProgramKind
from domain.programs.models import ProgramState as State
from domain.programs.services import agreements, applications, betas, boards, lifecycle
from domain.programs.services.lifecycle import ProgramFields
from domain.shared.models import utcnow

PRODUCT_EMAIL = "tomas@bondfire.example"
BOARD_MEMBERS = ("casey@acme.example", "renee@helixhealth.example", "eleanor@quarrybank.example")


@dataclass(frozen=True)
class DemoPrograms:
    beta: Program
    board: Program


def _actor(member: Member) -> Actor:
    return actor_for(member, AccountKind.CUSTOMER)


async def load_programs(session: AsyncSession, identity: DemoIdentity) -> DemoPrograms:
    now = utcnow()
    product = actor_for(identity.staff[PRODUCT_EMAIL], AccountKind.VENDOR)
    people = identity.members
    beta = await _beta(session, product, people, now)
    board = await _board(session, product, people, now)
    return DemoPrograms(beta=beta, board=board)


async def _beta(
    session: AsyncSession, product: Actor, people: dict[str, Member], now: datetime
) -> Program:
    beta = await session.scalar(select(Program).where(Program.codename == "Nightjar"))
    assert beta is not None, "the community demo makes the Nightjar beta"
    await lifecycle.update_program(
        session,
        product,
        beta.id,
        ProgramFields(
            description="Streaming alerts on live pipelines, before general availability.",
            confidential=True,
            capacity=6,
            owner_id=product.member_id,
            starts_on=(now - timedelta(days=30)).date(),
            ends_on=(now + timedelta(days=60)).date(),
            questions=["Which pipelines would you alert on?"],
            eligibility=Rules(products=["Pipelines", "Alerts"], max_other_programs=3),
        ),
        now,
    )
    nda = await agreements.publish_agreement(
        session,
        product,
        beta.id,
        "Nightjar beta NDA",
        "Keep what you see in the Nightjar beta confidential until general availability.",
        now,
    )
    for email in ("casey@acme.example", "ingrid@northwind.example"):
        await agreements.accept_agreement(session, _actor(people[email]), beta.id, nda.version, now)
    first = await betas.publish_build(
        session, product, beta.id, "0.3.0", "Streaming alerts for pipeline failures.", now
    )
    second = await betas.publish_build(
        session, product, beta.id, "0.4.0", "Alert routing rules and quiet hours.", now
    )
    feedback = (
        (
            "ingrid@northwind.example",
            first.id,
            BetaFeedbackKind.PRAISE,
            "Fast!",
            "Alerts reach us within a second of a failed run. Game changer for our on-call.",
        ),
        (
            "casey@acme.example",
            second.id,
            BetaFeedbackKind.ISSUE,
            "Quiet hours ignore time zone",
            "Quiet hours use UTC instead of the workspace time zone.",
        ),
    )
    for email, build_id, kind, title, body in feedback:
        await betas.give_feedback(
            session, _actor(people[email]), betas.NewFeedback(build_id, kind, title, body), now
        )
    # A confidential beta is found by invitation only.
    owen = people["owen@bluefin.example"]
    await applications.invite(session, product, beta.id, owen.id, "You asked for alerts", now)
    return beta


async def _board(
    session: AsyncSession, product: Actor, people: dict[str, Member], now: datetime
) -> Program:
    board = await lifecycle.create_program(
        session,
        product,
        ProgramKind.ADVISORY_BOARD,
        ProgramFields(
            name="Customer Advisory Board 2027",
            description="Twelve-month seats shaping the roadmap with the product team.",
            capacity=5,
            term_months=12,
            max_terms=2,
            questions=["What should the product do better for your team?"],
            eligibility=Rules(max_other_programs=3),
        ),
        now,
    )
    await lifecycle.set_state(session, product, board.id, State.OPEN, now)
    for email in BOARD_MEMBERS:
        member = people[email]
        await applications.invite(session, product, board.id, member.id, "Valued voice", now)
        await applications.respond_to_invitation(session, _actor(member), board.id, True, now)
    await lifecycle.set_state(session, product, board.id, State.RUNNING, now)
    await applications.apply(
        session,
        _actor(people["lars@northwind.example"]),
        applications.NewApplication(board.id, ["Better lineage across pipelines."]),
        now,
    )
    held = await boards.schedule_meeting(
        session,
        product,
        board.id,
        boards.MeetingFields(
            "Kick-off", now - timedelta(days=14), ["Introductions", "Roadmap H1", "Pricing tiers"]
        ),
        now,
    )
    attendance = [
        (people[BOARD_MEMBERS[0]].id, AttendanceStatus.PRESENT),
        (people[BOARD_MEMBERS[1]].id, AttendanceStatus.PRESENT),
        (people[BOARD_MEMBERS[2]].id, AttendanceStatus.EXCUSED),
    ]
    await boards.record_attendance(session, product, held.id, attendance, now)
    await boards.update_meeting(
        session,
        product,
        held.id,
        None,
        "Agreed to prioritise lineage and alert routing; pricing feedback to follow by e-mail.",
        now,
    )
    await boards.schedule_meeting(
        session,
        product,
        board.id,
        boards.MeetingFields(
            "Quarterly review", now + timedelta(days=76), ["Lineage preview", "Open ideas"]
        ),
        now,
    )
    return board
