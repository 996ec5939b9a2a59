"""Case studies, testimonials and advocate profiles in search, on every backend and database:
each found only by whom domain/advocacy/policies.py lets read it, kept in step by the indexer's
outbox consumers (consent granted or withdrawn, retirement, renames), with the facets and
filters marketing looks for references by."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain.advocacy import policies
from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocateProfile,
    CaseStudy,
    CaseStudyStage,
    ConsentChannel,
    ConsentRecord,
    ConsentScope,
)
from domain.advocacy.models import Testimonial as QuoteRow  # a "Test..." name would be collected
from domain.advocacy.services import case_studies, consent, profiles, testimonials
from domain.identity import events as identity_events
from domain.shared.models import utcnow
from search.query import SearchRequest
from tests.search.world import World

VIEWERS = ("admin", "csm", "mod", "casey", "newbie", "gil", "hana")
WEB = [ConsentChannel.WEB]


async def with_accounts_described(world: World) -> None:
    """Industry and region on the customers, as CRM sync sets them."""
    world.accounts["acme"].industry, world.accounts["acme"].region = "Retail", "EMEA"
    world.accounts["globex"].industry, world.accounts["globex"].region = "Media", "AMER"
    await world.session.commit()


async def grant(world: World, who: str, activity: AdvocacyActivity, **scope: Any) -> ConsentRecord:
    """A member's own consent, or (with account_id) staff recording an account's logo consent."""
    by = "csm" if "account_id" in scope else who
    new = consent.NewConsent(
        scope=ConsentScope.ACCOUNT if "account_id" in scope else ConsentScope.MEMBER,
        activity=activity,
        channels=WEB,
        text_version="v1",
        member_id=None if "account_id" in scope else world.people[who].id,
        **scope,
    )
    record = await consent.grant(world.session, world.actor(by), utcnow(), new)
    await world.session.commit()
    return record


async def nominate_study(world: World, who: str, title: str, **extra: Any) -> CaseStudy:
    data = case_studies.CaseStudyData(title=title, channels=WEB, **extra)
    study = await case_studies.nominate(
        world.session, world.actor("csm"), utcnow(), world.people[who].id, data
    )
    await world.session.commit()
    return study


async def publish(world: World, study: CaseStudy) -> None:
    for stage in (CaseStudyStage.LEGAL_APPROVAL, CaseStudyStage.PUBLISHED):
        await case_studies.move(world.session, world.actor("csm"), utcnow(), study.id, stage)
    await world.session.commit()


async def readable_ids(world: World, who: str, model: type) -> set[int]:
    statement = policies.readable(world.actor(who), model, utcnow())
    return {row.id for row in await world.session.scalars(statement)}


async def found_ids(world: World, who: str, doc_type: str, query: str = "") -> set[int]:
    return {i for _, i in await world.find(who, query, types=(doc_type,))}


async def test_case_studies_reach_whom_the_advocacy_policy_lets_read_them(world):
    # given a published case study about casey (under her consent and acme's logo consent)
    # and one about gil still in the pipeline
    await with_accounts_described(world)
    casey_consent = await grant(world, "casey", AdvocacyActivity.CASE_STUDY)
    await grant(world, "casey", AdvocacyActivity.LOGO_USE, account_id=world.accounts["acme"].id)
    published = await nominate_study(
        world,
        "casey",
        "Wombat pipelines close the books in 2 days",
        summary="Month-end close went from nine days to two with wombat scheduling.",
        product_tags=["Pipelines"],
        industry_tags=["Retail"],
    )
    await publish(world, published)
    drafted = await nominate_study(world, "gil", "Wombat dashboards at Globex")
    await world.index_pending()

    # when each kind of viewer searches, then they find exactly what the policy lets them read
    for who in VIEWERS:
        assert await found_ids(world, who, "case_study", "wombat") == await readable_ids(
            world, who, CaseStudy
        ), who
    assert await found_ids(world, "hana", "case_study", "wombat") == {published.id}
    assert await found_ids(world, "gil", "case_study", "wombat") == {published.id, drafted.id}
    assert await found_ids(world, "csm", "case_study", "wombat") == {published.id, drafted.id}
    # the summary's words find it too, highlighted
    result = await world.search("hana", "scheduling", types=("case_study",))
    assert [(h.type, h.id) for h in result.hits] == [("case_study", published.id)]
    assert any("<mark>scheduling</mark>" in h.snippet for h in result.hits[0].highlights)

    # when casey withdraws her consent, customers other than her stop finding it
    await consent.withdraw(world.session, world.actor("casey"), utcnow(), casey_consent.id, None)
    await world.session.commit()
    await world.index_pending()
    assert await found_ids(world, "hana", "case_study", "wombat") == set()
    assert await found_ids(world, "casey", "case_study", "wombat") == {published.id}
    assert await found_ids(world, "csm", "case_study", "wombat") == {published.id, drafted.id}

    # a new consent brings it back; retiring it hides it again, whatever the consent
    await grant(world, "casey", AdvocacyActivity.CASE_STUDY)
    await world.index_pending()
    assert await found_ids(world, "hana", "case_study", "wombat") == {published.id}
    await case_studies.move(
        world.session, world.actor("csm"), utcnow(), published.id, CaseStudyStage.RETIRED
    )
    await world.session.commit()
    await world.index_pending()
    assert await found_ids(world, "hana", "case_study", "wombat") == set()
    retired = await world.find(
        "csm", "wombat", types=("case_study",), filters={"approval_state": ("RETIRED",)}
    )
    assert retired == [("case_study", published.id)]


async def test_a_case_studys_term_ending_hides_it_with_no_event(world):
    # given a published case study, usable for five years
    await grant(world, "casey", AdvocacyActivity.CASE_STUDY)
    await grant(world, "casey", AdvocacyActivity.LOGO_USE, account_id=world.accounts["acme"].id)
    study = await nominate_study(world, "casey", "Quokka migrations")
    await publish(world, study)
    await world.index_pending()
    viewer = await world.viewer("hana")
    request = SearchRequest(query="quokka", types=("case_study",))
    assert [h.id for h in (await world.index.search(viewer, request)).hits] == [study.id]
    # when the same search runs after the term ended (no event marks that moment)
    stored = await world.session.get(CaseStudy, study.id)
    assert stored is not None and stored.expires_at is not None
    later = replace(viewer, at=int((stored.expires_at + timedelta(seconds=1)).timestamp()))
    # then customers no longer find it, as readable_case_studies then says; its member still does
    assert (await world.index.search(later, request)).hits == []
    casey = replace(await world.viewer("casey"), at=later.at)
    assert [h.id for h in (await world.index.search(casey, request)).hits] == [study.id]


async def test_testimonials_and_profiles_are_for_their_owner_and_advocacy_staff(world):
    # given quotes by casey and gil, and advocate profiles for both
    await with_accounts_described(world)
    casey, gil = world.people["casey"], world.people["gil"]
    casey.products_used = ["Pipelines"]
    await world.session.commit()
    quote = await testimonials.create(
        world.session,
        world.actor("csm"),
        casey.id,
        testimonials.TestimonialData(text="Narwhal alerts saved our on-call nights."),
    )
    candidate = await testimonials.propose_testimonial_candidate(
        world.session,
        member_id=gil.id,
        text="The narwhal beta was the best we have joined.",
        source_type="BetaFeedback",
        source_id=7,
    )
    own = await profiles.save_profile(
        world.session,
        world.actor("casey"),
        utcnow(),
        casey.id,
        profiles.ProfileData(products=["Pipelines"], use_cases=["narwhal migration"]),
    )
    nominated = await profiles.nominate(
        world.session,
        world.actor("csm"),
        utcnow(),
        gil.id,
        profiles.ProfileData(products=["Dashboards"], notes="Great narwhal story"),
    )
    await world.session.commit()
    await world.index_pending()

    # then each viewer finds exactly what advocacy's readable statements return
    for who in VIEWERS:
        assert await found_ids(world, who, "testimonial", "narwhal") == await readable_ids(
            world, who, QuoteRow
        ), who
        assert await found_ids(world, who, "advocate_profile") == await readable_ids(
            world, who, AdvocateProfile
        ), who
    assert await found_ids(world, "casey", "testimonial", "narwhal") == {quote.id}
    assert await found_ids(world, "hana", "testimonial", "narwhal") == set()
    assert await found_ids(world, "admin", "testimonial", "narwhal") == {quote.id, candidate.id}
    assert await found_ids(world, "casey", "advocate_profile", "narwhal") == {own.id}
    assert await found_ids(world, "csm", "advocate_profile", "narwhal") == {own.id, nominated.id}
    assert await found_ids(world, "gil", "advocate_profile") == {nominated.id}
    assert await found_ids(world, "hana", "advocate_profile") == set()

    # when staff retire the quote, the index follows its state
    await testimonials.retire(world.session, world.actor("csm"), quote.id)
    await world.session.commit()
    await world.index_pending()
    by_state = await world.search("csm", "narwhal", types=("testimonial",), facets=True)
    assert by_state.facets["approval_state"] == {"CANDIDATE": 1, "RETIRED": 1}
    retired = await world.find(
        "csm", "", types=("testimonial",), filters={"approval_state": ("RETIRED",)}
    )
    assert retired == [("testimonial", quote.id)]

    # and a member's new name finds their profile once the indexer ran
    gil.name = "Gilbert Grissom-Ibex"
    identity_events.member_changed(world.session, identity_events.MEMBER_UPDATED, gil)
    await world.session.commit()
    assert await found_ids(world, "csm", "advocate_profile", "ibex") == set()
    await world.index_pending()
    assert await found_ids(world, "csm", "advocate_profile", "ibex") == {nominated.id}


async def test_reference_facets_and_filters(world):
    # given two published case studies in different industries, regions and products
    await with_accounts_described(world)
    for who in ("casey", "gil"):
        await grant(world, who, AdvocacyActivity.CASE_STUDY)
        account = world.accounts["acme" if who == "casey" else "globex"]
        await grant(world, who, AdvocacyActivity.LOGO_USE, account_id=account.id)
    acme = await nominate_study(world, "casey", "Ibis at Acme", product_tags=["Pipelines"])
    globex = await nominate_study(
        world, "gil", "Ibis at Globex", product_tags=["Dashboards"], industry_tags=["Broadcast"]
    )
    for study in (acme, globex):
        await publish(world, study)
    await world.index_pending()
    # when a customer searches with facets
    result = await world.search("hana", "ibis", types=("case_study",), facets=True)
    # then the counts cover each value, and the account facet is for staff only
    assert result.facets["industry"] == {"Broadcast": 1, "Media": 1, "Retail": 1}
    assert result.facets["region"] == {"AMER": 1, "EMEA": 1}
    assert result.facets["product"] == {"Dashboards": 1, "Pipelines": 1}
    assert result.facets["approval_state"] == {"PUBLISHED": 2}
    assert "account" not in result.facets
    staff = await world.search("csm", "ibis", types=("case_study",), facets=True)
    assert staff.facets["account"] == {
        str(world.accounts["acme"].id): 1,
        str(world.accounts["globex"].id): 1,
    }
    # and each filter narrows to the matching study
    for filters, expected in (
        ({"industry": ("Retail",)}, acme),
        ({"industry": ("Broadcast",)}, globex),
        ({"region": ("AMER",)}, globex),
        ({"product": ("Pipelines",)}, acme),
        ({"author": (world.people["gil"].id,)}, globex),
    ):
        found = await world.find("hana", "ibis", types=("case_study",), filters=filters)
        assert found == [("case_study", expected.id)], filters
    # filters the forum types lack leave them out of a search over every type
    everything = await world.find("hana", "ibis", filters={"region": ("EMEA",)})
    assert everything == [("case_study", acme.id)]


async def test_reindex_rebuilds_the_advocacy_types(world):
    from search.reindex import reindex

    # given a published case study and a profile, indexed, then the index emptied
    await grant(world, "casey", AdvocacyActivity.CASE_STUDY)
    await grant(world, "casey", AdvocacyActivity.LOGO_USE, account_id=world.accounts["acme"].id)
    study = await nominate_study(world, "casey", "Tapir onboarding")
    await publish(world, study)
    await world.index_pending()
    types = [world.index.types[name] for name in ("case_study", "testimonial", "advocate_profile")]
    doc_type = world.index.types["case_study"]
    await world.index.backend.delete(doc_type, [study.id])
    assert await found_ids(world, "hana", "case_study", "tapir") == set()
    # when those types are rebuilt from the database (`bondfire search reindex --type ...`)
    rebuilt = await reindex(world.session_factory, world.index, types)
    # then the case study is back, as its policy says
    assert [(r.type, r.documents) for r in rebuilt] == [
        ("case_study", 1),
        ("testimonial", 0),
        ("advocate_profile", 0),
    ]
    assert await found_ids(world, "hana", "case_study", "tapir") == {study.id}
    # (the consent rows are what made it visible)
    consents = await world.session.scalars(select(ConsentRecord.activity))
    assert AdvocacyActivity.CASE_STUDY in set(consents)
