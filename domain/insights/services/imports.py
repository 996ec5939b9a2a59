"""Bulk upsert of CRM data keyed by external ids: accounts, contracts, transactions,
opportunities and advocacy touches.

All or nothing: every row is checked (fields, references, duplicates) before anything is
written; with any problem nothing is imported and every problem is reported with its line. A
dry run checks and reports without writing. Importing the same file again changes nothing.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import Account, AccountKind
from domain.identity.policies import Actor
from domain.insights import events, policies
from domain.insights.models import (
    AdvocacyTouch,
    Contract,
    CrmAccount,
    Opportunity,
    TouchSource,
    Transaction,
)
from domain.insights.services.csv_rows import read_rows
from domain.insights.services.import_checks import (
    COLUMNS,
    ImportKind,
    ImportRejected,
    ImportReport,
    Parsed,
    lookup,
    parse_row,
    reject_duplicates,
    resolve,
)
from domain.insights.services.settings import current_settings
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden
from domain.shared.upsert import dialect_name

CHUNK = 1000
ADVISORY_LOCK_BASE = 0x1A5_1600  # + the kind's position: one lock per import kind
Progress = Callable[[int], None]

__all__ = ["ImportKind", "ImportRejected", "ImportReport", "import_csv"]


async def import_csv(
    session: AsyncSession,
    actor: Actor,
    kind: ImportKind,
    text: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Checks every row, then (unless a dry run) upserts them all. Raises ImportRejected, with
    the full report, when any row has a problem and this is not a dry run."""
    if not policies.can_import_revenue(actor):
        raise Forbidden("only admins, CSMs and marketing import CRM data")
    if not dry_run:
        await _one_import_at_a_time(session, kind)
    required, optional = COLUMNS[kind]
    rows, problems = read_rows(text, required, optional)
    report = ImportReport(kind, dry_run, rows=len(rows), problems=problems)
    currency = (await current_settings(session)).currency
    parsed = [parse_row(kind, row, currency) for row in rows]
    report.problems += [p for row in rows for p in row.problems]
    good = [p for p in parsed if p is not None]
    reject_duplicates(good, report)
    await resolve(session, kind, good, report)
    report.problems.sort(key=lambda p: (p.line, p.column or ""))
    if report.problems:
        if dry_run:
            return report
        raise ImportRejected(report)
    if dry_run:
        await _count_existing(session, kind, good, report)
        return report
    await _write(session, kind, good, report, progress)
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="insights.import",
        target_type="Import",
        target_id=0,
        details={
            "kind": kind.value,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
        },
    )
    return report


async def _one_import_at_a_time(session: AsyncSession, kind: ImportKind) -> None:
    """Two imports of the same kind (say, the same file sent twice at once) would both insert
    rows that neither sees yet. On PostgreSQL they take turns (a transaction-scoped advisory
    lock), so the second finds the first's rows and changes nothing; SQLite writers take turns
    anyway."""
    if dialect_name(session) == "postgresql":
        key = ADVISORY_LOCK_BASE + list(ImportKind).index(kind)
        await session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# --- writing --------------------------------------------------------------------------------

_MODELS: dict[ImportKind, Any] = {
    ImportKind.CONTRACTS: Contract,
    ImportKind.TRANSACTIONS: Transaction,
    ImportKind.OPPORTUNITIES: Opportunity,
    ImportKind.TOUCHES: AdvocacyTouch,
}


def _key_column(kind: ImportKind) -> Any:
    if kind is ImportKind.ACCOUNTS:
        return CrmAccount.external_id
    if kind is ImportKind.TOUCHES:
        return AdvocacyTouch.source_key
    return _MODELS[kind].external_id


def _key(kind: ImportKind, external_id: str) -> str:
    return f"import:{external_id}" if kind is ImportKind.TOUCHES else external_id


async def _count_existing(
    session: AsyncSession, kind: ImportKind, parsed: list[Parsed], report: ImportReport
) -> None:
    keys = {_key(kind, p.external_id) for p in parsed}
    existing = await lookup(session, _key_column(kind), _key_column(kind), keys)
    updated = len(existing)
    if kind is ImportKind.ACCOUNTS:  # unlinked rows may still match an account by domain
        domains = {
            p.values["domain"]
            for p in parsed
            if p.external_id not in existing and p.values["domain"]
        }
        updated += len(await lookup(session, Account.domain, Account.id, domains))
    report.updated = updated
    report.created = len(parsed) - updated


async def _write(
    session: AsyncSession,
    kind: ImportKind,
    parsed: list[Parsed],
    report: ImportReport,
    progress: Progress | None,
) -> None:
    opportunity_ids: set[int] = set()
    account_ids: set[int] = set()
    for start in range(0, len(parsed), CHUNK):
        chunk = parsed[start : start + CHUNK]
        if kind is ImportKind.ACCOUNTS:
            await _write_accounts(session, chunk, report, account_ids)
        else:
            await _write_rows(session, kind, chunk, report, opportunity_ids, account_ids)
        if progress:
            progress(len(chunk))
    topic = events.TOUCH_RECORDED if kind is ImportKind.TOUCHES else events.REVENUE_CHANGED
    if opportunity_ids or account_ids:
        events.emit_changed(
            session, topic, opportunity_ids=opportunity_ids, account_ids=account_ids
        )


def _apply(target: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


async def _write_rows(
    session: AsyncSession,
    kind: ImportKind,
    chunk: list[Parsed],
    report: ImportReport,
    opportunity_ids: set[int],
    account_ids: set[int],
) -> None:
    model = _MODELS[kind]
    key_column = _key_column(kind)
    keys = [_key(kind, p.external_id) for p in chunk]
    existing = {
        getattr(row, key_column.key): row
        for row in await session.scalars(select(model).where(key_column.in_(keys)))
    }
    for item, key in zip(chunk, keys, strict=True):
        values = dict(item.values)
        if kind is ImportKind.TOUCHES:
            values["source"] = TouchSource.IMPORT
        row = existing.get(key)
        if row is None:
            row = model(**{key_column.key: key}, **values)
            session.add(row)
            report.created += 1
        elif _apply(row, values):
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        if values.get("account_id"):
            account_ids.add(values["account_id"])
        if values.get("referrer_account_id"):
            account_ids.add(values["referrer_account_id"])
        if values.get("opportunity_id"):
            opportunity_ids.add(values["opportunity_id"])
    await session.flush()
    if kind is ImportKind.OPPORTUNITIES:
        opportunity_ids.update(existing[k].id if k in existing else 0 for k in keys)
        created = await session.scalars(
            select(Opportunity.id).where(Opportunity.external_id.in_(keys))
        )
        opportunity_ids.update(created)
        opportunity_ids.discard(0)


async def _write_accounts(
    session: AsyncSession, chunk: list[Parsed], report: ImportReport, account_ids: set[int]
) -> None:
    keys = [p.external_id for p in chunk]
    links = dict(
        (
            await session.execute(
                select(CrmAccount.external_id, CrmAccount.account_id).where(
                    CrmAccount.external_id.in_(keys)
                )
            )
        ).all()
    )
    domains = [
        p.values["domain"] for p in chunk if p.values["domain"] and p.external_id not in links
    ]
    by_domain = {
        a.domain: a
        for a in await session.scalars(select(Account).where(Account.domain.in_(domains)))
    }
    linked = {
        a.id: a
        for a in await session.scalars(select(Account).where(Account.id.in_(links.values())))
    }
    for item in chunk:
        values = {k: v for k, v in item.values.items() if v is not None or k == "segment"}
        account = linked.get(links.get(item.external_id, 0)) or by_domain.get(item.values["domain"])
        if account is None:
            account = Account(kind=AccountKind.CUSTOMER, **values)
            session.add(account)
            await session.flush()
            report.created += 1
        elif _apply(account, values) or item.external_id not in links:  # changed or newly linked
            report.updated += 1
        else:
            report.unchanged += 1
        if item.external_id not in links:
            session.add(CrmAccount(external_id=item.external_id, account_id=account.id))
        account_ids.add(account.id)
    await session.flush()
