"""Advocacy test people: a vendor with an admin, two CSMs (one owns Acme) and a marketer;
customers at Acme, Globex (a competitor of the prospect Initech) and Hooli."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text

from api.app import create_app
from domain.identity.models import Account, Member, Role, account_competitors
from domain.shared.database import create_session_factory
from domain.shared.models import Base
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql


@dataclass
class People:
    admin: Member
    owner: Member  # CSM owning Acme and Hooli
    csm: Member  # another CSM
    marketer: Member
    casey: Member  # Acme
    devon: Member  # Acme
    gil: Member  # Globex
    hana: Member  # Hooli
    acme: Account
    globex: Account
    hooli: Account
    initech: Account


@pytest.fixture
async def people(session) -> People:
    vendor = await create_vendor(session)
    admin = await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin")
    owner = await create_member(session, vendor, {Role.CSM}, name="Olga Owner")
    csm = await create_member(session, vendor, {Role.CSM}, name="Carl Csm")
    marketer = await create_member(session, vendor, {Role.MARKETING}, name="Mia Marketing")
    acme = await create_account(
        session, name="Acme", industry="Retail", region="EMEA", owner_csm_id=owner.id
    )
    globex = await create_account(session, name="Globex", industry="Retail", region="EMEA")
    hooli = await create_account(
        session, name="Hooli", industry="Media", region="AMER", owner_csm_id=owner.id
    )
    initech = await create_account(
        session, name="Initech", domain="initech.example", industry="Retail"
    )
    await session.execute(
        insert(account_competitors).values(account_id=initech.id, competitor_id=globex.id)
    )
    people = People(
        admin=admin,
        owner=owner,
        csm=csm,
        marketer=marketer,
        casey=await create_member(session, acme, name="Casey", title="Data Lead"),
        devon=await create_member(session, acme, name="Devon"),
        gil=await create_member(session, globex, name="Gil"),
        hana=await create_member(session, hooli, name="Hana"),
        acme=acme,
        globex=globex,
        hooli=hooli,
        initech=initech,
    )
    await session.commit()
    return people


@pytest.fixture
def call(app, client):  # type: ignore[no-untyped-def]
    async def run(
        member: Member, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = await gql(client, query, variables, token=bearer(app, member))
        assert "errors" not in body, body["errors"]
        return body["data"]

    return run


@pytest.fixture
async def committed(engine, settings) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    """A client on committed data (parallel transactions), for PostgreSQL; emptied after."""
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
