"""Advisory boards: terms, renewals, rotation, meetings and the seat proposal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.advocacy.fatigue import AskKind, record_ask
from domain.identity.models import AccountSegment
from domain.programs.models import BoardSeat, EnrolmentStatus, ProgramEnrolment, SeatStatus
from domain.shared.models import utcnow
from tests.programs.support import apply, create_program, enrol, events, people, review
from tests.support.factories import create_account, create_member
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

SEATS = """
query($id: ID!) {
  node(id: $id) {
    ... on Program {
      seats(includeEnded: true) { id termNumber startsOn endsOn status renewable member { name } }
      meetings { title agenda minutes attendance { member { name } status } }
    }
  }
}
"""
RENEW = """
mutation($input: RenewBoardSeatInput!) {
  renewBoardSeat(input: $input) { seat { termNumber startsOn endsOn renewable } userErrors { code } }
}
"""
ROTATE = """
mutation($input: RotateBoardInput!) {
  rotateBoard(input: $input) { rolledOff { member { name } endsOn } userErrors { code } }
}
"""
SCHEDULE = """
mutation($input: ScheduleBoardMeetingInput!) {
  scheduleBoardMeeting(input: $input) { meeting { id title agenda } userErrors { field code } }
}
"""
UPDATE_MEETING = """
mutation($input: UpdateBoardMeetingInput!) {
  updateBoardMeeting(input: $input) { meeting { minutes agenda } userErrors { code } }
}
"""
ATTEND = """
mutation($input: RecordAttendanceInput!) {
  recordMeetingAttendance(input: $input) {
    meeting { attendance { member { name } status } } userErrors { field code }
  }
}
"""
PROPOSAL = """
query($id: ID!, $seats: Int) {
  node(id: $id) {
    ... on Program {
      seatProposal(seats: $seats) {
        seats segments regions arrBands products totalArr { amount currency }
        proposed { member { name } segment region arrBand seated }
        leftOut { member { name } reason recentAsks }
      }
    }
  }
}
"""


@pytest.fixture
async def team(session):
    return await people(session)


async def _board(client, app, team, **fields):
    values = {
        "kind": "ADVISORY_BOARD",
        "name": "Customer advisory board",
        "termMonths": 12,
        "maxTerms": 2,
    }
    return await create_program(client, app, team["pm"], **(values | fields))


async def test_seats_have_terms_renewals_and_a_term_limit(app, client, session, team):
    await session.commit()
    board = await _board(client, app, team)
    await enrol(client, app, team["pm"], team["casey"], board)
    body = await gql(client, SEATS, {"id": board}, token=bearer(app, team["pm"]))
    (seat,) = body["data"]["node"]["seats"]
    today = date.today()
    assert (seat["termNumber"], seat["status"], seat["renewable"]) == (1, "ACTIVE", True)
    assert seat["startsOn"] == today.isoformat()
    assert date.fromisoformat(seat["endsOn"]) == today.replace(year=today.year + 1)
    renewed = await gql(
        client, RENEW, {"input": {"seatId": seat["id"]}}, token=bearer(app, team["pm"])
    )
    new = renewed["data"]["renewBoardSeat"]["seat"]
    assert (new["termNumber"], new["startsOn"], new["renewable"]) == (2, seat["endsOn"], False)
    body = await gql(client, SEATS, {"id": board}, token=bearer(app, team["pm"]))
    current = [s for s in body["data"]["node"]["seats"] if s["status"] == "ACTIVE"]
    limit = await gql(
        client, RENEW, {"input": {"seatId": current[0]["id"]}}, token=bearer(app, team["pm"])
    )
    assert limit["data"]["renewBoardSeat"]["userErrors"] == [{"code": "TERM_LIMIT_REACHED"}]
    # the member sees the board's seats; an outsider sees none
    mine = await gql(client, SEATS, {"id": board}, token=bearer(app, team["casey"]))
    assert len(mine["data"]["node"]["seats"]) == 2
    outsider = await gql(client, SEATS, {"id": board}, token=bearer(app, team["tim"]))
    assert outsider["data"]["node"]["seats"] == []


async def test_rotation_rolls_off_ended_terms_and_seats_the_waitlist(app, client, session, team):
    await session.commit()
    board = await _board(client, app, team, capacity=2)
    await enrol(client, app, team["pm"], team["casey"], board)
    await enrol(client, app, team["pm"], team["tim"], board)
    waiting = (await apply(client, app, team["dana"], board))["application"]["id"]
    await review(client, app, team["pm"], waiting, "WAITLIST")
    # Casey's term ends earlier than Tim's
    casey_seat = await session.scalar(
        select(BoardSeat).where(BoardSeat.member_id == team["casey"].id)
    )
    casey_seat.ends_on = date.today() - timedelta(days=1)
    await session.commit()
    rotated = await gql(
        client,
        ROTATE,
        {"input": {"programId": board, "asOf": date.today().isoformat()}},
        token=bearer(app, team["pm"]),
    )
    assert rotated["data"]["rotateBoard"]["rolledOff"] == [
        {"member": {"name": "Casey"}, "endsOn": casey_seat.ends_on.isoformat()}
    ]
    enrolments = {
        e.member_id: e.status
        for e in await session.scalars(
            select(ProgramEnrolment).execution_options(populate_existing=True)
        )
    }
    assert enrolments == {
        team["casey"].id: EnrolmentStatus.ENDED,
        team["tim"].id: EnrolmentStatus.ACTIVE,
        team["dana"].id: EnrolmentStatus.ACTIVE,
    }
    seats = {
        s.member_id: s.status
        for s in await session.scalars(select(BoardSeat).execution_options(populate_existing=True))
    }
    assert (
        seats[team["casey"].id] is SeatStatus.ENDED and seats[team["dana"].id] is SeatStatus.ACTIVE
    )
    # rotation is for boards only
    beta = await create_program(client, app, team["pm"])
    wrong = await gql(
        client,
        ROTATE,
        {"input": {"programId": beta, "asOf": "2030-01-01"}},
        token=bearer(app, team["pm"]),
    )
    assert wrong["data"]["rotateBoard"]["userErrors"] == [{"code": "WRONG_PROGRAM_KIND"}]


async def test_meetings_agenda_minutes_and_attendance(app, client, session, team):
    await session.commit()
    board = await _board(client, app, team)
    await enrol(client, app, team["pm"], team["casey"], board)
    await enrol(client, app, team["pm"], team["tim"], board)
    when = (utcnow() + timedelta(days=7)).isoformat()
    bad = await gql(
        client,
        SCHEDULE,
        {"input": {"programId": board, "title": " ", "scheduledAt": when, "agenda": [""]}},
        token=bearer(app, team["pm"]),
    )
    assert [e["field"] for e in bad["data"]["scheduleBoardMeeting"]["userErrors"]] == [
        ["input", "title"],
        ["input", "agenda"],
    ]
    scheduled = await gql(
        client,
        SCHEDULE,
        {
            "input": {
                "programId": board,
                "title": "Q1 board",
                "scheduledAt": when,
                "agenda": ["Roadmap", "Pricing"],
            }
        },
        token=bearer(app, team["pm"]),
    )
    meeting = scheduled["data"]["scheduleBoardMeeting"]["meeting"]
    assert meeting["agenda"] == ["Roadmap", "Pricing"]
    entries = [
        {"memberId": global_id("Member", team["casey"].id), "status": "PRESENT"},
        {"memberId": global_id("Member", team["tim"].id), "status": "EXCUSED"},
    ]
    attended = await gql(
        client,
        ATTEND,
        {"input": {"meetingId": meeting["id"], "attendance": entries}},
        token=bearer(app, team["pm"]),
    )
    assert attended["data"]["recordMeetingAttendance"]["meeting"]["attendance"] == [
        {"member": {"name": "Casey"}, "status": "PRESENT"},
        {"member": {"name": "Tim"}, "status": "EXCUSED"},
    ]
    # recording the same again adds no second `attended` event; a stranger cannot attend
    await gql(
        client,
        ATTEND,
        {"input": {"meetingId": meeting["id"], "attendance": entries}},
        token=bearer(app, team["pm"]),
    )
    assert [e["member_id"] for e in await events(session, "programs.attended")] == [
        team["casey"].id
    ]
    stranger = [{"memberId": global_id("Member", team["dana"].id), "status": "PRESENT"}]
    refused = await gql(
        client,
        ATTEND,
        {"input": {"meetingId": meeting["id"], "attendance": stranger}},
        token=bearer(app, team["pm"]),
    )
    assert refused["data"]["recordMeetingAttendance"]["userErrors"] == [
        {"field": ["input", "attendance"], "code": "NOT_ENROLLED"}
    ]
    minutes = await gql(
        client,
        UPDATE_MEETING,
        {"input": {"meetingId": meeting["id"], "minutes": "Agreed: pricing tiers next."}},
        token=bearer(app, team["pm"]),
    )
    assert minutes["data"]["updateBoardMeeting"]["meeting"]["agenda"] == ["Roadmap", "Pricing"]
    seen = await gql(client, SEATS, {"id": board}, token=bearer(app, team["casey"]))
    assert seen["data"]["node"]["meetings"][0]["minutes"] == "Agreed: pricing tiers next."
    hidden = await gql(client, SEATS, {"id": board}, token=bearer(app, team["dana"]))
    assert hidden["data"]["node"]["meetings"] == []


async def test_seat_proposal_balances_the_board_and_respects_fatigue(app, client, session, team):
    # given candidates from several segments and regions, two from one account, one over-asked
    pm = team["pm"]
    big = await create_account(
        session, name="Big", segment=AccountSegment.STRATEGIC, arr=Decimal("2000000"), region="NA"
    )
    big2 = await create_account(
        session,
        name="Big Two",
        segment=AccountSegment.STRATEGIC,
        arr=Decimal("1800000"),
        region="NA",
    )
    mid = await create_account(
        session, name="Mid", segment=AccountSegment.MID_MARKET, arr=Decimal("90000"), region="APAC"
    )
    people_ = {
        "ann": await create_member(session, big, name="Ann", products_used=["Pipelines"]),
        "bob": await create_member(session, big, name="Bob", products_used=["Pipelines"]),
        "cyd": await create_member(session, big2, name="Cyd", products_used=["Pipelines"]),
        "meg": await create_member(session, mid, name="Meg", products_used=["Alerts"]),
    }
    await session.commit()
    board = await _board(client, app, team, capacity=3)
    for person in (*people_.values(), team["casey"], team["tim"]):
        assert (await apply(client, app, person, board))["userErrors"] == []
    # Tim was asked a lot lately (six asks: the all-kinds quarterly budget)
    for n in range(6):
        await record_ask(
            session,
            member_id=team["tim"].id,
            account_id=team["tiny"].id,
            kind=AskKind.SURVEY,
            source_type="Test",
            source_id=n,
            at=utcnow() - timedelta(days=10 + n),
        )
    await session.commit()
    body = await gql(client, PROPOSAL, {"id": board, "seats": 3}, token=bearer(app, pm))
    proposal = body["data"]["node"]["seatProposal"]
    names = [p["member"]["name"] for p in proposal["proposed"]]
    # then three seats from three accounts covering three segments and three regions
    assert len(names) == 3 and not {"Ann", "Bob"} <= set(names)
    assert proposal["segments"] == ["ENTERPRISE", "MID_MARKET", "STRATEGIC"]
    assert proposal["regions"] == ["APAC", "EMEA", "NA"]
    assert "Meg" in names and "Casey" in names
    assert proposal["products"] == ["Alerts", "Dashboards", "Pipelines"]
    left_out = {p["member"]["name"]: p["reason"] for p in proposal["leftOut"]}
    assert left_out["Tim"].startswith("over the fatigue budget")
    # the higher-ARR strategic account wins its segment's seat
    assert "Cyd" in left_out and left_out["Cyd"] == "others balance the board better"
    assert Decimal(proposal["totalArr"]["amount"]) == Decimal("2340000.00")
    # members may not ask for it
    denied = await gql(client, PROPOSAL, {"id": board}, token=bearer(app, team["casey"]))
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
