"""`bondfire db backup`: an online SQLite backup taken while the app writes, and a restore drill."""

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from api.app import create_app
from api.settings import Settings
from domain.identity.models import Account, Role
from domain.shared.audit import AuditEntry
from domain.shared.database import create_engine, create_session_factory
from migrations.runner import is_current, upgrade
from tests.hardening.conftest import client_for
from tests.support.factories import create_member, create_vendor
from tests.support.graphql import bearer

ROOT = Path(__file__).parents[2]
CREATE_ACCOUNT = """
mutation($input: AccountInput!) { createAccount(input: $input) { account { id } userErrors { code } } }
"""


def cli_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BONDFIRE_")}
    env["BONDFIRE_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    return env


async def backup(database: Path, output: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "db",
        "backup",
        "--output",
        str(output),
        env=cli_env(database),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def table_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


async def test_backup_while_the_app_writes_then_restore(tmp_path, keys_dir):
    # given a migrated database and the app writing to it, one account (and its audit entry,
    # in the same transaction) per request, as fast as it can
    database = tmp_path / "live" / "bondfire.db"
    database.parent.mkdir()
    url = f"sqlite+aiosqlite:///{database}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        admin = await create_member(session, await create_vendor(session), {Role.ADMIN})
        await session.commit()
    settings = Settings(
        database_url=url,
        environment="test",
        keys_dir=keys_dir,
        embedded_worker=False,
        _env_file=None,
    )  # type: ignore[call-arg]
    app = create_app(settings, engine=engine, configure_logs=False)
    headers = {"Authorization": f"Bearer {bearer(app, admin)}"}
    accepted = 0
    stop, warmed_up = asyncio.Event(), asyncio.Event()

    async def write() -> None:
        nonlocal accepted
        async with client_for(app) as client:
            while not stop.is_set():
                response = await client.post(
                    "/graphql",
                    json={
                        "query": CREATE_ACCOUNT,
                        "variables": {"input": {"name": f"Drill {accepted}"}},
                    },
                    headers=headers,
                )
                assert response.json()["data"]["createAccount"]["userErrors"] == [], response.text
                accepted += 1
                if accepted == 5:
                    warmed_up.set()

    writer = asyncio.create_task(write())
    try:
        await asyncio.wait_for(warmed_up.wait(), 60)
        # when a backup is taken meanwhile
        before = accepted
        snapshot = tmp_path / "backups" / "snapshot.db"
        printed = await backup(database, snapshot)
        during = accepted
    finally:
        stop.set()
        await writer
    assert during > before, "the app kept writing while the backup ran"
    assert f"to {snapshot}" in printed and "revision" in printed

    # then it restores to a new file that is migrated and whole
    restored = tmp_path / "restored" / "bondfire.db"
    restored.parent.mkdir()
    shutil.copy(snapshot, restored)
    restored_engine = create_engine(f"sqlite+aiosqlite:///{restored}")
    try:
        assert await is_current(restored_engine)
        async with create_session_factory(restored_engine)() as check:
            accounts = await check.scalar(
                select(func.count()).select_from(Account).where(Account.name.like("Drill %"))
            )
            audited = await check.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "account.create")
            )
    finally:
        await restored_engine.dispose()
    assert accounts == audited  # no transaction is half in the copy
    assert before <= accounts <= during + 1  # at most the one write in flight at the end
    with sqlite3.connect(restored) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # and a backup of the quiet database has exactly its row counts
    final = tmp_path / "backups" / "final.db"
    await backup(database, final)
    await engine.dispose()
    assert table_counts(final) == table_counts(database)
    assert table_counts(final)["accounts"] == accepted + 1  # the drill's and the vendor


def test_backup_refuses_postgresql_and_an_existing_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BONDFIRE_")}
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "db", "backup"],
        env={**env, "BONDFIRE_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/x"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "pg_dump" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    database = tmp_path / "db.sqlite"
    sqlite3.connect(database).close()
    existing = tmp_path / "exists.db"
    existing.write_text("keep me")
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "db", "backup", "--output", str(existing)],
        env=cli_env(database),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "exists" in result.stderr
    assert existing.read_text() == "keep me"
