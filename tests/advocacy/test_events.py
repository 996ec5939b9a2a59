"""Events with several sessions over HTTP: speakers need SPEAKING consent for every channel of
the event before a session is confirmed, published or held; a withdrawal makes their sessions
unusable and lists them; speaking is one ask per event against the fatigue budget and must fall
within the speaker's availability; holding a session writes each speaker's talk to the ledger."""

from datetime import timedelta

from sqlalchemy import func, select

from domain.advocacy.event_models import SessionSpeaker
from domain.advocacy.models import AdvocacyAsk, LedgerEntry
from domain.shared.models import utcnow
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

CREATE_EVENT = """
mutation($i: CreateAdvocacyEventInput!) {
  createAdvocacyEvent(input: $i) { event { id name channels } userErrors { code field } }
}"""
ADD_SESSION = """
mutation($i: AddEventSessionInput!) {
  addEventSession(input: $i) { eventSession { id status } userErrors { code field } }
}"""
ADD_SPEAKER = """
mutation($i: AddSessionSpeakerInput!) {
  addSessionSpeaker(input: $i) {
    eventSession { speakers { role member { name } } } userErrors { code field message }
  }
}"""
REMOVE_SPEAKER = """
mutation($i: RemoveSessionSpeakerInput!) {
  removeSessionSpeaker(input: $i) { eventSession { speakers { role } } userErrors { code } }
}"""
SET_STATUS = """
mutation($i: SetEventSessionStatusInput!) {
  setEventSessionStatus(input: $i) {
    eventSession { status usable missingConsent } userErrors { code field message }
  }
}"""
GRANT = """
mutation($i: GrantConsentInput!) { grantConsent(input: $i) { consent { id } userErrors { code } } }"""
WITHDRAW = """
mutation($i: WithdrawConsentInput!) {
  withdrawConsent(input: $i) { affectedAssets { assetId title channels urls } userErrors { code } }
}"""
SESSION = """
query($id: ID!) { node(id: $id) { ... on EventSession {
  status usable missingConsent speakers { role missingConsent member { name } } event { name }
} } }"""
EVENTS = """
{ advocacyEvents { edges { node { name sessions { title speakers { member { name } } } } } } }"""
STANDING = "query { advocacyStanding { lifetimePoints badges { code } } }"
SAVE_PROFILE = """
mutation($i: AdvocateProfileInput!) { saveAdvocateProfile(input: $i) { userErrors { code } } }"""


def _mid(member):
    return global_id("Member", member.id)


async def _event(call, people, **extra):
    today = utcnow().date()
    variables = {
        "name": "Data Council Europe",
        "kind": "CONFERENCE",
        "startsOn": (today - timedelta(days=1)).isoformat(),
        "endsOn": (today + timedelta(days=2)).isoformat(),
        "location": "Berlin",
        "url": "https://datacouncil.example/eu",
        "channels": ["WEB", "SOCIAL"],
        **extra,
    }
    data = await call(people.marketer, CREATE_EVENT, {"i": variables})
    assert data["createAdvocacyEvent"]["userErrors"] == []
    return data["createAdvocacyEvent"]["event"]


async def _session(call, people, event, title, starts_at, fmt="KEYNOTE"):
    data = await call(
        people.marketer,
        ADD_SESSION,
        {
            "i": {
                "eventId": event["id"],
                "title": title,
                "startsAt": starts_at.isoformat(),
                "format": fmt,
            }
        },
    )
    assert data["addEventSession"]["userErrors"] == []
    return data["addEventSession"]["eventSession"]["id"]


async def _speaker(call, people, session_id, member, role="SPEAKER"):
    data = await call(
        people.marketer,
        ADD_SPEAKER,
        {"i": {"sessionId": session_id, "memberId": _mid(member), "role": role}},
    )
    return data["addSessionSpeaker"]


async def _status(call, people, session_id, status):
    data = await call(
        people.marketer, SET_STATUS, {"i": {"sessionId": session_id, "status": status}}
    )
    return data["setEventSessionStatus"]


async def _grant(call, member, channels):
    data = await call(
        member,
        GRANT,
        {"i": {"activity": "SPEAKING", "channels": channels, "textVersion": "v1"}},
    )
    assert data["grantConsent"]["userErrors"] == []
    return data["grantConsent"]["consent"]["id"]


async def _count(session, model, *where):
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_session_needs_every_speakers_consent_and_holding_it_writes_the_ledger(
    call, session, people
):
    # given an event with a keynote that started an hour ago and a panel tomorrow
    now = utcnow()
    event = await _event(call, people)
    keynote = await _session(call, people, event, "Lineage at scale", now - timedelta(hours=1))
    panel = await _session(call, people, event, "Data teams", now + timedelta(days=1), "PANEL")
    assert (await _speaker(call, people, keynote, people.casey))["userErrors"] == []
    # Casey also moderates the panel: one ask for the whole event
    added = await _speaker(call, people, panel, people.casey, "MODERATOR")
    assert added["eventSession"]["speakers"] == [{"role": "MODERATOR", "member": {"name": "Casey"}}]
    assert await _count(session, AdvocacyAsk, AdvocacyAsk.member_id == people.casey.id) == 1
    # when the keynote is confirmed without consent, then it is refused and stays planned
    refused = await _status(call, people, keynote, "CONFIRMED")
    assert [e["code"] for e in refused["userErrors"]] == ["CONSENT_REQUIRED"]
    assert "Casey: SPEAKING:WEB, SPEAKING:SOCIAL" in refused["userErrors"][0]["message"]
    # consent for one channel of the two is not enough
    await _grant(call, people.casey, ["WEB"])
    refused = await _status(call, people, keynote, "CONFIRMED")
    assert refused["userErrors"][0]["message"].endswith("Casey: SPEAKING:SOCIAL")
    data = await call(people.marketer, SESSION, {"id": keynote})
    assert data["node"]["status"] == "PLANNED"
    assert data["node"]["missingConsent"] == ["Casey: SPEAKING:SOCIAL"]
    assert data["node"]["speakers"][0]["missingConsent"] == ["SPEAKING:SOCIAL"]
    await _grant(call, people.casey, ["SOCIAL"])
    confirmed = await _status(call, people, keynote, "CONFIRMED")
    assert confirmed["eventSession"] == {
        "status": "CONFIRMED",
        "usable": True,
        "missingConsent": [],
    }
    assert (await _status(call, people, keynote, "PUBLISHED"))["eventSession"]["status"] == (
        "PUBLISHED"
    )
    # a speaker without consent cannot join a published session; nothing changes
    late = await _speaker(call, people, keynote, people.devon, "PANELIST")
    assert [(e["code"], e["field"]) for e in late["userErrors"]] == [
        ("CONSENT_REQUIRED", ["input", "memberId"])
    ]
    assert await _count(session, SessionSpeaker, SessionSpeaker.member_id == people.devon.id) == 0
    # the panel has not started: it cannot be held yet
    await _grant(call, people.casey, ["WEB", "SOCIAL"])
    assert (await _status(call, people, panel, "CONFIRMED"))["userErrors"] == []
    early = await _status(call, people, panel, "COMPLETED")
    assert [e["code"] for e in early["userErrors"]] == ["INVALID_TRANSITION"]
    # holding the keynote puts Casey's talk on the ledger once: 200 points
    held = await _status(call, people, keynote, "COMPLETED")
    assert held["eventSession"]["status"] == "COMPLETED"
    again = await _status(call, people, keynote, "COMPLETED")
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_TRANSITION"]
    assert (await call(people.casey, STANDING))["advocacyStanding"]["lifetimePoints"] == 200
    assert await _count(session, LedgerEntry, LedgerEntry.member_id == people.casey.id) == 1
    # speakers of a held session stay as they were
    after = await call(
        people.marketer,
        REMOVE_SPEAKER,
        {"i": {"sessionId": keynote, "memberId": _mid(people.casey)}},
    )
    assert after["removeSessionSpeaker"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]


async def test_withdrawing_speaking_consent_makes_the_sessions_unusable_and_lists_them(
    call, people
):
    now = utcnow()
    event = await _event(call, people)
    keynote = await _session(call, people, event, "Lineage at scale", now + timedelta(hours=2))
    await _speaker(call, people, keynote, people.casey)
    web = await _grant(call, people.casey, ["WEB"])
    await _grant(call, people.casey, ["SOCIAL"])
    assert (await _status(call, people, keynote, "CONFIRMED"))["userErrors"] == []
    # when Casey withdraws her web consent
    data = await call(people.casey, WITHDRAW, {"i": {"consentId": web, "reason": "new job"}})
    # then the keynote is listed with where it is announced, and is unusable at once
    assert data["withdrawConsent"]["affectedAssets"] == [
        {
            "assetId": keynote,
            "title": "Data Council Europe: Lineage at scale",
            "channels": ["WEB", "SOCIAL"],
            "urls": ["https://datacouncil.example/eu"],
        }
    ]
    session_now = (await call(people.marketer, SESSION, {"id": keynote}))["node"]
    assert session_now["usable"] is False
    assert session_now["missingConsent"] == ["Casey: SPEAKING:WEB"]
    refused = await _status(call, people, keynote, "PUBLISHED")
    assert [e["code"] for e in refused["userErrors"]] == ["CONSENT_REQUIRED"]


async def test_speaking_counts_once_per_event_against_the_budget_and_availability(
    call, session, people
):
    now = utcnow()
    first = await _event(call, people)
    second = await _event(call, people, name="Retail Data Summit")
    keynote = await _session(call, people, first, "Keynote", now + timedelta(hours=3))
    fireside = await _session(call, people, first, "Fireside", now + timedelta(hours=5), "FIRESIDE")
    elsewhere = await _session(call, people, second, "Talk", now + timedelta(hours=4), "BREAKOUT")
    assert (await _speaker(call, people, keynote, people.casey))["userErrors"] == []
    assert (await _speaker(call, people, fireside, people.casey))["userErrors"] == []
    # a second event within the 30-day cooldown of speaking asks is over budget
    over = await _speaker(call, people, elsewhere, people.casey)
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [
        ("OVER_BUDGET", ["input", "memberId"])
    ]
    assert "SPEAKING asks" in over["userErrors"][0]["message"]
    assert await _count(session, AdvocacyAsk, AdvocacyAsk.member_id == people.casey.id) == 1
    # twice in one session is refused
    twice = await _speaker(call, people, keynote, people.casey, "PANELIST")
    assert [e["code"] for e in twice["userErrors"]] == ["ALREADY_EXISTS"]
    # Hana is available only from next month: not on the day of the talk
    today = now.date()
    window = {
        "startsOn": (today + timedelta(days=30)).isoformat(),
        "endsOn": (today + timedelta(days=90)).isoformat(),
    }
    data = await call(
        people.hana, SAVE_PROFILE, {"i": {"activities": ["SPEAKING"], "availability": [window]}}
    )
    assert data["saveAdvocateProfile"]["userErrors"] == []
    away = await _speaker(call, people, elsewhere, people.hana)
    assert [e["code"] for e in away["userErrors"]] == ["UNAVAILABLE"]
    assert f"unavailable until {window['startsOn']}" in away["userErrors"][0]["message"]
    assert await _count(session, AdvocacyAsk, AdvocacyAsk.member_id == people.hana.id) == 0


async def test_event_input_is_checked_and_staff_only(app, client, call, people):
    today = utcnow().date()
    for extra, field in (
        ({"endsOn": (today - timedelta(days=5)).isoformat()}, "endsOn"),
        ({"channels": []}, "channels"),
        ({"location": None}, "location"),
        ({"url": "javascript:alert(1)"}, "url"),
    ):
        variables = {
            "name": "X",
            "kind": "WEBINAR",
            "startsOn": today.isoformat(),
            "endsOn": today.isoformat(),
            "location": "Online",
            "channels": ["WEB"],
            **extra,
        }
        data = await call(people.marketer, CREATE_EVENT, {"i": variables})
        assert data["createAdvocacyEvent"]["userErrors"] == [
            {"code": "INVALID_VALUE", "field": ["input", field]}
        ]
    webinar = await _event(call, people, kind="WEBINAR", location=None, isVirtual=True)
    outside = await call(
        people.marketer,
        ADD_SESSION,
        {
            "i": {
                "eventId": webinar["id"],
                "title": "Too late",
                "startsAt": (utcnow() + timedelta(days=10)).isoformat(),
                "format": "WEBINAR",
            }
        },
    )
    assert outside["addEventSession"]["userErrors"] == [
        {"code": "INVALID_VALUE", "field": ["input", "startsAt"]}
    ]
    body = await gql(
        client,
        CREATE_EVENT,
        {
            "i": {
                "name": "Mine",
                "kind": "CUSTOMER_EVENT",
                "startsOn": today.isoformat(),
                "endsOn": today.isoformat(),
                "isVirtual": True,
                "channels": ["WEB"],
            }
        },
        token=bearer(app, people.casey),
    )
    assert error_codes(body) == ["FORBIDDEN"]
    data = await call(people.marketer, EVENTS)
    assert [e["node"]["name"] for e in data["advocacyEvents"]["edges"]] == ["Data Council Europe"]


async def test_customers_see_the_events_and_sessions_they_speak_in(call, people):
    now = utcnow()
    event = await _event(call, people)
    mine = await _session(call, people, event, "Casey's talk", now + timedelta(hours=2))
    theirs = await _session(call, people, event, "Hana's talk", now + timedelta(hours=3))
    await _speaker(call, people, mine, people.casey)
    await _speaker(call, people, theirs, people.hana)
    data = await call(people.casey, EVENTS)
    assert [e["node"] for e in data["advocacyEvents"]["edges"]] == [
        {
            "name": "Data Council Europe",
            "sessions": [{"title": "Casey's talk", "speakers": [{"member": {"name": "Casey"}}]}],
        }
    ]
    assert (await call(people.casey, SESSION, {"id": theirs}))["node"] is None
    assert (await call(people.devon, EVENTS))["advocacyEvents"]["edges"] == []
    staff = await call(people.marketer, EVENTS)
    sessions = staff["advocacyEvents"]["edges"][0]["node"]["sessions"]
    assert [s["title"] for s in sessions] == ["Casey's talk", "Hana's talk"]


async def test_the_events_list_reads_in_a_constant_number_of_statements(call, people, statements):
    listing = """{ advocacyEvents { edges { node {
      name owner { name } sessions { title status usable missingConsent event { name }
        speakers { role missingConsent member { name } } }
    } } } }"""
    now = utcnow()

    async def event_with_speaker(member):
        event = await _event(call, people, name=f"Summit with {member.name}")
        slot = await _session(call, people, event, "Talk", now + timedelta(hours=2))
        assert (await _speaker(call, people, slot, member))["userErrors"] == []

    async def count() -> tuple[int, int]:
        statements.reset()
        data = await call(people.marketer, listing)
        return len(data["advocacyEvents"]["edges"]), statements.count

    for member in (people.casey, people.devon):
        await event_with_speaker(member)
    two, two_statements = await count()
    for member in (people.gil, people.hana):
        await event_with_speaker(member)
    four, four_statements = await count()
    assert (two, four) == (2, 4)
    assert four_statements == two_statements
