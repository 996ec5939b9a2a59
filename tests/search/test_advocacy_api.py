"""Advocacy hits through GraphQL over HTTP, indexed by the app's own worker."""

from domain.advocacy.models import AdvocacyActivity, CaseStudyStage, ConsentChannel, ConsentScope
from domain.advocacy.services import case_studies, consent, profiles, testimonials
from domain.identity.models import Role
from domain.identity.policies import actor_for
from domain.shared.models import utcnow
from tests.support.factories import create_account, create_member, create_vendor
from tests.support.graphql import bearer, gql
from tests.support.ids import global_id

REFERENCE_SEARCH = """
query($q: String!, $filters: SearchFilters) {
  search(query: $q, types: [CASE_STUDY, TESTIMONIAL, ADVOCATE_PROFILE], filters: $filters) {
    totalCount
    edges { node {
      __typename
      ... on CaseStudySearchHit { caseStudy { id title stage usable } highlights { field snippet } }
      ... on TestimonialSearchHit { testimonial { id text state } highlights { field } }
      ... on AdvocateProfileSearchHit { advocateProfile { id status } highlights { field } }
    } }
    facets { field values { value count } }
  }
}
"""


async def test_reference_hits_and_facets_for_marketing_and_customers(app, client, session):
    # given a published case study, a quote and a nominated advocate, all about acme's casey
    vendor = await create_vendor(session)
    marketer = await create_member(session, vendor, {Role.MARKETING}, name="Mia Marketing")
    acme = await create_account(session, name="Acme", industry="Retail", region="EMEA")
    globex = await create_account(session, name="Globex", industry="Media", region="AMER")
    casey = await create_member(session, acme, name="Casey Jaguar")
    gil = await create_member(session, globex, name="Gil")
    await session.commit()
    staff, now = actor_for(marketer, vendor.kind), utcnow()
    for scope, activity, member_id, account_id in (
        (ConsentScope.MEMBER, AdvocacyActivity.CASE_STUDY, casey.id, None),
        (ConsentScope.ACCOUNT, AdvocacyActivity.LOGO_USE, None, acme.id),
    ):
        new = consent.NewConsent(
            scope, activity, [ConsentChannel.WEB], "v1", member_id=member_id, account_id=account_id
        )
        await consent.grant(session, staff, now, new)
    study = await case_studies.nominate(
        session,
        staff,
        now,
        casey.id,
        case_studies.CaseStudyData(
            title="Jaguar cuts close to 2 days", channels=[ConsentChannel.WEB], product_tags=["ETL"]
        ),
    )
    for stage in (CaseStudyStage.LEGAL_APPROVAL, CaseStudyStage.PUBLISHED):
        await case_studies.move(session, staff, now, study.id, stage)
    quote = await testimonials.create(
        session, staff, casey.id, testimonials.TestimonialData(text="Jaguar is fast.")
    )
    profile = await profiles.nominate(session, staff, now, casey.id, profiles.ProfileData())
    await session.commit()
    await app.state.dispatcher.drain()

    # when marketing searches
    body = await gql(client, REFERENCE_SEARCH, {"q": "jaguar"}, token=bearer(app, marketer))
    assert "errors" not in body, body
    result = body["data"]["search"]
    # then every advocacy type comes back, with highlights and facets
    hits = {e["node"]["__typename"]: e["node"] for e in result["edges"]}
    assert set(hits) == {"CaseStudySearchHit", "TestimonialSearchHit", "AdvocateProfileSearchHit"}
    case_study = hits["CaseStudySearchHit"]
    assert case_study["caseStudy"] == {
        "id": global_id("CaseStudy", study.id),
        "title": "Jaguar cuts close to 2 days",
        "stage": "PUBLISHED",
        "usable": True,
    }
    assert {"field": "title", "snippet": "<mark>Jaguar</mark> cuts close to 2 days"} in case_study[
        "highlights"
    ]
    assert hits["TestimonialSearchHit"]["testimonial"]["id"] == global_id("Testimonial", quote.id)
    assert hits["AdvocateProfileSearchHit"]["advocateProfile"] == {
        "id": global_id("AdvocateProfile", profile.id),
        "status": "NOMINATED",
    }
    facets = {f["field"]: {v["value"]: v["count"] for v in f["values"]} for f in result["facets"]}
    assert facets["TYPE"] == {"CASE_STUDY": 1, "TESTIMONIAL": 1, "ADVOCATE_PROFILE": 1}
    assert facets["APPROVAL_STATE"] == {"PUBLISHED": 1, "CANDIDATE": 1, "NOMINATED": 1}
    assert facets["INDUSTRY"] == {"Retail": 3}
    assert facets["REGION"] == {"EMEA": 3}
    assert facets["ACCOUNT"] == {global_id("Account", acme.id): 3}
    # and a filter narrows by approval state (any case)
    narrowed = await gql(
        client,
        REFERENCE_SEARCH,
        {"q": "jaguar", "filters": {"approvalStates": ["nominated"]}},
        token=bearer(app, marketer),
    )
    assert [e["node"]["__typename"] for e in narrowed["data"]["search"]["edges"]] == [
        "AdvocateProfileSearchHit"
    ]

    # when another company's member searches, only the published case study is there
    body = await gql(client, REFERENCE_SEARCH, {"q": "jaguar"}, token=bearer(app, gil))
    assert "errors" not in body, body
    assert [e["node"]["caseStudy"]["id"] for e in body["data"]["search"]["edges"]] == [
        global_id("CaseStudy", study.id)
    ]
    assert body["data"]["search"]["totalCount"] == 1
