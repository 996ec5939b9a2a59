"""A member with data in every context, for the personal data export and erasure tests.

What a member does themselves (posting, reacting, voting, API tokens) goes through the API;
what staff workflows leave behind (a programme seat, consent, a published quote, ledger entries,
a buddy pair, an attribution touch) is inserted as those workflows store it."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocateProfile,
    Attribution,
    ConsentRecord,
    ConsentScope,
    LedgerActivity,
    LedgerEntry,
    PointBalance,
    ProfileStatus,
    Testimonial,
    TestimonialSource,
    TestimonialState,
)
from domain.community.models import NotificationKind, NotificationPreference, Space, Thread
from domain.feedback.models import Survey, SurveyKind, SurveyRecipient, SurveyResponse
from domain.identity import events as identity_events
from domain.identity.models import AccountSegment, ExternalIdentity, Member, Role
from domain.insights.models import (
    AdvocacyTouch,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    TouchSource,
    TouchType,
)
from domain.matching.models import BuddyPair, BuddyProfile, BuddyRole, PairOrigin, PairStatus
from domain.programs.models import (
    ApplicationSource,
    ApplicationStatus,
    Program,
    ProgramApplication,
    ProgramEnrolment,
    ProgramKind,
    ProgramState,
)
from domain.shared.models import utcnow
from tests.feedback.world import SUBMIT, VOTE
from tests.support.community import create_space
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import gql
from tests.support.ids import global_id

START_THREAD = """
mutation($input: StartThreadInput!) {
  startThread(input: $input) { thread { id } userErrors { code } }
}
"""
REPLY = "mutation($input: ReplyInput!) { reply(input: $input) { post { id } userErrors { code } } }"
REACT = """
mutation($input: ReactionInput!) { addReaction(input: $input) { post { id } userErrors { code } } }
"""
CREATE_TOKEN = """
mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { secret userErrors { code } }
}
"""
CASEY = {
    "name": "Casey Quillfeather",
    "handle": "casey",
    "title": "Data engineer",
    "bio": "Pipelines all day in Lisbon",
    "timezone": "Europe/Lisbon",
    "products_used": ["Warehouse"],
    "avatar_url": "https://cdn.example/casey.png",
}


@dataclass
class PrivacyWorld:
    app: FastAPI
    client: httpx.AsyncClient
    people: dict[str, Member] = field(default_factory=dict)
    space: Space | None = None
    ids: dict[str, Any] = field(default_factory=dict)  # global ids and row ids made below

    def __post_init__(self) -> None:
        self.member_ids: dict[str, int] = {}
        self.account_ids: dict[str, int] = {}

    def token(self, who: str) -> str:
        return str(self.app.state.tokens.issue(self.member_ids[who]))

    def member_id(self, who: str) -> int:
        """Read once at build: tests expire the session's rows to see what the API wrote."""
        return self.member_ids[who]

    async def call(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await gql(self.client, query, variables, token=self.token(who))
        assert "errors" not in body, body
        return body["data"]


async def build_privacy_world(
    app: FastAPI, client: httpx.AsyncClient, session: Any
) -> PrivacyWorld:
    world = PrivacyWorld(app, client)
    vendor = await create_vendor(session)
    acme = await create_account(
        session, name="Acme", arr=Decimal("120000.00"), segment=AccountSegment.ENTERPRISE
    )
    globex = await create_account(
        session, name="Globex", arr=Decimal("50000.00"), segment=AccountSegment.SMB
    )
    world.people = {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "marketing": await create_member(session, vendor, {Role.MARKETING}, name="Mia Marketer"),
        "casey": await create_member(session, acme, **CASEY),
        "carla": await create_member(session, acme, name="Carla Colleague"),
        "gil": await create_member(session, globex, name="Gil Outsider", handle="gil"),
    }
    world.member_ids = {who: m.id for who, m in world.people.items()}
    world.account_ids = {who: m.account_id for who, m in world.people.items()}
    for member in world.people.values():  # as the identity service records a new member
        identity_events.member_changed(session, identity_events.MEMBER_CREATED, member)
    world.space = await create_space(session)
    await session.commit()
    await _community(world)
    await _feedback(world)
    await _tokens(world)
    await _staff_workflows(world, session)
    await session.commit()
    return world


async def _community(world: PrivacyWorld) -> None:
    assert world.space is not None
    space_id = global_id("Space", world.space.id)
    started = await world.call(
        "casey",
        START_THREAD,
        {"input": {"spaceId": space_id, "title": "Backfill stalls", "body": "Quillfeather here."}},
    )
    thread_id = started["startThread"]["thread"]["id"]
    world.ids["thread"] = thread_id
    replied = await world.call(
        "gil", REPLY, {"input": {"threadId": thread_id, "body": "Restart the @casey pipeline"}}
    )
    await world.call(
        "casey",
        REACT,
        {"input": {"postId": replied["reply"]["post"]["id"], "kind": "INSIGHTFUL"}},
    )
    await world.call(
        "casey", REPLY, {"input": {"threadId": thread_id, "body": "Thanks, that worked."}}
    )


async def _feedback(world: PrivacyWorld) -> None:
    gil_idea = await world.call(
        "gil", SUBMIT, {"i": {"title": "Dark mode", "productArea": "Dashboards"}}
    )
    casey_idea = await world.call(
        "casey", SUBMIT, {"i": {"title": "Faster backfills", "productArea": "Pipelines"}}
    )
    world.ids["gil_idea"] = gil_idea["submitIdea"]["idea"]["id"]
    world.ids["casey_idea"] = casey_idea["submitIdea"]["idea"]["id"]
    for who, idea, importance in (
        ("casey", "gil_idea", "MUST_HAVE"),
        ("carla", "gil_idea", "IMPORTANT"),
        ("gil", "casey_idea", "NICE_TO_HAVE"),
    ):
        voted = await world.call(
            who, VOTE, {"i": {"ideaId": world.ids[idea], "importance": importance}}
        )
        assert voted["voteIdea"]["userErrors"] == []


async def _tokens(world: PrivacyWorld) -> None:
    created = await world.call(
        "casey", CREATE_TOKEN, {"input": {"name": "CI export", "scopes": ["READ"]}}
    )
    world.ids["api_token_secret"] = created["createApiToken"]["secret"]


async def _staff_workflows(world: PrivacyWorld, session: AsyncSession) -> None:
    casey, gil = world.people["casey"], world.people["gil"]
    now = utcnow()
    session.add(ExternalIdentity(member_id=casey.id, issuer="https://idp.example", subject="c-1"))
    session.add(NotificationPreference(member_id=casey.id, kind=NotificationKind.MENTION))
    # programmes: casey holds the only seat; gil waits for it
    program = Program(
        kind=ProgramKind.BETA, name="Nightjar beta", state=ProgramState.RUNNING, capacity=1
    )
    session.add(program)
    await session.flush()
    session.add_all(
        [
            ProgramApplication(
                program_id=program.id,
                member_id=casey.id,
                account_id=casey.account_id,
                source=ApplicationSource.APPLIED,
                status=ApplicationStatus.APPROVED,
                answers=[{"question": "Why?", "answer": "We run 40 pipelines"}],
            ),
            ProgramEnrolment(program_id=program.id, member_id=casey.id, started_at=now),
            ProgramApplication(
                program_id=program.id,
                member_id=gil.id,
                account_id=gil.account_id,
                source=ApplicationSource.APPLIED,
                status=ApplicationStatus.WAITLISTED,
                waitlist_position=1,
            ),
        ]
    )
    world.ids["program"] = program.id
    # feedback: an NPS answer with a comment
    survey = Survey(kind=SurveyKind.NPS, title="How likely ...?")
    session.add(survey)
    await session.flush()
    session.add(SurveyRecipient(survey_id=survey.id, member_id=casey.id))
    session.add(
        SurveyResponse(
            survey_id=survey.id,
            member_id=casey.id,
            account_id=casey.account_id,
            score=9,
            answers={"nps": 9},
            comment="Casey loves the warehouse",
        )
    )
    # advocacy: a profile, consent to quote her on the web, a published quote, points
    session.add(
        AdvocateProfile(
            member_id=casey.id,
            account_id=casey.account_id,
            status=ProfileStatus.ACTIVE,
            activities=["TESTIMONIAL"],
            notes="Great storyteller",
        )
    )
    session.add(
        ConsentRecord(
            scope=ConsentScope.MEMBER,
            member_id=casey.id,
            account_id=casey.account_id,
            activity=AdvocacyActivity.TESTIMONIAL,
            channels=["WEB"],
            text_version="v1",
            granted_at=now - timedelta(days=1),
        )
    )
    session.add(
        Testimonial(
            member_id=casey.id,
            account_id=casey.account_id,
            source=TestimonialSource.INTERVIEW,
            text="Bondfire halved our backfill time.",
            attribution=Attribution.FULL_NAME_AND_TITLE,
            channels=["WEB"],
            state=TestimonialState.PUBLISHED,
            published_at=now,
        )
    )
    for n, points in enumerate((10, 25)):
        session.add(
            LedgerEntry(
                dedupe_key=f"privacy-test-{casey.id}-{n}",
                activity=LedgerActivity.TESTIMONIAL,
                member_id=casey.id,
                account_id=casey.account_id,
                occurred_at=now,
                weight=Decimal("1.00"),
                points=points,
                source_type="Testimonial",
                source_id=n + 1,
            )
        )
    session.add(PointBalance(member_id=casey.id, lifetime=35, spendable=35))
    # matching: casey mentors gil
    session.add(BuddyProfile(member_id=casey.id, role=BuddyRole.MENTOR, products=["Warehouse"]))
    session.add(
        BuddyPair(
            mentor_id=casey.id,
            mentee_id=gil.id,
            status=PairStatus.ACTIVE,
            origin=PairOrigin.REQUEST,
            score=0.8,
            message="Could you show me backfills?",
            started_at=now,
        )
    )
    # insights: casey's reference call touched a won deal
    opportunity = Opportunity(
        external_id="opp-1",
        name="Initech expansion",
        kind=OpportunityKind.NEW_BUSINESS,
        stage="Closed Won",
        status=OpportunityStatus.WON,
        amount=Decimal("80000.00"),
        currency="USD",
        created_on=date.today(),
    )
    session.add(opportunity)
    await session.flush()
    session.add(
        AdvocacyTouch(
            source_key=f"privacy-test-touch-{casey.id}",
            opportunity_id=opportunity.id,
            member_id=casey.id,
            account_id=casey.account_id,
            touch_type=TouchType.REFERENCE_CALL,
            source=TouchSource.MANUAL,
            occurred_at=now,
        )
    )
    await session.flush()


async def row_count(session: AsyncSession, model: Any, *conditions: Any) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    )


async def thread_counters(session: AsyncSession) -> list[tuple[int, int, int]]:
    rows = await session.execute(
        select(Thread.post_count, Thread.reply_count, Thread.reaction_count).order_by(Thread.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]
