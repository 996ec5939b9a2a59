"""Reference requests over HTTP: ranked candidates with reasons, competitor and budget
exclusion, the approval workflow, feedback and the opportunity outcome."""

from datetime import timedelta

from sqlalchemy import func, select

from domain.advocacy.fatigue import AskKind, record_ask
from domain.advocacy.ledger import record_activity
from domain.advocacy.models import AdvocacyAsk, LedgerActivity, ReferenceRequest, ReferenceStatus
from domain.shared.models import utcnow
from tests.support.ids import global_id

SAVE_PROFILE = """
mutation($i: AdvocateProfileInput!) {
  saveAdvocateProfile(input: $i) { profile { id status } userErrors { code field } }
}"""
CREATE = """
mutation($i: CreateReferenceRequestInput!) {
  createReferenceRequest(input: $i) {
    referenceRequest { id status prospectAccount { name } opportunity { amount { amount currency } } }
    userErrors { code field message }
  }
}"""
CANDIDATES = """
query($id: ID!) { node(id: $id) { ... on ReferenceRequest {
  candidates(first: 10) { score reasons acceptedAnswers member { name } budget { allowed } }
} } }"""
CHOOSE = """
mutation($i: ChooseReferenceAdvocateInput!) {
  chooseReferenceAdvocate(input: $i) { referenceRequest { status advocate { name } } userErrors { code } }
}"""
DECIDE = """
mutation($i: DecideReferenceRequestInput!) {
  decideReferenceRequest(input: $i) { referenceRequest { status } userErrors { code } }
}"""
SCHEDULE = """
mutation($i: ScheduleReferenceRequestInput!) {
  scheduleReferenceRequest(input: $i) { referenceRequest { status scheduledFor } userErrors { code } }
}"""
COMPLETE = """
mutation($i: ReferenceRequestStepInput!) {
  completeReferenceRequest(input: $i) { referenceRequest { status } userErrors { code } }
}"""
FEEDBACK = """
mutation($i: ReferenceFeedbackInput!) {
  giveReferenceFeedback(input: $i) {
    referenceRequest { advocateRating requesterRating advocateFeedback } userErrors { code }
  }
}"""
OUTCOME = """
mutation($i: ReferenceOutcomeInput!) {
  recordReferenceOutcome(input: $i) {
    referenceRequest { outcome outcomeAmount { amount currency } } userErrors { code }
  }
}"""
STANDING = "query($m: ID) { advocacyStanding(memberId: $m) { lifetimePoints spendablePoints badges { code } } }"
SET_RULE = """
mutation($i: FatigueRuleInput!) { setFatigueRule(input: $i) { rule { id maxAsks } userErrors { code } } }"""


async def _advocate(call, member, products, use_cases=(), activities=("REFERENCE_CALL",)):
    data = await call(
        member,
        SAVE_PROFILE,
        {
            "i": {
                "activities": list(activities),
                "products": list(products),
                "useCases": list(use_cases),
                "outcomes": [{"metric": "month-end close", "before": "9 days", "after": "2 days"}],
            }
        },
    )
    assert data["saveAdvocateProfile"]["userErrors"] == []
    return data["saveAdvocateProfile"]["profile"]


async def _request(call, people, **extra):
    variables = {
        "i": {
            "prospectCompany": "Initech",
            "prospectDomain": "initech.example",
            "industry": "Retail",
            "region": "EMEA",
            "products": ["Pipelines"],
            "useCase": "faster month-end reporting",
            "opportunityRef": "OPP-1",
            "opportunityAmount": "120000.00",
            **extra,
        }
    }
    data = await call(people.marketer, CREATE, variables)
    payload = data["createReferenceRequest"]
    assert payload["userErrors"] == []
    return payload["referenceRequest"]


async def test_candidates_are_ranked_with_reasons_without_competitors_or_over_budget(
    call, session, people
):
    # given four willing advocates: Casey matches best and has evidence; Gil's company
    # competes with the prospect; Devon was asked three times lately; Hana matches less
    await _advocate(call, people.casey, ["Pipelines"], ["month-end reporting"])
    await _advocate(call, people.gil, ["Pipelines"], ["month-end reporting"])
    await _advocate(call, people.devon, ["Pipelines"])
    await _advocate(call, people.hana, ["Pipelines"])
    now = utcnow()
    for n in range(3):
        await record_ask(
            session,
            member_id=people.devon.id,
            account_id=people.acme.id,
            kind=AskKind.REFERENCE_CALL,
            source_type="Test",
            source_id=n,
            at=now - timedelta(days=20 + n),
        )
    await record_activity(
        session,
        member_id=people.casey.id,
        account_id=people.acme.id,
        activity=LedgerActivity.ACCEPTED_ANSWER,
        source_type="Post",
        source_id=1,
        at=now,
        tags=["pipelines"],
    )
    await session.commit()
    request = await _request(call, people)
    assert request["prospectAccount"] == {"name": "Initech"}
    assert request["opportunity"]["amount"] == {"amount": "120000.00", "currency": "USD"}
    # when
    data = await call(people.marketer, CANDIDATES, {"id": request["id"]})
    # then: Casey first (industry 3 + region 1 + product 2 + use case 2 + evidence 1 + never
    # asked 3 = 12), Hana (product 2 + never asked 3 = 5); Gil and Devon left out
    candidates = data["node"]["candidates"]
    assert [(c["member"]["name"], c["score"]) for c in candidates] == [("Casey", 12), ("Hana", 5)]
    reasons = candidates[0]["reasons"]
    assert "same industry (Retail)" in reasons and "same region (EMEA)" in reasons
    assert "uses Pipelines" in reasons and "never asked before" in reasons
    assert any("1 accepted forum answer" in r for r in reasons)
    assert any("month-end close from 9 days to 2 days" in r for r in reasons)
    assert candidates[0]["acceptedAnswers"] == 1
    # and putting Gil or Devon forward anyway is refused, changing nothing
    for member, code in ((people.gil, "COMPETITOR"), (people.devon, "OVER_BUDGET")):
        data = await call(
            people.marketer,
            CHOOSE,
            {"i": {"requestId": request["id"], "advocateId": global_id("Member", member.id)}},
        )
        assert [e["code"] for e in data["chooseReferenceAdvocate"]["userErrors"]] == [code]
    stored = await session.scalar(
        select(ReferenceRequest).execution_options(populate_existing=True)
    )
    assert stored.advocate_id is None and stored.status is ReferenceStatus.REQUESTED


async def test_a_prospect_named_like_an_account_is_matched_and_its_competitors_excluded(
    call, people
):
    await _advocate(call, people.gil, ["Pipelines"])
    request = await _request(call, people, prospectDomain=None, prospectCompany="initech")
    assert request["prospectAccount"] == {"name": "Initech"}
    data = await call(people.marketer, CANDIDATES, {"id": request["id"]})
    assert data["node"]["candidates"] == []


async def test_reference_workflow_from_request_to_outcome(call, session, people):
    await _advocate(call, people.casey, ["Pipelines"])
    request = await _request(call, people, advocateId=global_id("Member", people.casey.id))
    rid = {"requestId": request["id"]}
    # the requester may not approve their own request, nor a CSM who does not own the account
    for who, code in ((people.marketer, "SELF_APPROVAL"), (people.csm, "NOT_ACCOUNT_OWNER")):
        data = await call(who, DECIDE, {"i": {**rid, "approve": True}})
        assert [e["code"] for e in data["decideReferenceRequest"]["userErrors"]] == [code]
    # scheduling before approval is out of order
    later = (utcnow() + timedelta(days=3)).isoformat()
    data = await call(people.marketer, SCHEDULE, {"i": {**rid, "scheduledFor": later}})
    assert data["scheduleReferenceRequest"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]
    data = await call(people.owner, DECIDE, {"i": {**rid, "approve": True}})
    assert data["decideReferenceRequest"]["referenceRequest"]["status"] == "APPROVED"
    # scheduling past budget: Casey's own limit is now zero reference calls
    rule = await call(
        people.marketer,
        SET_RULE,
        {
            "i": {
                "target": "MEMBER",
                "memberId": global_id("Member", people.casey.id),
                "kind": "REFERENCE_CALL",
                "periodDays": 90,
                "maxAsks": 0,
            }
        },
    )
    data = await call(people.marketer, SCHEDULE, {"i": {**rid, "scheduledFor": later}})
    assert data["scheduleReferenceRequest"]["userErrors"] == [{"code": "OVER_BUDGET"}]
    assert await session.scalar(select(func.count()).select_from(AdvocacyAsk)) == 0
    await call(
        people.marketer,
        SET_RULE,
        {
            "i": {
                "target": "MEMBER",
                "memberId": global_id("Member", people.casey.id),
                "kind": "REFERENCE_CALL",
                "periodDays": 90,
                "maxAsks": 2,
            }
        },
    )
    assert rule["setFatigueRule"]["rule"]["maxAsks"] == 0
    data = await call(people.marketer, SCHEDULE, {"i": {**rid, "scheduledFor": later}})
    assert data["scheduleReferenceRequest"]["referenceRequest"]["status"] == "SCHEDULED"
    assert await session.scalar(select(func.count()).select_from(AdvocacyAsk)) == 1
    # feedback only after completion
    data = await call(people.casey, FEEDBACK, {"i": {**rid, "rating": 5}})
    assert data["giveReferenceFeedback"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]
    data = await call(people.marketer, COMPLETE, {"i": rid})
    assert data["completeReferenceRequest"]["referenceRequest"]["status"] == "COMPLETED"
    data = await call(people.casey, FEEDBACK, {"i": {**rid, "rating": 5, "comment": "Nice folks"}})
    data = await call(people.marketer, FEEDBACK, {"i": {**rid, "rating": 4}})
    assert data["giveReferenceFeedback"]["referenceRequest"] == {
        "advocateRating": 5,
        "requesterRating": 4,
        "advocateFeedback": "Nice folks",
    }
    data = await call(
        people.marketer, OUTCOME, {"i": {**rid, "outcome": "WON", "amount": "95000.50"}}
    )
    assert data["recordReferenceOutcome"]["referenceRequest"] == {
        "outcome": "WON",
        "outcomeAmount": {"amount": "95000.50", "currency": "USD"},
    }
    # the completed call is on Casey's ledger: 100 points, first-reference badge
    data = await call(people.casey, STANDING, {"m": None})
    assert data["advocacyStanding"] == {
        "lifetimePoints": 100,
        "spendablePoints": 100,
        "badges": [{"code": "FIRST_REFERENCE"}],
    }
    # completing again changes nothing
    data = await call(people.marketer, COMPLETE, {"i": rid})
    assert data["completeReferenceRequest"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]


async def test_advocates_see_their_own_requests_only(call, people):
    await _advocate(call, people.casey, ["Pipelines"])
    request = await _request(call, people, advocateId=global_id("Member", people.casey.id))
    query = (
        "{ referenceRequests { edges { node { id opportunity { ref } candidates { score } } } } }"
    )
    mine = await call(people.casey, query)
    assert [e["node"] for e in mine["referenceRequests"]["edges"]] == [
        {"id": request["id"], "opportunity": None, "candidates": []}
    ]
    theirs = await call(people.hana, query)
    assert theirs["referenceRequests"]["edges"] == []
