"""Enrolment opens the program's restricted forum spaces; exit and a new NDA version close them."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from domain.community.models import SpaceVisibility
from domain.programs.models import (
    AgreementAcceptance,
    ApplicationStatus,
    EnrolmentStatus,
    ProgramApplication,
    ProgramEnrolment,
)
from domain.shared.audit import AuditEntry
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.programs.support import (
    LEAVE,
    REVIEW,
    apply,
    create_program,
    db_id,
    enrol,
    people,
)
from tests.support.community import create_space, create_thread
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

SPACE = """
query($slug: String!) { space(slug: $slug) { name threads { edges { node { title } } } } }
"""
PUBLISH = """
mutation($input: PublishAgreementInput!) {
  publishProgramAgreement(input: $input) { agreement { version title } userErrors { code } }
}
"""
ACCEPT = """
mutation($input: AcceptAgreementInput!) {
  acceptProgramAgreement(input: $input) {
    agreement { version viewerAcceptedAt } userErrors { field code message }
  }
}
"""
REMOVE = """
mutation($input: RemoveFromProgramInput!) {
  removeFromProgram(input: $input) { enrolment { status endReason } userErrors { code } }
}
"""


async def _sees(client, app, member, slug) -> bool:
    body = await gql(client, SPACE, {"slug": slug}, token=bearer(app, member))
    space = body["data"]["space"]
    if space is not None:
        assert space["threads"]["edges"][0]["node"]["title"].startswith("Thread")
    return space is not None


async def test_access_follows_enrolment_and_the_current_agreement(app, client, session):
    team = await people(session)
    await session.commit()
    program_id = await create_program(client, app, team["pm"], name="NDA beta")
    space = await create_space(session, SpaceVisibility.PROGRAM, program_id=db_id(program_id))
    await create_thread(session, space, team["pm"].id)
    await session.commit()
    pm, casey = team["pm"], team["casey"]
    publish = {"programId": program_id, "title": "Beta NDA", "body": "Keep it secret."}
    v1 = await gql(client, PUBLISH, {"input": publish}, token=bearer(app, pm))
    assert v1["data"]["publishProgramAgreement"]["agreement"]["version"] == 1

    # not enrolled: no access
    assert not await _sees(client, app, casey, space.slug)
    # approved, but the NDA is not accepted yet: the seat is held, the space stays shut
    await enrol(client, app, pm, casey, program_id)
    enrolment = await session.scalar(select(ProgramEnrolment))
    assert enrolment.status is EnrolmentStatus.PAUSED
    assert not await _sees(client, app, casey, space.slug)
    # accepting the current version opens it
    accepted = await gql(
        client, ACCEPT, {"input": {"programId": program_id, "version": 1}}, token=bearer(app, casey)
    )
    assert accepted["data"]["acceptProgramAgreement"]["agreement"]["viewerAcceptedAt"] is not None
    assert await _sees(client, app, casey, space.slug)

    # a new version closes it again until re-accepted; the old version is refused
    publish["body"] = "Keep it secret, v2."
    await gql(client, PUBLISH, {"input": publish}, token=bearer(app, pm))
    assert not await _sees(client, app, casey, space.slug)
    outdated = await gql(
        client, ACCEPT, {"input": {"programId": program_id, "version": 1}}, token=bearer(app, casey)
    )
    payload = outdated["data"]["acceptProgramAgreement"]
    assert payload["agreement"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "version"], "AGREEMENT_OUTDATED")
    ]
    assert not await _sees(client, app, casey, space.slug)
    await gql(
        client, ACCEPT, {"input": {"programId": program_id, "version": 2}}, token=bearer(app, casey)
    )
    assert await _sees(client, app, casey, space.slug)
    acceptances = await session.execute(
        select(AgreementAcceptance.member_id, AgreementAcceptance.version).order_by(
            AgreementAcceptance.version
        )
    )
    assert acceptances.all() == [(casey.id, 1), (casey.id, 2)]

    # leaving revokes access at once
    await gql(client, LEAVE, {"input": {"programId": program_id}}, token=bearer(app, casey))
    assert not await _sees(client, app, casey, space.slug)

    # every access change is in the audit log
    actions = list(
        await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "ProgramEnrolment")
            .order_by(AuditEntry.id)
        )
    )
    assert actions == [
        "program.enrolment.start",
        "program.access.resume",
        "program.access.pause",
        "program.access.resume",
        "program.enrolment.end",
    ]


async def test_removal_by_the_team_revokes_access(app, client, session):
    team = await people(session)
    await session.commit()
    program_id = await create_program(client, app, team["pm"])
    space = await create_space(session, SpaceVisibility.PROGRAM, program_id=db_id(program_id))
    await create_thread(session, space, team["pm"].id)
    await session.commit()
    await enrol(client, app, team["pm"], team["dana"], program_id)
    assert await _sees(client, app, team["dana"], space.slug)
    removal = {
        "programId": program_id,
        "memberId": global_id("Member", team["dana"].id),
        "reason": "",
    }
    blank = await gql(client, REMOVE, {"input": removal}, token=bearer(app, team["pm"]))
    assert blank["data"]["removeFromProgram"]["userErrors"] == [{"code": "INVALID_VALUE"}]
    removal["reason"] = "shared screenshots publicly"
    removed = await gql(client, REMOVE, {"input": removal}, token=bearer(app, team["pm"]))
    assert removed["data"]["removeFromProgram"]["enrolment"] == {
        "status": "ENDED",
        "endReason": "shared screenshots publicly",
    }
    assert not await _sees(client, app, team["dana"], space.slug)
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "program.enrolment.remove")
    )
    assert (entry.actor_member_id, entry.reason) == (team["pm"].id, "shared screenshots publicly")


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("parallel transactions need PostgreSQL; SQLite serialises writers")
    app = create_app(settings, engine=engine, configure_logs=False)
    factory = create_session_factory(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bondfire.test") as client:
        try:
            yield client, app, factory
        finally:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


async def test_parallel_approvals_never_exceed_capacity(committed):
    client, app, factory = committed
    async with factory() as session:
        vendor = await create_vendor(session)
        from domain.identity.models import Role

        reviewers = [await create_member(session, vendor, {Role.PRODUCT}) for _ in range(3)]
        account = await create_account(session)
        applicants = [await create_member(session, account) for _ in range(12)]
        await session.commit()
    program_id = await create_program(client, app, reviewers[0], capacity=4)
    ids = [(await apply(client, app, m, program_id))["application"]["id"] for m in applicants]
    # when three reviewers approve all twelve at once (and the first one twice)
    approvals = [
        gql(
            client,
            REVIEW,
            {"input": {"applicationId": i, "decision": "APPROVE"}},
            token=bearer(app, reviewers[n % 3]),
        )
        for n, i in enumerate([*ids, ids[0]])
    ]
    results = await asyncio.gather(*approvals)
    # then exactly four are seated; every other approval was refused and changed nothing
    payloads = [r["data"]["reviewProgramApplication"] for r in results]
    approved = [p for p in payloads if p["application"] is not None]
    codes = sorted(e["code"] for p in payloads for e in p["userErrors"])
    assert len(approved) == 4
    assert codes.count("PROGRAM_FULL") + codes.count("ALREADY_DECIDED") == 9
    async with factory() as session:
        seated = await session.scalar(
            select(func.count()).where(ProgramEnrolment.program_id == db_id(program_id))
        )
        statuses = list(await session.scalars(select(ProgramApplication.status)))
        assert seated == 4
        assert statuses.count(ApplicationStatus.APPROVED) == 4
        assert statuses.count(ApplicationStatus.PENDING) == 8
