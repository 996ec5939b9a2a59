"""CRM import through GraphQL: idempotent upserts, dry runs, every bad row, nothing partial."""

from sqlalchemy import func, select

from domain.identity.models import Account
from domain.insights.models import Contract, CrmAccount, Opportunity
from tests.insights.conftest import IMPORT

ACCOUNTS = """external_id,name,domain,industry,segment,arr
A-1,Acme,acme.example,Manufacturing,enterprise,120000
A-2,Initech,initech.example,Software,SMB,15000.50
"""
CONTRACTS = """external_id,account_external_id,arr,start_date,end_date,churned_on,change
C-1,A-1,100000,2023-01-01,,,NEW
C-2,A-1,20000,2024-06-01,,,EXPANSION
C-3,A-2,15000.50,2022-03-01,2024-03-01,2024-03-01,NEW
"""
OPPORTUNITIES = """external_id,name,amount,stage,status,created_on,closed_on,account_external_id,kind,referrer_email,contact_roles
O-1,Initech renewal,50000,Closed Won,won,2025-01-10,2025-03-01,A-2,EXPANSION,casey@acme.example,cfo@initech.example:DECISION_MAKER;it@initech.example:TECHNICAL
O-2,New logo,75000.25,Negotiation,OPEN,2025-05-01,,,NEW_BUSINESS,,
"""


async def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int(await session.scalar(select(func.count()).select_from(model)))


async def test_import_is_an_idempotent_upsert_keyed_by_external_id(api, session, people):
    # given accounts (one matched by domain), then contracts and opportunities
    first = await api.import_csv(people["admin"], "ACCOUNTS", ACCOUNTS)
    assert first["userErrors"] == []
    assert (first["report"]["created"], first["report"]["updated"]) == (1, 1)
    acme = await session.get(Account, people["acme"].id)
    await session.refresh(acme)
    assert (acme.segment, str(acme.arr), acme.industry) == (
        "ENTERPRISE",
        "120000.00",
        "Manufacturing",
    )
    report = (await api.import_csv(people["csm"], "CONTRACTS", CONTRACTS))["report"]
    assert (report["rows"], report["created"]) == (3, 3)
    report = (await api.import_csv(people["marketing"], "OPPORTUNITIES", OPPORTUNITIES))["report"]
    assert report["created"] == 2

    # when the same files come again
    again = [
        await api.import_csv(people["admin"], kind, text)
        for kind, text in (
            ("ACCOUNTS", ACCOUNTS),
            ("CONTRACTS", CONTRACTS),
            ("OPPORTUNITIES", OPPORTUNITIES),
        )
    ]

    # then nothing changes
    assert [
        (r["report"]["created"], r["report"]["updated"], r["report"]["unchanged"]) for r in again
    ] == [(0, 0, 2), (0, 0, 3), (0, 0, 2)]
    assert (
        await _count(session, CrmAccount),
        await _count(session, Contract),
        await _count(session, Opportunity),
    ) == (2, 3, 2)
    won = await session.scalar(select(Opportunity).where(Opportunity.external_id == "O-1"))
    assert (
        won.referrer_member_id == people["casey"].id
        and won.referrer_account_id == people["acme"].id
    )
    assert won.contact_roles == [
        {"email": "cfo@initech.example", "role": "DECISION_MAKER"},
        {"email": "it@initech.example", "role": "TECHNICAL"},
    ]

    # and a changed amount is an update of that row only
    changed = OPPORTUNITIES.replace("75000.25", "80000")
    report = (await api.import_csv(people["admin"], "OPPORTUNITIES", changed))["report"]
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)


async def test_bad_rows_are_all_reported_with_their_line_and_nothing_is_imported(
    api, session, people
):
    await api.import_csv(people["admin"], "ACCOUNTS", ACCOUNTS)
    bad = (
        "external_id,account_external_id,arr,start_date,churned_on\n"
        "C-1,A-1,100000,2023-01-01,\n"  # line 2: fine
        "C-2,A-9,100,2023-01-01,\n"  # line 3: unknown account
        "C-3,A-1,-5,2023-13-01,\n"  # line 4: negative ARR, bad date
        "C-1,A-1,1.005,2023-01-01,2022-01-01\n"  # line 5: duplicate id, 3 decimals, churn before start
    )
    for dry_run in (True, False):
        payload = await api.import_csv(people["admin"], "CONTRACTS", bad, dry_run=dry_run)
        problems = [(p["line"], p["column"]) for p in payload["report"]["problems"]]
        assert problems == [
            (3, "account_external_id"),
            (4, "arr"),
            (4, "start_date"),
            (5, "arr"),
            (5, "churned_on"),
        ] or problems == [
            (3, "account_external_id"),
            (4, "arr"),
            (4, "start_date"),
            (5, "arr"),
            (5, "churned_on"),
            (5, "external_id"),
        ]
        assert [e["code"] for e in payload["userErrors"]] == ["BAD_ROWS"]
        assert await _count(session, Contract) == 0


async def test_header_problems_and_currency(api, session, people):
    payload = await api.import_csv(people["admin"], "ACCOUNTS", "external_id,nme\nA-1,x\n")
    assert [(p["line"], p["column"], p["reason"]) for p in payload["report"]["problems"]] == [
        (1, "name", "required column is missing"),
        (1, "nme", "unknown column"),
    ]
    await api.import_csv(people["admin"], "ACCOUNTS", ACCOUNTS)
    payload = await api.import_csv(
        people["admin"],
        "TRANSACTIONS",
        "external_id,account_external_id,amount,occurred_on,currency\nT-1,A-1,10,2025-01-01,EUR\n",
    )
    assert (
        payload["report"]["problems"][0]["reason"]
        == "amounts must be in USD (Bondfire converts no currencies)"
    )


async def test_a_dry_run_counts_without_writing(api, session, people):
    payload = await api.import_csv(people["admin"], "ACCOUNTS", ACCOUNTS, dry_run=True)
    assert payload["userErrors"] == [] and payload["report"]["dryRun"]
    assert (payload["report"]["created"], payload["report"]["updated"]) == (1, 1)  # Acme by domain
    assert await _count(session, CrmAccount) == 0


async def test_only_staff_who_own_revenue_data_import(api, people):
    for who in ("casey", "product"):
        body = await api.call(people[who], IMPORT, {"input": {"kind": "ACCOUNTS", "csv": ACCOUNTS}})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


ARR_HISTORY = (
    "query($id: ID!) { accountInsights(accountId: $id) { arrHistory { onDate arr { amount } } } }"
)


async def test_arr_over_time_follows_expansions_and_churn(api, session, people):
    from tests.support.ids import global_id

    await api.import_csv(people["admin"], "ACCOUNTS", ACCOUNTS)
    await api.import_csv(people["admin"], "CONTRACTS", CONTRACTS)
    initech = await session.scalar(
        select(CrmAccount.account_id).where(CrmAccount.external_id == "A-2")
    )
    history = {}
    for name, account_id in (("acme", people["acme"].id), ("initech", initech)):
        data = await api.data(people["csm"], ARR_HISTORY, {"id": global_id("Account", account_id)})
        history[name] = [
            (p["onDate"], p["arr"]["amount"]) for p in data["accountInsights"]["arrHistory"]
        ]
    assert history == {
        "acme": [("2023-01-01", "100000.00"), ("2024-06-01", "120000.00")],
        "initech": [("2022-03-01", "15000.50"), ("2024-03-01", "0.00")],
    }
