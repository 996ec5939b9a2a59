"""Demo insights: a CRM export (accounts, contracts, purchases, deals, advocacy touches), a
success plan with measurements, then a full recompute so every figure is there at once.

The demo companies get CRM ids and contract histories; 60 further customers (no members) give
the retention and purchase models enough accounts to fit. Deals link to the advocacy demo: the
completed reference on OPP-1042 becomes a touch once its event is handled, and Casey's referral
(Umbrella Insights) sources a won deal.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.identity import MODERATOR_EMAIL, DemoIdentity
from domain.identity.models import AccountKind, Role
from domain.identity.policies import Actor
from domain.insights.services import plans
from domain.insights.services.imports import ImportKind, import_csv
from domain.insights.services.recompute import recompute_all
from domain.shared.models import utcnow

CSM_EMAIL = "priya@bondfire.example"
SEGMENTS = ("SMB", "MID_MARKET", "ENTERPRISE", "STRATEGIC")
INDUSTRIES = ("Software", "Manufacturing", "Retail", "Financial Services", "Healthcare")


@dataclass(frozen=True)
class DemoInsights:
    accounts: int
    opportunities: int
    touches: int


def _day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


def _csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


async def load_insights(session: AsyncSession, identity: DemoIdentity) -> DemoInsights:
    rng = random.Random(20261122)
    admin = identity.admin_actor
    accounts = []
    for domain in sorted(identity.accounts):
        company = identity.accounts[domain]
        crm = f"CRM-{domain.split('.')[0].upper()}"
        accounts.append(f"{crm},{company.name},{domain},,{company.industry or ''}")
    for i in range(60):
        segment = SEGMENTS[i % 4]
        industry = INDUSTRIES[i % len(INDUSTRIES)]
        accounts.append(
            f"CRM-X{i:02d},Demo Customer {i:02d},customer{i:02d}.example,{segment},{industry}"
        )
    contracts, purchases = [], []
    for n, row in enumerate(accounts):
        crm = row.split(",")[0]
        started = rng.randint(120, 6 * 365)
        base = rng.choice((9_600, 18_000, 48_000, 96_000, 240_000))
        # the demo's own companies are customers today; about a third of the others left
        churned = crm.startswith("CRM-X") and rng.random() < 0.35
        churn_on = _day(rng.randint(10, max(11, started - 30))) if churned else ""
        contracts.append(f"{crm}-1,{crm},{base},{_day(started)},{churn_on},NEW")
        if not churned and started > 400 and n % 3 == 0:
            contracts.append(f"{crm}-2,{crm},{base // 4},{_day(started - 365)},,EXPANSION")
        purchases += _purchases(rng, crm, min(started, 700))
    await _import(
        session, admin, ImportKind.ACCOUNTS, "external_id,name,domain,segment,industry", accounts
    )
    await _import(
        session,
        admin,
        ImportKind.CONTRACTS,
        "external_id,account_external_id,arr,start_date,churned_on,change",
        contracts,
    )
    await _import(
        session,
        admin,
        ImportKind.TRANSACTIONS,
        "external_id,account_external_id,amount,occurred_on,kind",
        purchases,
    )
    referral_code = await _umbrella_referral_code(session)
    deals = [
        f"OPP-1042,Contoso Data platform,172000.00,Closed Won,WON,{_day(120)},{_day(150)},"
        f"{_day(30)},,NEW_BUSINESS,,,",
        f"OPP-1077,Globex Freight pipelines,96000.00,Evaluation,OPEN,{_day(60)},{_day(75)},,,"
        "NEW_BUSINESS,,,",
        f"OPP-1101,Initrode Analytics,240000.00,Discovery,OPEN,{_day(20)},{_day(25)},,,"
        "NEW_BUSINESS,,,",
        f"OPP-2001,Umbrella Insights,64000.00,Closed Won,WON,{_day(45)},{_day(50)},{_day(5)},,"
        f"NEW_BUSINESS,{referral_code or ''},,",
        f"OPP-2002,Northwind expansion,48000.00,Closed Won,WON,{_day(200)},{_day(210)},"
        f"{_day(90)},CRM-NORTHWIND,EXPANSION,,{MODERATOR_EMAIL},",
        f"OPP-2003,Acme second region,120000.00,Closed Won,WON,{_day(300)},{_day(320)},"
        f"{_day(240)},CRM-ACME,EXPANSION,,,cfo@acme.example:DECISION_MAKER",
        f"OPP-2004,Vandelay Imports,80000.00,Closed Lost,LOST,{_day(150)},,{_day(100)},,"
        "NEW_BUSINESS,,,",
    ]
    for i in range(20):  # demo customers' own renewals and expansions, most of them won
        status = "WON" if i % 4 else "OPEN"
        closed = _day(rng.randint(10, 300)) if status == "WON" else ""
        deals.append(
            f"OPP-3{i:03d},Expansion {i:02d},{rng.choice((12000, 24000, 36000))}.00,"
            f"{'Closed Won' if closed else 'Proposal'},{status},{_day(330)},,{closed},"
            f"CRM-X{i:02d},EXPANSION,,,"
        )
    await _import(
        session,
        admin,
        ImportKind.OPPORTUNITIES,
        "external_id,name,amount,stage,status,created_on,lead_created_on,closed_on,"
        "account_external_id,kind,referral_code,referrer_email,contact_roles",
        deals,
    )
    touches = _touches(identity, rng)
    await _import(
        session,
        admin,
        ImportKind.TOUCHES,
        "external_id,opportunity_external_id,touch_type,occurred_at,member_email",
        touches,
    )
    await _success_plan(session, identity)
    await recompute_all(session, bootstrap=100)
    return DemoInsights(len(accounts), len(deals), len(touches))


def _purchases(rng: random.Random, crm: str, first_days_ago: int) -> list[str]:
    """Services and training bought the BG/NBD way: at a steady rate while still interested,
    and after each purchase a chance of never buying again."""
    rate_days, spend = rng.choice((45, 90, 180)), rng.choice((1500, 2500, 4000, 7500))
    dropout = rng.betavariate(1.0, 3.0)
    rows: list[str] = []
    day = first_days_ago
    while day > 0:
        amount = round(spend * rng.lognormvariate(0, 0.5), 2)
        rows.append(f"{crm}-T{len(rows)},{crm},{amount:.2f},{_day(day)},SERVICES")
        if rng.random() < dropout:
            break
        day -= max(1, int(rng.expovariate(1 / rate_days)))
    return rows


def _touches(identity: DemoIdentity, rng: random.Random) -> list[str]:
    advocates = [
        MODERATOR_EMAIL,
        "ingrid@northwind.example",
        "hiroshi@lumenretail.example",
        "aisha@helixhealth.example",
        "eleanor@quarrybank.example",
    ]
    advocates = [e for e in advocates if e in identity.members]
    kinds = ("CASE_STUDY", "TESTIMONIAL", "SPEAKING", "REFERENCE_CALL", "SITE_VISIT")
    rows = [
        f"TCH-1,OPP-1042,CASE_STUDY,{_day(140)}T15:00:00Z,{MODERATOR_EMAIL}",
        f"TCH-2,OPP-1042,SPEAKING,{_day(110)}T09:00:00Z,hiroshi@lumenretail.example",
        f"TCH-3,OPP-1077,TESTIMONIAL,{_day(50)}T12:00:00Z,ingrid@northwind.example",
        f"TCH-4,OPP-1101,CASE_STUDY,{_day(15)}T12:00:00Z,{MODERATOR_EMAIL}",
        f"TCH-5,OPP-2001,REFERENCE_CALL,{_day(30)}T16:00:00Z,{MODERATOR_EMAIL}",
    ]
    for i in range(20):
        for k in range(1 + i % 3):
            who = advocates[(i + k) % len(advocates)]
            rows.append(
                f"TCH-3{i:03d}-{k},OPP-3{i:03d},{kinds[(i + k) % len(kinds)]},"
                f"{_day(rng.randint(15, 320))}T10:00:00Z,{who}"
            )
    return rows


async def _import(
    session: AsyncSession, actor: Actor, kind: ImportKind, header: str, rows: list[str]
) -> None:
    await import_csv(session, actor, kind, _csv(header, rows))


async def _umbrella_referral_code(session: AsyncSession) -> str | None:
    """The advocacy demo's referral for Umbrella Insights, if that context loaded one."""
    try:
        from domain.advocacy.models import Referral
    except ImportError:  # pragma: no cover - the advocacy context is optional here
        return None
    code: str | None = await session.scalar(
        select(Referral.code).where(Referral.prospect_company == "Umbrella Insights")
    )
    return code


async def _success_plan(session: AsyncSession, identity: DemoIdentity) -> None:
    csm_member = identity.staff[CSM_EMAIL]
    csm = Actor(
        csm_member.id, csm_member.account_id, AccountKind.VENDOR, frozenset({Role.MEMBER, Role.CSM})
    )
    acme = identity.accounts["acme.example"]
    today = utcnow().date()
    plan = await plans.create_plan(
        session,
        csm,
        acme.id,
        "FY27 business outcomes",
        [
            plans.NewOutcome(
                "Audit-ready lineage",
                "days to prepare an audit",
                Decimal("14"),
                Decimal("3"),
                "days",
                today + timedelta(days=60),
            ),
            plans.NewOutcome(
                "Self-service dashboards",
                "weekly dashboard viewers",
                Decimal("120"),
                Decimal("600"),
                "people",
                today + timedelta(days=180),
            ),
            plans.NewOutcome(
                "Fewer data incidents",
                "incidents per quarter",
                Decimal("12"),
                Decimal("4"),
                "incidents",
                today + timedelta(days=120),
            ),
        ],
    )
    outcomes = (await plans.plan_outcomes(session, [plan.id], today))[plan.id]
    by_title = {o.outcome.title: o.outcome for o in outcomes}
    for title, days_ago, value in (
        ("Audit-ready lineage", 60, "9"),
        ("Audit-ready lineage", 10, "3"),
        ("Self-service dashboards", 45, "180"),
        ("Self-service dashboards", 5, "260"),
    ):
        await plans.record_measurement(
            session, csm, by_title[title].id, today - timedelta(days=days_ago), Decimal(value)
        )
    await plans.update_plan(
        session,
        csm,
        plan.id,
        recommendations=(
            "Share the audit story as a case study; roll dashboards out to the EMEA finance team."
        ),
    )
