"""Surveys over HTTP: sending (with the fatigue budget), answering once within range, scores
per segment and per month, and free text turned into an idea. SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from domain.advocacy.models import AdvocacyAsk
from domain.feedback.models import SurveyKind, SurveyResponse
from domain.feedback.services import surveys
from domain.identity.models import AccountSegment
from domain.identity.policies import actor_for
from domain.shared.outbox import OutboxEvent
from tests.feedback.world import Feedback, people
from tests.support.factories import create_account, create_member
from tests.support.ids import global_id

CREATE = """
mutation($i: CreateSurveyInput!) {
  createSurvey(input: $i) { survey { id kind questions { key minScore maxScore } } userErrors { field code } }
}
"""
SEND = """
mutation($i: SendSurveyInput!) {
  sendSurvey(input: $i) { survey { recipientCount } sentCount alreadySentCount skippedCount userErrors { field code } }
}
"""
ANSWER = """
mutation($i: AnswerSurveyInput!) {
  answerSurvey(input: $i) { response { id score answers { questionKey score } comment } userErrors { field code } }
}
"""
PENDING = "query { surveys(pending: true) { edges { node { id title questions { key } } } } }"
SCORES = """
fragment S on SurveyScores {
  responseCount average nps promoterCount passiveCount detractorCount satisfiedPercent
}
query($kind: SurveyKind!, $since: DateTime, $until: DateTime) {
  surveyReport(kind: $kind, since: $since, until: $until) {
    overall { ...S }
    bySegment { segment scores { ...S } }
    byMonth { month scores { responseCount average nps satisfiedPercent } }
  }
}
"""
TO_IDEA = """
mutation($i: CreateIdeaFromSurveyResponseInput!) {
  createIdeaFromSurveyResponse(input: $i) {
    idea { id title visibility description voterCount arr { amount } }
    response { idea { id } }
    userErrors { field code }
  }
}
"""


@pytest.fixture
async def world(session):
    return await people(session)


@pytest.fixture
def fb(app, client):
    return Feedback(app, client)


async def create(fb, who, kind="NPS", title="How are we doing?"):  # type: ignore[no-untyped-def]
    body = await fb.call(who, CREATE, {"i": {"kind": kind, "title": title}})
    assert body["data"]["createSurvey"]["userErrors"] == [], body
    return body["data"]["createSurvey"]["survey"]


async def answer(fb, who, survey_id, answers, comment=None):  # type: ignore[no-untyped-def]
    items = [{"questionKey": k, "score": v} for k, v in answers.items()]
    body = await fb.call(
        who, ANSWER, {"i": {"surveyId": survey_id, "answers": items, "comment": comment}}
    )
    assert "errors" not in body, body
    return body["data"]["answerSurvey"]


def codes(payload):  # type: ignore[no-untyped-def]
    return [e["code"] for e in payload["userErrors"]]


async def test_nps_survey_sent_answered_once_and_scored_per_segment(fb, session, world):
    # given an NPS survey sent to the whole of acme and to gil of globex
    survey = await create(fb, world["pm"])
    assert survey["questions"] == [{"key": "recommend", "minScore": 0, "maxScore": 10}]
    body = await fb.call(
        world["csm"],
        SEND,
        {
            "i": {
                "surveyId": survey["id"],
                "accountIds": [global_id("Account", world["acme"].id)],
                "memberIds": [global_id("Member", world["gil"].id)],
            }
        },
    )
    sent = body["data"]["sendSurvey"]
    assert (sent["sentCount"], sent["skippedCount"], sent["userErrors"]) == (4, 0, [])
    assert sent["survey"]["recipientCount"] == 4
    # customers cannot send surveys
    body = await fb.call(world["casey"], SEND, {"i": {"surveyId": survey["id"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # casey sees it pending; hana (not sent) does not see it at all
    pending = await fb.call(world["casey"], PENDING)
    assert [e["node"]["id"] for e in pending["data"]["surveys"]["edges"]] == [survey["id"]]
    assert (await fb.call(world["hana"], PENDING))["data"]["surveys"]["edges"] == []

    # when they answer; one out of range first, then twice, and two people it was not sent to
    assert codes(await answer(fb, world["casey"], survey["id"], {"recommend": 11})) == [
        "ANSWER_OUT_OF_RANGE"
    ]
    assert codes(await answer(fb, world["casey"], survey["id"], {"recommend": -1})) == [
        "ANSWER_OUT_OF_RANGE"
    ]
    assert codes(await answer(fb, world["casey"], survey["id"], {"satisfied": 3})) == [
        "INVALID_VALUE"
    ]
    first = await answer(fb, world["casey"], survey["id"], {"recommend": 10}, "Love the alerts")
    assert first["userErrors"] == []
    assert first["response"]["score"] == 10
    assert codes(await answer(fb, world["casey"], survey["id"], {"recommend": 2})) == [
        "ALREADY_ANSWERED"
    ]
    assert codes(await answer(fb, world["hana"], survey["id"], {"recommend": 9})) == ["NOT_FOUND"]
    assert codes(await answer(fb, world["pm"], survey["id"], {"recommend": 9})) == ["NOT_INVITED"]
    for who, score in (("dana", 9), ("erin", 3), ("gil", 7)):
        assert (await answer(fb, world[who], survey["id"], {"recommend": score}))[
            "userErrors"
        ] == []

    # then one response each, and nothing from the refused attempts
    rows = await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))
    assert [(r.member_id, r.account_id, r.score) for r in rows] == [
        (world["casey"].id, world["acme"].id, 10),
        (world["dana"].id, world["acme"].id, 9),
        (world["erin"].id, world["acme"].id, 3),
        (world["gil"].id, world["globex"].id, 7),
    ]
    assert (await fb.call(world["casey"], PENDING))["data"]["surveys"]["edges"] == []
    # NPS = %promoters - %detractors: overall (2 - 1) / 4; acme (2 - 1) / 3; globex 0 / 1
    report = (await fb.call(world["pm"], SCORES, {"kind": "NPS"}))["data"]["surveyReport"]
    assert report["overall"] == {
        "responseCount": 4,
        "average": 7.25,
        "nps": 25.0,
        "promoterCount": 2,
        "passiveCount": 1,
        "detractorCount": 1,
        "satisfiedPercent": None,
    }
    assert [
        (s["segment"], s["scores"]["responseCount"], s["scores"]["nps"])
        for s in report["bySegment"]
    ] == [("SMB", 1, 0.0), ("ENTERPRISE", 3, 33.3)]
    month = datetime.now(UTC).strftime("%Y-%m")
    assert [(m["month"], m["scores"]["nps"]) for m in report["byMonth"]] == [(month, 25.0)]
    # customers see neither the report nor others' answers
    body = await fb.call(world["casey"], SCORES, {"kind": "NPS"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = await fb.call(
        world["dana"],
        "query($id: ID!) { node(id: $id) { ... on SurveyResponse { score } } }",
        {"id": first["response"]["id"]},
    )
    assert own["data"]["node"] is None
    # and every answer left an outbox event for the advocacy ledger
    event = await session.scalar(
        select(OutboxEvent)
        .where(OutboxEvent.topic == "feedback.survey_answered")
        .order_by(OutboxEvent.id)
        .limit(1)
    )
    assert event is not None
    response = await session.scalar(
        select(SurveyResponse).where(SurveyResponse.member_id == world["casey"].id)
    )
    assert global_id("Survey", response.survey_id) == survey["id"]
    assert event.payload == {
        "survey_id": response.survey_id,
        "response_id": response.id,
        "member_id": world["casey"].id,
        "account_id": world["acme"].id,
        "kind": "NPS",
        "score": 10.0,
    }


async def test_csat_and_feel_valued_over_time(fb, session, world):
    # given answers recorded in January and February (through the service, with their dates)
    pm = actor_for(world["pm"], world["vendor"].kind)
    jan, feb = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 2, 20, tzinfo=UTC)
    members = [world[h] for h in ("casey", "dana", "gil", "ian")]
    sent_at = {
        SurveyKind.CSAT: datetime(2025, 12, 20, tzinfo=UTC),
        # more than a week later: the fatigue budget's cooldown between surveys
        SurveyKind.FEEL_VALUED: datetime(2026, 1, 1, tzinfo=UTC),
    }
    made = {}
    for kind, at in sent_at.items():
        survey = await surveys.create_survey(session, pm, surveys.NewSurvey(kind, kind.value), at)
        made[kind] = survey
        sending = await surveys.send_survey(session, pm, survey.id, [m.id for m in members], [], at)
        assert (sending.sent, sending.skipped) == (4, 0)
    csat, valued = made[SurveyKind.CSAT], made[SurveyKind.FEEL_VALUED]
    for who, when, score in (("casey", jan, 5), ("dana", jan, 4), ("gil", feb, 2), ("ian", feb, 4)):
        await surveys.answer_survey(
            session,
            actor_for(world[who], world["acme"].kind),
            csat.id,
            {"satisfied": score},
            None,
            when,
        )
    valued_answers = {
        "casey": (jan, (5, 5, 4, 4)),  # 4.5
        "gil": (feb, (3, 2, 2, 1)),  # 2.0
        "ian": (feb, (4, 4, 4, 5)),  # 4.25
    }
    for who, (when, values) in valued_answers.items():
        keys = ("appreciated", "listened", "known", "recognized")
        await surveys.answer_survey(
            session,
            actor_for(world[who], world["acme"].kind),
            valued.id,
            dict(zip(keys, values, strict=True)),
            None,
            when,
        )
    await session.commit()

    # when product staff read the reports
    body = await fb.call(world["pm"], SCORES, {"kind": "CSAT"})
    report = body["data"]["surveyReport"]
    # then CSAT: mean (5+4+2+4)/4, 3 of 4 satisfied; per month and per segment
    assert (report["overall"]["average"], report["overall"]["satisfiedPercent"]) == (3.75, 75.0)
    assert report["overall"]["nps"] is None
    assert [
        (
            m["month"],
            m["scores"]["responseCount"],
            m["scores"]["average"],
            m["scores"]["satisfiedPercent"],
        )
        for m in report["byMonth"]
    ] == [("2026-01", 2, 4.5, 100.0), ("2026-02", 2, 3.0, 50.0)]
    assert [
        (s["segment"], s["scores"]["average"], s["scores"]["satisfiedPercent"])
        for s in report["bySegment"]
    ] == [("SMB", 3.0, 50.0), ("ENTERPRISE", 4.5, 100.0)]
    # feel valued: the mean of each response's mean
    body = await fb.call(world["pm"], SCORES, {"kind": "FEEL_VALUED"})
    report = body["data"]["surveyReport"]
    assert report["overall"]["average"] == round((4.5 + 2.0 + 4.25) / 3, 2)
    assert [(m["month"], m["scores"]["average"]) for m in report["byMonth"]] == [
        ("2026-01", 4.5),
        ("2026-02", 3.12),  # (2.0 + 4.25) / 2 = 3.125, rounded half to even
    ]
    # a time window keeps only February
    body = await fb.call(world["pm"], SCORES, {"kind": "CSAT", "since": "2026-02-01T00:00:00Z"})
    assert body["data"]["surveyReport"]["overall"]["responseCount"] == 2
    # and one survey's own report, through the node
    body = await fb.call(
        world["pm"],
        "query($id: ID!) { node(id: $id) { ... on Survey { scores { responseCount average }"
        " report { byMonth { month } } responses(first: 10) { edges { node { score answers {"
        " questionKey score } account { name } } } } } } }",
        {"id": global_id("Survey", valued.id)},
    )
    node = body["data"]["node"]
    assert node["scores"] == {"responseCount": 3, "average": 3.58}
    assert [m["month"] for m in node["report"]["byMonth"]] == ["2026-01", "2026-02"]
    newest = node["responses"]["edges"][0]["node"]
    assert newest["score"] == 4.25 and newest["account"] == {"name": "Initech"}
    assert newest["answers"][0] == {"questionKey": "appreciated", "score": 4}


async def test_free_text_answer_becomes_an_idea_linked_to_the_response(fb, session, world):
    survey = await create(fb, world["pm"])
    await fb.call(
        world["pm"],
        SEND,
        {
            "i": {
                "surveyId": survey["id"],
                "memberIds": [global_id("Member", m.id) for m in (world["gil"], world["casey"])],
            }
        },
    )
    with_text = await answer(fb, world["gil"], survey["id"], {"recommend": 6}, "Exports\nare slow")
    without = await answer(fb, world["casey"], survey["id"], {"recommend": 9})
    response_id = with_text["response"]["id"]
    base = {"title": "Faster exports", "productArea": "Pipelines"}
    # customers may not; a response without text cannot; ACCOUNT visibility is refused
    body = await fb.call(world["gil"], TO_IDEA, {"i": {**base, "responseId": response_id}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await fb.call(
        world["pm"], TO_IDEA, {"i": {**base, "responseId": without["response"]["id"]}}
    )
    assert codes(body["data"]["createIdeaFromSurveyResponse"]) == ["NO_FREE_TEXT"]
    body = await fb.call(
        world["pm"],
        TO_IDEA,
        {
            "i": {
                **base,
                "responseId": response_id,
                "visibility": "STAFF",
                "voteImportance": "MUST_HAVE",
            }
        },
    )
    assert codes(body["data"]["createIdeaFromSurveyResponse"]) == ["INVALID_VALUE"]

    # when product staff make a public idea of it, counting gil's vote
    body = await fb.call(
        world["pm"],
        TO_IDEA,
        {
            "i": {
                **base,
                "responseId": response_id,
                "visibility": "PUBLIC",
                "voteImportance": "MUST_HAVE",
            }
        },
    )
    result = body["data"]["createIdeaFromSurveyResponse"]
    # then the idea quotes the answer, counts globex's ARR once, and the response links to it
    assert result["userErrors"] == []
    idea = result["idea"]
    assert idea["description"] == "> Exports\n> are slow"
    assert (idea["voterCount"], idea["arr"]) == (1, {"amount": "30000.25"})
    assert result["response"]["idea"]["id"] == idea["id"]
    vote = await fb.call(
        world["gil"],
        "query($id: ID!) { node(id: $id) { ... on Idea { viewerVote { importance proxy } } } }",
        {"id": idea["id"]},
    )
    assert vote["data"]["node"]["viewerVote"] == {"importance": "MUST_HAVE", "proxy": True}
    # a second conversion is refused
    body = await fb.call(world["pm"], TO_IDEA, {"i": {**base, "responseId": response_id}})
    assert codes(body["data"]["createIdeaFromSurveyResponse"]) == ["ALREADY_CONVERTED"]


async def test_sending_respects_the_fatigue_budget(fb, session, world):
    # given a company of 22 people (the account budget is 20 asks of any kind in 90 days)
    big = await create_account(session, name="Umbrella", segment=AccountSegment.STRATEGIC)
    staff = [await create_member(session, big) for _ in range(22)]
    await session.commit()
    first = await create(fb, world["pm"], title="Q1 pulse")
    body = await fb.call(
        world["pm"],
        SEND,
        {
            "i": {
                "surveyId": first["id"],
                "accountIds": [
                    global_id("Account", big.id),
                    global_id("Account", world["acme"].id),
                ],
            }
        },
    )
    sent = body["data"]["sendSurvey"]
    # then 20 of umbrella and all 3 of acme are asked; 2 of umbrella are skipped
    assert (sent["sentCount"], sent["skippedCount"]) == (23, 2)
    asks = await session.scalar(
        select(func.count()).where(AdvocacyAsk.kind == "SURVEY", AdvocacyAsk.account_id == big.id)
    )
    assert asks == 20
    # sending the same survey again asks nobody twice
    body = await fb.call(
        world["pm"],
        SEND,
        {"i": {"surveyId": first["id"], "accountIds": [global_id("Account", world["acme"].id)]}},
    )
    again = body["data"]["sendSurvey"]
    assert (again["sentCount"], again["alreadySentCount"], again["skippedCount"]) == (0, 3, 0)
    # a second survey within the week's cooldown skips everyone at acme
    second = await create(fb, world["pm"], kind="CSAT", title="Support CSAT")
    body = await fb.call(
        world["pm"],
        SEND,
        {"i": {"surveyId": second["id"], "accountIds": [global_id("Account", world["acme"].id)]}},
    )
    later = body["data"]["sendSurvey"]
    assert (later["sentCount"], later["skippedCount"], later["survey"]["recipientCount"]) == (
        0,
        3,
        0,
    )
    assert len(staff) == 22
