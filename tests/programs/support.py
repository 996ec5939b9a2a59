"""Programs test helpers: people with account data, and programs made through the API."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import AccountSegment, Member, Role
from domain.shared.outbox import OutboxEvent
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

CREATE_PROGRAM = """
mutation($input: CreateProgramInput!) {
  createProgram(input: $input) { program { id state capacity } userErrors { field code message } }
}
"""
SET_STATE = """
mutation($input: SetProgramStateInput!) {
  setProgramState(input: $input) { program { id state seatsTaken } userErrors { field code message } }
}
"""
APPLY = """
mutation($input: ApplyToProgramInput!) {
  applyToProgram(input: $input) {
    application { id status source answers { question answer } }
    userErrors { field code message }
  }
}
"""
REVIEW = """
mutation($input: ReviewApplicationInput!) {
  reviewProgramApplication(input: $input) {
    application { id status waitlistPosition decisionReason }
    userErrors { field code message }
  }
}
"""
LEAVE = """
mutation($input: ProgramIdInput!) {
  leaveProgram(input: $input) { enrolment { status hasAccess } userErrors { field code message } }
}
"""


async def people(session: AsyncSession) -> dict[str, Any]:
    vendor = await create_vendor(session)
    rival = await create_account(session, name="Rival Corp", region="NA")
    acme = await create_account(
        session,
        name="Acme",
        segment=AccountSegment.ENTERPRISE,
        arr=Decimal("250000.00"),
        region="EMEA",
        industry="Retail",
    )
    tiny = await create_account(
        session,
        name="Tiny",
        segment=AccountSegment.SMB,
        arr=Decimal("12000.00"),
        region="APAC",
        industry="Software",
    )
    since = date.today() - timedelta(days=400)
    return {
        "vendor": vendor,
        "acme": acme,
        "tiny": tiny,
        "rival": rival,
        "pm": await create_member(session, vendor, {Role.PRODUCT}, name="Pat PM"),
        "pm2": await create_member(session, vendor, {Role.PRODUCT}, name="Quinn PM"),
        "csm": await create_member(session, vendor, {Role.CSM}, name="Cass CSM"),
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "casey": await create_member(
            session,
            acme,
            name="Casey",
            title="Head of Data",
            products_used=["Pipelines", "Dashboards"],
            using_product_since=since,
        ),
        "dana": await create_member(
            session,
            acme,
            name="Dana",
            title="Data Engineer",
            products_used=["Pipelines"],
            using_product_since=since,
        ),
        "tim": await create_member(
            session,
            tiny,
            name="Tim",
            title="Marketing lead",
            products_used=["Dashboards"],
            using_product_since=date.today() - timedelta(days=30),
        ),
    }


async def create_program(
    client: httpx.AsyncClient, app: FastAPI, owner: Member, state: str = "OPEN", **fields: Any
) -> str:
    values = {"kind": "BETA", "name": "Streaming beta"} | fields
    body = await gql(client, CREATE_PROGRAM, {"input": values}, token=bearer(app, owner))
    payload = body["data"]["createProgram"]
    assert payload["userErrors"] == [], payload
    program_id: str = payload["program"]["id"]
    if state != "DRAFT":
        await set_state(client, app, owner, program_id, state)
    return program_id


async def set_state(
    client: httpx.AsyncClient, app: FastAPI, actor: Member, program_id: str, state: str
) -> dict[str, Any]:
    body = await gql(
        client,
        SET_STATE,
        {"input": {"programId": program_id, "state": state}},
        token=bearer(app, actor),
    )
    result: dict[str, Any] = body["data"]["setProgramState"]
    return result


async def apply(
    client: httpx.AsyncClient,
    app: FastAPI,
    member: Member,
    program_id: str,
    answers: list[str] | None = None,
) -> dict[str, Any]:
    variables = {"input": {"programId": program_id, "answers": answers or []}}
    body = await gql(client, APPLY, variables, token=bearer(app, member))
    result: dict[str, Any] = body["data"]["applyToProgram"]
    return result


async def review(
    client: httpx.AsyncClient,
    app: FastAPI,
    reviewer: Member,
    application_id: str,
    decision: str,
    reason: str | None = None,
) -> dict[str, Any]:
    variables = {"input": {"applicationId": application_id, "decision": decision, "reason": reason}}
    body = await gql(client, REVIEW, variables, token=bearer(app, reviewer))
    result: dict[str, Any] = body["data"]["reviewProgramApplication"]
    return result


async def enrol(
    client: httpx.AsyncClient, app: FastAPI, reviewer: Member, member: Member, program_id: str
) -> str:
    applied = await apply(client, app, member, program_id)
    assert applied["userErrors"] == [], applied
    application_id: str = applied["application"]["id"]
    reviewed = await review(client, app, reviewer, application_id, "APPROVE")
    assert reviewed["userErrors"] == [], reviewed
    return application_id


async def events(session: AsyncSession, topic: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id)
    )
    return list(rows)


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def db_id(global_id_value: str) -> int:
    import base64

    return int(base64.b64decode(global_id_value).decode().split(":")[1])


__all__ = ["global_id"]
