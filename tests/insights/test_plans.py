"""Success plans: outcomes with KPIs and measurements, the review summary, and who sees what."""

from datetime import date, timedelta

from tests.support.ids import global_id

CREATE = """
mutation($input: CreateSuccessPlanInput!) {
  createSuccessPlan(input: $input) {
    successPlan { id title status outcomes { id title status progress } }
    userErrors { field code }
  }
}
"""
MEASURE = """
mutation($input: RecordOutcomeMeasurementInput!) {
  recordOutcomeMeasurement(input: $input) {
    outcome { title latest progress status measurements { measuredOn value } }
    userErrors { field code }
  }
}
"""
PLANS = """
query($id: ID) {
  successPlans(accountId: $id) {
    id title account { name }
    outcomes { title kpi baseline target latest status }
    review { counts { status count } suggestions recommendations }
  }
}
"""
UPDATE = """
mutation($input: UpdateSuccessPlanInput!) {
  updateSuccessPlan(input: $input) { successPlan { status review { recommendations } } userErrors { field code } }
}
"""


def plan_input(account_id: int) -> dict:  # type: ignore[type-arg]
    due = (date.today() + timedelta(days=90)).isoformat()
    return {
        "accountId": global_id("Account", account_id),
        "title": "FY27 value plan",
        "outcomes": [
            {
                "title": "Faster close",
                "kpi": "days to close the books",
                "baseline": "10",
                "target": "5",
                "unit": "days",
                "dueOn": due,
            },
            {"title": "Adoption", "kpi": "weekly active users", "baseline": "100", "target": "400"},
            {
                "title": "Fewer tickets",
                "kpi": "tickets per month",
                "baseline": "50",
                "target": "20",
            },
        ],
    }


async def test_a_plan_tracks_outcomes_and_summarises_them_for_review(api, people):
    # given a plan with three outcomes
    created = (await api.data(people["csm"], CREATE, {"input": plan_input(people["acme"].id)}))[
        "createSuccessPlan"
    ]
    assert created["userErrors"] == []
    outcomes = {o["title"]: o["id"] for o in created["successPlan"]["outcomes"]}
    assert {o["status"] for o in created["successPlan"]["outcomes"]} == {"NOT_MEASURED"}

    # when the customer records the close time reaching its target and the CSM a small gain
    today = date.today().isoformat()
    measured = (
        await api.data(
            people["casey"],
            MEASURE,
            {"input": {"outcomeId": outcomes["Faster close"], "measuredOn": today, "value": "4.5"}},
        )
    )["recordOutcomeMeasurement"]
    assert measured["userErrors"] == []
    assert (measured["outcome"]["status"], measured["outcome"]["progress"]) == ("ACHIEVED", 1.1)
    measured = (
        await api.data(
            people["csm"],
            MEASURE,
            {"input": {"outcomeId": outcomes["Adoption"], "measuredOn": today, "value": "130"}},
        )
    )["recordOutcomeMeasurement"]
    assert (measured["outcome"]["latest"], measured["outcome"]["progress"]) == ("130", 0.1)
    await api.data(
        people["csm"],
        UPDATE,
        {
            "input": {
                "planId": created["successPlan"]["id"],
                "recommendations": "Roll out to the APAC team.",
            }
        },
    )

    # then the review counts and suggests
    plans = (await api.data(people["casey"], PLANS))["successPlans"]
    assert len(plans) == 1 and plans[0]["account"]["name"] == "Acme"
    review = plans[0]["review"]
    assert {c["status"]: c["count"] for c in review["counts"]} == {
        "ACHIEVED": 1,
        "ON_TRACK": 1,
        "BEHIND": 0,
        "NOT_MEASURED": 1,
    }
    assert review["recommendations"] == "Roll out to the APAC team."
    assert any("Faster close" in s and "case study" in s for s in review["suggestions"])
    assert any("Fewer tickets" in s and "measure" in s for s in review["suggestions"])


async def test_customers_see_only_their_own_plans_and_cannot_manage_them(api, people):
    created = (await api.data(people["csm"], CREATE, {"input": plan_input(people["acme"].id)}))[
        "createSuccessPlan"
    ]
    outcome_id = created["successPlan"]["outcomes"][0]["id"]
    assert (await api.data(people["gil"], PLANS, {"id": global_id("Account", people["acme"].id)}))[
        "successPlans"
    ] == []
    assert (await api.data(people["gil"], PLANS))["successPlans"] == []
    body = await api.call(
        people["gil"],
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": created["successPlan"]["id"]},
    )
    assert body["data"]["node"] is None
    payload = (
        await api.data(
            people["gil"],
            MEASURE,
            {
                "input": {
                    "outcomeId": outcome_id,
                    "measuredOn": date.today().isoformat(),
                    "value": "1",
                }
            },
        )
    )["recordOutcomeMeasurement"]
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    body = await api.call(people["casey"], CREATE, {"input": plan_input(people["acme"].id)})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    csv = (
        await api.data(people["casey"], "query { insightsReportCsv(reportKind: SUCCESS_PLANS) }")
    )["insightsReportCsv"]
    assert len(csv.splitlines()) == 4 and all(
        line.startswith(("account,", "Acme,")) for line in csv.splitlines()
    )
    assert (
        len(
            (
                await api.data(
                    people["gil"], "query { insightsReportCsv(reportKind: SUCCESS_PLANS) }"
                )
            )["insightsReportCsv"].splitlines()
        )
        == 1
    )


async def test_bad_outcomes_are_user_errors(api, people):
    bad = plan_input(people["acme"].id)
    bad["outcomes"][1]["target"] = "100"
    bad["title"] = " "
    payload = (await api.data(people["csm"], CREATE, {"input": bad}))["createSuccessPlan"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "title"], "INVALID_VALUE"),
        (["input", "outcomes.1.target"], "INVALID_VALUE"),
    ]
    future = (date.today() + timedelta(days=2)).isoformat()
    created = (await api.data(people["csm"], CREATE, {"input": plan_input(people["acme"].id)}))[
        "createSuccessPlan"
    ]
    payload = (
        await api.data(
            people["csm"],
            MEASURE,
            {
                "input": {
                    "outcomeId": created["successPlan"]["outcomes"][0]["id"],
                    "measuredOn": future,
                    "value": "1",
                }
            },
        )
    )["recordOutcomeMeasurement"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "measuredOn"], "INVALID_VALUE")
    ]
