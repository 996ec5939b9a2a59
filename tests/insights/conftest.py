"""Insights test data: staff, customers, and CSV text for the CRM import."""

from typing import Any

import pytest

from domain.identity.models import Role
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql

IMPORT = """
mutation($input: ImportCrmCsvInput!) {
  importCrmCsv(input: $input) {
    report { kind dryRun rows created updated unchanged problems { line column reason } }
    userErrors { field code message }
  }
}
"""


@pytest.fixture
async def people(session):  # type: ignore[no-untyped-def]
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme", domain="acme.example")
    globex = await create_account(session, name="Globex", domain="globex.example")
    return {
        "admin": await create_member(session, vendor, {Role.ADMIN}, name="Ada Admin"),
        "csm": await create_member(session, vendor, {Role.CSM}, name="Cy CSM"),
        "marketing": await create_member(session, vendor, {Role.MARKETING}, name="Mo Marketing"),
        "product": await create_member(session, vendor, {Role.PRODUCT}, name="Pat Product"),
        "casey": await create_member(session, acme, name="Casey", email="casey@acme.example"),
        "gil": await create_member(session, globex, name="Gil", email="gil@globex.example"),
        "acme": acme,
        "globex": globex,
    }


class Api:
    def __init__(self, app, client) -> None:  # type: ignore[no-untyped-def]
        self.app, self.client = app, client

    async def call(
        self, member, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        return await gql(self.client, query, variables, token=bearer(self.app, member))

    async def data(
        self, member, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        body = await self.call(member, query, variables)
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    async def import_csv(
        self, member, kind: str, csv: str, dry_run: bool = False
    ) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        data = await self.data(
            member, IMPORT, {"input": {"kind": kind, "csv": csv, "dryRun": dry_run}}
        )
        return data["importCrmCsv"]  # type: ignore[no-any-return]

    async def drain(self) -> None:
        await self.app.state.dispatcher.drain()


@pytest.fixture
def api(app, client) -> Api:  # type: ignore[no-untyped-def]
    return Api(app, client)
