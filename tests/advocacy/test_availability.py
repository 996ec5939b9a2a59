"""Availability windows in reference matching: advocates unavailable when they are needed are
ranked last with the reason, and a call outside their windows cannot be scheduled."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from domain.advocacy import availability
from domain.advocacy.models import AdvocacyAsk
from domain.shared.models import utcnow
from tests.support.ids import global_id

SAVE_PROFILE = """
mutation($i: AdvocateProfileInput!) { saveAdvocateProfile(input: $i) { userErrors { code } } }"""
CREATE = """
mutation($i: CreateReferenceRequestInput!) {
  createReferenceRequest(input: $i) { referenceRequest { id } userErrors { code field } }
}"""
CANDIDATES = """
query($id: ID!) { node(id: $id) { ... on ReferenceRequest {
  candidates(first: 10) { score available reasons member { name } }
} } }"""
DECIDE = """
mutation($i: DecideReferenceRequestInput!) {
  decideReferenceRequest(input: $i) { referenceRequest { status } userErrors { code } }
}"""
SCHEDULE = """
mutation($i: ScheduleReferenceRequestInput!) {
  scheduleReferenceRequest(input: $i) {
    referenceRequest { status scheduledFor } userErrors { code field message }
  }
}"""


def _day(offset: int) -> date:
    return utcnow().date() + timedelta(days=offset)


async def _advocate(call, member, windows=()):
    data = await call(
        member,
        SAVE_PROFILE,
        {
            "i": {
                "activities": ["REFERENCE_CALL"],
                "products": ["Pipelines"],
                "availability": [
                    {"startsOn": s.isoformat(), "endsOn": e.isoformat()} for s, e in windows
                ],
            }
        },
    )
    assert data["saveAdvocateProfile"]["userErrors"] == []


async def _request(call, people, **extra):
    data = await call(
        people.marketer,
        CREATE,
        {
            "i": {"prospectCompany": "Umbrella", "industry": "Retail", "products": ["Pipelines"]}
            | extra
        },
    )
    assert data["createReferenceRequest"]["userErrors"] == []
    return data["createReferenceRequest"]["referenceRequest"]["id"]


async def _ranked(call, people, request_id):
    data = await call(people.marketer, CANDIDATES, {"id": request_id})
    return data["node"]["candidates"]


async def test_advocates_away_when_needed_rank_last_with_the_reason(call, people):
    # given Casey (Retail: the better match) away until day 20, and Hana (Media) any time
    await _advocate(call, people.casey, [(_day(20), _day(60))])
    await _advocate(call, people.hana)
    # when a reference is needed within ten days
    soon = await _request(call, people, neededBy=_day(10).isoformat())
    ranked = await _ranked(call, people, soon)
    # then Hana comes first although Casey scores higher, and Casey says why
    assert [(c["member"]["name"], c["available"]) for c in ranked] == [
        ("Hana", True),
        ("Casey", False),
    ]
    assert ranked[1]["score"] > ranked[0]["score"]
    assert ranked[1]["reasons"][0] == f"unavailable until {_day(20).isoformat()}"
    # a request needed within a month overlaps Casey's window: she leads again
    later = await _request(call, people, neededBy=_day(30).isoformat())
    assert [c["member"]["name"] for c in await _ranked(call, people, later)] == ["Casey", "Hana"]


async def test_a_call_outside_the_advocates_windows_cannot_be_scheduled(call, session, people):
    await _advocate(call, people.casey, [(_day(20), _day(60))])
    await _advocate(call, people.hana, [(_day(0), _day(10))])
    request = await _request(call, people, advocateId=global_id("Member", people.casey.id))
    rid = {"requestId": request}
    assert (await call(people.owner, DECIDE, {"i": {**rid, "approve": True}}))[
        "decideReferenceRequest"
    ]["userErrors"] == []

    def at(offset: int) -> str:
        return datetime.combine(_day(offset), time(15), UTC).isoformat()

    # when scheduled on day 5, before Casey's window
    data = await call(people.marketer, SCHEDULE, {"i": {**rid, "scheduledFor": at(5)}})
    # then it is refused, and no ask is counted
    errors = data["scheduleReferenceRequest"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("UNAVAILABLE", ["input", "scheduledFor"])]
    assert f"unavailable until {_day(20).isoformat()}" in errors[0]["message"]
    assert await session.scalar(select(func.count()).select_from(AdvocacyAsk)) == 0
    # on day 25, inside it, the call is scheduled; ranking now looks at that day (Casey,
    # just asked, is in her cooldown; Hana is away by then)
    data = await call(people.marketer, SCHEDULE, {"i": {**rid, "scheduledFor": at(25)}})
    assert data["scheduleReferenceRequest"]["referenceRequest"]["status"] == "SCHEDULED"
    ranked = await _ranked(call, people, request)
    assert [(c["member"]["name"], c["available"]) for c in ranked] == [("Hana", False)]
    assert ranked[0]["reasons"][0] == f"no availability window after {_day(10).isoformat()}"


def test_windows_are_inclusive_and_say_when_the_advocate_is_back():
    windows = [
        {"starts_on": "2027-03-01", "ends_on": "2027-03-31"},
        {"starts_on": "2027-01-01", "ends_on": "2027-01-31"},
    ]
    assert availability.check([], date(2027, 2, 10), None).available
    assert availability.check_day(windows, date(2027, 1, 31)).available
    assert availability.check_day(windows, date(2027, 3, 1)).available
    gap = availability.check(windows, date(2027, 2, 1), date(2027, 2, 28))
    assert gap == availability.Availability(False, "unavailable until 2027-03-01")
    assert availability.check(windows, date(2027, 2, 1), None).available  # open-ended
    after = availability.check_day(windows, date(2027, 4, 2))
    assert after == availability.Availability(False, "no availability window after 2027-03-31")
