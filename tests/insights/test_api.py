"""Insights end to end: CSV import -> events / recompute -> GraphQL, with the staff-only policy."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.insights.clv import sbg
from domain.shared.models import utcnow
from tests.support.ids import global_id

ACCOUNT_INSIGHTS = """
query($id: ID!) {
  accountInsights(accountId: $id) {
    account { name }
    computedAt arr { amount currency } churned renewals contractualClv { amount }
    arrHistory { onDate arr { amount } }
    discountedExpectedResidualLifetime expectedRemainingYears medianRemainingYears
    bondingScore bondingComponents { name kind score raw weight }
    bondingTrend { onDate score }
    advocacyActivities { activityType count }
    touches { touchType member { name } opportunity { externalId } }
    sourcedRevenue { amount currency } sourcedClv { amount }
    influencedRevenue { model amount { amount } }
    influencedPipeline { model amount { amount } }
  }
}
"""
OVERVIEW = """
query {
  insightsOverview { sourcedRevenue { amount } sourcedOpportunities influencedRevenue { model amount { amount } }
                     uplift { sufficient note } fits { model scope customers parameters } }
  insightsByActivityType { activityType touches influencedRevenue { model amount { amount } } uplift { sufficient } }
  retentionUplift { scope scopeKey sufficient engagedAccounts controlAccounts note }
}
"""
RECORD_TOUCH = """
mutation($input: RecordAdvocacyTouchInput!) {
  recordAdvocacyTouch(input: $input) { touch { touchType occurredAt } userErrors { field code } }
}
"""
CSV_REPORT = "query($r: InsightsReport!, $m: AttributionModel) { insightsReportCsv(reportKind: $r, model: $m) }"
RECOMPUTE = "mutation { recomputeInsights { summary { credits accounts upliftScopes } userErrors { code } } }"


def _dates(years_ago: float) -> str:
    return (date.today() - timedelta(days=int(years_ago * 365.25))).isoformat()


async def load_revenue(api, people) -> None:  # type: ignore[no-untyped-def]
    accounts = [
        "external_id,name,domain,segment",
        "ACME,Acme,acme.example,ENTERPRISE",
        "GLOBEX,Globex,globex.example,ENTERPRISE",
    ]
    contracts = [
        "external_id,account_external_id,arr,start_date,churned_on",
        f"C-ACME,ACME,100000,{_dates(2.5)},",
        f"C-GLOBEX,GLOBEX,40000,{_dates(1.2)},",
    ]
    for i in range(12):  # other customers: every third one churned
        accounts.append(f"X{i},Other {i},other{i}.example,ENTERPRISE")
        churned = _dates(0.2) if i % 3 == 0 else ""
        contracts.append(f"C-X{i},X{i},{10000 + i * 1000},{_dates(1 + i % 4)},{churned}")
    for kind, rows in (("ACCOUNTS", accounts), ("CONTRACTS", contracts)):
        payload = await api.import_csv(people["admin"], kind, "\n".join(rows) + "\n")
        assert payload["userErrors"] == [], payload
    opportunities = (
        "external_id,name,amount,stage,status,created_on,lead_created_on,closed_on,account_external_id,referrer_email\n"
        f"O-WON,Globex expansion,1000.00,Closed,WON,{_dates(0.5)},{_dates(0.6)},{_dates(0.3)},GLOBEX,casey@acme.example\n"
        f"O-OPEN,Big deal,300.00,Proposal,OPEN,{_dates(0.1)},,,,\n"
    )
    assert (await api.import_csv(people["admin"], "OPPORTUNITIES", opportunities))[
        "userErrors"
    ] == []
    touches = (
        "external_id,opportunity_external_id,touch_type,occurred_at,member_email\n"
        f"T-1,O-WON,REFERENCE_CALL,{_dates(0.55)}T10:00:00Z,casey@acme.example\n"
        f"T-2,O-WON,CASE_STUDY,{_dates(0.4)}T10:00:00Z,gil@globex.example\n"
        f"T-3,O-OPEN,SPEAKING,{_dates(0.05)}T10:00:00Z,casey@acme.example\n"
    )
    assert (await api.import_csv(people["marketing"], "TOUCHES", touches))["userErrors"] == []


async def test_events_recompute_the_affected_accounts_and_deals(api, people):
    # given revenue, deals and touches imported (each import records outbox events)
    await load_revenue(api, people)
    acme = global_id("Account", people["acme"].id)

    # when the worker handles the events (incremental recompute, no fits yet)
    await api.drain()
    data = await api.data(people["csm"], ACCOUNT_INSIGHTS, {"id": acme})

    # then the deals' credits are there: Acme's member made the first of two touches, before
    # the opportunity was created (and no touch came before the lead): first touch, lead and
    # opportunity milestones all fall on it
    insight = data["accountInsights"]
    credits = {c["model"]: Decimal(c["amount"]["amount"]) for c in insight["influencedRevenue"]}
    assert credits == {
        "FIRST_TOUCH": 1000,
        "LAST_TOUCH": 0,
        "LINEAR": 500,
        "U_SHAPED": 500,
        "W_SHAPED": 900,
        "FULL_PATH": 750,
        "TIME_DECAY": credits["TIME_DECAY"],
    }
    gap = (int(0.55 * 365.25) - int(0.4 * 365.25)) / 7  # half-lives between the two touches
    assert float(credits["TIME_DECAY"]) == pytest.approx(1000 * 2**-gap / (1 + 2**-gap), abs=0.01)
    assert {c["model"]: c["amount"]["amount"] for c in insight["influencedPipeline"]}[
        "LINEAR"
    ] == "300.00"
    assert insight["sourcedRevenue"] == {"amount": "1000.00", "currency": "USD"}
    assert insight["arr"]["amount"] == "100000.00" and insight["renewals"] == 2
    assert [p["arr"]["amount"] for p in insight["arrHistory"]] == ["100000.00"]
    assert insight["contractualClv"] is None  # no sBG fit before the first full recompute
    assert insight["bondingScore"] > 0
    assert {a["activityType"]: a["count"] for a in insight["advocacyActivities"]}[
        "REFERENCE_CALL"
    ] == 1
    assert [t["opportunity"]["externalId"] for t in insight["touches"]] == ["O-OPEN", "O-WON"]


async def test_full_recompute_fits_sbg_and_values_each_account(api, people):
    await load_revenue(api, people)
    summary = (await api.data(people["admin"], RECOMPUTE))["recomputeInsights"]
    assert summary["userErrors"] == []
    assert summary["summary"]["credits"] == 3 and summary["summary"]["accounts"] >= 14
    data = await api.data(people["admin"], OVERVIEW)
    fits = {(f["model"], f["scope"]): f for f in data["insightsOverview"]["fits"]}
    sbg_fit = fits[("SBG", "ALL")]
    assert sbg_fit["customers"] == 14
    insight = (
        await api.data(
            people["admin"], ACCOUNT_INSIGHTS, {"id": global_id("Account", people["acme"].id)}
        )
    )["accountInsights"]
    params = sbg_fit["parameters"]
    derl = float(sbg.derl(params["alpha"], params["beta"], 2, 0.10))
    assert insight["discountedExpectedResidualLifetime"] == pytest.approx(derl)
    assert Decimal(insight["contractualClv"]["amount"]) == pytest.approx(
        Decimal(100000 * 0.75 * derl), abs=Decimal("0.01")
    )
    assert 0 < insight["expectedRemainingYears"] <= 10
    assert [p["score"] for p in insight["bondingTrend"]] == [insight["bondingScore"]]
    overview = data["insightsOverview"]
    assert (
        overview["sourcedOpportunities"] == 1 and overview["sourcedRevenue"]["amount"] == "1000.00"
    )
    total = {c["model"]: c["amount"]["amount"] for c in overview["influencedRevenue"]}
    assert set(total.values()) == {"1000.00"}  # every model credits the whole won amount
    assert (
        overview["uplift"]["sufficient"] is False
        and "insufficient data" in overview["uplift"]["note"]
    )
    types = {t["activityType"]: t for t in data["insightsByActivityType"]}
    assert types["CASE_STUDY"]["touches"] == 1


async def test_reports_export_as_csv(api, people):
    await load_revenue(api, people)
    await api.data(people["admin"], RECOMPUTE)
    for report in (
        "ACCOUNTS",
        "ACTIVITY_TYPES",
        "PROGRAMS",
        "UPLIFT",
        "OPPORTUNITY_CREDITS",
        "SUCCESS_PLANS",
    ):
        text = (await api.data(people["marketing"], CSV_REPORT, {"r": report, "m": "W_SHAPED"}))[
            "insightsReportCsv"
        ]
        assert text.splitlines()[0], report
    credits = (await api.data(people["admin"], CSV_REPORT, {"r": "OPPORTUNITY_CREDITS"}))[
        "insightsReportCsv"
    ]
    lines = credits.splitlines()
    assert lines[0].startswith("external_id,name,status,amount,currency,credit_first_touch")
    assert lines[1].split(",")[:5] == ["O-WON", "Globex expansion", "WON", "1000.00", "USD"]
    accounts = (await api.data(people["admin"], CSV_REPORT, {"r": "ACCOUNTS", "m": "FIRST_TOUCH"}))[
        "insightsReportCsv"
    ]
    acme = next(line for line in accounts.splitlines() if line.startswith("Acme,"))
    assert acme.split(",")[12] == "1000.00"


async def test_customers_see_no_revenue_and_staff_record_touches(api, session, people):
    await load_revenue(api, people)
    for query, variables in (
        (ACCOUNT_INSIGHTS, {"id": global_id("Account", people["acme"].id)}),
        (OVERVIEW, None),
        (CSV_REPORT, {"r": "ACCOUNTS"}),
    ):
        body = await api.call(people["casey"], query, variables)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    opportunity = await api.data(
        people["admin"],
        "query { opportunities(first: 5, status: WON) { edges { node { id externalId contactRoles } } } }",
    )
    node_id = opportunity["opportunities"]["edges"][0]["node"]["id"]
    body = await api.call(
        people["casey"], "query($id: ID!) { node(id: $id) { id } }", {"id": node_id}
    )
    assert body["data"]["node"] is None
    touch = {
        "opportunityId": node_id,
        "memberId": global_id("Member", people["gil"].id),
        "touchType": "TESTIMONIAL",
        "occurredAt": utcnow().isoformat(),
    }
    body = await api.call(people["casey"], RECORD_TOUCH, {"input": touch})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    payload = (await api.data(people["marketing"], RECORD_TOUCH, {"input": touch}))[
        "recordAdvocacyTouch"
    ]
    assert payload["userErrors"] == [] and payload["touch"]["touchType"] == "TESTIMONIAL"
    bad = dict(touch, memberId=global_id("Member", 999999))
    payload = (await api.data(people["marketing"], RECORD_TOUCH, {"input": bad}))[
        "recordAdvocacyTouch"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "memberId"], "NOT_FOUND")
    ]
