"""A small buddy community: one mentee, mentors the constraints allow and mentors they forbid."""

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, EmployeeBand, Member, Role, account_competitors
from domain.matching.models import BuddyRole, MaturityLevel
from tests.matching.support import create_profile
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id


@dataclass
class World:
    app: FastAPI
    client: AsyncClient
    session: AsyncSession
    members: dict[str, Member]
    accounts: dict[str, Account]

    def token(self, who: str) -> str:
        return bearer(self.app, self.members[who])

    def id(self, who: str) -> str:
        return global_id("Member", self.members[who].id)

    async def gql(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        await self.session.commit()
        body = await gql(self.client, query, variables, token=self.token(who))
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def drain(self) -> None:
        await self.session.commit()
        await self.app.state.dispatcher.drain()


@pytest.fixture
async def world(app, client, session) -> World:
    vendor = await create_vendor(session)
    accounts = {
        "acme": await create_account(
            session, industry="Software", region="EMEA", employee_band=EmployeeBand.B201_1000
        ),
        "globex": await create_account(
            session, industry="Logistics", region="EMEA", employee_band=EmployeeBand.B201_1000
        ),
        "initech": await create_account(
            session, industry="Software", region="APAC", employee_band=EmployeeBand.B1001_5000
        ),
        "rival": await create_account(session, industry="Retail", region="North America"),
        "umbrella": await create_account(session, industry="Software", region="EMEA"),
    }
    # The rival declared Acme a competitor (Acme did not): it still counts.
    await session.execute(
        insert(account_competitors).values(
            account_id=accounts["rival"].id, competitor_id=accounts["acme"].id
        )
    )
    members = {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "product": await create_member(session, vendor, {Role.PRODUCT}, name="Pia Product"),
        "casey": await create_member(
            session, accounts["acme"], name="Casey", timezone="Europe/Berlin"
        ),
        "colleague": await create_member(session, accounts["acme"], name="Col"),
        "gil": await create_member(
            session, accounts["globex"], name="Gil", timezone="Europe/Paris"
        ),
        "ivy": await create_member(session, accounts["initech"], name="Ivy", timezone="Asia/Tokyo"),
        "rex": await create_member(session, accounts["rival"], name="Rex"),
        "uma": await create_member(session, accounts["umbrella"], name="Uma"),
        "pat": await create_member(session, accounts["globex"], name="Pat"),
        "nia": await create_member(session, accounts["initech"], name="Nia"),
    }
    await create_profile(
        session,
        members["casey"],
        BuddyRole.MENTEE,
        products=["Pipelines", "Dashboards"],
        desired_outcomes=["Faster reporting"],
        maturity=MaturityLevel.NEW,
    )
    await create_profile(
        session,
        members["gil"],
        products=["Pipelines", "Dashboards"],
        achieved_outcomes=["faster reporting"],
        capacity=1,
        maturity=MaturityLevel.DEVELOPING,
    )
    await create_profile(session, members["ivy"], products=["Pipelines"])
    for who in ("rex", "uma", "colleague"):
        await create_profile(session, members[who], products=["Pipelines", "Dashboards"])
    await create_profile(session, members["pat"], paused=True)
    await create_profile(session, members["nia"], BuddyRole.MENTEE, products=["Pipelines"])
    await session.commit()
    return World(app, client, session, members, accounts)
