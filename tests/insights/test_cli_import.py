"""`bondfire import crm` and `bondfire insights recompute` against a migrated SQLite file."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.cli import app
from domain.identity.models import Role
from domain.insights.models import AccountInsight, CrmAccount
from domain.shared.database import create_engine, create_session_factory
from migrations.runner import upgrade
from tests.support.factories import create_account, create_member, create_vendor

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)

    async def seed() -> None:
        engine = create_engine(url)
        async with create_session_factory(engine)() as session:
            vendor = await create_vendor(session)
            await create_member(session, vendor, {Role.ADMIN}, email="admin@vendor.example")
            await create_account(session, name="Acme", domain="acme.example")
            await session.commit()
        await engine.dispose()

    asyncio.run(seed())
    return url


def invoke(url: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app, list(args), env={"BONDFIRE_DATABASE_URL": url, "BONDFIRE_LOG_FORMAT": "console"}
    )


def count(url: str, model) -> int:  # type: ignore[no-untyped-def]
    async def run() -> int:
        engine = create_engine(url)
        async with create_session_factory(engine)() as session:
            found = int(await session.scalar(select(func.count()).select_from(model)) or 0)
        await engine.dispose()
        return found

    return asyncio.run(run())


def test_import_dry_run_reports_every_bad_row_and_imports_nothing(database, tmp_path):
    bad = tmp_path / "accounts.csv"
    bad.write_text("external_id,name,segment,arr\nA-1,Acme,GIANT,10\nA-2,,SMB,x\nA-3,Fine,SMB,5\n")
    for extra in (["--dry-run"], []):
        result = invoke(database, "import", "crm", "--kind", "accounts", str(bad), *extra)
        assert result.exit_code == 1
        assert "accounts.csv: line 2, column segment: 'GIANT' is not one of SMB" in result.stderr
        assert "accounts.csv: line 3, column arr: 'x' is not a number" in result.stderr
        assert "accounts.csv: line 3, column name: is required" in result.stderr
        assert "3 problem(s) in 3 rows: nothing imported" in result.stderr
    assert count(database, CrmAccount) == 0


def test_import_then_recompute(database, tmp_path):
    good = tmp_path / "accounts.csv"
    good.write_text("external_id,name,domain\nA-1,Acme,acme.example\nA-2,Initech,initech.example\n")
    result = invoke(database, "import", "crm", "--kind", "accounts", str(good), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 2 accounts: 1 new, 1 updated" in result.stdout  # Acme matched by domain
    assert count(database, CrmAccount) == 0
    result = invoke(
        database, "import", "crm", "--kind", "accounts", str(good), "--as", "admin@vendor.example"
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 accounts: 1 new, 1 updated, 0 unchanged" in result.stdout
    contracts = tmp_path / "contracts.csv"
    contracts.write_text(
        "external_id,account_external_id,arr,start_date,churned_on\n"
        "C-1,A-1,1000,2020-01-01,2022-06-01\nC-2,A-2,2000,2021-01-01,\n"
    )
    assert invoke(database, "import", "crm", "--kind", "contracts", str(contracts)).exit_code == 0
    result = invoke(database, "insights", "recompute", "--bootstrap", "10")
    assert result.exit_code == 0, result.output
    assert "recomputed: 0 attribution credits, 2 accounts, 1 uplift scopes" in result.stdout
    assert count(database, AccountInsight) == 2
    result = invoke(database, "import", "crm", "--kind", "leads", str(good))
    assert result.exit_code == 1 and "unknown kind 'leads'" in result.stderr
