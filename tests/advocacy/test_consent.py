"""Consent gates publication: quotes from forum posts approved word for word, case studies
through the pipeline, engagements; withdrawal and expiry act at once and list the assets."""

from datetime import timedelta

from sqlalchemy import select, update

from domain.advocacy import models as am
from domain.advocacy.models import CaseStudy, ConsentRecord
from domain.community.models import Post
from domain.shared.models import utcnow
from tests.support.community import create_space, create_thread
from tests.support.graphql import bearer, error_codes, gql
from tests.support.ids import global_id

QUOTE = """
mutation($i: QuoteForumPostInput!) {
  quoteForumPost(input: $i) {
    testimonial { id state text sourcePost { id } attributedAs usable } userErrors { code field }
  }
}"""
RESPOND = """
mutation($i: RespondToTestimonialInput!) {
  respondToTestimonial(input: $i) { testimonial { state approvedAt } userErrors { code } }
}"""
PUBLISH = """
mutation($i: TestimonialIdInput!) {
  publishTestimonial(input: $i) { testimonial { state usable } userErrors { code message } }
}"""
GRANT = """
mutation($i: GrantConsentInput!) {
  grantConsent(input: $i) { consent { id active channels } userErrors { code field } }
}"""
WITHDRAW = """
mutation($i: WithdrawConsentInput!) {
  withdrawConsent(input: $i) {
    consent { active withdrawnAt } affectedAssets { assetId title channels urls } userErrors { code }
  }
}"""
TESTIMONIAL = "query($id: ID!) { node(id: $id) { ... on Testimonial { state usable } } }"
NOMINATE_STUDY = """
mutation($i: CaseStudyInput!) { nominateCaseStudy(input: $i) { caseStudy { id stage } userErrors { code } } }"""
MOVE = """
mutation($i: MoveCaseStudyInput!) {
  moveCaseStudy(input: $i) {
    caseStudy { stage usable publishedAt expiresAt missingConsent } userErrors { code message }
  }
}"""
STUDIES = "{ caseStudies { edges { node { title usable missingConsent } } } }"
CONSENT_ASSETS = """
query($id: ID!) { node(id: $id) { ... on ConsentRecord { active assetsInUse { assetId } } } }"""


async def _quote_candidate(call, session, people, words="Lineage cut our audit prep in half."):
    space = await create_space(session)
    thread = await create_thread(session, space, people.casey.id)
    post = await session.scalar(select(Post).where(Post.thread_id == thread.id))
    post.body_markdown = f"Honestly: {words} Thanks team!"
    await session.commit()
    data = await call(
        people.marketer,
        QUOTE,
        {
            "i": {
                "postId": global_id("Post", post.id),
                "text": words,
                "channels": ["WEB", "SALES_DECK"],
                "attribution": "ROLE_AND_COMPANY",
            }
        },
    )
    return post, data["quoteForumPost"]


async def test_a_forum_quote_needs_the_authors_approval_of_the_exact_text_and_consent(
    call, session, people
):
    # words the post does not say are refused
    post, refused = await _quote_candidate(call, session, people)
    assert refused["userErrors"] == []
    bad = await call(
        people.marketer,
        QUOTE,
        {
            "i": {
                "postId": global_id("Post", post.id),
                "text": "Best tool ever",
                "channels": ["WEB"],
            }
        },
    )
    assert bad["quoteForumPost"]["userErrors"] == [
        {"code": "TEXT_MISMATCH", "field": ["input", "text"]}
    ]
    quote = refused["testimonial"]
    assert quote["state"] == "AWAITING_APPROVAL"
    assert quote["sourcePost"] == {"id": global_id("Post", post.id)}
    assert quote["attributedAs"] == "Data Lead, Acme"
    tid = {"testimonialId": quote["id"]}
    # only the author answers, and only for the exact text shown
    other = await call(
        people.devon, RESPOND, {"i": {**tid, "approve": True, "text": quote["text"]}}
    )
    assert other["respondToTestimonial"]["userErrors"] == [{"code": "NOT_FOUND"}]
    wrong = await call(
        people.casey, RESPOND, {"i": {**tid, "approve": True, "text": "Lineage rocks"}}
    )
    assert wrong["respondToTestimonial"]["userErrors"] == [{"code": "TEXT_MISMATCH"}]
    ok = await call(people.casey, RESPOND, {"i": {**tid, "approve": True, "text": quote["text"]}})
    assert ok["respondToTestimonial"]["testimonial"]["state"] == "APPROVED"
    # publishing without consent, or with consent for only one of its channels, is refused
    data = await call(people.marketer, PUBLISH, {"i": tid})
    assert [e["code"] for e in data["publishTestimonial"]["userErrors"]] == ["CONSENT_REQUIRED"]
    web = await call(
        people.casey,
        GRANT,
        {"i": {"activity": "TESTIMONIAL", "channels": ["WEB"], "textVersion": "v3"}},
    )
    data = await call(people.marketer, PUBLISH, {"i": tid})
    assert "TESTIMONIAL:SALES_DECK" in data["publishTestimonial"]["userErrors"][0]["message"]
    assert (await call(people.marketer, TESTIMONIAL, {"id": quote["id"]}))["node"][
        "state"
    ] == "APPROVED"
    deck = await call(
        people.marketer,
        GRANT,
        {
            "i": {
                "activity": "TESTIMONIAL",
                "channels": ["SALES_DECK"],
                "textVersion": "v3",
                "memberId": global_id("Member", people.casey.id),
            }
        },
    )
    data = await call(people.marketer, PUBLISH, {"i": tid})
    assert data["publishTestimonial"]["testimonial"] == {"state": "PUBLISHED", "usable": True}
    # when Casey withdraws the sales-deck consent, the quote is unusable at once and listed
    data = await call(
        people.casey,
        WITHDRAW,
        {"i": {"consentId": deck["grantConsent"]["consent"]["id"], "reason": "new job"}},
    )
    payload = data["withdrawConsent"]
    assert payload["consent"]["active"] is False
    assert payload["affectedAssets"] == [
        {
            "assetId": quote["id"],
            "title": quote["text"],
            "channels": ["WEB", "SALES_DECK"],
            "urls": [],
        }
    ]
    assert (await call(people.marketer, TESTIMONIAL, {"id": quote["id"]}))["node"][
        "usable"
    ] is False
    # withdrawing twice is refused; the web consent still lists nothing usable
    again = await call(
        people.casey, WITHDRAW, {"i": {"consentId": deck["grantConsent"]["consent"]["id"]}}
    )
    assert again["withdrawConsent"]["userErrors"] == [{"code": "CONSENT_INACTIVE"}]
    assets = await call(
        people.marketer, CONSENT_ASSETS, {"id": web["grantConsent"]["consent"]["id"]}
    )
    assert assets["node"] == {"active": True, "assetsInUse": [{"assetId": quote["id"]}]}
    # and a second approved quote cannot be published after the withdrawal
    second = am.Testimonial(
        member_id=people.casey.id,
        account_id=people.acme.id,
        source=am.TestimonialSource.INTERVIEW,
        text="Great support.",
        attribution=am.Attribution.ANONYMOUS,
        channels=["SALES_DECK"],
        state=am.TestimonialState.APPROVED,
    )
    session.add(second)
    await session.commit()
    data = await call(
        people.marketer, PUBLISH, {"i": {"testimonialId": global_id("Testimonial", second.id)}}
    )
    assert [e["code"] for e in data["publishTestimonial"]["userErrors"]] == ["CONSENT_REQUIRED"]


def _raw(global_id_value: str) -> str:
    import base64

    return base64.b64decode(global_id_value).decode().split(":")[1]


async def test_consent_rules_and_who_may_record_it(app, client, call, people):
    cases = [
        (
            people.casey,
            {"activity": "TESTIMONIAL", "channels": [], "textVersion": "v1"},
            "INVALID_VALUE",
        ),
        (
            people.casey,
            {"activity": "LOGO_USE", "channels": ["WEB"], "textVersion": "v1"},
            "INVALID_VALUE",
        ),
        (
            people.marketer,
            {
                "scope": "ACCOUNT",
                "activity": "LOGO_USE",
                "channels": ["WEB"],
                "textVersion": "v1",
                "accountId": global_id("Account", people.acme.id),
            },
            None,
        ),
        (
            people.casey,
            {
                "activity": "PRESS",
                "channels": ["PRESS"],
                "textVersion": "v1",
                "expiresAt": (utcnow() - timedelta(days=1)).isoformat(),
            },
            "INVALID_VALUE",
        ),
    ]
    for who, fields, code in cases:
        data = await call(who, GRANT, {"i": fields})
        assert [e["code"] for e in data["grantConsent"]["userErrors"]] == ([code] if code else [])
    # a customer cannot record consent for someone else: that is a permission error
    body = await gql(
        client,
        GRANT,
        {
            "i": {
                "activity": "PRESS",
                "channels": ["PRESS"],
                "textVersion": "v1",
                "memberId": global_id("Member", people.devon.id),
            }
        },
        token=bearer(app, people.casey),
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_case_study_pipeline_publishes_only_under_consent_and_expiry_acts_at_once(
    call, session, people
):
    data = await call(
        people.marketer,
        NOMINATE_STUDY,
        {
            "i": {
                "title": "Acme closes the books in 2 days",
                "memberId": global_id("Member", people.casey.id),
                "channels": ["WEB"],
                "productTags": ["Pipelines"],
                "assetUrls": ["https://x.example/acme.pdf"],
                "metrics": [
                    {"name": "month-end close", "before": "9", "after": "2", "unit": "days"}
                ],
            }
        },
    )
    study = data["nominateCaseStudy"]["caseStudy"]
    sid = {"caseStudyId": study["id"]}
    # a second case study ask within the budget's cooldown is refused
    again = await call(
        people.marketer,
        NOMINATE_STUDY,
        {"i": {"title": "Again", "memberId": global_id("Member", people.casey.id)}},
    )
    assert again["nominateCaseStudy"]["userErrors"] == [{"code": "OVER_BUDGET"}]
    # publishing straight from drafting is out of order; from legal approval it needs consent
    await call(people.marketer, MOVE, {"i": {**sid, "stage": "DRAFTING"}})
    data = await call(people.marketer, MOVE, {"i": {**sid, "stage": "PUBLISHED"}})
    assert [e["code"] for e in data["moveCaseStudy"]["userErrors"]] == ["INVALID_TRANSITION"]
    await call(people.marketer, MOVE, {"i": {**sid, "stage": "LEGAL_APPROVAL"}})
    data = await call(people.marketer, MOVE, {"i": {**sid, "stage": "PUBLISHED"}})
    assert [e["code"] for e in data["moveCaseStudy"]["userErrors"]] == ["CONSENT_REQUIRED"]
    assert "CASE_STUDY:WEB" in data["moveCaseStudy"]["userErrors"][0]["message"]
    assert "LOGO_USE:WEB" in data["moveCaseStudy"]["userErrors"][0]["message"]
    await call(
        people.casey,
        GRANT,
        {"i": {"activity": "CASE_STUDY", "channels": ["WEB"], "textVersion": "v1"}},
    )
    logo = await call(
        people.marketer,
        GRANT,
        {
            "i": {
                "scope": "ACCOUNT",
                "activity": "LOGO_USE",
                "channels": ["WEB", "SOCIAL"],
                "textVersion": "v1",
                "accountId": global_id("Account", people.acme.id),
            }
        },
    )
    data = await call(people.marketer, MOVE, {"i": {**sid, "stage": "PUBLISHED"}})
    published = data["moveCaseStudy"]["caseStudy"]
    assert published["stage"] == "PUBLISHED" and published["usable"] is True
    stored = await session.scalar(select(CaseStudy).execution_options(populate_existing=True))
    assert (stored.expires_at - stored.published_at).days == 365 * 5 + 1
    # other customers see it while it is usable
    visible = await call(people.hana, STUDIES)
    assert [e["node"]["title"] for e in visible["caseStudies"]["edges"]] == [
        "Acme closes the books in 2 days"
    ]
    # when the logo consent expires, the study is unusable at once, and hidden from customers
    await session.execute(
        update(ConsentRecord)
        .where(ConsentRecord.id == int(_raw(logo["grantConsent"]["consent"]["id"])))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    staff_view = await call(people.marketer, STUDIES)
    assert staff_view["caseStudies"]["edges"][0]["node"]["usable"] is False
    assert staff_view["caseStudies"]["edges"][0]["node"]["missingConsent"] == ["LOGO_USE:WEB"]
    listed = await call(
        people.marketer, CONSENT_ASSETS, {"id": logo["grantConsent"]["consent"]["id"]}
    )
    assert listed["node"] == {"active": False, "assetsInUse": [{"assetId": study["id"]}]}
    # customers no longer see it either: it shows a logo the account no longer lets us use
    assert (await call(people.hana, STUDIES))["caseStudies"]["edges"] == []
    # and when its term ends, re-approval starts a new one
    await session.execute(update(CaseStudy).values(expires_at=utcnow() - timedelta(days=1)))
    await session.commit()
    assert (await call(people.hana, STUDIES))["caseStudies"]["edges"] == []
    reapprove = "mutation($i: CaseStudyIdInput!) { reapproveCaseStudy(input: $i) { caseStudy { expiresAt } userErrors { code } } }"
    data = await call(people.marketer, reapprove, {"i": sid})
    assert data["reapproveCaseStudy"]["userErrors"] == [{"code": "CONSENT_REQUIRED"}]
    await call(
        people.marketer,
        GRANT,
        {
            "i": {
                "scope": "ACCOUNT",
                "activity": "LOGO_USE",
                "channels": ["WEB"],
                "textVersion": "v2",
                "accountId": global_id("Account", people.acme.id),
            }
        },
    )
    data = await call(people.marketer, reapprove, {"i": sid})
    assert data["reapproveCaseStudy"]["userErrors"] == []
    assert [
        e["node"]["usable"] for e in (await call(people.hana, STUDIES))["caseStudies"]["edges"]
    ] == [True]


async def test_engagements_are_confirmed_only_under_consent(call, people):
    create = """mutation($i: CreateEngagementInput!) { createAdvocacyEngagement(input: $i) {
      engagement { id status } userErrors { code } } }"""
    status = """mutation($i: SetEngagementStatusInput!) { setAdvocacyEngagementStatus(input: $i) {
      engagement { status usable } userErrors { code } } }"""
    data = await call(
        people.marketer,
        create,
        {
            "i": {
                "kind": "SPEAKING",
                "memberId": global_id("Member", people.casey.id),
                "title": "Data at scale",
                "venue": "DataConf",
                "channels": ["SOCIAL"],
            }
        },
    )
    eid = data["createAdvocacyEngagement"]["engagement"]["id"]
    data = await call(people.marketer, status, {"i": {"engagementId": eid, "status": "CONFIRMED"}})
    assert data["setAdvocacyEngagementStatus"]["userErrors"] == [{"code": "CONSENT_REQUIRED"}]
    await call(
        people.casey,
        GRANT,
        {"i": {"activity": "SPEAKING", "channels": ["SOCIAL"], "textVersion": "v1"}},
    )
    data = await call(people.marketer, status, {"i": {"engagementId": eid, "status": "CONFIRMED"}})
    assert data["setAdvocacyEngagementStatus"]["engagement"] == {
        "status": "CONFIRMED",
        "usable": True,
    }
    data = await call(people.marketer, status, {"i": {"engagementId": eid, "status": "PLANNED"}})
    assert data["setAdvocacyEngagementStatus"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]


async def test_press_and_analyst_engagements_need_consent_for_their_own_activity(call, people):
    create = """mutation($i: CreateEngagementInput!) { createAdvocacyEngagement(input: $i) {
      engagement { id consentActivity } userErrors { code } } }"""
    status = """mutation($i: SetEngagementStatusInput!) { setAdvocacyEngagementStatus(input: $i) {
      engagement { status usable } userErrors { code message } } }"""

    async def engagement(kind, member):
        data = await call(
            people.marketer,
            create,
            {
                "i": {
                    "kind": kind,
                    "memberId": global_id("Member", member.id),
                    "title": f"{kind} piece",
                    "venue": "Data Weekly",
                    "url": "https://dataweekly.example/acme",
                    "channels": ["PRESS"],
                }
            },
        )
        assert data["createAdvocacyEngagement"]["engagement"]["consentActivity"] == kind
        return data["createAdvocacyEngagement"]["engagement"]["id"]

    press = await engagement("PRESS", people.casey)
    analyst = await engagement("ANALYST", people.hana)
    # a consent for another activity on the same channel does not count
    await call(
        people.casey,
        GRANT,
        {"i": {"activity": "SPEAKING", "channels": ["PRESS"], "textVersion": "v1"}},
    )
    for eid in (press, analyst):
        data = await call(
            people.marketer, status, {"i": {"engagementId": eid, "status": "CONFIRMED"}}
        )
        assert [e["code"] for e in data["setAdvocacyEngagementStatus"]["userErrors"]] == [
            "CONSENT_REQUIRED"
        ]
    granted = await call(
        people.casey,
        GRANT,
        {"i": {"activity": "PRESS", "channels": ["PRESS"], "textVersion": "v1"}},
    )
    data = await call(
        people.marketer, status, {"i": {"engagementId": press, "status": "CONFIRMED"}}
    )
    assert data["setAdvocacyEngagementStatus"]["engagement"] == {
        "status": "CONFIRMED",
        "usable": True,
    }
    # withdrawing the press consent lists the mention, and it cannot be marked done
    consent_id = granted["grantConsent"]["consent"]["id"]
    data = await call(people.casey, WITHDRAW, {"i": {"consentId": consent_id}})
    assert data["withdrawConsent"]["affectedAssets"] == [
        {
            "assetId": press,
            "title": "PRESS piece",
            "channels": ["PRESS"],
            "urls": ["https://dataweekly.example/acme"],
        }
    ]
    data = await call(people.marketer, status, {"i": {"engagementId": press, "status": "DONE"}})
    assert [e["code"] for e in data["setAdvocacyEngagementStatus"]["userErrors"]] == [
        "CONSENT_REQUIRED"
    ]
