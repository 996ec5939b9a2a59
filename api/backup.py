"""Online backups of the SQLite database (PostgreSQL: pg_dump, see README "Operations").

SQLite's backup API copies the database page by page from one read transaction: in WAL mode
writers keep going meanwhile and the copy is the database as of that transaction's start, with
every committed transaction in it or none of it. The copy is written next to its destination
under a temporary name, checked (`PRAGMA integrity_check`) and then renamed into place, so a
crash never leaves a half-written file under the chosen name.
"""

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url


class BackupError(Exception):
    """A backup the operator asked for cannot be made; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    source: Path
    output: Path
    bytes: int
    tables: int
    revision: str | None


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "`bondfire db backup` copies SQLite databases; for PostgreSQL use pg_dump"
            " (README, Operations)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(url.database)


def default_output(source: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return source.parent / "backups" / f"{source.stem}-{stamp}.db"


def backup_sqlite(database_url: str, output: Path | None = None) -> BackupSummary:
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    output = output or default_output(source)
    if output.exists():
        raise BackupError(f"{output} exists; choose another --output")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(source, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            reader.backup(copy)  # one step: one consistent snapshot, writers not blocked (WAL)
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"the copy failed its integrity check: {verdict}")
            tables = copy.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            revision = _revision(copy)
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        reader.close()
    os.replace(partial, output)
    return BackupSummary(source, output, output.stat().st_size, tables, revision)


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None
