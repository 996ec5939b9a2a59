"""`bondfire privacy export/erase/erase-due`, run as real subprocesses on the demo community."""

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from api.demo import ADMIN_EMAIL, MODERATOR_EMAIL
from tests.test_cli import Cli, assert_one_line_error


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli.in_directory(tmp_path_factory.mktemp("privacy"))
    cli.ok("db", "upgrade")
    cli.ok("demo")
    return cli


def _row(cli: Cli, sql: str, *args: object) -> tuple[object, ...]:
    with sqlite3.connect(cli.database) as connection:
        return tuple(connection.execute(sql, args).fetchone())


def test_export_writes_the_members_json_to_a_private_file_and_is_audited(demo: Cli):
    member_id = demo.member_id(MODERATOR_EMAIL)
    out = demo.directory / "casey.json"
    # when
    result = demo.ok("privacy", "export", "--member", str(member_id), "--out", str(out))
    # then
    assert f"wrote the personal data of member {member_id}" in result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # personal data: the owner only
    document = json.loads(out.read_text())
    assert document["format"] == "bondfire.personal-data/1"
    assert document["contexts"]["identity"]["profile"][0]["email"] == MODERATOR_EMAIL
    assert document["contexts"]["community"]["posts"], "the demo moderator has posts"
    # without --out, the document is stdout
    printed = json.loads(demo.ok("privacy", "export", "--member", str(member_id)).stdout)
    assert printed["memberId"] == member_id
    (exports,) = _row(
        demo,
        "SELECT count(*) FROM audit_entries WHERE action = 'member.export_personal_data' "
        "AND target_id = ? AND actor_member_id IS NULL",
        member_id,
    )
    assert exports == 2


def test_erase_needs_yes_then_erases_once(demo: Cli, tmp_path: Path):
    member_id = demo.member_id(MODERATOR_EMAIL)
    # without confirmation nothing happens
    refused = demo.run("privacy", "erase", "--member", str(member_id))
    assert_one_line_error(refused, "add --yes")
    assert _row(demo, "SELECT email FROM members WHERE id = ?", member_id) == (MODERATOR_EMAIL,)
    # when
    done = demo.ok("privacy", "erase", "--member", str(member_id), "--yes", "--reason", "ticket 7")
    # then
    assert f"erased member {member_id}" in done.stdout
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["identity"]["profile"] == 1
    name, email, status, erased_at = _row(
        demo, "SELECT name, email, status, erased_at FROM members WHERE id = ?", member_id
    )
    assert (name, email, status) == (
        "Former member",
        f"erased-{member_id}@erased.invalid",
        "DEACTIVATED",
    )
    assert erased_at is not None
    assert _row(
        demo,
        "SELECT reason, actor_member_id FROM audit_entries WHERE action = 'member.erase' "
        "AND target_id = ?",
        member_id,
    ) == ("ticket 7", None)
    # a token can no longer be minted for the old address
    assert_one_line_error(demo.run("token", "--email", MODERATOR_EMAIL), "no member with e-mail")
    # and again: nothing changes
    again = demo.ok("privacy", "erase", "--member", str(member_id), "--yes")
    assert "erased before: nothing changed" in again.stdout
    (erasures,) = _row(
        demo,
        "SELECT count(*) FROM audit_entries WHERE action = 'member.erase' AND target_id = ?",
        member_id,
    )
    assert erasures == 1


def test_erase_refuses_unknown_members_and_the_last_admin(demo: Cli):
    assert_one_line_error(
        demo.run("privacy", "erase", "--member", "999999", "--yes"), "member not found"
    )
    (admins,) = _row(demo, "SELECT count(*) FROM member_roles WHERE role = 'ADMIN'")
    assert admins == 1  # the demo has one admin
    admin_id = demo.member_id(ADMIN_EMAIL)
    assert_one_line_error(
        demo.run("privacy", "erase", "--member", str(admin_id), "--yes"), "last admin"
    )
    assert _row(demo, "SELECT erased_at FROM members WHERE id = ?", admin_id) == (None,)


def test_erase_due_reports_what_it_did(demo: Cli):
    assert demo.ok("privacy", "erase-due").stdout.strip() == "erased 0 member(s)"
