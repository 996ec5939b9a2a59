"""Eligibility, applications, reviews, invitations and the waitlist, through GraphQL over HTTP."""

import pytest
from sqlalchemy import select

from domain.programs.models import (
    ApplicationStatus,
    EnrolmentStatus,
    ProgramApplication,
    ProgramEnrolment,
)
from domain.shared.audit import AuditEntry
from tests.programs.support import (
    LEAVE,
    apply,
    count,
    create_program,
    db_id,
    enrol,
    events,
    people,
    review,
    set_state,
)
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

ELIGIBILITY = """
query($programId: ID!, $memberId: ID) {
  programEligibility(programId: $programId, memberId: $memberId) {
    eligible checks { rule passed reason } failing { rule reason }
  }
}
"""
INVITE = """
mutation($input: PutForwardInput!) {
  inviteToProgram(input: $input) { application { id status source } userErrors { field code message } }
}
"""
NOMINATE = """
mutation($input: PutForwardInput!) {
  nominateToProgram(input: $input) {
    application { id status source note nominatedBy { name } } userErrors { field code message }
  }
}
"""
RESPOND = """
mutation($input: RespondToInvitationInput!) {
  respondToProgramInvitation(input: $input) { application { status waitlistPosition } userErrors { code } }
}
"""
PROGRAM = """
query($id: ID!) {
  node(id: $id) {
    ... on Program {
      name seatsTaken seatsLeft
      viewerApplication { status }
      viewerEnrolment { status hasAccess }
      waitlist { member { name } waitlistPosition }
      enrolments { member { name } status }
    }
  }
}
"""


@pytest.fixture
async def team(session):
    return await people(session)


def _rules(team) -> dict:
    return {
        "segments": ["ENTERPRISE", "STRATEGIC"],
        "minArr": "100000",
        "regions": ["EMEA", "NA"],
        "products": ["Pipelines"],
        "minTenureDays": 180,
        "roles": ["data"],
        "excludedCompetitorsOf": [global_id("Account", team["rival"].id)],
        "maxOtherPrograms": 2,
    }


async def test_eligibility_is_explained_rule_by_rule(app, client, session, team):
    # given Tiny competes with Rival, and a program that excludes Rival's competitors
    from domain.identity.models import account_competitors

    await session.execute(
        account_competitors.insert().values(
            account_id=team["tiny"].id, competitor_id=team["rival"].id
        )
    )
    await session.commit()
    program_id = await create_program(client, app, team["pm"], eligibility=_rules(team))
    # when Casey (Acme, enterprise) and Tim (Tiny, SMB) ask
    casey = await gql(
        client, ELIGIBILITY, {"programId": program_id}, token=bearer(app, team["casey"])
    )
    tim = await gql(client, ELIGIBILITY, {"programId": program_id}, token=bearer(app, team["tim"]))
    # then every rule is listed with its result and reason
    result = casey["data"]["programEligibility"]
    assert result["eligible"] is True and result["failing"] == []
    assert [c["rule"] for c in result["checks"]] == [
        "SEGMENT",
        "ARR_BAND",
        "REGION",
        "PRODUCTS",
        "TENURE",
        "ROLE",
        "NOT_COMPETITOR",
        "PROGRAM_LIMIT",
    ]
    assert all(c["passed"] for c in result["checks"])
    failing = {c["rule"]: c["reason"] for c in tim["data"]["programEligibility"]["failing"]}
    assert set(failing) == {
        "SEGMENT",
        "ARR_BAND",
        "REGION",
        "PRODUCTS",
        "TENURE",
        "ROLE",
        "NOT_COMPETITOR",
    }
    assert "SMB" in failing["SEGMENT"]
    assert "12000.00" in failing["ARR_BAND"]
    assert "Rival Corp" in failing["NOT_COMPETITOR"]
    assert "30 days" in failing["TENURE"]
    # staff may ask about a member; a member may not ask about someone else
    by_csm = await gql(
        client,
        ELIGIBILITY,
        {"programId": program_id, "memberId": global_id("Member", team["tim"].id)},
        token=bearer(app, team["csm"]),
    )
    assert by_csm["data"]["programEligibility"]["eligible"] is False
    nosy = await gql(
        client,
        ELIGIBILITY,
        {"programId": program_id, "memberId": global_id("Member", team["tim"].id)},
        token=bearer(app, team["casey"]),
    )
    assert nosy["data"]["programEligibility"] is None

    # and applying while ineligible lists the failing rules, creating nothing
    refused = await apply(client, app, team["tim"], program_id)
    assert refused["application"] is None
    assert {e["code"] for e in refused["userErrors"]} == {"NOT_ELIGIBLE"}
    assert len(refused["userErrors"]) == 7
    assert any("Rival Corp" in e["message"] for e in refused["userErrors"])
    assert await count(session, ProgramApplication) == 0


async def test_program_limit_counts_other_programs(app, client, session, team):
    await session.commit()
    first = await create_program(client, app, team["pm"], name="First")
    await enrol(client, app, team["pm"], team["casey"], first)
    limited = await create_program(
        client, app, team["pm"], name="Second", eligibility={"maxOtherPrograms": 0}
    )
    body = await gql(client, ELIGIBILITY, {"programId": limited}, token=bearer(app, team["casey"]))
    assert body["data"]["programEligibility"]["failing"] == [
        {"rule": "PROGRAM_LIMIT", "reason": "you are already in 1 other programs; the limit is 0"}
    ]


async def test_apply_review_and_bad_input(app, client, session, team):
    await session.commit()
    program_id = await create_program(
        client, app, team["pm"], questions=["What do you stream?", "Which cloud?"]
    )
    # answers must match the questions
    short = await apply(client, app, team["casey"], program_id, ["Kafka"])
    assert [(e["field"], e["code"]) for e in short["userErrors"]] == [
        (["input", "answers"], "INVALID_VALUE")
    ]
    # applying
    applied = await apply(client, app, team["casey"], program_id, ["Kafka", "AWS"])
    assert applied["userErrors"] == []
    application = applied["application"]
    assert (application["status"], application["source"]) == ("PENDING", "APPLIED")
    assert application["answers"][1] == {"question": "Which cloud?", "answer": "AWS"}
    # applying twice
    again = await apply(client, app, team["casey"], program_id, ["Kafka", "AWS"])
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_APPLIED"] and again[
        "application"
    ] is None
    # a member cannot review
    denied = await gql(
        client,
        "mutation($i: ReviewApplicationInput!) { reviewProgramApplication(input: $i) { application { id } } }",
        {"i": {"applicationId": application["id"], "decision": "APPROVE"}},
        token=bearer(app, team["casey"]),
    )
    assert error_codes(denied) == ["FORBIDDEN"]
    # declining needs a reason
    no_reason = await review(client, app, team["pm"], application["id"], "DECLINE", "  ")
    assert [(e["field"], e["code"]) for e in no_reason["userErrors"]] == [
        (["input", "reason"], "INVALID_VALUE")
    ]
    # reviewing one's own application: a product manager who applied
    own = await apply(client, app, team["pm2"], program_id, ["Flink", "GCP"])
    refused = await review(client, app, team["pm2"], own["application"]["id"], "APPROVE")
    assert [e["code"] for e in refused["userErrors"]] == ["OWN_APPLICATION"]
    # approving enrols
    approved = await review(client, app, team["pm"], application["id"], "APPROVE")
    assert approved["application"]["status"] == "APPROVED"
    again = await review(client, app, team["pm"], application["id"], "DECLINE", "changed my mind")
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_DECIDED"]
    enrolment = await session.scalar(select(ProgramEnrolment))
    assert (enrolment.member_id, enrolment.status) == (team["casey"].id, EnrolmentStatus.ACTIVE)
    # events for the advocacy ledger and the audit trail
    applied_events = await events(session, "programs.applied")
    assert [e["member_id"] for e in applied_events] == [team["casey"].id, team["pm2"].id]
    enrolled = await events(session, "programs.enrolled")
    assert enrolled == [
        {
            "program_id": db_id(program_id),
            "member_id": team["casey"].id,
            "account_id": team["acme"].id,
        }
    ]
    actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert "program.review.approve" in actions and "program.enrolment.start" in actions


async def test_full_program_waitlists_in_order_and_promotes_when_a_seat_frees(
    app, client, session, team
):
    await session.commit()
    program_id = await create_program(client, app, team["pm"], capacity=1)
    await enrol(client, app, team["pm"], team["casey"], program_id)
    dana = (await apply(client, app, team["dana"], program_id))["application"]["id"]
    tim = (await apply(client, app, team["tim"], program_id))["application"]["id"]
    # approving past capacity is refused: waitlist instead
    full = await review(client, app, team["pm"], dana, "APPROVE")
    assert [(e["field"], e["code"]) for e in full["userErrors"]] == [
        (["input", "decision"], "PROGRAM_FULL")
    ]
    assert await count(session, ProgramEnrolment) == 1
    first = await review(client, app, team["pm"], dana, "WAITLIST")
    second = await review(client, app, team["pm"], tim, "WAITLIST")
    assert (
        first["application"]["waitlistPosition"],
        second["application"]["waitlistPosition"],
    ) == (1, 2)
    # when Casey leaves
    left = await gql(
        client, LEAVE, {"input": {"programId": program_id}}, token=bearer(app, team["casey"])
    )
    assert left["data"]["leaveProgram"]["enrolment"] == {"status": "ENDED", "hasAccess": False}
    # then Dana, first in line, takes the seat; Tim waits
    view = await gql(client, PROGRAM, {"id": program_id}, token=bearer(app, team["pm"]))
    program = view["data"]["node"]
    assert (program["seatsTaken"], program["seatsLeft"]) == (1, 0)
    assert program["enrolments"] == [{"member": {"name": "Dana"}, "status": "ACTIVE"}]
    assert program["waitlist"] == [{"member": {"name": "Tim"}, "waitlistPosition": 2}]
    promoted = await session.get(ProgramApplication, db_id(dana))
    await session.refresh(promoted)
    assert promoted.status is ApplicationStatus.APPROVED
    assert [e["member_id"] for e in await events(session, "programs.left")] == [team["casey"].id]
    # Casey may apply again after leaving
    back = await apply(client, app, team["casey"], program_id)
    assert back["application"]["status"] == "PENDING"
    await review(client, app, team["pm"], back["application"]["id"], "DECLINE", "full for now")
    # raising the capacity promotes the next one
    raised = await gql(
        client,
        "mutation($i: UpdateProgramInput!) { updateProgram(input: $i) { program { seatsTaken } userErrors { code } } }",
        {"i": {"programId": program_id, "capacity": 2}},
        token=bearer(app, team["pm"]),
    )
    assert raised["data"]["updateProgram"]["program"]["seatsTaken"] == 2
    # lowering it below the seated count is refused
    lowered = await gql(
        client,
        "mutation($i: UpdateProgramInput!) { updateProgram(input: $i) { program { id } userErrors { code } } }",
        {"i": {"programId": program_id, "capacity": 1}},
        token=bearer(app, team["pm"]),
    )
    assert lowered["data"]["updateProgram"]["userErrors"] == [{"code": "CAPACITY_BELOW_ENROLMENT"}]


async def test_invitations_and_nominations(app, client, session, team):
    await session.commit()
    program_id = await create_program(client, app, team["pm"], capacity=1)
    invite = {
        "programId": program_id,
        "memberId": global_id("Member", team["casey"].id),
        "note": "power user",
    }
    invited = await gql(client, INVITE, {"input": invite}, token=bearer(app, team["pm"]))
    assert invited["data"]["inviteToProgram"]["application"]["status"] == "INVITED"
    assert [e["member_id"] for e in await events(session, "programs.invited")] == [team["casey"].id]
    # a CSM nominates Dana; nominating Casey again is refused
    nominate = {
        "programId": program_id,
        "memberId": global_id("Member", team["dana"].id),
        "note": "great fit",
    }
    nominated = await gql(client, NOMINATE, {"input": nominate}, token=bearer(app, team["csm"]))
    payload = nominated["data"]["nominateToProgram"]
    assert payload["application"]["source"] == "NOMINATED"
    assert payload["application"]["nominatedBy"] == {"name": "Cass CSM"}
    twice = await gql(client, NOMINATE, {"input": invite}, token=bearer(app, team["csm"]))
    assert [e["code"] for e in twice["data"]["nominateToProgram"]["userErrors"]] == [
        "ALREADY_APPLIED"
    ]
    # a customer cannot nominate
    denied = await gql(client, NOMINATE, {"input": nominate}, token=bearer(app, team["tim"]))
    assert error_codes(denied) == ["FORBIDDEN"]
    # Casey accepts: seated
    accepted = await gql(
        client,
        RESPOND,
        {"input": {"programId": program_id, "accept": True}},
        token=bearer(app, team["casey"]),
    )
    assert accepted["data"]["respondToProgramInvitation"]["application"] == {
        "status": "APPROVED",
        "waitlistPosition": None,
    }
    # Tim is invited into the now full program and accepts: waitlisted
    tim_invite = invite | {"memberId": global_id("Member", team["tim"].id)}
    await gql(client, INVITE, {"input": tim_invite}, token=bearer(app, team["pm"]))
    waited = await gql(
        client,
        RESPOND,
        {"input": {"programId": program_id, "accept": True}},
        token=bearer(app, team["tim"]),
    )
    assert waited["data"]["respondToProgramInvitation"]["application"] == {
        "status": "WAITLISTED",
        "waitlistPosition": 1,
    }
    # declining an invitation that is no longer open is an error
    late = await gql(
        client,
        RESPOND,
        {"input": {"programId": program_id, "accept": False}},
        token=bearer(app, team["tim"]),
    )
    assert late["data"]["respondToProgramInvitation"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_closing_needs_decisions_and_ends_every_seat(app, client, session, team):
    await session.commit()
    program_id = await create_program(client, app, team["pm"])
    await enrol(client, app, team["pm"], team["casey"], program_id)
    pending = (await apply(client, app, team["dana"], program_id))["application"]["id"]
    # when closing with an undecided application
    refused = await set_state(client, app, team["pm"], program_id, "CLOSED")
    # then nothing changes
    assert [e["code"] for e in refused["userErrors"]] == ["PENDING_APPLICATIONS"]
    assert refused["program"] is None
    enrolment = await session.scalar(select(ProgramEnrolment))
    assert enrolment.status is EnrolmentStatus.ACTIVE
    # after a decision it closes and ends every seat
    await review(client, app, team["pm"], pending, "DECLINE", "not this round")
    closed = await set_state(client, app, team["pm"], program_id, "CLOSED")
    assert closed["userErrors"] == [] and closed["program"]["seatsTaken"] == 0
    await session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.ENDED and enrolment.end_reason == "program closed"
    # a closed program takes no applications and cannot reopen
    late = await apply(client, app, team["tim"], program_id)
    assert [e["code"] for e in late["userErrors"]] == ["PROGRAM_NOT_OPEN"]
    reopen = await set_state(client, app, team["pm"], program_id, "OPEN")
    assert [e["code"] for e in reopen["userErrors"]] == ["INVALID_STATE"]


async def test_drafts_and_confidential_programs_are_not_found_for_outsiders(
    app, client, session, team
):
    await session.commit()
    draft = await create_program(client, app, team["pm"], state="DRAFT")
    secret = await create_program(
        client, app, team["pm"], name="Realtime v2", codename="Nightjar", confidential=True
    )
    public = await create_program(client, app, team["pm"], name="Public beta")
    listing = await gql(
        client, "{ programs { edges { node { id name } } } }", token=bearer(app, team["casey"])
    )
    assert [e["node"]["id"] for e in listing["data"]["programs"]["edges"]] == [public]
    for hidden in (draft, secret):
        body = await gql(client, PROGRAM, {"id": hidden}, token=bearer(app, team["casey"]))
        assert body["data"]["node"] is None
        assert (await apply(client, app, team["casey"], hidden))["userErrors"][0][
            "code"
        ] == "NOT_FOUND"
    # invited into the confidential one, Casey sees it by codename only
    invite = {"programId": secret, "memberId": global_id("Member", team["casey"].id)}
    await gql(client, INVITE, {"input": invite}, token=bearer(app, team["pm"]))
    seen = await gql(client, PROGRAM, {"id": secret}, token=bearer(app, team["casey"]))
    assert seen["data"]["node"]["name"] == "Nightjar"
    staff = await gql(client, PROGRAM, {"id": secret}, token=bearer(app, team["csm"]))
    assert staff["data"]["node"]["name"] == "Realtime v2"


async def test_invitations_respect_the_fatigue_budget(app, client, session, team):
    # given Casey was invited into two other betas this month
    from datetime import timedelta

    from domain.advocacy.fatigue import AskKind, record_ask
    from domain.shared.models import utcnow

    for n in (1, 2):
        await record_ask(
            session,
            member_id=team["casey"].id,
            account_id=team["acme"].id,
            kind=AskKind.BETA_INVITE,
            source_type="Program",
            source_id=10_000 + n,
            at=utcnow() - timedelta(days=20 * n),
        )
    await session.commit()
    program_id = await create_program(client, app, team["pm"])
    invite = {"programId": program_id, "memberId": global_id("Member", team["casey"].id)}
    body = await gql(client, INVITE, {"input": invite}, token=bearer(app, team["pm"]))
    payload = body["data"]["inviteToProgram"]
    assert payload["application"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "memberId"], "FATIGUE_LIMIT")
    ]
    assert "BETA_INVITE" in payload["userErrors"][0]["message"]
    assert await count(session, ProgramApplication) == 0
    # Dana was not asked lately: her invitation counts as an ask
    dana = invite | {"memberId": global_id("Member", team["dana"].id)}
    ok = await gql(client, INVITE, {"input": dana}, token=bearer(app, team["pm"]))
    assert ok["data"]["inviteToProgram"]["application"]["status"] == "INVITED"
    from domain.advocacy.models import AdvocacyAsk

    asks = await session.scalars(
        select(AdvocacyAsk.member_id).where(AdvocacyAsk.source_id == db_id(program_id))
    )
    assert list(asks) == [team["dana"].id]


CREATE = """
mutation($input: CreateProgramInput!) {
  createProgram(input: $input) { program { id } userErrors { field code } }
}
"""


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"name": " "}, "name", "INVALID_VALUE"),
        ({"capacity": -1}, "capacity", "INVALID_VALUE"),
        ({"confidential": True}, "codename", "INVALID_VALUE"),
        ({"startsOn": "2027-02-01", "endsOn": "2027-01-01"}, "endsOn", "INVALID_VALUE"),
        (
            {"eligibility": {"minArr": "500", "maxArr": "100"}},
            "eligibility.maxArr",
            "INVALID_VALUE",
        ),
        ({"eligibility": {"regions": ["R"] * 51}}, "eligibility.regions", "TOO_MANY_ITEMS"),
        ({"questions": ["?"] * 21}, "questions", "TOO_MANY_ITEMS"),
        ({"termMonths": 12}, "termMonths", "WRONG_PROGRAM_KIND"),
        ({"kind": "ADVISORY_BOARD", "maxTerms": 0}, "maxTerms", "INVALID_VALUE"),
    ],
)
async def test_bad_program_input_is_a_user_error(app, client, session, team, fields, field, code):
    await session.commit()
    values = {"kind": "BETA", "name": "Beta"} | fields
    body = await gql(client, CREATE, {"input": values}, token=bearer(app, team["pm"]))
    payload = body["data"]["createProgram"]
    assert payload["program"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", field], code)]
    from domain.programs.models import Program

    assert await count(session, Program) == 0


async def test_only_the_product_team_creates_programs(app, client, session, team):
    await session.commit()
    for who in ("csm", "casey"):
        body = await gql(
            client, CREATE, {"input": {"kind": "BETA", "name": "x"}}, token=bearer(app, team[who])
        )
        assert error_codes(body) == ["FORBIDDEN"]
