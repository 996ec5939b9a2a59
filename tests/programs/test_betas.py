"""Betas: builds, typed feedback routed to feedback and advocacy, graduation; idea voters invited
into the beta; board agendas from the accounts' ideas."""

import pytest
from sqlalchemy import select

from domain.advocacy.models import Testimonial, TestimonialState
from domain.feedback.models import Idea, Importance
from domain.feedback.services.ideas import NewIdea, submit_idea
from domain.feedback.services.voting import vote
from domain.identity.models import AccountKind
from domain.identity.policies import actor_for
from domain.programs.models import ApplicationStatus, ProgramApplication
from tests.programs.support import create_program, enrol, events, people
from tests.support.factories import create_member
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

PUBLISH = """
mutation($input: PublishBetaBuildInput!) {
  publishBetaBuild(input: $input) { build { id version releaseNotes } userErrors { field code } }
}
"""
FEEDBACK = """
mutation($input: GiveBetaFeedbackInput!) {
  giveBetaFeedback(input: $input) {
    feedback { kind title routedTo routedIdeaId member { name } } userErrors { field code }
  }
}
"""
GRADUATE = """
mutation($input: GraduateBetaInput!) {
  graduateBeta(input: $input) { program { gaVersion graduatedAt } userErrors { code } }
}
"""
BUILDS = """
query($id: ID!) {
  node(id: $id) { ... on Program { builds { version feedback { kind title } } } }
}
"""
INVITE_VOTERS = """
mutation($input: InviteIdeaVotersInput!) {
  inviteIdeaVoters(input: $input) { invited skipped { memberId reason } userErrors { code } }
}
"""
AGENDA = """
query($id: ID!) { node(id: $id) { ... on Program { agendaSuggestion(limit: 3) { title } } } }
"""


@pytest.fixture
async def team(session):
    return await people(session)


def _actor(member):
    return actor_for(member, AccountKind.CUSTOMER)


async def test_builds_feedback_routing_and_graduation(app, client, session, team):
    await session.commit()
    pm = team["pm"]
    beta = await create_program(client, app, pm, name="Alerts beta")
    await enrol(client, app, pm, team["casey"], beta)
    publish = {"programId": beta, "version": "0.3.0", "releaseNotes": "Streaming alerts."}
    build = (await gql(client, PUBLISH, {"input": publish}, token=bearer(app, pm)))["data"][
        "publishBetaBuild"
    ]["build"]
    assert build["version"] == "0.3.0"
    twice = await gql(client, PUBLISH, {"input": publish}, token=bearer(app, pm))
    assert twice["data"]["publishBetaBuild"]["userErrors"] == [
        {"field": ["input", "version"], "code": "DUPLICATE_VERSION"}
    ]
    board = await create_program(client, app, pm, kind="ADVISORY_BOARD", name="Board")
    wrong = await gql(
        client, PUBLISH, {"input": publish | {"programId": board}}, token=bearer(app, pm)
    )
    assert wrong["data"]["publishBetaBuild"]["userErrors"][0]["code"] == "WRONG_PROGRAM_KIND"

    # feedback of each type from a member with access
    def give(kind, title, body, **extra):
        values = {"buildId": build["id"], "kind": kind, "title": title, "body": body} | extra
        return gql(client, FEEDBACK, {"input": values}, token=bearer(app, team["casey"]))

    issue = (await give("ISSUE", "Crash", "Crashes on empty stream"))["data"]["giveBetaFeedback"]
    assert issue["feedback"]["routedTo"] is None
    idea = (await give("IDEA", "Slack alerts", "Send alerts to Slack", productArea="Alerts"))[
        "data"
    ]["giveBetaFeedback"]
    assert idea["feedback"]["routedTo"] == "FEEDBACK_IDEA"
    praise = (await give("PRAISE", "Love it", "Alerts arrive in a second. Superb."))["data"][
        "giveBetaFeedback"
    ]
    assert praise["feedback"]["routedTo"] == "TESTIMONIAL_CANDIDATE"
    # routed: an idea in the feedback loop, a testimonial candidate in advocacy
    created = await session.scalar(select(Idea).where(Idea.title == "Slack alerts"))
    assert (created.author_id, created.product_area) == (team["casey"].id, "Alerts")
    assert idea["feedback"]["routedIdeaId"] == global_id("Idea", created.id)
    candidate = await session.scalar(select(Testimonial))
    assert (candidate.member_id, candidate.text, candidate.state) == (
        team["casey"].id,
        "Alerts arrive in a second. Superb.",
        TestimonialState.CANDIDATE,
    )
    given = await events(session, "programs.feedback_given")
    assert [e["type"] for e in given] == ["ISSUE", "IDEA", "PRAISE"]
    assert [e["type"] for e in await events(session, "programs.beta_feedback_given")] == ["PRAISE"]
    # bad feedback input and outsiders
    blank = (await give("ISSUE", " ", "x"))["data"]["giveBetaFeedback"]
    assert blank["userErrors"] == [{"field": ["input", "title"], "code": "INVALID_VALUE"}]
    outsider = await gql(
        client,
        FEEDBACK,
        {"input": {"buildId": build["id"], "kind": "ISSUE", "title": "t", "body": "b"}},
        token=bearer(app, team["tim"]),
    )
    assert outsider["data"]["giveBetaFeedback"]["userErrors"][0]["code"] == "NOT_ENROLLED"
    # the team sees all feedback; outsiders see no builds
    seen = await gql(client, BUILDS, {"id": beta}, token=bearer(app, pm))
    assert [f["kind"] for f in seen["data"]["node"]["builds"][0]["feedback"]] == [
        "PRAISE",
        "IDEA",
        "ISSUE",
    ]
    hidden = await gql(client, BUILDS, {"id": beta}, token=bearer(app, team["tim"]))
    assert hidden["data"]["node"]["builds"] == []
    # graduation, once
    grad = {"programId": beta, "gaVersion": "1.0.0"}
    done = await gql(client, GRADUATE, {"input": grad}, token=bearer(app, pm))
    assert done["data"]["graduateBeta"]["program"]["gaVersion"] == "1.0.0"
    again = await gql(client, GRADUATE, {"input": grad}, token=bearer(app, pm))
    assert again["data"]["graduateBeta"]["userErrors"] == [{"code": "ALREADY_GRADUATED"}]
    late = await gql(
        client, PUBLISH, {"input": publish | {"version": "1.0.1"}}, token=bearer(app, pm)
    )
    assert late["data"]["publishBetaBuild"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_idea_voters_are_invited_by_eligibility_and_capacity(app, client, session, team):
    # given an idea voted for by four customers, one of them not eligible
    eve = await create_member(session, team["tiny"], name="Eve", title="Data analyst")
    idea = await submit_idea(
        session, _actor(team["casey"]), NewIdea(title="Slack alerts", product_area="Alerts")
    )
    await vote(session, _actor(team["casey"]), idea.id, Importance.MUST_HAVE)
    await vote(session, _actor(team["tim"]), idea.id, Importance.IMPORTANT)
    await vote(session, _actor(team["dana"]), idea.id, Importance.NICE_TO_HAVE)
    await vote(session, _actor(eve), idea.id, Importance.NICE_TO_HAVE)
    seated = await create_member(session, team["acme"], name="Seated", title="Data lead")
    await session.commit()
    # a beta for data people with three seats, one taken
    beta = await create_program(
        client, app, team["pm"], capacity=3, eligibility={"roles": ["data"]}
    )
    await enrol(client, app, team["pm"], seated, beta)
    # when the team invites the idea's voters
    body = await gql(
        client,
        INVITE_VOTERS,
        {"input": {"programId": beta, "ideaId": global_id("Idea", idea.id)}},
        token=bearer(app, team["pm"]),
    )
    result = body["data"]["inviteIdeaVoters"]
    # then the most important eligible votes take the two free seats
    assert result["invited"] == 2
    skipped = {s["memberId"]: s["reason"] for s in result["skipped"]}
    assert skipped[global_id("Member", team["tim"].id)].startswith("not eligible: your title")
    assert skipped[global_id("Member", eve.id)] == "no free seat left"
    invited = await session.scalars(
        select(ProgramApplication.member_id).where(
            ProgramApplication.status == ApplicationStatus.INVITED
        )
    )
    assert sorted(invited) == sorted([team["casey"].id, team["dana"].id])
    assert len(await events(session, "programs.invited")) == 2


async def test_board_agenda_suggestion_from_the_accounts_ideas(app, client, session, team):
    casey, tim = _actor(team["casey"]), _actor(team["tim"])
    ours = await submit_idea(
        session, casey, NewIdea(title="Row-level security", product_area="Core")
    )
    other = await submit_idea(session, casey, NewIdea(title="Dark mode", product_area="UI"))
    theirs = await submit_idea(session, tim, NewIdea(title="Tiny's wish", product_area="UI"))
    await vote(session, casey, ours.id, Importance.MUST_HAVE)
    await vote(session, _actor(team["dana"]), other.id, Importance.NICE_TO_HAVE)
    await vote(session, tim, theirs.id, Importance.MUST_HAVE)
    await session.commit()
    board = await create_program(client, app, team["pm"], kind="ADVISORY_BOARD", name="CAB")
    await enrol(client, app, team["pm"], team["casey"], board)
    body = await gql(client, AGENDA, {"id": board}, token=bearer(app, team["pm"]))
    titles = [i["title"] for i in body["data"]["node"]["agendaSuggestion"]]
    assert set(titles) == {"Row-level security", "Dark mode"}
    denied = await gql(client, AGENDA, {"id": board}, token=bearer(app, team["casey"]))
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
