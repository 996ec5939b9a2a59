"""The `bondfire` command, run as a real subprocess against a temporary SQLite database."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from api.auth.keys import SigningKeys
from api.auth.tokens import BondfireTokens
from api.demo import ADMIN_EMAIL, COMPANIES, MODERATOR_EMAIL, STAFF, load_demo
from api.graphql.schema import build_schema
from api.settings import Settings
from domain.identity import repository
from domain.identity.models import Account, AccountKind, Member, Role

NOT_MIGRATED = "database is not migrated: run `bondfire db upgrade`"
VIEWER = "query { viewer { name roles account { name } } }"
COMMANDS = [
    [],
    ["serve"],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["demo"],
    ["token"],
    ["schema"],
    ["schema", "export"],
    ["keys"],
    ["keys", "rotate"],
]


@dataclass
class Cli:
    """Runs `python -m api.cli` with its own database and keys, away from any `.env` file."""

    directory: Path
    database: Path
    keys_dir: Path

    @classmethod
    def in_directory(cls, directory: Path) -> "Cli":
        return cls(directory, directory / "bondfire.db", directory / "keys")

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BONDFIRE_")}
        env.update(
            BONDFIRE_DATABASE_URL=f"sqlite+aiosqlite:///{self.database}",
            BONDFIRE_KEYS_DIR=str(self.keys_dir),
            BONDFIRE_LOG_FORMAT="console",
        )
        env.update(overrides)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "api.cli", *args]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env(**env),
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return result

    def token(self, email: str) -> str:
        return self.ok("token", "--email", email).stdout.splitlines()[-1]

    def member_id(self, email: str) -> int:
        with sqlite3.connect(self.database) as connection:
            (member_id,) = connection.execute(
                "SELECT id FROM members WHERE email = ?", (email,)
            ).fetchone()
        return int(member_id)

    def tokens(self) -> BondfireTokens:
        return BondfireTokens(
            SigningKeys.load_or_create(self.keys_dir),
            issuer="bondfire",
            audience="bondfire-api",
            ttl_seconds=3600,
            leeway=60,
        )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli.in_directory(tmp_path)


@pytest.fixture(scope="module")
def demo_cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A migrated database with the demo community, shared by the tests that only read it."""
    cli = Cli.in_directory(tmp_path_factory.mktemp("demo"))
    cli.ok("db", "upgrade")
    cli.ok("demo")
    return cli


# --- database and demo ----------------------------------------------------------------------


def test_upgrade_then_current_is_head_and_demo_loads_once(cli: Cli):
    # given
    assert "not head" in cli.ok("db", "current").stdout
    # when
    cli.ok("db", "upgrade")
    # then
    assert "(head)" in cli.ok("db", "current").stdout
    first = cli.ok("demo")
    second = cli.ok("demo")
    assert "loaded the demo community" in first.stdout
    assert "already loaded" in second.stdout
    for output in (first.stdout, second.stdout):
        assert f"bondfire token --email {ADMIN_EMAIL}" in output
        assert f"bondfire token --email {MODERATOR_EMAIL}" in output
        assert "http://127.0.0.1:8000/graphql" in output
        assert "Authorization" in output
    with sqlite3.connect(cli.database) as connection:
        (members,) = connection.execute("SELECT count(*) FROM members").fetchone()
    assert members == len(STAFF) + sum(len(company.people) for company in COMPANIES)


def test_downgrade_needs_an_explicit_revision(cli: Cli):
    cli.ok("db", "upgrade")
    assert cli.run("db", "downgrade").returncode != 0
    cli.ok("db", "downgrade", "base")
    assert "base (not head" in cli.ok("db", "current").stdout


def test_commands_refuse_an_unmigrated_database(cli: Cli):
    for args in (["serve"], ["demo"], ["token", "--email", MODERATOR_EMAIL]):
        result = cli.run(*args)
        assert result.returncode == 1
        assert_one_line_error(result, NOT_MIGRATED)


# --- tokens and keys ------------------------------------------------------------------------


def test_token_is_the_last_stdout_line_and_verifies(demo_cli: Cli):
    # when
    result = demo_cli.ok("token", "--email", MODERATOR_EMAIL, "--ttl", "600")
    # then
    token = result.stdout.splitlines()[-1]
    verified = demo_cli.tokens().verify(token)
    assert verified.subject == str(demo_cli.member_id(MODERATOR_EMAIL))
    assert verified.claims["exp"] - verified.claims["iat"] == 600
    assert "Casey Morgan" in result.stderr
    assert token not in result.stderr


def test_token_for_unknown_email_fails_in_one_line(demo_cli: Cli):
    result = demo_cli.run("token", "--email", "nobody@nowhere.example")
    assert result.returncode == 1
    assert_one_line_error(result, "nobody@nowhere.example")
    assert result.stdout == ""


def test_keys_rotate_keeps_old_tokens_valid(demo_cli: Cli, tmp_path: Path):
    # given: a token signed before the rotation (keys of our own, so demo_cli's stay as they are)
    cli = Cli(tmp_path, demo_cli.database, tmp_path / "keys")
    old_token = cli.token(MODERATOR_EMAIL)
    # when
    cli.ok("keys", "rotate")
    # then
    keys = SigningKeys.load_or_create(cli.keys_dir)
    assert len(keys.public_jwks()["keys"]) == 2  # type: ignore[arg-type]
    tokens = cli.tokens()
    assert tokens.verify(old_token).subject == str(cli.member_id(MODERATOR_EMAIL))
    assert (
        tokens.verify(cli.token(MODERATOR_EMAIL)).claims["sub"] == tokens.verify(old_token).subject
    )


# --- errors and help ------------------------------------------------------------------------


def test_bad_database_url_is_one_line(cli: Cli):
    result = cli.run("db", "current", BONDFIRE_DATABASE_URL="mysql://x")
    assert_one_line_error(result, "invalid setting BONDFIRE_DATABASE_URL")


def test_unreachable_database_is_one_line(cli: Cli):
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/bondfire"
    result = cli.run("demo", BONDFIRE_DATABASE_URL=url)
    assert_one_line_error(result, "cannot reach the database")


def test_schema_export_prints_the_sdl(cli: Cli):
    result = cli.ok("schema", "export")
    assert result.stdout == build_schema(Settings(_env_file=None)).as_str() + "\n"  # type: ignore[call-arg]


def test_every_command_has_help(cli: Cli):
    processes = [
        subprocess.Popen(
            cli.command(*args, "--help"),
            env=cli.env(),
            cwd=cli.directory,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in COMMANDS
    ]
    for args, process in zip(COMMANDS, processes, strict=True):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, (args, stderr)
        assert "Usage" in stdout, args


# --- serving --------------------------------------------------------------------------------


def test_serve_answers_and_stops_cleanly_on_sigterm(demo_cli: Cli, tmp_path: Path):
    # given
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = demo_cli.token(MODERATOR_EMAIL)
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        demo_cli.command("serve", "--port", str(port)),
        env=demo_cli.env(),
        cwd=demo_cli.directory,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(server, base, log)
        # when
        response = httpx.post(
            f"{base}/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )
        # then
        assert response.status_code == 200
        assert response.json() == {
            "data": {
                "viewer": {
                    "name": "Casey Morgan",
                    "roles": ["MEMBER", "MODERATOR"],
                    "account": {"name": "Acme Analytics"},
                }
            }
        }
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()


def _wait_until_ready(server: subprocess.Popen[bytes], base: str, log: object) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, Path(log.name).read_text()  # type: ignore[attr-defined]
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("server did not become ready within 30 s")


# --- demo data (both databases) -------------------------------------------------------------


async def test_load_demo_creates_the_named_people_and_populated_accounts(session):
    # when
    summary = await load_demo(session)
    await session.flush()
    # then
    assert summary.created
    admin = await repository.member_by_email(session, ADMIN_EMAIL)
    casey = await repository.member_by_email(session, MODERATOR_EMAIL)
    assert admin is not None and casey is not None
    assert Role.ADMIN in admin.roles
    assert casey.name == "Casey Morgan"
    assert casey.roles == {Role.MEMBER, Role.MODERATOR}
    acme = await repository.account_by_id(session, casey.account_id)
    assert acme is not None and (acme.name, acme.domain) == ("Acme Analytics", "acme.example")

    vendor = await repository.account_by_id(session, admin.account_id)
    assert vendor is not None and vendor.kind is AccountKind.VENDOR
    staff = list(
        await session.scalars(repository.members_statement().where(Member.account_id == vendor.id))
    )
    staff_roles = set().union(*(m.roles for m in staff))
    assert {Role.ADMIN, Role.CSM, Role.MARKETING, Role.PRODUCT} <= staff_roles
    csm = next(m for m in staff if Role.CSM in m.roles)

    domains = [company.domain for company in COMPANIES]
    member_counts = dict(
        (
            await session.execute(
                select(Account.domain, func.count(Member.id))
                .join(Member, Member.account_id == Account.id)
                .where(Account.domain.in_(domains))
                .group_by(Account.domain)
            )
        ).all()
    )
    assert set(member_counts) == set(domains)
    assert all(2 <= count <= 6 for count in member_counts.values()), member_counts
    owned = await session.scalar(
        select(func.count()).select_from(Account).where(Account.owner_csm_id == csm.id)
    )
    assert owned is not None and owned >= 3
    accounts = await session.scalars(select(Account).where(Account.domain.in_(domains)))
    competitors = await repository.competitor_ids_by_account(session, [a.id for a in accounts])
    assert any(competitors.values())


async def test_load_demo_twice_changes_nothing(session):
    await load_demo(session)
    count = await session.scalar(select(func.count()).select_from(Member))
    summary = await load_demo(session)
    assert not summary.created
    assert await session.scalar(select(func.count()).select_from(Member)) == count
