"""Checking CRM rows before an import writes anything: columns, fields, duplicates and the
references to accounts, opportunities, members and programmes. Every problem names its line."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.identity.models import AccountSegment, Member
from domain.insights.errors import InsightsErrorCode as Code
from domain.insights.models import (
    ContractChange,
    CrmAccount,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    TouchType,
    TransactionKind,
)
from domain.insights.services.csv_rows import Row, RowProblem
from domain.programs.models import Program
from domain.shared.errors import DomainError

CHUNK = 1000


class ImportKind(StrEnum):
    ACCOUNTS = "ACCOUNTS"
    CONTRACTS = "CONTRACTS"
    TRANSACTIONS = "TRANSACTIONS"
    OPPORTUNITIES = "OPPORTUNITIES"
    TOUCHES = "TOUCHES"


COLUMNS: dict[ImportKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ImportKind.ACCOUNTS: (
        ("external_id", "name"),
        ("domain", "industry", "segment", "arr", "currency", "region"),
    ),
    ImportKind.CONTRACTS: (
        ("external_id", "account_external_id", "arr", "start_date"),
        ("product", "change", "currency", "end_date", "renewal_date", "churned_on"),
    ),
    ImportKind.TRANSACTIONS: (
        ("external_id", "account_external_id", "amount", "occurred_on"),
        ("kind", "currency"),
    ),
    ImportKind.OPPORTUNITIES: (
        ("external_id", "name", "amount", "stage", "status", "created_on"),
        (
            "account_external_id",
            "kind",
            "currency",
            "lead_created_on",
            "closed_on",
            "source",
            "referral_code",
            "source_referral_id",
            "referrer_email",
            "contact_roles",
        ),
    ),
    ImportKind.TOUCHES: (
        ("external_id", "opportunity_external_id", "touch_type", "occurred_at"),
        ("member_email", "account_external_id", "program_id"),
    ),
}


@dataclass
class ImportReport:
    kind: ImportKind
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRejected(DomainError):
    """Rows had problems: nothing was imported. `report` lists every problem."""

    code = Code.BAD_ROWS

    def __init__(self, report: ImportReport) -> None:
        first = report.problems[0]
        more = len(report.problems) - 1
        super().__init__(f"nothing imported: {first}" + (f" (and {more} more)" if more else ""))
        self.report = report


@dataclass
class Parsed:
    line: int
    external_id: str
    values: dict[str, Any]
    refs: dict[str, str]  # what to resolve: account / opportunity / member / program


# --- parsing --------------------------------------------------------------------------------


def parse_row(kind: ImportKind, row: Row, currency: str) -> Parsed | None:
    external_id = row.text("external_id", max_length=100, required=True)
    refs: dict[str, str] = {}
    values: dict[str, Any] = {}
    if kind is ImportKind.ACCOUNTS:
        values = {
            "name": row.text("name", max_length=200, required=True),
            "domain": (row.text("domain", max_length=253) or "").lower() or None,
            "industry": row.text("industry", max_length=100),
            "region": row.text("region", max_length=50),
            "segment": row.choice("segment", AccountSegment) if row.raw.get("segment") else None,
            "arr": row.money("arr", required=False),
            "currency": row.currency("currency", currency),
        }
    elif kind is ImportKind.CONTRACTS:
        values = {
            "arr": row.money("arr"),
            "currency": row.currency("currency", currency),
            "product": row.text("product", max_length=200),
            "change": row.choice("change", ContractChange, default=ContractChange.NEW),
            "start_date": row.day("start_date", required=True),
            "end_date": row.day("end_date"),
            "renewal_date": row.day("renewal_date"),
            "churned_on": row.day("churned_on"),
        }
        start = values["start_date"]
        for later in ("end_date", "churned_on"):
            if start and values[later] and values[later] < start:
                row.fail(later, "is before start_date")
    elif kind is ImportKind.TRANSACTIONS:
        values = {
            "amount": row.money("amount"),
            "currency": row.currency("currency", currency),
            "kind": row.choice("kind", TransactionKind, default=TransactionKind.PURCHASE),
            "occurred_on": row.day("occurred_on", required=True),
        }
    elif kind is ImportKind.OPPORTUNITIES:
        values = opportunity_values(row, currency, refs)
    else:
        values = {
            "touch_type": row.choice("touch_type", TouchType),
            "occurred_at": row.moment("occurred_at", required=True),
        }
        if email := row.text("member_email", max_length=320):
            refs["member"] = email.lower()
        if program := row.text("program_id", max_length=20):
            if program.isdigit():
                refs["program"] = program
            else:
                row.fail("program_id", "a programme's numeric id")
        refs["opportunity"] = (
            row.text("opportunity_external_id", max_length=100, required=True) or ""
        )
    if kind in (ImportKind.CONTRACTS, ImportKind.TRANSACTIONS):
        refs["account"] = row.text("account_external_id", max_length=100, required=True) or ""
    elif kind is not ImportKind.ACCOUNTS and (
        account := row.text("account_external_id", max_length=100)
    ):
        refs["account"] = account
    if row.problems or external_id is None:
        return None
    return Parsed(row.line, external_id, values, refs)


def opportunity_values(row: Row, currency: str, refs: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.text("name", max_length=200, required=True),
        "amount": row.money("amount"),
        "currency": row.currency("currency", currency),
        "stage": row.text("stage", max_length=50, required=True),
        "status": row.choice("status", OpportunityStatus),
        "kind": row.choice("kind", OpportunityKind, default=OpportunityKind.NEW_BUSINESS),
        "created_on": row.day("created_on", required=True),
        "lead_created_on": row.day("lead_created_on"),
        "closed_on": row.day("closed_on"),
        "source": row.text("source", max_length=50),
        "referral_code": row.text("referral_code", max_length=16),
        "source_referral_id": None,
        "contact_roles": [],
    }
    if referral := row.text("source_referral_id", max_length=20):
        if referral.isdigit():
            values["source_referral_id"] = int(referral)
        else:
            row.fail("source_referral_id", "a referral's numeric id")
    if email := row.text("referrer_email", max_length=320):
        refs["referrer"] = email.lower()
    for part in (row.text("contact_roles", max_length=4000) or "").split(";"):
        if not part.strip():
            continue
        email, _, role = part.partition(":")
        if "@" not in email or not role.strip():
            row.fail("contact_roles", f"{part.strip()!r} is not email:ROLE")
            break
        values["contact_roles"].append(
            {"email": email.strip().lower(), "role": role.strip().upper()}
        )
    created, lead, closed = values["created_on"], values["lead_created_on"], values["closed_on"]
    if created and lead and lead > created:
        row.fail("lead_created_on", "is after created_on")
    if created and closed and closed < created:
        row.fail("closed_on", "is before created_on")
    if values["status"] in (OpportunityStatus.WON, OpportunityStatus.LOST) and closed is None:
        row.fail("closed_on", "is required for WON and LOST opportunities")
    return values


def reject_duplicates(parsed: Sequence[Parsed], report: ImportReport) -> None:
    seen: dict[str, int] = {}
    domains: dict[str, int] = {}
    for item in parsed:
        domain = item.values.get("domain")
        if domain and domain in domains:
            report.problems.append(
                RowProblem(item.line, "domain", f"{domain!r} already on line {domains[domain]}")
            )
        elif domain:
            domains[domain] = item.line
        if item.external_id in seen:
            report.problems.append(
                RowProblem(
                    item.line,
                    "external_id",
                    f"{item.external_id!r} already on line {seen[item.external_id]}",
                )
            )
        else:
            seen[item.external_id] = item.line


# --- references -----------------------------------------------------------------------------


async def lookup(session: AsyncSession, column: Any, key: Any, keys: set[Any]) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    ordered = sorted(keys)
    for i in range(0, len(ordered), CHUNK):
        rows = await session.execute(select(column, key).where(column.in_(ordered[i : i + CHUNK])))
        found.update({k: v for k, v in rows})
    return found


async def resolve(
    session: AsyncSession, kind: ImportKind, parsed: list[Parsed], report: ImportReport
) -> None:
    def wanted(name: str) -> set[str]:
        return {p.refs[name] for p in parsed if name in p.refs}

    accounts = await lookup(
        session, CrmAccount.external_id, CrmAccount.account_id, wanted("account")
    )
    opportunities = await lookup(
        session, Opportunity.external_id, Opportunity.id, wanted("opportunity")
    )
    emails = wanted("member") | wanted("referrer")
    members = (
        {
            email: (member_id, account_id)
            for email, member_id, account_id in await session.execute(
                select(Member.email, Member.id, Member.account_id).where(Member.email.in_(emails))
            )
        }
        if emails
        else {}
    )
    programs = await lookup(session, Program.id, Program.id, {int(p) for p in wanted("program")})
    for item in parsed:
        refs = item.refs
        if "account" in refs:
            if refs["account"] in accounts:
                item.values["account_id"] = accounts[refs["account"]]
            else:
                report.problems.append(
                    RowProblem(
                        item.line,
                        "account_external_id",
                        f"no account with CRM id {refs['account']!r} (import accounts first)",
                    )
                )
        elif kind is ImportKind.OPPORTUNITIES:
            item.values["account_id"] = None
        if "opportunity" in refs:
            if refs["opportunity"] in opportunities:
                item.values["opportunity_id"] = opportunities[refs["opportunity"]]
            else:
                report.problems.append(
                    RowProblem(
                        item.line,
                        "opportunity_external_id",
                        f"no opportunity with CRM id {refs['opportunity']!r}",
                    )
                )
        if "program" in refs and int(refs["program"]) not in programs:
            report.problems.append(RowProblem(item.line, "program_id", "no such programme"))
        elif "program" in refs:
            item.values["program_id"] = int(refs["program"])
        elif kind is ImportKind.TOUCHES:
            item.values["program_id"] = None
        for name, column in (("member", "member_email"), ("referrer", "referrer_email")):
            if name in refs and refs[name] not in members:
                report.problems.append(
                    RowProblem(item.line, column, f"no member with e-mail {refs[name]}")
                )
        if kind is ImportKind.TOUCHES:
            member = members.get(refs.get("member", ""))
            item.values["member_id"] = member[0] if member else None
            item.values.setdefault("account_id", member[1] if member else None)
        if kind is ImportKind.OPPORTUNITIES:
            referrer = members.get(refs.get("referrer", ""))
            item.values["referrer_member_id"] = referrer[0] if referrer else None
            item.values["referrer_account_id"] = referrer[1] if referrer else None
